//! The reliability guarantees of local mode, through the `lineage-agent` binary: a missing script
//! is an incomplete run a later run completes; a run of 10,000 datasets and one with a
//! 3,000-byte path are recorded within the limits (the caps as `limits` findings, two documents
//! per run, no temp file, the long name kept whole); deeply nested scripts neither crash nor hang the process.

use crate::common::{agent, files_under, repo};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A copy of the `orders-nightly` fixture case under `fixtures/`, its script replaced by
/// `script` (`language` `python` or `scala`; `None`: no script at all).
fn case(fixtures: &Path, script: Option<(&str, &str)>) -> PathBuf {
    let from = repo().join("tests/fixtures/orders-nightly");
    let to = fixtures.join("orders-nightly");
    std::fs::create_dir_all(&to).expect("case folder");
    for f in ["event.json", "run.json", "logs.json"] {
        std::fs::copy(from.join(f), to.join(f)).expect("copy fixture");
    }
    let mut job: Value =
        serde_json::from_slice(&std::fs::read(from.join("job.json")).expect("job")).expect("json");
    let language = script.map_or("python", |(l, _)| l);
    let ext = if language == "scala" { "scala" } else { "py" };
    job["Job"]["Command"]["ScriptLocation"] =
        format!("s3://aws-glue-assets-111122223333-us-east-1/scripts/orders-nightly-rollup.{ext}")
            .into();
    job["Job"]["DefaultArguments"]["--job-language"] = language.into();
    if language == "scala" {
        job["Job"]["DefaultArguments"]["--class"] = "GlueApp".into();
    }
    std::fs::write(to.join("job.json"), job.to_string()).expect("write job");
    if let Some((_, text)) = script {
        std::fs::write(to.join(format!("script.{ext}")), text).expect("write script");
    }
    to
}

/// `run --json` of the case's event: the outcome.
fn run_json(fixtures: &Path, out: &Path, case: &Path) -> Value {
    let o = agent(&[
        "run",
        "--fixtures",
        fixtures.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--json",
        case.join("event.json").to_str().expect("utf8"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("one JSON outcome")
}

fn checks(outcome: &Value) -> Vec<(String, String)> {
    outcome["context"]["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|x| {
                    (
                        x["check"].as_str().unwrap_or_default().to_string(),
                        x["severity"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_missing_script_is_an_incomplete_run_that_a_later_run_completes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixtures = tmp.path().join("fixtures");
    let out = tmp.path().join("out");
    let case = case(&fixtures, None);
    let first = run_json(&fixtures, &out, &case);
    assert_eq!(first["context"]["processing_status"], "incomplete");
    assert!(checks(&first).contains(&("script".into(), "error".into())));
    // the script is back: the next run completes the run, the one after finds it done
    std::fs::copy(
        repo().join("tests/fixtures/orders-nightly/script.py"),
        case.join("script.py"),
    )
    .expect("restore the script");
    let done = run_json(&fixtures, &out, &case);
    assert_eq!(done["disposition"], "processed");
    assert_eq!(done["context"]["processing_status"], "completed");
    let again = run_json(&fixtures, &out, &case);
    assert_eq!(again["disposition"], "already_recorded");
    let docs: Vec<String> = files_under(&out.join("documents"));
    assert_eq!(
        docs.len(),
        2,
        "one run's START and terminal documents: {docs:?}"
    );
}

#[test]
fn ten_thousand_datasets_and_a_long_path_are_recorded_within_the_limits() {
    let ten_thousand = "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n\
for a in range(100):\n    for b in range(100):\n        spark.read.parquet(f\"s3://big-bucket/part{a}/sub{b}/\")\n";
    let long = format!(
        "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n\
df = spark.read.parquet(\"s3://raw-zone/orders/\")\ndf.write.parquet(\"s3://long-bucket/{}\")\n",
        "segment/".repeat(375)
    );
    for script in [ten_thousand.to_string(), long] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let fixtures = tmp.path().join("fixtures");
        let out = tmp.path().join("out");
        let case = case(&fixtures, Some(("python", &script)));
        let outcome = run_json(&fixtures, &out, &case);
        assert_eq!(outcome["disposition"], "processed");
        let context = serde_json::to_vec(&outcome["context"]).expect("json").len();
        assert!(context <= 400 * 1024, "the context is {context} bytes");
        let docs = files_under(&out.join("documents"));
        assert_eq!(docs.len(), 2, "START and terminal, no temp file: {docs:?}");
        assert!(docs.iter().all(|d| d.ends_with(".json")), "{docs:?}");
        if script.contains("range(100)") {
            assert!(
                checks(&outcome).iter().any(|(c, _)| c == "limits"),
                "the cap is a finding: {:?}",
                checks(&outcome)
            );
        }
        // the graph the store gives back names every dataset in full (only the store's keys
        // are bounded, with a hash suffix: `lineage-domain` `keys::tests`)
        let graph = agent(&[
            "graph",
            "--store",
            out.join("lineage.db").to_str().expect("utf8"),
        ]);
        assert!(graph.status.success());
        let graph: Value = serde_json::from_slice(&graph.stdout).expect("graph JSON");
        let names: Vec<&str> = graph["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .filter(|n| n["type"] == "dataset")
            .filter_map(|n| n["name"].as_str())
            .collect();
        if script.contains("range(100)") {
            // the cap, `validation.max_datasets_per_run` (1,000 by default)
            assert_eq!(names.len(), 1000, "{} datasets", names.len());
        } else {
            assert!(names.iter().any(|n| n.len() >= 2999), "{names:?}");
        }
    }
}

#[test]
fn deeply_nested_scripts_neither_crash_nor_hang_the_cli() {
    let depth = 10_000;
    let python = format!(
        "x = {}1{}\nspark.read.parquet(\"s3://raw-zone/orders/\")\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let scala = format!(
        "object GlueApp {{\n  def main(args: Array[String]): Unit = {{\n    val x = {}1{}\n    spark.read.parquet(\"s3://raw-zone/orders/\")\n  }}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    for (language, script) in [("python", python), ("scala", scala)] {
        let tmp = tempfile::tempdir().expect("tempdir");
        let case = case(&tmp.path().join("fixtures"), Some((language, &script)));
        let mut child = Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
            .args(["extract", case.to_str().expect("utf8")])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // a liveness bound, not a speed target: a hang would never end
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(300) {
                let _ = child.kill();
                panic!("{language}: extract did not end in 300 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        let o = child.wait_with_output().expect("output");
        assert!(
            status.success(),
            "{language}: {status} {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let doc: Value = serde_json::from_slice(&o.stdout).expect("a RunEvent");
        assert!(
            doc.to_string().contains("raw-zone"),
            "{language}: the read after the nesting is found"
        );
    }
}
