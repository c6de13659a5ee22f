//! Hostile input for script and log extraction (`lineage_extract::extract` on a run context
//! built here): property tests (a bounded number of cases in `make test`, more with
//! `PROPTEST_CASES` in `make fuzz`) and explicit extremes — a 5 MB script, 100,000 log events,
//! 10,000-deep nesting (parentheses, calls, f-strings in Python; blocks in Scala), very long
//! lines — never panic, never hang (each extraction runs on a thread with the tokio worker's
//! 2 MiB stack, under a deadline) and stay within a memory bound. Invalid UTF-8 and binary
//! script bytes through the local `FsFixtures` script store give a typed error naming the
//! problem (the S3 adapter's side is in `secrets_and_batches.rs`, which has moto).

use lineage_domain::ports::ScriptStore;
use lineage_domain::{
    Direction, ErrorKind, GlueJobStateChange, JobDefinition, JobRun, LogEvent, RunContext, Script,
    ScriptLanguage,
};
use lineage_extract::{ExtractSettings, Extraction};
use proptest::prelude::*;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

const RUN_START_MS: i64 = 1_715_659_200_000; // 2024-05-14T04:00:00Z

fn context(language: ScriptLanguage, script: String, logs: Vec<LogEvent>) -> RunContext {
    let event = GlueJobStateChange::from_value(json!({
        "version": "0", "id": "e", "detail-type": "Glue Job State Change", "source": "aws.glue",
        "account": "123456789012", "time": "2024-05-14T04:10:00Z", "region": "us-east-1",
        "resources": [],
        "detail": {"jobName": "hostile", "severity": "INFO", "state": "SUCCEEDED",
                   "jobRunId": "jr_hostile", "message": "ok"}
    }))
    .expect("event");
    let ext = match language {
        ScriptLanguage::Python => "py",
        ScriptLanguage::Scala => "scala",
        ScriptLanguage::Sql => "sql",
    };
    let job: JobDefinition = serde_json::from_value(json!({
        "Name": "hostile",
        "Command": {"Name": "glueetl", "ScriptLocation": format!("s3://scripts/hostile.{ext}")},
        "DefaultArguments": {"--target_bucket": "curated", "--db_password": "Qm7#vT2p!Lx9wR4z"},
        "GlueVersion": "4.0"
    }))
    .expect("job");
    let run: JobRun = serde_json::from_value(json!({
        "Id": "jr_hostile", "JobName": "hostile", "Attempt": 0,
        "StartedOn": "2024-05-14T04:00:00Z", "CompletedOn": "2024-05-14T04:09:00Z",
        "JobRunState": "SUCCEEDED", "Arguments": {}
    }))
    .expect("run");
    RunContext {
        event,
        job,
        run,
        connections: Vec::new(),
        script: Some(Script {
            location: format!("s3://scripts/hostile.{ext}"),
            language,
            text: script,
        }),
        extra: BTreeMap::new(),
        modules: Vec::new(),
        logs,
    }
}

/// The guard thread's stack: a tokio worker's 2 MiB in release builds. Debug frames are many
/// times larger (sqlparser's 50-deep recursion limit alone needs ~7 MiB unoptimised), so debug
/// runs get 16 MiB; the 10,000-deep cases still overflow that without the interpreters' depth
/// guards.
const STACK: usize = if cfg!(debug_assertions) {
    16 * 1024 * 1024
} else {
    2 * 1024 * 1024
};

/// Extracts on a thread with the stack of a tokio worker (where the Lambda runs it), under a
/// deadline: a hang or a stack overflow fails the test instead of stalling the suite.
fn extract_guarded(ctx: RunContext, deadline: Duration) -> Extraction {
    let (tx, rx) = std::sync::mpsc::channel();
    let label = format!(
        "{:?} script of {} bytes, {} log events",
        ctx.script.as_ref().map(|s| s.language),
        ctx.script.as_ref().map_or(0, |s| s.text.len()),
        ctx.logs.len()
    );
    std::thread::Builder::new()
        .name("extract".into())
        .stack_size(STACK)
        .spawn(move || {
            let out = lineage_extract::extract(&ctx.redact(), &ExtractSettings::default())
                .expect("no panic in the extractor");
            let _ = tx.send(out);
        })
        .expect("spawn");
    match rx.recv_timeout(deadline) {
        Ok(out) => out,
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("extraction of a {label} did not finish in {deadline:?}")
        }
        Err(e) => panic!("extraction of a {label} panicked ({e})"),
    }
}

