//! A new user's first minutes, measured: the README's quick start (`make demo`, then
//! `make test`) in a fresh clone of the committed tree, whose `target/` starts empty. The demo's
//! figure is the time to its first lineage line (the `job ...` header `lineage-agent run`
//! prints), the test's the wall time of the whole target and whether it passed. Crates already in
//! `~/.cargo/registry` are not downloaded again: the figures leave the network out.

use crate::results::shell_words;
use crate::BenchError;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

/// What one `make` target did.
struct Timed {
    seconds: f64,
    first_lineage_s: Option<f64>,
    passed: bool,
}

/// Runs `make TARGET` in `clone`, its output into `log`; notes when the first lineage line
/// appears on stdout and prints a progress line per phase.
fn run_make(make: &str, target: &str, clone: &Path, log: &Path) -> Result<Timed, BenchError> {
    let command = format!("{make} {target}");
    let log_file = std::fs::File::create(log).map_err(|e| BenchError::io(log, e))?;
    let err_file = log_file.try_clone().map_err(|e| BenchError::io(log, e))?;
    let start = Instant::now();
    let mut child = Command::new(make)
        .arg(target)
        .current_dir(clone)
        .env_remove("CARGO_TARGET_DIR")
        .stdout(Stdio::piped())
        .stderr(err_file)
        .spawn()
        .map_err(|e| BenchError::Command {
            command: command.clone(),
            message: e.to_string(),
        })?;
    let mut first_lineage_s = None;
    let mut out = std::io::LineWriter::new(log_file);
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if first_lineage_s.is_none() && line.starts_with("job ") {
                let s = start.elapsed().as_secs_f64();
                eprintln!("  `{command}`: first lineage after {s:.0} s");
                first_lineage_s = Some(s);
            }
            std::io::Write::write_all(&mut out, format!("{line}\n").as_bytes())
                .map_err(|e| BenchError::io(log, e))?;
        }
    }
    let status = child.wait().map_err(|e| BenchError::Command {
        command: command.clone(),
        message: e.to_string(),
    })?;
    let seconds = start.elapsed().as_secs_f64();
    eprintln!(
        "  `{command}`: {} after {seconds:.0} s (output in {})",
        if status.success() { "done" } else { "FAILED" },
        log.display()
    );
    Ok(Timed {
        seconds,
        first_lineage_s,
        passed: status.success(),
    })
}

