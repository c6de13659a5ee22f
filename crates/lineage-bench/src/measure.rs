//! The measurements: cold start against a local Runtime API (ours and the Python anchor),
//! per-run latency on local adapters, peak RSS of the release CLI, replay throughput through
//! the release CLI (and where its time goes), the model-request estimate of the `auto` policy,
//! the package size, and the extraction figures read back from criterion's samples.

use crate::local;
use crate::results::shell_words;
use crate::runtime_api::RuntimeApi;
use crate::stats::{millis, Summary};
use crate::{read_text, BenchError};
use lineage_domain::ports::{
    AnswerCache, InferenceAnswer, InferenceRequest, LineageModel, ModelReply,
};
use lineage_domain::record::TokenUsage;
use lineage_domain::{GlueJobStateChange, PortError};
use lineage_engine::{InferencePolicy, Pipeline, Ports, ProcessOptions, Settings};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn cmd_err(cmd: &Command, e: impl std::fmt::Display) -> BenchError {
    BenchError::Command {
        command: command_line(cmd),
        message: e.to_string(),
    }
}

/// A command as a shell line (program and arguments; environment not shown).
pub fn command_line(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    shell_words(&words)
}

// ---------------------------------------------------------------- init

/// The environment a deployed function has (configuration, region, credentials, the Lambda
/// runtime's variables), pointed at `runtime_api`.
pub fn lambda_env(runtime_api: &str, home: &Path) -> Vec<(String, String)> {
    [
        ("PATH", "/usr/local/bin:/usr/bin:/bin"),
        ("LANG", "C.UTF-8"),
        ("TZ", ":UTC"),
        ("ENVIRONMENT", "dev"),
        ("JOB_MAPPING_TABLE", "job-mappings"),
        ("CONTEXT_TABLE", "execution-contexts"),
        ("LINEAGE_BUCKET", "acme-lineage-dev"),
        ("LINEAGE_PREFIX", "lineage"),
        (
            "BEDROCK_MODEL_ID",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
        ),
        ("INFERENCE_POLICY", "auto"),
        ("MIN_CONFIDENCE_SCORE", "0.7"),
        ("TIME_TOLERANCE_SECONDS", "300"),
        ("METRICS_NAMESPACE", "EnhancedLineageAgent"),
        ("LOG_LEVEL", "INFO"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_SESSION_TOKEN", "bench-session-token"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_LAMBDA_FUNCTION_NAME", "enhanced-lineage-agent-dev"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "/aws/lambda/enhanced-lineage-agent-dev",
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "2025/03/02/[$LATEST]bench"),
        ("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand"),
        ("_HANDLER", "bootstrap"),
        ("PYTHONDONTWRITEBYTECODE", "1"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([
        (
            "AWS_LAMBDA_RUNTIME_API".to_string(),
            runtime_api.to_string(),
        ),
        ("HOME".to_string(), home.display().to_string()),
    ])
    .collect()
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// One cold start: spawn, wait for the first `next`, read the child's peak RSS, kill it.
fn cold_start(
    api: &RuntimeApi,
    program: &[String],
    env: &[(String, String)],
) -> Result<(Duration, Option<u64>), BenchError> {
    let mut cmd = Command::new(&program[0]);
    cmd.args(&program[1..])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    api.drain();
    let spawned = Instant::now();
    let mut child = cmd.spawn().map_err(|e| cmd_err(&cmd, e))?;
    let arrived = api.wait_next(Duration::from_secs(60));
    let hwm = vm_hwm_kb(child.id());
    let _ = child.kill();
    let status = child.wait().map_err(|e| cmd_err(&cmd, e))?;
    match arrived {
        Some(at) => Ok((at.saturating_duration_since(spawned), hwm)),
        None => Err(cmd_err(
            &cmd,
            format!(
                "no GET {} within 60 s (exit {status})",
                crate::runtime_api::NEXT_PATH
            ),
        )),
    }
}

/// Cold starts of our bootstrap and of the Python anchor, interleaved.
pub fn init(
    bootstrap: &Path,
    anchor: &[String],
    spawns: usize,
    warmup: usize,
    work: &Path,
) -> Result<(Value, Vec<String>), BenchError> {
    let api = RuntimeApi::start()?;
    let home = work.join("home");
    std::fs::create_dir_all(&home).map_err(|e| BenchError::io(&home, e))?;
    let env = lambda_env(api.addr(), &home);
    let ours = vec![bootstrap.display().to_string()];
    let mut rust = Vec::new();
    let mut python = Vec::new();
    let mut rust_rss = Vec::new();
    let mut python_rss = Vec::new();
    for i in 0..(spawns + warmup) {
        let (r, r_kb) = cold_start(&api, &ours, &env)?;
        let (p, p_kb) = cold_start(&api, anchor, &env)?;
        if i >= warmup {
            rust.push(r);
            python.push(p);
            rust_rss.extend(r_kb.map(|k| k as f64 / 1024.0));
            python_rss.extend(p_kb.map(|k| k as f64 / 1024.0));
        }
    }
    let r = Summary::of(&rust);
    let p = Summary::of(&python);
    let env_names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    let data = json!({
        "spawns": spawns,
        "warmup": warmup,
        "rust": r,
        "python": p,
        "ratio_p50": p.p50 / r.p50,
        "ratio_p90": p.p90 / r.p90,
        "rust_rss_at_init_mb": Summary::of_millis(&rust_rss),
        "python_rss_at_init_mb": Summary::of_millis(&python_rss),
        "env": env_names,
        "target_ratio": 25.0,
    });
    let commands = vec![
        format!(
            "AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT <env above> {}",
            shell_words(&ours)
        ),
        format!(
            "AWS_LAMBDA_RUNTIME_API=127.0.0.1:PORT <env above> {}",
            shell_words(anchor)
        ),
    ];
    Ok((data, commands))
}

// ---------------------------------------------------------------- latency (local)

fn remove_dir(dir: &Path) -> Result<(), BenchError> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(BenchError::io(dir, e)),
        _ => Ok(()),
    }
}

/// Per-run latency on local adapters: every case's event processed end to end against a fresh
/// store, round after round (one warm-up round not counted), until `min_samples` are taken.
pub async fn latency(
    sets: &[(String, PathBuf)],
    min_samples: usize,
    work: &Path,
) -> Result<Value, BenchError> {
    let mut out = serde_json::Map::new();
    let mut all_total = Vec::new();
    for (label, dir) in sets {
        let fixtures = Arc::new(local::open(dir)?);
        let events = local::case_events(&fixtures);
        if events.is_empty() {
            return Err(BenchError::invalid(format!(
                "{}: no case has an event.json",
                dir.display()
            )));
        }
        let rounds = min_samples.div_ceil(events.len()).max(1);
        let (mut total, mut gather, mut analyze, mut persist) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..=rounds {
            let round_dir = work.join(label).join(format!("round-{round}"));
            remove_dir(&round_dir)?;
            let pipeline = local::pipeline(fixtures.clone(), &round_dir, Settings::default())?;
            for (_, event) in &events {
                let t = Instant::now();
                let outcome = pipeline
                    .process(event, ProcessOptions::default())
                    .await
                    .map_err(|e| {
                        BenchError::invalid(format!("{label}: {}: {e}", event.job_run_id()))
                    })?;
                let elapsed = t.elapsed();
                if round > 0 {
                    total.push(elapsed);
                    gather.push(outcome.timings.gather);
                    analyze.push(outcome.timings.analyze);
                    persist.push(outcome.timings.persist);
                }
            }
            remove_dir(&round_dir)?;
        }
        all_total.extend(total.iter().copied());
        out.insert(
            label.clone(),
            json!({
                "dir": dir.display().to_string(),
                "cases": events.len(),
                "rounds": rounds,
                "total": Summary::of(&total),
                "gather": Summary::of(&gather),
                "analyze": Summary::of(&analyze),
                "persist": Summary::of(&persist),
            }),
        );
    }
    Ok(json!({ "sets": out, "all": Summary::of(&all_total) }))
}

// ---------------------------------------------------------------- memory

/// Peak RSS (KiB) of a command, with `/usr/bin/time -v` when present, else through Python's
/// `resource.getrusage(RUSAGE_CHILDREN)`. Returns (KiB, the command as run, wall time).
pub fn peak_rss(program: &[String], python: &str) -> Result<(u64, String, Duration), BenchError> {
    let time_v = Path::new("/usr/bin/time");
    let (mut cmd, via_time) = if time_v.is_file() {
        let mut c = Command::new(time_v);
        c.arg("-v").args(program);
        (c, true)
    } else {
        let mut c = Command::new(python);
        c.arg("bench/maxrss.py").args(program);
        (c, false)
    };
    let line = command_line(&cmd);
    let t = Instant::now();
    let out = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| cmd_err(&cmd, e))?;
    let wall = t.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Err(cmd_err(
            &cmd,
            format!(
                "{}: {}",
                out.status,
                stderr.lines().rev().take(5).collect::<Vec<_>>().join(" | ")
            ),
        ));
    }
    let kb = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| {
            cmd_err(
                &cmd,
                format!("no maximum resident set size in the output (time -v: {via_time})"),
            )
        })?;
    Ok((kb, line, wall))
}

