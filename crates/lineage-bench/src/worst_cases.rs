//! Extraction's worst cases: the generated 5,000-line script and a deep-nesting script per
//! language, each timed in a child process (`lineage-bench extract-one`) so that a case that
//! overflows the stack is reported as such instead of ending the harness. The child runs
//! `lineage_extract::extract` on a thread with a tokio worker's stack (2 MiB), where the engine
//! runs it.

use crate::stats::Summary;
use crate::{local, BenchError};
use lineage_engine::Settings;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

/// The stack of a tokio worker thread, where the engine extracts.
pub const WORKER_STACK: usize = 2 * 1024 * 1024;

/// Times extractions of the case in `dir` (after gathering it), on a thread with a worker's
/// stack: the first one apart (a fresh process: the allocator's and the page cache's first
/// touch, as criterion's warm-up), then `repeat` more: `{ "first_ms", "ms": [...],
/// "script_bytes", "edges" }`.
pub async fn extract_one(dir: &Path, repeat: usize) -> Result<Value, BenchError> {
    let fx = Arc::new(local::open(dir)?);
    let event = local::case_events(&fx)
        .into_iter()
        .next()
        .map(|(_, e)| e)
        .ok_or_else(|| BenchError::invalid(format!("{}: no event.json", dir.display())))?;
    let pipeline = local::read_only(fx, Settings::default())?;
    let gathered = pipeline
        .gather(&event)
        .await
        .map_err(|e| BenchError::invalid(e.to_string()))?;
    let ctx = gathered.context;
    let handle = std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(move || {
            let settings = lineage_extract::ExtractSettings::default();
            let mut times = Vec::new();
            let mut edges = 0;
            for _ in 0..=repeat.max(1) {
                let t = Instant::now();
                let x = lineage_extract::extract(&ctx, &settings);
                times.push(t.elapsed());
                edges = x.map(|x| x.edges.len()).unwrap_or(0);
            }
            let bytes = ctx.script.as_ref().map_or(0, |s| s.text.len());
            (times, edges, bytes)
        })
        .map_err(|e| BenchError::invalid(e.to_string()))?;
    let (times, edges, bytes) = handle
        .join()
        .map_err(|_| BenchError::invalid("extraction panicked"))?;
    let ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    Ok(json!({
        "first_ms": ms[0],
        "ms": &ms[1..],
        "edges": edges,
        "script_bytes": bytes,
    }))
}

/// Runs `extract-one` on each case in a child process; a crash (stack overflow) is recorded.
pub fn worst_cases(
    cases: &[(String, std::path::PathBuf)],
    repeat: usize,
) -> Result<Value, BenchError> {
    let exe = std::env::current_exe().map_err(|e| BenchError::invalid(e.to_string()))?;
    let mut rows = Vec::new();
    for (label, dir) in cases {
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("extract-one")
            .arg("--case")
            .arg(dir)
            .arg("--repeat")
            .arg(repeat.to_string());
        let steal_before = CpuTimes::read();
        let out = cmd.output().map_err(|e| BenchError::io(&exe, e))?;
        let steal = CpuTimes::read()
            .zip(steal_before)
            .map(|(after, before)| after.steal_share_since(&before));
        let row = if out.status.success() {
            let v: Value = serde_json::from_slice(&out.stdout)
                .map_err(|e| BenchError::invalid(format!("extract-one: {e}")))?;
            let ms: Vec<f64> = v["ms"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default();
            json!({ "label": label, "case": dir.display().to_string(), "ok": true,
                    "time": Summary::of_millis(&ms), "first_ms": v["first_ms"], "steal": steal,
                    "edges": v["edges"], "script_bytes": v["script_bytes"] })
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let reason = if stderr.contains("overflow") {
                "stack overflow".to_string()
            } else {
                format!(
                    "{} {}",
                    out.status,
                    stderr.lines().last().unwrap_or_default()
                )
            };
            json!({ "label": label, "case": dir.display().to_string(), "ok": false, "reason": reason })
        };
        rows.push(row);
    }
    Ok(json!({ "cases": rows, "worker_stack_bytes": WORKER_STACK }))
}

/// The machine's CPU time so far, from `/proc/stat` (in clock ticks): all of it, and the part
/// the hypervisor gave to other guests (steal), which slows a measurement on a shared host.
struct CpuTimes {
    total: u64,
    steal: u64,
}

impl CpuTimes {
    fn read() -> Option<Self> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let ticks: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .filter_map(|t| t.parse().ok())
            .collect();
        Some(Self {
            total: ticks.iter().take(8).sum(),
            steal: *ticks.get(7)?,
        })
    }

    /// The share of CPU time stolen since `before` (0 to 1).
    fn steal_share_since(&self, before: &Self) -> f64 {
        let total = self.total.saturating_sub(before.total);
        if total == 0 {
            return 0.0;
        }
        self.steal.saturating_sub(before.steal) as f64 / total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::CpuTimes;

    #[test]
    fn steal_is_the_stolen_share_of_the_time_between_two_readings() {
        let before = CpuTimes {
            total: 1_000,
            steal: 10,
        };
        let after = CpuTimes {
            total: 1_400,
            steal: 110,
        };
        assert!((after.steal_share_since(&before) - 0.25).abs() < 1e-9);
        assert_eq!(before.steal_share_since(&before), 0.0, "no time passed");
        let now = CpuTimes::read().expect("/proc/stat on Linux");
        assert!(now.total >= now.steal);
    }
}