/// The process's peak resident memory, in bytes (Linux).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

const MEMORY_BOUND: u64 = 1536 * 1024 * 1024;
const DEADLINE: Duration = Duration::from_secs(90);

fn log(i: usize, message: String) -> LogEvent {
    LogEvent {
        log_stream_name: "jr_hostile".into(),
        timestamp: RUN_START_MS + i64::try_from(i).unwrap_or(0),
        message,
        event_id: format!("{i}"),
    }
}

#[test]
fn a_5_mb_script_is_extracted_within_bounds() {
    let mut script = String::from(
        "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n",
    );
    let mut i = 0;
    while script.len() < 5 * 1024 * 1024 - 200 {
        script.push_str(&format!(
            "df{i} = spark.read.parquet(\"s3://raw-zone/t{}/\")  # {}\n",
            i % 50,
            "x".repeat(40)
        ));
        i += 1;
    }
    script.push_str("df0.write.parquet(\"s3://curated/out/\")\n");
    let t = Instant::now();
    let out = extract_guarded(
        context(ScriptLanguage::Python, script, Vec::new()),
        DEADLINE,
    );
    assert!(
        out.datasets(lineage_domain::Direction::Input).len() >= 50,
        "the reads of a large script are found"
    );
    assert!(peak_rss() < MEMORY_BOUND, "peak RSS {} bytes", peak_rss());
    eprintln!("5 MB script: {:?}", t.elapsed());
}

#[test]
fn a_hundred_thousand_log_events_are_extracted_within_bounds() {
    let logs: Vec<LogEvent> = (0..100_000)
        .map(|i| {
            log(
                i,
                match i % 4 {
                    0 => format!("INFO Reading parquet from s3://raw-zone/orders/part-{i}.parquet"),
                    1 => format!("INFO Writing to s3://curated/orders_clean/date={i}/"),
                    2 => format!("WARN token=abc{i} AKIAIOSFODNN7EXAMPLE"),
                    _ => "INFO nothing to see".repeat(5),
                },
            )
        })
        .collect();
    let script = "df = spark.read.parquet(\"s3://raw-zone/orders/\")\ndf.write.parquet(\"s3://curated/orders_clean/\")\n";
    let t = Instant::now();
    let out = extract_guarded(
        context(ScriptLanguage::Python, script.into(), logs),
        DEADLINE,
    );
    assert!(!out.edges.is_empty());
    let text = format!("{out:?}");
    assert!(!text.contains("AKIAIOSFODNN7EXAMPLE"), "no key in evidence");
    assert!(peak_rss() < MEMORY_BOUND, "peak RSS {} bytes", peak_rss());
    eprintln!("100k log events: {:?}", t.elapsed());
}