fn tree_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                total += tree_bytes(&p);
            } else if let Ok(m) = e.metadata() {
                total += m.len();
            }
        }
    }
    total
}

/// The largest case folder (by bytes on disk) among `roots`.
pub fn largest_case(roots: &[PathBuf]) -> Option<(PathBuf, u64)> {
    roots
        .iter()
        .flat_map(|r| local::case_dirs(r))
        .filter(|d| d.join("event.json").is_file())
        .map(|d| {
            let b = tree_bytes(&d);
            (d, b)
        })
        .max_by_key(|(_, b)| *b)
}

/// Peak RSS of `lineage-agent run` on each case.
pub fn memory(
    cli: &Path,
    cases: &[(String, PathBuf)],
    python: &str,
    work: &Path,
) -> Result<(Value, Vec<String>), BenchError> {
    let mut rows = Vec::new();
    let mut commands = Vec::new();
    for (label, case) in cases {
        let out_dir = work.join(label);
        remove_dir(&out_dir)?;
        let program: Vec<String> = vec![
            cli.display().to_string(),
            "run".into(),
            "--fixtures".into(),
            case.display().to_string(),
            "--out".into(),
            out_dir.display().to_string(),
            case.join("event.json").display().to_string(),
        ];
        let (kb, line, wall) = peak_rss(&program, python)?;
        commands.push(line);
        rows.push(json!({
            "label": label,
            "case": case.display().to_string(),
            "case_bytes": tree_bytes(case),
            "peak_rss_mb": kb as f64 / 1024.0,
            "wall_ms": millis(wall),
        }));
    }
    Ok((json!({ "runs": rows, "target_mb": 40.0 }), commands))
}

