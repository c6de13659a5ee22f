//! Scoring harness: `extract_case CASE_DIR` loads a captured case folder (job.json with its
//! top-level `Connections`, run.json, event.json, the script, `extra/<bucket>/<key>`,
//! logs.json) into a `RunContext`, runs extraction and prints
//! `{"inputs": [{namespace, name}], "outputs": [...]}`.

use lineage_domain::{
    Connection, Direction, ExtraObject, GlueJobStateChange, JobDefinition, JobRun, LogEvent,
    RunContext, Script, ScriptLanguage,
};
use lineage_extract::{extract, ExtractSettings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn read(p: &Path) -> Result<String, String> {
    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else {
                out.push(p);
            }
        }
    }
}

fn load(dir: &Path) -> Result<RunContext, String> {
    let job_doc: serde_json::Value =
        serde_json::from_str(&read(&dir.join("job.json"))?).map_err(|e| e.to_string())?;
    let job: JobDefinition =
        serde_json::from_value(job_doc["Job"].clone()).map_err(|e| format!("job.json: {e}"))?;
    let connections: Vec<Connection> = match job_doc.get("Connections") {
        Some(c) => serde_json::from_value(c.clone()).map_err(|e| format!("connections: {e}"))?,
        None => Vec::new(),
    };
    let run_doc: serde_json::Value =
        serde_json::from_str(&read(&dir.join("run.json"))?).map_err(|e| e.to_string())?;
    let run: JobRun =
        serde_json::from_value(run_doc["JobRun"].clone()).map_err(|e| format!("run.json: {e}"))?;
    let event = GlueJobStateChange::from_json(&read(&dir.join("event.json"))?)
        .map_err(|e| format!("event.json: {e}"))?;
    let mut script = None;
    for name in ["script.py", "script.scala", "script.sql"] {
        let p = dir.join(name);
        if p.exists() {
            let location = if job.command.script_location.is_empty() {
                name.to_string()
            } else {
                job.command.script_location.clone()
            };
            let lang_arg = job
                .default_arguments
                .get("--job-language")
                .map(String::as_str);
            let mut language = ScriptLanguage::detect(&location, lang_arg);
            if name.ends_with(".scala") {
                language = ScriptLanguage::Scala;
            }
            script = Some(Script {
                location,
                language,
                text: read(&p)?,
            });
            break;
        }
    }
    let mut extra = BTreeMap::new();
    let extra_dir = dir.join("extra");
    let mut files = Vec::new();
    files_under(&extra_dir, &mut files);
    for f in files {
        let rel = f
            .strip_prefix(&extra_dir)
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .replace('\\', "/");
        let Some(text) = std::fs::read_to_string(&f).ok() else {
            continue;
        };
        // extra/<key>: the bucket is the first component of the key as the case stores it
        // when it has one; otherwise derive it from the script's arguments at lookup time.
        let (bucket, key) = rel.split_once('/').unwrap_or((&rel, ""));
        let uri = format!("s3://{bucket}/{key}");
        extra.insert(
            uri.clone(),
            ExtraObject {
                uri,
                text: text.clone(),
            },
        );
        // also register under every argument value's bucket that ends with this key
        for v in job.default_arguments.values().chain(run.arguments.values()) {
            if let Some(b) = v
                .strip_prefix("s3://")
                .and_then(|r| r.strip_suffix(&format!("/{rel}")))
            {
                let uri = format!("s3://{b}/{rel}");
                extra.insert(
                    uri.clone(),
                    ExtraObject {
                        uri,
                        text: text.clone(),
                    },
                );
            }
        }
        let buckets: Vec<String> = job
            .default_arguments
            .values()
            .chain(run.arguments.values())
            .filter(|v| !v.contains('/') && !v.contains(' ') && v.contains('-'))
            .cloned()
            .collect();
        for b in buckets {
            let uri = format!("s3://{b}/{rel}");
            extra.insert(
                uri.clone(),
                ExtraObject {
                    uri,
                    text: text.clone(),
                },
            );
        }
    }
    let logs: Vec<LogEvent> = match read(&dir.join("logs.json")) {
        Ok(t) => {
            let v: serde_json::Value = serde_json::from_str(&t).map_err(|e| e.to_string())?;
            serde_json::from_value(v["events"].clone()).unwrap_or_default()
        }
        Err(_) => Vec::new(),
    };
    Ok(RunContext {
        event,
        job,
        run,
        connections,
        script,
        extra,
        logs,
    })
}

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: extract_case CASE_DIR");
        std::process::exit(2);
    };
    let ctx = match load(Path::new(&dir)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let x = extract(&ctx, &ExtractSettings::default());
    if let Some(n) = std::env::var("EXTRACT_BENCH")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
    {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(extract(&ctx, &ExtractSettings::default()));
        }
        eprintln!(
            "{:.3} ms per extraction",
            start.elapsed().as_secs_f64() * 1000.0 / f64::from(n.max(1))
        );
    }
    let pick = |d: Direction| -> Vec<serde_json::Value> {
        x.datasets(d)
            .into_iter()
            .map(|ds| serde_json::json!({"namespace": ds.namespace, "name": ds.name}))
            .collect()
    };
    let out =
        serde_json::json!({"inputs": pick(Direction::Input), "outputs": pick(Direction::Output)});
    println!("{out}");
    if std::env::var_os("EXTRACT_DEBUG").is_some() {
        eprintln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "edges": x.edges, "diagnostics": x.diagnostics
            }))
            .unwrap_or_default()
        );
    }
}
