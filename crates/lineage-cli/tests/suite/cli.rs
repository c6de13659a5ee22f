//! The `lineage-agent` binary as a user runs it: summaries, documents on stdout, and one-line
//! errors with exit code 2 for bad input, writing nothing.

use crate::common::{agent, files_under, repo, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
fn a_failed_run_writes_nothing_at_all() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("o");
    let text = std::fs::read_to_string(repo().join("events/glue-job-succeeded.json"))
        .expect("sample event");
    let mut event: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    event["detail"]["jobName"] = "no-such-job-in-the-fixtures".into();
    let path = tmp.path().join("event.json");
    std::fs::write(&path, event.to_string()).expect("write event");
    let o = agent(&[
        "run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out_dir.to_str().expect("utf8"),
        path.to_str().expect("utf8"),
    ]);
    assert!(!o.status.success(), "the run fails");
    assert!(
        !out_dir.exists(),
        "no store, no documents, no folder: {}",
        stderr(&o)
    );
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

/// `lineage-agent sql ARGS` with `input` on stdin.
fn sql_on_stdin(args: &[&str], input: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .arg("sql")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write");
    child.wait_with_output().expect("wait")
}

#[test]
fn sql_reads_stdin_and_rejects_unknown_dialects() {
    let o = sql_on_stdin(
        &["--dialect", "sparksql"],
        b"INSERT INTO mart.daily SELECT * FROM raw.events JOIN ref.users USING (id)",
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["outputs"], serde_json::json!(["mart.daily"]));
    assert_eq!(v["inputs"], serde_json::json!(["raw.events", "ref.users"]));
    let bad = agent(&["sql", "--dialect", "klingon"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn sql_columns_prints_each_written_column_with_its_sources() {
    let o = sql_on_stdin(
        &["--dialect", "sparksql", "--columns"],
        b"WITH t AS (SELECT id, amount FROM raw.sales)\n\
          INSERT INTO mart.totals SELECT id, sum(amount) AS total FROM t GROUP BY id",
    );
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        v["columns"],
        serde_json::json!([
            {"table": "mart.totals", "column": "id", "sources": [
                {"table": "raw.sales", "column": "id", "transformation": "IDENTITY"}]},
            {"table": "mart.totals", "column": "total", "sources": [
                {"table": "raw.sales", "column": "amount", "transformation": "AGGREGATION"}]},
        ])
    );
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

// --- settings: defaults, then config.yaml and config-{ENVIRONMENT}.yaml, then variables

const CASE: &str = "tests/fixtures/clicks-stopped";

/// The variables these tests set, removed from what the test process passes on.
const SETTING_VARS: &[&str] = &[
    "ENVIRONMENT",
    "MIN_CONFIDENCE_SCORE",
    "LOG_LEVEL",
    "LINEAGE_LOG",
    "LINEAGE_CONFIG_DIR",
    "AWS_ACCOUNT_ID",
];

/// Runs the binary in `cwd` with only the given settings variables.
fn agent_with(cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lineage-agent"));
    cmd.args(args).current_dir(cwd);
    for v in SETTING_VARS {
        cmd.env_remove(v);
    }
    cmd.envs(vars.iter().copied())
        .output()
        .expect("run lineage-agent")
}

/// The `lineage_validation` threshold of the RunEvent `extract` printed.
fn threshold(o: &Output) -> f64 {
    assert!(o.status.success(), "{}", stderr(o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    doc["run"]["facets"]["lineage_validation"]["minConfidenceScore"]
        .as_f64()
        .expect("minConfidenceScore")
}

/// A config folder: `config.yaml` and `config-{env}.yaml` for each overlay.
fn config_dir(base: &str, overlays: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("config.yaml"), base).expect("write base");
    for (env, text) in overlays {
        std::fs::write(d.path().join(format!("config-{env}.yaml")), text).expect("write");
    }
    d
}

fn score(x: f64) -> String {
    format!("validation:\n  min_confidence_score: {x}\n")
}

#[test]
fn settings_come_from_the_config_folder_then_the_environment() {
    let d = config_dir(
        &score(0.6),
        &[("dev", &score(0.55)), ("test", &score(0.65))],
    );
    let dir = d.path().to_str().expect("utf8");
    let extract = ["--config-dir", dir, "extract", CASE];
    let case = repo().join(CASE);
    let case = case.to_str().expect("utf8");
    // the overlay of the default environment (dev) over the base
    assert_eq!(threshold(&agent_with(&repo(), &extract, &[])), 0.55);
    // ENVIRONMENT picks the overlay; an environment without one gets the base
    let test = agent_with(&repo(), &extract, &[("ENVIRONMENT", "test")]);
    assert_eq!(threshold(&test), 0.65);
    let qa = agent_with(&repo(), &extract, &[("ENVIRONMENT", "qa")]);
    assert_eq!(threshold(&qa), 0.6);
    // LINEAGE_CONFIG_DIR is --config-dir, from any folder
    let by_var = agent_with(d.path(), &["extract", case], &[("LINEAGE_CONFIG_DIR", dir)]);
    assert_eq!(threshold(&by_var), 0.55);
    // an environment variable wins over the files
    let over = agent_with(&repo(), &extract, &[("MIN_CONFIDENCE_SCORE", "0.9")]);
    assert_eq!(threshold(&over), 0.9);
}

#[test]
fn config_reads_one_file_instead_of_the_folder() {
    let d = tempfile::tempdir().expect("tempdir");
    let file = d.path().join("mine.yaml");
    std::fs::write(&file, score(0.6)).expect("write");
    let file = file.to_str().expect("utf8");
    // run in the repository: its config/ folder is not read
    let o = agent_with(&repo(), &["--config", file, "extract", CASE], &[]);
    assert_eq!(threshold(&o), 0.6);
    let o = agent_with(&repo(), &["extract", CASE, "--config", file], &[]);
    assert_eq!(threshold(&o), 0.6, "the option is global");
    let v = agent_with(
        &repo(),
        &[
            "config", "validate", "-e", "dev", "--config", file, "--format", "json",
        ],
        &[],
    );
    assert!(v.status.success(), "{}", stderr(&v));
    let effective: serde_json::Value = serde_json::from_slice(&v.stdout).expect("json");
    assert_eq!(effective["validation"]["min_confidence_score"], 0.6);

    let missing = d.path().join("missing.yaml");
    let missing = missing.to_str().expect("utf8");
    let o = agent_with(&repo(), &["--config", missing, "extract", CASE], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(missing), "{err}");
}

#[test]
fn the_repository_config_applies_inside_the_repository_and_none_outside() {
    let validate = agent_with(
        &repo(),
        &[
            "config",
            "validate",
            "--environment",
            "dev",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(validate.status.success(), "{}", stderr(&validate));
    let effective: serde_json::Value = serde_json::from_slice(&validate.stdout).expect("json");
    let dev = effective["validation"]["min_confidence_score"]
        .as_f64()
        .expect("score");
    assert_eq!(
        threshold(&agent_with(&repo(), &["extract", CASE], &[])),
        dev
    );

    // outside the repository (no ./config): the defaults, silently
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let case = repo().join(CASE);
    let o = agent_with(
        elsewhere.path(),
        &["extract", case.to_str().expect("utf8")],
        &[],
    );
    assert_eq!(threshold(&o), 0.7);
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn a_problem_in_a_config_file_is_bad_input_naming_file_and_key() {
    let d = config_dir(
        "error_recovery:\n  max_retries: many\n",
        &[("dev", "validation:\n  min_confidence_scor: 0.3\n")],
    );
    let dir = d.path().to_str().expect("utf8");
    let o = agent_with(&repo(), &["--config-dir", dir, "extract", CASE], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let err = stderr(&o);
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    let base = d.path().join("config.yaml");
    let overlay = d.path().join("config-dev.yaml");
    for must in [
        format!("{}: error_recovery.max_retries", base.display()),
        format!("{}: validation.min_confidence_scor", overlay.display()),
        "did you mean min_confidence_score?".to_string(),
    ] {
        assert!(err.contains(&must), "{err} should name {must}");
    }
    // the same for every command that uses the settings
    let out = tempfile::tempdir().expect("tempdir");
    let out_dir = out.path().join("never");
    let o = agent_with(
        &repo(),
        &[
            "--config-dir",
            dir,
            "run",
            "--fixtures",
            "tests/fixtures",
            "--out",
            out_dir.to_str().expect("utf8"),
            "events/glue-job-succeeded.json",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!out_dir.exists(), "nothing written");
}

#[test]
fn log_level_sets_the_stderr_log_and_stdout_stays_json() {
    let debug = agent_with(&repo(), &["extract", CASE], &[("LOG_LEVEL", "DEBUG")]);
    threshold(&debug);
    let err = stderr(&debug);
    assert!(
        err.lines()
            .any(|l| l.contains("DEBUG") && l.contains("settings")),
        "{err}"
    );
    // quiet by default, though config-dev.yaml says logging.level: DEBUG (that is the Lambda's)
    let quiet = agent_with(&repo(), &["extract", CASE], &[]);
    threshold(&quiet);
    assert!(quiet.stderr.is_empty(), "{}", stderr(&quiet));
    // LINEAGE_LOG, when set, wins
    let filtered = agent_with(
        &repo(),
        &["extract", CASE],
        &[("LOG_LEVEL", "DEBUG"), ("LINEAGE_LOG", "error")],
    );
    threshold(&filtered);
    assert!(filtered.stderr.is_empty(), "{}", stderr(&filtered));
    // a bad level is bad input, like any setting
    let bad = agent_with(&repo(), &["extract", CASE], &[("LOG_LEVEL", "LOUD")]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("LOG_LEVEL"), "{}", stderr(&bad));
}

// --- a CLI that never surprises (issue 16)

/// Runs the binary in `cwd` with stdout's reader gone before it writes (`| head -0`).
fn agent_into_closed_pipe(cwd: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    child.wait_with_output().expect("wait")
}

/// `run --out out/demo` in `cwd`, as `make demo` does.
fn demo_store_in(cwd: &Path) {
    let o = agent_with(
        cwd,
        &[
            "run",
            "--fixtures",
            repo().join("tests/fixtures").to_str().expect("utf8"),
            "--out",
            "out/demo",
            repo()
                .join("events/glue-job-succeeded.json")
                .to_str()
                .expect("utf8"),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_closed_pipe_ends_run_lineage_and_graph_quietly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = repo().join("events");
    let fixtures = repo().join("tests/fixtures");
    let run: Vec<String> = ["run", "--fixtures", fixtures.to_str().expect("utf8")]
        .into_iter()
        .map(String::from)
        .chain(["succeeded", "failed", "stopped"].map(|s| {
            events
                .join(format!("glue-job-{s}.json"))
                .display()
                .to_string()
        }))
        .collect();
    let run: Vec<&str> = run.iter().map(String::as_str).collect();
    let commands: [&[&str]; 4] = [
        &run,
        &["graph", "--format", "dot"],
        &["graph"],
        &["lineage", "upstream", "s3://acme-analytics/orders_by_store"],
    ];
    for args in commands {
        let o = agent_into_closed_pipe(dir.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(o.stderr.is_empty(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn no_colour_codes_when_stderr_is_not_a_terminal() {
    let o = agent_with(&repo(), &["-vv", "extract", CASE], &[]);
    threshold(&o);
    let err = stderr(&o);
    assert!(err.contains("DEBUG"), "-vv logs debug: {err}");
    assert!(!err.contains('\u{1b}'), "no escape codes: {err:?}");
    let info = agent_with(&repo(), &["--verbose", "extract", CASE], &[]);
    threshold(&info);
    assert!(!stderr(&info).contains("DEBUG"), "{}", stderr(&info));
}

fn sql(args: &[&str], text: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .arg("sql")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(text.as_bytes()).expect("write");
    drop(stdin);
    child.wait_with_output().expect("wait")
}

#[test]
fn sql_that_does_not_parse_fails_with_the_parse_error() {
    let o = sql(&[], "this is not sql\n");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("stdin:1: not parsed"), "{err}");
    assert!(err.contains("found: this"), "the parser's words: {err}");
    // one bad statement among good ones: the lineage of the rest, the error reported, exit 0
    let o = sql(
        &["--dialect", "postgres"],
        "INSERT INTO b SELECT * FROM a;\nthis is not sql;\n",
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v, serde_json::json!({"inputs": ["a"], "outputs": ["b"]}));
    assert!(stderr(&o).contains("stdin:2: not parsed"), "{}", stderr(&o));
}

#[test]
fn sql_lists_the_dialects_when_one_is_unknown() {
    let o = sql(&["--dialect", "nosuch"], "SELECT 1");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    for name in ["sparksql", "postgres", "tsql", "snowflake", "duckdb"] {
        assert!(err.contains(name), "{err} should list {name}");
    }
    let upper = sql(&["--dialect", "TSQL"], "SELECT * FROM t");
    assert!(upper.status.success(), "{}", stderr(&upper));
}

/// A folder of event files in every layout, plus two bad ones.
fn mixed_event_folder(dir: &Path) {
    let read = |s: &str| {
        let text = std::fs::read_to_string(repo().join(format!("events/glue-job-{s}.json")))
            .expect("event");
        serde_json::from_str::<serde_json::Value>(&text).expect("json")
    };
    let pretty = serde_json::to_string_pretty(&read("succeeded")).expect("pretty");
    let array = serde_json::to_string(&[read("failed"), read("stopped")]).expect("array");
    for (name, text) in [
        ("a-pretty.json", pretty.as_str()),
        ("b-array.json", array.as_str()),
        ("c-truncated.json", &pretty[..pretty.len() / 2]),
        (
            "d-not-glue.json",
            r#"{"source":"aws.s3","detail-type":"Object Created","detail":{}}"#,
        ),
    ] {
        std::fs::write(dir.join(name), text).expect("write");
    }
}

#[test]
fn replay_counts_bad_files_as_failed_and_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let events = dir.path().join("events");
    std::fs::create_dir(&events).expect("mkdir");
    mixed_event_folder(&events);
    let out = dir.path().join("out");
    let args = [
        "replay",
        "--fixtures",
        "tests/fixtures",
        "--from",
        events.to_str().expect("utf8"),
        "--out",
        out.to_str().expect("utf8"),
        "--quiet",
    ];
    let o = agent(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    let count = |label: &str| -> Option<u32> {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .and_then(|l| l.split_whitespace().last()?.parse().ok())
    };
    assert_eq!(
        (count("processed"), count("failed")),
        (Some(3), Some(2)),
        "{text}"
    );
    assert!(text.contains("c-truncated.json: not JSON"), "{text}");
    assert!(
        text.contains("d-not-glue.json:") && text.contains("aws.s3"),
        "{text}"
    );
    assert!(
        stderr(&o).contains("2 of 5 events failed"),
        "{}",
        stderr(&o)
    );

    // the same as JSON, against the store just written: all recorded, the same two failures
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let o = agent(&json_args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(
        (&v["total"], &v["skipped"], &v["failed"]),
        (
            &serde_json::json!(5),
            &serde_json::json!(3),
            &serde_json::json!(2)
        ),
        "{v}"
    );
}

#[test]
fn replay_without_fixtures_or_bucket_points_at_local_mode() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let event = repo().join("events/glue-job-succeeded.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lineage-agent"));
    let o = cmd
        .args(["replay", "--from", event.to_str().expect("utf8")])
        .current_dir(elsewhere.path())
        .env_remove("LINEAGE_BUCKET")
        .env_remove("LINEAGE_CONFIG_DIR")
        .env_remove("ENVIRONMENT")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("LINEAGE_BUCKET is not set"), "{err}");
    assert!(err.contains("--fixtures DIR"), "{err}");
}

#[test]
fn dry_runs_and_failed_runs_write_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("o");
    let out_arg = out.to_str().expect("utf8");
    let dry = agent(&[
        "run",
        "--dry-run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out_arg,
        "events/glue-job-succeeded.json",
    ]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(String::from_utf8_lossy(&dry.stdout).contains("dry run: nothing written"));
    let replay_dry = agent(&[
        "replay",
        "--dry-run",
        "--fixtures",
        "tests/fixtures",
        "--from",
        "events/glue-job-failed.json",
        "--out",
        out_arg,
        "--quiet",
    ]);
    assert!(replay_dry.status.success(), "{}", stderr(&replay_dry));
    // the captured runs of another job: the run is not there, the command fails
    let failed = agent(&[
        "run",
        "--fixtures",
        "tests/fixtures/clicks-stopped",
        "--out",
        out_arg,
        "events/glue-job-succeeded.json",
    ]);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    let replay_failed = agent(&[
        "replay",
        "--fixtures",
        "tests/fixtures/clicks-stopped",
        "--from",
        "events/glue-job-succeeded.json",
        "--out",
        out_arg,
        "--quiet",
    ]);
    assert_eq!(replay_failed.status.code(), Some(1));
    assert!(!out.exists(), "nothing written under {}", out.display());
    // into a folder that exists: no empty store left in it
    std::fs::create_dir(&out).expect("mkdir");
    let failed = agent(&[
        "run",
        "--fixtures",
        "tests/fixtures/clicks-stopped",
        "--out",
        out_arg,
        "events/glue-job-succeeded.json",
    ]);
    assert_eq!(failed.status.code(), Some(2), "{}", stderr(&failed));
    let left: Vec<_> = std::fs::read_dir(&out).expect("read").collect();
    assert_eq!(left.len(), 0, "{left:?}");
}

#[test]
fn query_commands_find_the_store_the_demo_wrote() {
    let dir = tempfile::tempdir().expect("tempdir");
    // before any run: the error names where it looked
    let none = agent_with(dir.path(), &["graph"], &[]);
    assert_eq!(none.status.code(), Some(2));
    let err = stderr(&none);
    assert!(
        err.contains("out/lineage.db") && err.contains("out/demo/lineage.db"),
        "{err}"
    );
    demo_store_in(dir.path());
    let graph = agent_with(dir.path(), &["graph", "--format", "json"], &[]);
    assert!(graph.status.success(), "{}", stderr(&graph));
    let v: serde_json::Value = serde_json::from_slice(&graph.stdout).expect("json");
    assert!(!v["nodes"].as_array().expect("nodes").is_empty(), "{v}");
    let lineage = agent_with(
        dir.path(),
        &[
            "lineage",
            "--json",
            "upstream",
            "s3://acme-analytics/orders_by_store",
        ],
        &[],
    );
    assert!(lineage.status.success(), "{}", stderr(&lineage));
    let v: serde_json::Value = serde_json::from_slice(&lineage.stdout).expect("json");
    assert_eq!(v["store"], "out/demo/lineage.db");
    assert_eq!(v["known"], true);
    assert_eq!(
        (&v["steps"][0]["from"], &v["steps"][0]["to"]),
        (
            &serde_json::json!("job:orders-nightly-rollup"),
            &serde_json::json!("s3://acme-analytics/orders_by_store")
        ),
        "the job that writes it: {v}"
    );
}

#[test]
fn run_json_is_one_object_per_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("o");
    let o = agent(&[
        "run",
        "--json",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out.to_str().expect("utf8"),
        "events/glue-job-succeeded.json",
        "events/glue-job-stopped.json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let runs: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object a line"))
        .collect();
    let summary: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| {
            (
                r["job_name"].as_str().unwrap_or_default(),
                r["disposition"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("orders-nightly-rollup", "processed"),
            ("clickstream-to-s3", "processed")
        ]
    );
    assert!(
        runs[0]["context"]["summary"]["outputs"].is_array(),
        "{}",
        runs[0]
    );
}

#[test]
fn make_help_lists_the_targets() {
    let o = Command::new("make")
        .arg("help")
        .current_dir(repo())
        .output()
        .expect("make");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = String::from_utf8_lossy(&o.stdout);
    for target in [
        "make demo",
        "make test",
        "make score",
        "make bench",
        "make deploy",
        "make fuzz",
    ] {
        assert!(text.contains(target), "{text} should list {target}");
    }
}

#[test]
fn evidence_reads_as_file_line_argument_and_log_line_each_once() {
    let o = agent(&["extract", "tests/fixtures/orders-nightly"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let mut locators = Vec::new();
    for side in ["inputs", "outputs"] {
        for ds in doc[side].as_array().expect("datasets") {
            let items = ds["facets"]["lineage_evidence"]["evidence"]
                .as_array()
                .expect("evidence");
            let unique: std::collections::BTreeSet<String> =
                items.iter().map(|i| i.to_string()).collect();
            assert_eq!(unique.len(), items.len(), "duplicates in {items:?}");
            locators.extend(
                items
                    .iter()
                    .map(|i| i["locator"].as_str().expect("locator").to_string()),
            );
        }
    }
    assert!(
        locators.contains(&"orders-nightly-rollup.py:13".to_string()),
        "{locators:?}"
    );
    assert!(
        locators.contains(&"argument --target_bucket".to_string()),
        "{locators:?}"
    );
    assert!(
        locators
            .iter()
            .any(|l| l.starts_with("log jr_") && l.ends_with("2025-03-02T02:00:09Z")),
        "{locators:?}"
    );
    assert!(
        !locators
            .iter()
            .any(|l| l.starts_with("arg:") || l.starts_with("log:") || l.starts_with("script:")),
        "{locators:?}"
    );
    // the run summary says the same
    let dir = tempfile::tempdir().expect("tempdir");
    let run = agent(&[
        "run",
        "--dry-run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        dir.path().join("o").to_str().expect("utf8"),
        "events/glue-job-succeeded.json",
    ]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        text.contains("orders-nightly-rollup.py:22 spark.write.parquet, argument --target_bucket spark.write.parquet"),
        "{text}"
    );
    assert!(
        text.contains("2025-03-02T02:00:09Z: \"getCatalogSource"),
        "{text}"
    );
}

#[test]
fn producer_and_facet_schemas_point_at_files_in_this_repository() {
    let o = agent(&["extract", "tests/fixtures/orders-nightly"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let manifest = std::fs::read_to_string(repo().join("Cargo.toml")).expect("Cargo.toml");
    let repository = manifest
        .lines()
        .find_map(|l| l.strip_prefix("repository = "))
        .map(|v| v.trim_matches('"').to_string())
        .expect("workspace repository");
    // `{repository}/tree/main/PATH` and `{repository}/blob/main/PATH` name PATH here
    let local = |url: &str| -> PathBuf {
        let rest = url
            .strip_prefix(&repository)
            .unwrap_or_else(|| panic!("{url} is not under {repository}"));
        let path = rest
            .strip_prefix("/tree/main/")
            .or_else(|| rest.strip_prefix("/blob/main/"))
            .unwrap_or_else(|| panic!("{url}: no /tree/main/ or /blob/main/"));
        repo().join(path)
    };
    let producer = doc["producer"].as_str().expect("producer");
    assert!(local(producer).is_dir(), "{producer}");
    let mut custom = Vec::new();
    let mut stack = vec![&doc];
    while let Some(v) = stack.pop() {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(url) = m.get("_schemaURL").and_then(|u| u.as_str()) {
                    if !url.starts_with("https://openlineage.io/") {
                        custom.push(url.to_string());
                    }
                }
                stack.extend(m.values());
            }
            serde_json::Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    custom.sort();
    custom.dedup();
    assert_eq!(custom.len(), 3, "{custom:?}");
    for url in custom {
        let file = local(&url);
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("schema file"))
                .expect("schema json");
        assert_eq!(schema["$id"], url.as_str(), "{}", file.display());
    }
}

#[cfg(not(feature = "aws"))]
#[test]
fn without_the_aws_feature_the_aws_commands_say_how_to_get_them() {
    for args in [
        &["health"][..],
        &["graph", "--aws"],
        &["extract", "--job-name", "j"],
    ] {
        let o = agent_without_aws(args, &[("AWS_REGION", "us-east-1")]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("built without AWS support (cargo feature `aws`)"),
            "{args:?}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn the_local_build_has_no_aws_sdk_and_no_tls() {
    let tree = dependency_tree(&["--no-default-features"]);
    assert!(tree.contains("lineage-engine"), "{tree}");
    let aws: Vec<&str> = tree
        .lines()
        .filter(|l| l.starts_with("aws-") || l.starts_with("lambda_runtime"))
        .collect();
    assert_eq!(aws, Vec::<&str>::new());
    // http:// endpoints only: rustls and ring (a C build) stay out of `make demo`'s build
    let tls: Vec<&str> = tree
        .lines()
        .filter(|l| {
            l.starts_with("rustls") || l.starts_with("ring ") || l.starts_with("hyper-rustls")
        })
        .collect();
    assert_eq!(tls, Vec::<&str>::new());
    // nor a JSON-Schema validator: the model's answers are checked without one
    assert!(!tree.contains("jsonschema"), "{tree}");
}

/// The build with AWS has one HTTP stack: hyper 1 and rustls on ring, for the SDK and the
/// OpenLineage transport alike; not the SDK's default aws-lc (a C build) or its legacy
/// hyper 0.14 client beside it.
#[test]
fn the_aws_build_has_one_http_stack() {
    let tree = dependency_tree(&[]);
    assert!(tree.contains("aws-sdk-glue"), "{tree}");
    assert!(tree.contains("ring v"), "{tree}");
    let extra: Vec<&str> = tree
        .lines()
        .filter(|l| {
            l.starts_with("aws-lc")
                || l.starts_with("hyper v0.")
                || l.starts_with("rustls v0.21")
                || l.starts_with("h2 v0.3")
        })
        .collect();
    assert_eq!(extra, Vec::<&str>::new());
}

/// `cargo tree` of the CLI (normal dependencies, one line each) with `flags`.
fn dependency_tree(flags: &[&str]) -> String {
    let o = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "lineage-cli",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--offline",
        ])
        .args(flags)
        .current_dir(repo())
        .output()
        .expect("cargo tree");
    assert!(o.status.success(), "{}", stderr(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The binary with no AWS setup but what `vars` give (no credentials files, no IMDS), against
/// a closed local port so nothing leaves the machine.
fn agent_without_aws(args: &[&str], vars: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(args)
        .current_dir(repo())
        .env_clear()
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("LINEAGE_BUCKET", "lineage-bucket")
        .envs(vars.iter().copied())
        .output()
        .expect("run lineage-agent")
}

#[cfg(feature = "aws")]
#[test]
fn aws_setup_problems_are_one_line_with_the_fix_and_not_transient() {
    let o = agent_without_aws(&["health", "--json"], &[("AWS_REGION", "us-east-1")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let reasons: Vec<&str> = report["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .map(|d| d["reason"].as_str().unwrap_or_default())
        .collect();
    // the two tables, the bucket and the model check
    assert_eq!(reasons.len(), 4, "{report}");
    for r in &reasons {
        assert!(
            r.contains("no AWS credentials found: set AWS_ACCESS_KEY_ID"),
            "{r}"
        );
        assert!(!r.contains("transient") && !r.contains('\n'), "{r}");
        assert!(
            !r.contains("DispatchFailure") && r.len() < 300,
            "no SDK dump: {r}"
        );
    }
    let o = agent_without_aws(
        &["health"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        text.matches("no AWS region: set AWS_REGION").count(),
        4,
        "{text}"
    );
    // the model without credentials: not retried, one line in the document's findings
    let o = agent_without_aws(
        &[
            "extract",
            "--policy",
            "always",
            "tests/fixtures/orders-nightly",
        ],
        &[("AWS_REGION", "us-east-1")],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let doc = String::from_utf8_lossy(&o.stdout);
    assert!(
        doc.contains("access denied: no AWS credentials found"),
        "{doc}"
    );
    assert!(!doc.contains("DispatchFailure") && !doc.contains("ProviderAttempt"));
    assert_eq!(
        stderr(&o).matches("lineage model failed").count(),
        1,
        "asked once, not retried: {}",
        stderr(&o)
    );
}

/// `run` processes of one event on one `--out`, started at once: their dispositions
/// (`processed`, `already_recorded`, or `busy` for a run another process holds, exit 1).
fn run_at_once(out_dir: &Path, n: usize, force: bool) -> Vec<&'static str> {
    let out = out_dir.to_str().expect("utf8");
    let mut args = vec![
        "run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out,
        "--json",
    ];
    if force {
        args.push("--force");
    }
    args.push("events/glue-job-succeeded.json");
    let children: Vec<_> = (0..n)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
                .args(&args)
                .current_dir(repo())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn lineage-agent")
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let o = c.wait_with_output().expect("wait");
            if o.status.success() {
                let doc: serde_json::Value =
                    serde_json::from_slice(&o.stdout).expect("one JSON outcome");
                match doc["disposition"].as_str() {
                    Some("processed") => "processed",
                    Some("already_recorded") => "already_recorded",
                    other => panic!("unexpected disposition {other:?}"),
                }
            } else {
                assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
                assert!(stderr(&o).contains("(claimed)"), "{}", stderr(&o));
                "busy"
            }
        })
        .collect()
}

#[test]
fn concurrent_runs_of_one_event_on_one_store_end_in_the_state_of_one_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // the reference: one run on its own
    let alone = tmp.path().join("alone");
    assert_eq!(run_at_once(&alone, 1, false), ["processed"]);
    let graph = |dir: &Path| {
        let store = dir.join("lineage.db");
        let o = agent(&["graph", "--store", store.to_str().expect("utf8")]);
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };

    let shared = tmp.path().join("shared");
    let first = run_at_once(&shared, 6, false);
    assert_eq!(
        first.iter().filter(|d| **d == "processed").count(),
        1,
        "one process records the run: {first:?}"
    );
    // the ones that found the run claimed: run again, it is recorded by then
    for _ in first.iter().filter(|d| **d == "busy") {
        assert_eq!(run_at_once(&shared, 1, false), ["already_recorded"]);
    }
    assert_eq!(files_under(&shared), files_under(&alone), "the same files");
    assert_eq!(graph(&shared), graph(&alone), "the same lineage");

    // forced at once: each holds the claim in turn or finds it held; the state stays one run's
    let forced = run_at_once(&shared, 4, true);
    assert!(forced.contains(&"processed"), "{forced:?}");
    assert!(!forced.contains(&"already_recorded"), "{forced:?}");
    assert_eq!(files_under(&shared), files_under(&alone), "the same files");
    assert_eq!(graph(&shared), graph(&alone), "the same lineage");
}

#[test]
fn local_runs_refuse_the_datazone_transport_and_say_what_to_unset() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out_dir = tmp.path().join("o");
    let run = |vars: &[(&str, &str)]| {
        let out = out_dir.to_str().expect("utf8");
        let args = [
            "run",
            "--fixtures",
            "tests/fixtures",
            "--out",
            out,
            "events/glue-job-succeeded.json",
        ];
        agent_with(&repo(), &args, vars)
    };
    let o = run(&[
        ("OPENLINEAGE__TRANSPORT__TYPE", "amazon_datazone_api"),
        ("OPENLINEAGE__TRANSPORT__DOMAIN_ID", "dzd_abc123"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("Amazon DataZone") && err.contains("OPENLINEAGE__TRANSPORT__TYPE"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!out_dir.exists(), "nothing written");
    // a malformed domain id is named before anything runs
    let o = run(&[
        ("OPENLINEAGE__TRANSPORT__TYPE", "amazon_datazone_api"),
        ("OPENLINEAGE__TRANSPORT__DOMAIN_ID", "not-a-domain"),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("not a DataZone domain id"),
        "{}",
        stderr(&o)
    );
}