#[test]
fn deep_nesting_neither_overflows_nor_hangs() {
    const N: usize = 10_000;
    let cases: Vec<(&str, ScriptLanguage, String)> = vec![
        (
            "parentheses",
            ScriptLanguage::Python,
            format!("x = {}1{}\n", "(".repeat(N), ")".repeat(N)),
        ),
        (
            "calls",
            ScriptLanguage::Python,
            format!(
                "p = {}\"s3://raw/x/\"{}\nspark.read.parquet(p)\n",
                "str(".repeat(N),
                ")".repeat(N)
            ),
        ),
        (
            "read in calls",
            ScriptLanguage::Python,
            format!(
                "df = {}spark.read.parquet(\"s3://raw/y/\"){}\n",
                "f(".repeat(N),
                ")".repeat(N)
            ),
        ),
        (
            "f-strings",
            ScriptLanguage::Python,
            format!("p = {}x{}\n", "f\"{".repeat(N), "}\"".repeat(N)),
        ),
        (
            "lists",
            ScriptLanguage::Python,
            format!("x = {}{}\n", "[".repeat(N), "]".repeat(N)),
        ),
        (
            "binary operators",
            ScriptLanguage::Python,
            format!("p = \"s3://raw/\"{}\n", " + \"a\"".repeat(N)),
        ),
        (
            "unclosed",
            ScriptLanguage::Python,
            format!("x = {}\n", "(".repeat(N)),
        ),
        (
            "scala blocks",
            ScriptLanguage::Scala,
            format!(
                "object GlueApp {{ def main(a: Array[String]): Unit = {}spark.read.parquet(\"s3://raw/z/\"){} }}\n",
                "{ ".repeat(N),
                " }".repeat(N)
            ),
        ),
        (
            "scala calls",
            ScriptLanguage::Scala,
            format!(
                "object GlueApp {{ val x = {}1{} }}\n",
                "f(".repeat(N),
                ")".repeat(N)
            ),
        ),
        (
            "sql subqueries",
            ScriptLanguage::Sql,
            format!(
                "INSERT INTO t SELECT * FROM {}a{}\n",
                "(SELECT * FROM ".repeat(N),
                ")".repeat(N)
            ),
        ),
    ];
    for (name, language, script) in cases {
        let t = Instant::now();
        let _ = extract_guarded(context(language, script, Vec::new()), DEADLINE);
        eprintln!("nesting {name}: {:?}", t.elapsed());
    }
    assert!(peak_rss() < MEMORY_BOUND, "peak RSS {} bytes", peak_rss());
}

#[test]
fn grouping_parentheses_at_any_depth_keep_the_dataset() {
    // Grouping parentheses mean nothing: 10,000 of them around a path leave the read a read
    // (they cost no nesting level of the interpreters, so no depth guard gives the path up).
    const N: usize = 10_000;
    let (open, close) = ("(".repeat(N), ")".repeat(N));
    let cases = [
        (
            ScriptLanguage::Python,
            format!("df = spark.read.parquet({open}\"s3://raw/deep/in/\"{close})\ndf.write.parquet({open}\"s3://cur/deep/out/\"{close})\n"),
        ),
        (
            ScriptLanguage::Scala,
            format!("object GlueApp {{ def main(a: Array[String]): Unit = {{ val df = spark.read.parquet({open}\"s3://raw/deep/in/\"{close}); df.write.parquet({open}\"s3://cur/deep/out/\"{close}) }} }}\n"),
        ),
    ];
    for (language, script) in cases {
        let x = extract_guarded(context(language, script, Vec::new()), DEADLINE);
        let names = |d: Direction| -> Vec<String> {
            x.edges
                .iter()
                .filter(|e| e.direction == d)
                .map(|e| e.dataset.name.clone())
                .collect()
        };
        assert_eq!(names(Direction::Input), ["deep/in"], "{language:?}");
        assert_eq!(names(Direction::Output), ["deep/out"], "{language:?}");
    }
}

#[test]
fn very_long_lines_are_extracted() {
    let long_path = format!("s3://raw-zone/{}/", "a".repeat(1_000_000));
    let script = format!(
        "x = \"{}\"\ndf = spark.read.parquet(\"s3://raw-zone/orders/\")\ny = {}\n",
        "z".repeat(2_000_000),
        "1 + ".repeat(200_000) + "1"
    );
    let logs = vec![
        log(0, format!("INFO Reading {long_path}")),
        log(1, "é".repeat(1_000_000)),
    ];
    let out = extract_guarded(context(ScriptLanguage::Python, script, logs), DEADLINE);
    assert!(out
        .edges
        .iter()
        .any(|e| e.dataset.name == "orders" && e.dataset.namespace == "s3://raw-zone"));
}