// ---------------------------------------------------------------- replay

fn parse_replay_summary(
    stdout: &str,
) -> (Option<usize>, Option<f64>, Option<usize>, Option<usize>) {
    let mut total = None;
    let mut secs = None;
    let mut processed = None;
    let mut failed = None;
    for line in stdout.lines() {
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("replayed ") {
            let mut w = rest.split_whitespace();
            total = w.next().and_then(|v| v.parse().ok());
            secs = rest
                .split(" in ")
                .nth(1)
                .and_then(|s| s.split('s').next())
                .and_then(|s| s.parse().ok());
        } else if let Some(rest) = l.strip_prefix("processed") {
            processed = rest.trim().parse().ok();
        } else if let Some(rest) = l.strip_prefix("failed") {
            failed = rest.trim().parse().ok();
        }
    }
    (total, secs, processed, failed)
}

/// `lineage-agent replay` at each concurrency, against a fresh output folder each time.
pub fn replay(
    cli: &Path,
    fixtures: &Path,
    events: &Path,
    concurrency: &[usize],
    work: &Path,
) -> Result<(Value, Vec<String>), BenchError> {
    let mut rows = Vec::new();
    let mut commands = Vec::new();
    for &n in concurrency {
        let out_dir = work.join(format!("replay-c{n}"));
        remove_dir(&out_dir)?;
        let mut cmd = Command::new(cli);
        cmd.arg("replay")
            .arg("--fixtures")
            .arg(fixtures)
            .arg("--from")
            .arg(events)
            .arg("--concurrency")
            .arg(n.to_string())
            .arg("--quiet")
            .arg("--out")
            .arg(&out_dir)
            .env("LOG_LEVEL", "error")
            .env("RUST_LOG", "error");
        commands.push(command_line(&cmd));
        let t = Instant::now();
        let out = cmd.output().map_err(|e| cmd_err(&cmd, e))?;
        let wall = t.elapsed();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let (total, secs, processed, failed) = parse_replay_summary(&stdout);
        let events_n = total.unwrap_or(0);
        rows.push(json!({
            "concurrency": n,
            "exit": out.status.code(),
            "events": events_n,
            "processed": processed,
            "failed": failed,
            "replay_seconds": secs,
            "wall_seconds": wall.as_secs_f64(),
            "runs_per_second_wall": events_n as f64 / wall.as_secs_f64(),
            "runs_per_second_replay": secs.map(|s| events_n as f64 / s),
            "stdout_head": stdout.lines().take(6).collect::<Vec<_>>(),
        }));
        remove_dir(&out_dir)?;
    }
    Ok((
        json!({ "runs": rows, "target_seconds_2_cores": 60.0 }),
        commands,
    ))
}

