//! `graph --format html` and `--format svg` opened in headless Chromium: the page lays out every node of the
//! store's graph (or of the part around a dataset), selects the dataset asked for, and draws
//! something a person can see (a screenshot far from blank). Chromium comes from
//! `LINEAGE_CHROMIUM` or `/usr/bin/chromium`; `make test` installs it and sets
//! `LINEAGE_REQUIRE_CHROMIUM=1`, so a missing browser fails there instead of skipping.

use crate::common::repo;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn agent(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .current_dir(cwd)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run lineage-agent")
}

/// The project's sample events: a succeeded, a failed and a stopped run.
const SAMPLE_EVENTS: [&str; 3] = [
    "events/glue-job-succeeded.json",
    "events/glue-job-failed.json",
    "events/glue-job-stopped.json",
];

/// Runs the sample events on the project's fixtures into a store under `dir`; its path.
fn demo_store(dir: &Path, events: &[&str]) -> PathBuf {
    let out_dir = dir.join("out");
    let mut args = vec![
        "run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out_dir.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(events);
    let o = agent(&repo(), &args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out_dir.join("lineage.db")
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("LINEAGE_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var("LINEAGE_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "LINEAGE_REQUIRE_CHROMIUM=1 but no Chromium at {}",
        path.display()
    );
    eprintln!("graph page test skipped: no Chromium at {}", path.display());
    None
}

/// Runs headless Chromium on a file with extra arguments; returns stdout.
fn browse(browser: &Path, profile: &Path, page: &Path, extra: &[&str]) -> String {
    let url = format!("file://{}", page.display());
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1200,700",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(&url)
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of `page` is a PNG that holds far more than one of a blank page of the same
/// kind (`blank`: its file name and text), written under `dir`.
fn assert_not_blank(browser: &Path, dir: &Path, page: &Path, blank: (&str, &str)) {
    let shot = dir.join(format!(
        "{}.png",
        page.display().to_string().replace('/', "_")
    ));
    browse(
        browser,
        &dir.join(format!("profile-{}", blank.0)),
        page,
        &[&format!("--screenshot={}", shot.display())],
    );
    let blank_page = dir.join(blank.0);
    std::fs::write(&blank_page, blank.1).expect("write");
    let blank_shot = dir.join(format!("{}.png", blank.0));
    browse(
        browser,
        &dir.join(format!("profile-{}-blank", blank.0)),
        &blank_page,
        &[&format!("--screenshot={}", blank_shot.display())],
    );
    let size = |p: &Path| std::fs::metadata(p).expect("screenshot written").len();
    let png = std::fs::read(&shot).expect("png");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    assert!(
        size(&shot) > 5 * size(&blank_shot),
        "the screenshot of {} ({} bytes) looks blank next to an empty page ({} bytes)",
        page.display(),
        size(&shot),
        size(&blank_shot)
    );
}

#[test]
fn the_graph_page_renders_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = repo();
    let store = demo_store(dir.path(), &SAMPLE_EVENTS);
    let store = store.to_str().expect("utf-8");

    // the whole graph: as many nodes drawn as the JSON graph has
    let json = agent(&root, &["graph", "--store", store]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let graph: serde_json::Value = serde_json::from_slice(&json.stdout).expect("graph json");
    let nodes = graph["nodes"].as_array().expect("nodes").len();
    assert!(
        nodes >= 6,
        "the fixtures give a few jobs and datasets: {nodes}"
    );
    let html = agent(&root, &["graph", "--store", store, "--format", "html"]);
    assert!(html.status.success());
    let page = dir.path().join("graph.html");
    std::fs::write(&page, &html.stdout).expect("write page");
    let dom = browse(
        &browser,
        &dir.path().join("profile-1"),
        &page,
        &["--dump-dom"],
    );
    assert!(
        dom.contains(&format!("data-rendered=\"{nodes}\"")),
        "the page drew a different number of nodes than the graph has ({nodes})"
    );
    assert_eq!(dom.matches("<g class=\"node ").count(), nodes);

    // around one dataset, named as people type it: fewer nodes, the dataset selected
    let around = agent(
        &root,
        &[
            "graph",
            "--store",
            store,
            "--format",
            "html",
            "--around",
            "glue:sales_raw.orders",
            "--depth",
            "1",
        ],
    );
    assert!(
        around.status.success(),
        "{}",
        String::from_utf8_lossy(&around.stderr)
    );
    let page_around = dir.path().join("around.html");
    std::fs::write(&page_around, &around.stdout).expect("write page");
    let dom = browse(
        &browser,
        &dir.path().join("profile-2"),
        &page_around,
        &["--dump-dom"],
    );
    assert!(
        dom.contains("class=\"node dataset sel\""),
        "the asked-for dataset is selected"
    );
    assert!(
        dom.contains("class=\"node job down\""),
        "its reader is highlighted downstream"
    );
    let drawn = dom.matches("<g class=\"node ").count();
    assert!(
        drawn < nodes && drawn >= 3,
        "around draws part of the graph: {drawn} of {nodes}"
    );

    // a screenshot of the graph holds far more than a blank page of the same size
    assert_not_blank(
        &browser,
        dir.path(),
        &page,
        ("blank.html", "<!doctype html><html><body></body></html>"),
    );
}

#[test]
fn graph_around_an_unknown_dataset_is_a_one_line_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = repo();
    let store = demo_store(dir.path(), &["events/glue-job-succeeded.json"]);
    let o = agent(
        &root,
        &[
            "graph",
            "--store",
            store.to_str().expect("utf-8"),
            "--format",
            "html",
            "--around",
            "glue:nosuch.table",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("glue:nosuch.table"), "{err}");
    assert!(o.stdout.is_empty(), "no page for an unknown dataset");
}

#[test]
fn the_svg_picture_names_every_node_and_opens_in_a_browser() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let root = repo();
    let store = demo_store(dir.path(), &SAMPLE_EVENTS);
    let store = store.to_str().expect("utf-8");
    let svg = agent(&root, &["graph", "--store", store, "--format", "svg"]);
    assert!(
        svg.status.success(),
        "{}",
        String::from_utf8_lossy(&svg.stderr)
    );
    let text = String::from_utf8_lossy(&svg.stdout).into_owned();
    assert!(
        text.starts_with("<?xml") && text.contains("<svg"),
        "{text:.200}"
    );
    // every node's short label (as the DOT output names them) is drawn
    let dot = agent(&root, &["graph", "--store", store, "--format", "dot"]);
    let dot = String::from_utf8_lossy(&dot.stdout).into_owned();
    let labels: Vec<&str> = dot
        .lines()
        .filter_map(|l| {
            l.split_once("[label=\"")?
                .1
                .split_once("\", shape=")
                .map(|x| x.0)
        })
        .collect();
    assert!(labels.len() >= 6, "{dot}");
    for label in &labels {
        assert!(text.contains(&format!(">{label}<")), "{label} is not drawn");
    }

    // Chromium parses it as SVG (an XML error would show as a parser error) and draws it
    let picture = dir.path().join("graph.svg");
    std::fs::write(&picture, &svg.stdout).expect("write svg");
    let dom = browse(
        &browser,
        &dir.path().join("profile-svg-1"),
        &picture,
        &["--dump-dom"],
    );
    assert!(dom.contains("<svg"), "{dom:.300}");
    assert!(!dom.contains("parsererror"), "not well-formed: {dom:.600}");
    assert_not_blank(
        &browser,
        dir.path(),
        &picture,
        (
            "blank.svg",
            "<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\" height=\"700\"></svg>",
        ),
    );

    // a store that is not there: one line, no picture (an empty graph: `graph_svg` unit tests)
    let missing = dir.path().join("nowhere.db");
    let none = agent(
        &root,
        &[
            "graph",
            "--store",
            missing.to_str().expect("utf-8"),
            "--format",
            "svg",
        ],
    );
    assert!(!none.status.success());
    assert!(none.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&none.stderr).trim().lines().count(),
        1
    );
}
