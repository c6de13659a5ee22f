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
