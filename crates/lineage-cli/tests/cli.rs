//! The `lineage-agent` binary as a user runs it: summaries, documents on stdout, and one-line
//! errors with exit code 2 for bad input, writing nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run lineage-agent")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn run_prints_a_summary_and_writes_under_out() {
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().join("o");
    let o = agent(&[
        "run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out_dir.to_str().expect("utf8"),
        "events/glue-job-succeeded.json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("job orders-nightly-rollup"), "{text}");
    assert!(text.contains("wrote lineage document"), "{text}");
    assert!(out_dir.join("lineage.db").is_file());
}

#[test]
fn extract_prints_a_run_event() {
    let o = agent(&["extract", "tests/fixtures/clicks-stopped"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(doc["eventType"], "ABORT");
    assert_eq!(
        doc["job"]["facets"]["jobType"]["processingType"],
        "STREAMING"
    );
}

fn assert_bad_input(args: &[&str], must_name: &str, out_dir: &Path) {
    let o = agent(args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(must_name), "{err} should name {must_name}");
    assert!(!out_dir.exists(), "nothing written for {args:?}");
}

#[test]
fn bad_input_is_one_line_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("never");
    let out = out_dir.to_str().expect("utf8");
    let write = |name: &str, text: &str| {
        let p = tmp.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf8").to_string()
    };
    let malformed = write("malformed.json", "{\"detail-type\": ");
    let other = write(
        "other.json",
        r#"{"source":"aws.s3","detail-type":"Object Created","detail":{}}"#,
    );
    let event =
        std::fs::read_to_string(repo().join("events/glue-job-succeeded.json")).expect("event");
    let running = write("running.json", &event.replace("SUCCEEDED", "RUNNING"));

    assert_bad_input(
        &[
            "run",
            "--fixtures",
            "tests/fixtures",
            "--out",
            out,
            "missing.json",
        ],
        "missing.json",
        &out_dir,
    );
    assert_bad_input(
        &[
            "run",
            "--fixtures",
            "tests/fixtures",
            "--out",
            out,
            &malformed,
        ],
        "malformed.json",
        &out_dir,
    );
    assert_bad_input(
        &["run", "--fixtures", "tests/fixtures", "--out", out, &other],
        "not a Glue job state change",
        &out_dir,
    );
    assert_bad_input(
        &[
            "run",
            "--fixtures",
            "tests/fixtures",
            "--out",
            out,
            &running,
        ],
        "RUNNING",
        &out_dir,
    );
    assert_bad_input(
        &[
            "run",
            "--fixtures",
            "no/such/dir",
            "--out",
            out,
            "events/glue-job-succeeded.json",
        ],
        "no/such/dir",
        &out_dir,
    );
    assert_bad_input(&["extract", "no/such/case"], "no/such/case", &out_dir);
}

#[test]
fn sql_reads_stdin_and_rejects_unknown_dialects() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(["sql", "--dialect", "sparksql"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"INSERT INTO mart.daily SELECT * FROM raw.events JOIN ref.users USING (id)")
        .expect("write");
    let o = child.wait_with_output().expect("wait");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["outputs"], serde_json::json!(["mart.daily"]));
    assert_eq!(v["inputs"], serde_json::json!(["raw.events", "ref.users"]));
    let bad = agent(&["sql", "--dialect", "klingon"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn replay_to_a_local_queue_file_then_from_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let queue = dir.path().join("queue.jsonl");
    let queue_arg = queue.to_str().expect("utf8");
    let events_dir = dir.path().join("events");
    std::fs::create_dir(&events_dir).expect("mkdir");
    for name in ["succeeded", "failed", "stopped"] {
        let file = format!("glue-job-{name}.json");
        std::fs::copy(repo().join("events").join(&file), events_dir.join(&file)).expect("copy");
    }
    let events = 3;
    let from = events_dir.to_str().expect("utf8");
    let o = agent(&["replay", "--from", from, "--to-queue", queue_arg, "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines: Vec<String> = std::fs::read_to_string(&queue)
        .expect("queue file")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), events, "one line per Glue event");
    assert!(String::from_utf8_lossy(&o.stdout).contains(&format!("sent {events} of {events}")));
    // the file replays like any JSONL file of events
    let out = dir.path().join("out");
    let o = agent(&[
        "replay",
        "--fixtures",
        "tests/fixtures",
        "--from",
        queue_arg,
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("lineage.db").is_file());
}