fn git(args: &[&str], dir: &Path) -> Result<String, BenchError> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| BenchError::Command {
            command: format!("git {}", shell_words(args)),
            message: e.to_string(),
        })?;
    if !out.status.success() {
        return Err(BenchError::Command {
            command: format!("git {}", shell_words(args)),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Clones `workspace`'s HEAD into `work/clone` (replacing any earlier clone), then times
/// `make demo` and `make test` there, in that order, as the README's quick start runs them.
pub fn measure(
    workspace: &Path,
    work: &Path,
    make: &str,
) -> Result<(Value, Vec<String>), BenchError> {
    let clone = work.join("clone");
    if clone.exists() {
        std::fs::remove_dir_all(&clone).map_err(|e| BenchError::io(&clone, e))?;
    }
    std::fs::create_dir_all(work).map_err(|e| BenchError::io(work, e))?;
    let commit = git(&["rev-parse", "--short", "HEAD"], workspace)?;
    let clone_arg = clone.to_string_lossy().into_owned();
    git(&["clone", "--quiet", ".", &clone_arg], workspace)?;
    eprintln!("first use: a fresh clone of {commit} in {clone_arg}, empty target/");
    let demo = run_make(make, "demo", &clone, &work.join("make-demo.log"))?;
    let test = run_make(make, "test", &clone, &work.join("make-test.log"))?;
    let data = json!({
        "commit": commit,
        "demo": {
            "first_lineage_s": demo.first_lineage_s,
            "total_s": demo.seconds,
            "passed": demo.passed,
        },
        "test": { "total_s": test.seconds, "passed": test.passed },
        "targets": { "demo_first_lineage_s": 120.0, "test_s": 720.0 },
    });
    let commands = vec![
        format!("git clone . {clone_arg}"),
        format!("cd {clone_arg} && {make} demo"),
        format!("cd {clone_arg} && {make} test"),
    ];
    Ok((data, commands))
}

/// The summary rows: the demo's first lineage and `make test`, against the targets.
pub fn summary_rows(dir: &Path, out: &mut String) {
    use std::fmt::Write as _;
    let Some(r) = crate::results::Record::load(dir, "first-use") else {
        return;
    };
    let d = &r.data;
    if let Some(s) = d["demo"]["first_lineage_s"].as_f64() {
        let _ = writeln!(
            out,
            "| `make demo`, fresh clone: first lineage | {s:.0} s | ≤ 120 s | {} |",
            crate::report::verdict(s <= 120.0)
        );
    }
    if let Some(s) = d["test"]["total_s"].as_f64() {
        let passed = d["test"]["passed"].as_bool().unwrap_or(false);
        let _ = writeln!(
            out,
            "| `make test` after it (cold){} | {:.1} min | ≤ 12 min | {} |",
            if passed { "" } else { ", **failed**" },
            s / 60.0,
            crate::report::verdict(passed && s <= 720.0)
        );
    }
}

/// Section 9: the quick start timed.
pub fn section(dir: &Path, out: &mut String) {
    use std::fmt::Write as _;
    out.push_str("## 9. First use\n\nThe README's quick start on this machine, as a new user runs it: a fresh clone of the commit below (an empty `target/`, no `../shared`), `make demo`, then `make test`. The demo's figure is the time to its first lineage line; `make test` is everything it does from there (fmt, clippy, building and running every test, the infrastructure checks, installing the tools it needs). Crates already in `~/.cargo/registry` and Python wheels in pip's cache are not downloaded again.\n\n");
    let Some(r) = crate::results::Record::load(dir, "first-use") else {
        crate::report::missing(out, "first-use");
        return;
    };
    let d = &r.data;
    let secs = |v: &Value| v.as_f64().map_or("—".to_string(), |s| format!("{s:.0} s"));
    let ok = |v: &Value| {
        if v.as_bool().unwrap_or(false) {
            "passed"
        } else {
            "**failed**"
        }
    };
    let _ = writeln!(out, "| step (commit `{}`) | first lineage | total | result | target |\n| --- | --- | --- | --- | --- |", d["commit"].as_str().unwrap_or("?"));
    let _ = writeln!(
        out,
        "| `make demo` | {} | {} | {} | first lineage ≤ 120 s |",
        secs(&d["demo"]["first_lineage_s"]),
        secs(&d["demo"]["total_s"]),
        ok(&d["demo"]["passed"])
    );
    let _ = writeln!(
        out,
        "| `make test` | — | {} | {} | ≤ 12 min |",
        secs(&d["test"]["total_s"]),
        ok(&d["test"]["passed"])
    );
    crate::report::commands(out, &r);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Record;

    fn report_of(data: Value) -> String {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut r = Record::new("first-use", None);
        r.data = data;
        r.save(dir.path()).expect("saved");
        let mut out = String::new();
        summary_rows(dir.path(), &mut out);
        section(dir.path(), &mut out);
        out
    }

    #[test]
    fn a_failed_test_run_never_meets_its_target() {
        let out = report_of(json!({
            "commit": "abc1234",
            "demo": { "first_lineage_s": 95.0, "total_s": 101.0, "passed": true },
            "test": { "total_s": 300.0, "passed": false },
        }));
        assert!(
            out.contains(
                "| `make demo`, fresh clone: first lineage | 95 s | ≤ 120 s | meets target |"
            ),
            "{out}"
        );
        assert!(out.contains("| `make test` after it (cold), **failed** | 5.0 min | ≤ 12 min | **misses target** |"), "{out}");
        assert!(
            out.contains("| `make test` | — | 300 s | **failed** |"),
            "{out}"
        );
        assert!(out.contains("commit `abc1234`"), "{out}");
    }

    #[test]
    fn without_a_result_the_section_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut out = String::new();
        summary_rows(dir.path(), &mut out);
        assert!(out.is_empty());
        section(dir.path(), &mut out);
        assert!(out.contains("no `first-use` result"), "{out}");
    }
}