#[tokio::test]
async fn invalid_utf8_and_binary_scripts_are_a_typed_error_from_the_local_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, bytes) in [
        (
            "invalid-utf8",
            b"print('ok')\n\xff\xfe\xc3\x28 = 1\n".to_vec(),
        ),
        (
            "binary",
            (0u8..=255).cycle().take(64 * 1024).collect::<Vec<u8>>(),
        ),
    ] {
        let case = dir.path().join(name);
        std::fs::create_dir_all(&case).expect("mkdir");
        std::fs::write(
            case.join("job.json"),
            json!({"Job": {"Name": name, "Command": {"Name": "glueetl",
                   "ScriptLocation": format!("s3://scripts/{name}.py")}}})
            .to_string(),
        )
        .expect("job.json");
        std::fs::write(
            case.join("run.json"),
            json!({"JobRun": {"Id": format!("jr_{name}"), "JobName": name, "Attempt": 0,
                   "StartedOn": "2024-05-14T04:00:00Z", "JobRunState": "SUCCEEDED"}})
            .to_string(),
        )
        .expect("run.json");
        std::fs::write(case.join("script.py"), &bytes).expect("script");
    }
    let fixtures = lineage_local::FsFixtures::open(dir.path()).expect("fixtures");
    for name in ["invalid-utf8", "binary"] {
        let err = fixtures
            .object_text(&format!("s3://scripts/{name}.py"), 5 * 1024 * 1024)
            .await
            .expect_err("not text");
        assert_eq!(err.kind, ErrorKind::Invalid, "{err}");
        assert!(err.message.contains("UTF-8"), "names the problem: {err}");
        assert!(err.message.contains(name), "names the file: {err}");
    }
}

/// 64 cases in `make test`; `PROPTEST_CASES` raises it for `make fuzz`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

/// Code-like text: tokens of the languages and of Glue/Spark APIs, glued at random.
fn code() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        prop::sample::select(vec![
            "spark.read.parquet(",
            "glue.create_dynamic_frame.from_catalog(",
            "database=",
            "table_name=",
            ".write",
            ".mode(\"overwrite\")",
            ".parquet(",
            "spark.sql(",
            "\"s3://raw-zone/orders/\"",
            "'s3://b/'",
            "f\"s3://{",
            "args['",
            "']",
            "}\"",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "\"\"\"",
            "'",
            "\"",
            "#",
            "//",
            "/*",
            "*/",
            "\n",
            "    ",
            "=",
            "+",
            ",",
            "lambda x:",
            "def f(",
            "class A:",
            "val x = ",
            "object O {",
            "INSERT INTO t SELECT * FROM ",
            "WITH a AS (",
            "--",
            ";",
            "\\",
            "\u{0}",
            "é",
            "\u{202e}",
            "getResolvedOptions(sys.argv, [",
            "import ",
            "from ",
            "${",
        ])
        .prop_map(str::to_string),
        "[a-z_]{1,8}",
        "\\PC{0,12}",
        any::<u32>().prop_map(|n| n.to_string()),
    ];
    prop::collection::vec(token, 0..300).prop_map(|v| v.concat())
}

fn language() -> impl Strategy<Value = ScriptLanguage> {
    prop::sample::select(vec![
        ScriptLanguage::Python,
        ScriptLanguage::Scala,
        ScriptLanguage::Sql,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn extraction_of_arbitrary_scripts_and_logs_never_panics_or_hangs(
        language in language(),
        script in code(),
        messages in prop::collection::vec(prop_oneof![code(), "\\PC{0,200}"], 0..20),
    ) {
        let logs = messages.into_iter().enumerate().map(|(i, m)| log(i, m)).collect();
        let out = extract_guarded(context(language, script, logs), Duration::from_secs(30));
        // whatever was found is a well-formed result, with no secret in it
        for e in &out.edges {
            prop_assert!(!e.dataset.namespace.is_empty());
        }
        let shown = format!("{out:?}");
        prop_assert!(!shown.contains("Qm7#vT2p!Lx9wR4z"), "a secret in {}", shown);
    }

    #[test]
    fn extraction_of_arbitrary_bytes_as_text_never_panics(
        language in language(),
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let script = String::from_utf8_lossy(&bytes).into_owned();
        let _ = extract_guarded(context(language, script, Vec::new()), Duration::from_secs(30));
    }
}