/// Where replay time goes, in process: opening the fixtures, and gather / analyze per event
/// at this fixture count, for a sample of events.
pub async fn replay_breakdown(
    fixtures_dir: &Path,
    events: &[GlueJobStateChange],
    sample: usize,
) -> Result<Value, BenchError> {
    let t = Instant::now();
    let fixtures = Arc::new(local::open(fixtures_dir)?);
    let open = t.elapsed();
    let cases = fixtures.cases().len();
    let pipeline = local::read_only(fixtures, Settings::default())?;
    let step = (events.len() / sample.max(1)).max(1);
    let (mut gather, mut analyze) = (Vec::new(), Vec::new());
    for e in events.iter().step_by(step).take(sample) {
        let t0 = Instant::now();
        let ctx = pipeline
            .gather(e)
            .await
            .map_err(|x| BenchError::invalid(x.to_string()))?;
        let t1 = Instant::now();
        let a = pipeline
            .analyze(&ctx)
            .await
            .map_err(|x| BenchError::invalid(x.to_string()))?;
        let _ = pipeline.document_bytes(&ctx.context, &a);
        gather.push(t1 - t0);
        analyze.push(t1.elapsed());
    }
    Ok(json!({
        "cases": cases,
        "open_ms": millis(open),
        "gather": Summary::of(&gather),
        "analyze_and_document": Summary::of(&analyze),
    }))
}

// ---------------------------------------------------------------- model cost

/// A stand-in for Bedrock that counts what the engine really sends: requests and input
/// characters (system prompt + prompt), answering with no datasets.
#[derive(Debug, Default)]
struct CountingModel {
    requests: std::sync::atomic::AtomicUsize,
    input_chars: std::sync::atomic::AtomicUsize,
    system_chars: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl LineageModel for CountingModel {
    fn model_id(&self) -> &str {
        "bench-counting-model"
    }
    async fn infer(&self, request: &InferenceRequest) -> Result<ModelReply, PortError> {
        use std::sync::atomic::Ordering::Relaxed;
        let chars = request.system.len() + request.prompt.len();
        self.requests.fetch_add(1, Relaxed);
        self.input_chars.fetch_add(chars, Relaxed);
        self.system_chars.store(request.system.len(), Relaxed);
        Ok(ModelReply {
            tool_input: Some(json!({ "datasets": [] })),
            stop_reason: "tool_use".into(),
            usage: TokenUsage {
                requests: 1,
                input_tokens: (chars / 4) as u64,
                output_tokens: 20,
                cache_hits: 0,
            },
        })
    }
}

/// An answer cache that never hits: the design without a cache.
#[derive(Debug, Default)]
pub(crate) struct NoCache;

#[async_trait::async_trait]
impl AnswerCache for NoCache {
    async fn cached_answer(&self, _key: &str) -> Result<Option<InferenceAnswer>, PortError> {
        Ok(None)
    }
    async fn put_answer(&self, _key: &str, _answer: &InferenceAnswer) -> Result<(), PortError> {
        Ok(())
    }
}

/// One pass of the `auto` policy over the events through the engine's real inference stage
/// (prompt builder, token budget, answer cache) with the counting model.
async fn model_pass(
    fixtures: Arc<FsFixtures>,
    events: &[GlueJobStateChange],
    use_cache: bool,
) -> Result<
    (
        Arc<CountingModel>,
        usize,
        BTreeMap<&'static str, usize>,
        usize,
    ),
    BenchError,
> {
    let settings = Settings {
        inference_policy: InferencePolicy::Auto,
        ..Settings::default()
    };
    let model = Arc::new(CountingModel::default());
    let store =
        Arc::new(SqliteLineageStore::in_memory().map_err(|e| BenchError::invalid(e.to_string()))?);
    let mut ports = Ports::from_parts(
        fixtures,
        store,
        Arc::new(FsLineageSink::new(
            std::env::temp_dir().join("lineage-bench-unused"),
        )),
        Arc::new(RecordingMetrics::default()),
    )
    .with_model(Some(model.clone()));
    if !use_cache {
        ports.cache = Arc::new(NoCache);
    }
    let pipeline = Pipeline::new(ports, settings);
    let (mut asked, mut naive_chars) = (0usize, 0usize);
    let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    for e in events {
        let ctx = pipeline
            .gather(e)
            .await
            .map_err(|x| BenchError::invalid(x.to_string()))?;
        let analysis = pipeline
            .analyze(&ctx)
            .await
            .map_err(|x| BenchError::invalid(x.to_string()))?;
        if let Some(reason) = analysis.inference_reason {
            asked += 1;
            *reasons.entry(reason).or_default() += 1;
        }
        let script = ctx.context.script.as_ref().map_or(0, |s| s.text.len());
        let logs: usize = ctx.context.logs.iter().map(|l| l.message.len() + 1).sum();
        naive_chars += script + logs;
    }
    Ok((model, asked, reasons, naive_chars))
}

/// Bedrock requests and input tokens (chars / 4) per 1,000 runs for the `auto` policy, through
/// the engine's real inference stage with a counting fake model, with and without the answer
/// cache, against the naive design (one request per run with the whole script and every log
/// line in the prompt, plus the same system prompt).
pub async fn model_cost(
    fixtures_dir: &Path,
    events: &[GlueJobStateChange],
) -> Result<Value, BenchError> {
    use std::sync::atomic::Ordering::Relaxed;
    let fixtures = Arc::new(local::open(fixtures_dir)?);
    let (uncached, asked, reasons, naive_chars) =
        model_pass(fixtures.clone(), events, false).await?;
    let (cached, _, _, _) = model_pass(fixtures, events, true).await?;
    let system = uncached
        .system_chars
        .load(Relaxed)
        .max(cached.system_chars.load(Relaxed));
    let runs = events.len().max(1) as f64;
    let per_k = |chars: usize| chars as f64 / 4.0 / runs * 1000.0;
    let cached_requests = cached.requests.load(Relaxed);
    Ok(json!({
        "runs": events.len(),
        "asked": asked,
        "asked_share": asked as f64 / runs,
        "reasons": reasons,
        "distinct_questions": cached_requests,
        "distinct_share": cached_requests as f64 / runs,
        "naive_requests_per_1000": 1000.0,
        "ours_requests_per_1000_no_cache": uncached.requests.load(Relaxed) as f64 / runs * 1000.0,
        "ours_requests_per_1000_cached": cached_requests as f64 / runs * 1000.0,
        "naive_input_tokens_per_1000": per_k(naive_chars + system * events.len()),
        "ours_input_tokens_per_1000_no_cache": per_k(uncached.input_chars.load(Relaxed)),
        "ours_input_tokens_per_1000_cached": per_k(cached.input_chars.load(Relaxed)),
        "system_chars_assumed": system,
        "prompt_budget_tokens": Settings::default().model.max_prompt_tokens,
        "target_share": 0.10,
    }))
}

// ---------------------------------------------------------------- package

/// Zips the bootstrap (deflate, as `cargo lambda` does) with Python's zipfile; sizes in bytes.
pub fn package(
    bootstrap: &Path,
    zip: &Path,
    python: &str,
) -> Result<(Value, Vec<String>), BenchError> {
    if let Some(p) = zip.parent() {
        std::fs::create_dir_all(p).map_err(|e| BenchError::io(p, e))?;
    }
    let _ = std::fs::remove_file(zip);
    let mut cmd = Command::new(python);
    cmd.arg("bench/zip_bootstrap.py").arg(bootstrap).arg(zip);
    let out = cmd.output().map_err(|e| cmd_err(&cmd, e))?;
    if !out.status.success() {
        return Err(cmd_err(&cmd, String::from_utf8_lossy(&out.stderr)));
    }
    let size = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.len())
            .map_err(|e| BenchError::io(p, e))
    };
    let bin = size(bootstrap)?;
    let z = size(zip)?;
    Ok((
        json!({
            "binary_bytes": bin,
            "zip_bytes": z,
            "binary_mb": bin as f64 / 1_048_576.0,
            "zip_mb": z as f64 / 1_048_576.0,
            "target": std::env::consts::ARCH,
            "target_mb": 15.0,
        }),
        vec![command_line(&cmd)],
    ))
}

// ---------------------------------------------------------------- extraction (criterion)

/// Per-benchmark p50/p95 of the time per iteration, from criterion's `sample.json` files under
/// `criterion_dir` (one sample = total time / iterations).
pub fn criterion_results(criterion_dir: &Path) -> Result<Value, BenchError> {
    let mut rows = Vec::new();
    let mut stack = vec![criterion_dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    if let Some(row) = criterion_row(&p)? {
                        rows.push(row);
                    }
                } else if p
                    .file_name()
                    .is_none_or(|n| n != "base" && n != "change" && n != "report")
                {
                    stack.push(p);
                }
            }
        }
    }
    rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    Ok(json!({ "benchmarks": rows }))
}

fn criterion_row(new_dir: &Path) -> Result<Option<Value>, BenchError> {
    let (bench, sample) = (new_dir.join("benchmark.json"), new_dir.join("sample.json"));
    if !bench.is_file() || !sample.is_file() {
        return Ok(None);
    }
    let parse = |p: &Path| -> Result<Value, BenchError> {
        serde_json::from_str(&read_text(p)?).map_err(|e| BenchError::Json {
            path: p.to_path_buf(),
            message: e.to_string(),
        })
    };
    let b = parse(&bench)?;
    let s = parse(&sample)?;
    let iters = s["iters"].as_array().cloned().unwrap_or_default();
    let times = s["times"].as_array().cloned().unwrap_or_default();
    let per_iter_ms: Vec<f64> = iters
        .iter()
        .zip(&times)
        .filter_map(|(i, t)| Some(t.as_f64()? / i.as_f64()? / 1e6))
        .collect();
    Ok(Some(json!({
        "id": b["full_id"],
        "group": b["group_id"],
        "case": b["function_id"].as_str().or(b["value_str"].as_str()),
        "throughput": b["throughput"],
        "per_iteration_ms": Summary::of_millis(&per_iter_ms),
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replay_summary_lines_are_read() {
        let out = "replayed 10000 events in 41.3s (2 at a time)\n  processed                     9990\n  skipped (already recorded)        0\n  failed                           10\n";
        assert_eq!(
            parse_replay_summary(out),
            (Some(10000), Some(41.3), Some(9990), Some(10))
        );
    }
}
