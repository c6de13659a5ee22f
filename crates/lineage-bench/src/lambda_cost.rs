//! Lambda cost per million runs from what this `make bench` run measured: the duration of a run
//! against AWS latencies (the injected-latency run's wall time, on a full core) with the
//! pipeline's own CPU time scaled to the share of a vCPU Lambda gives each memory size, priced at
//! the public on-demand rates below, for 128, 256 and 512 MB; the peak RSS of the worst run says
//! which sizes fit. The template's `MemorySize` is read from `infra/template.yaml`.

use crate::results::Record;
use crate::BenchError;
use serde_json::{json, Value};
use std::path::Path;

/// AWS Lambda on-demand price, x86_64, US East (N. Virginia): US dollars per GB-second, as
/// stated on 2026-12-02 (aws.amazon.com/lambda/pricing; arm64 is $0.0000133334).
pub const USD_PER_GB_SECOND: f64 = 0.000_016_666_7;
/// The same, per million requests.
pub const USD_PER_MILLION_REQUESTS: f64 = 0.20;
/// The day the prices above were stated for.
pub const PRICE_DATE: &str = "2026-12-02";
/// Lambda gives a function one full vCPU at 1,769 MB, and CPU in proportion to memory below.
pub const MB_PER_VCPU: f64 = 1769.0;
/// The memory sizes compared.
pub const SIZES_MB: [u64; 3] = [128, 256, 512];

/// The `MemorySize` of the function in the SAM template.
pub fn template_memory(template: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(template).ok()?;
    text.lines()
        .map(str::trim)
        .find_map(|l| l.strip_prefix("MemorySize:"))
        .and_then(|v| v.trim().parse().ok())
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// The cost table from the results in `results`.
pub fn lambda_cost(results: &Path, template: &Path) -> Result<Value, BenchError> {
    let need = |name: &str| {
        Record::load(results, name)
            .ok_or_else(|| BenchError::invalid(format!("no `{name}` result in this run")))
    };
    let injected = need("latency-injected")?;
    let local = need("latency")?;
    let memory = need("memory")?;
    let wall = num(&injected.data["wall"]["p50"])
        .ok_or_else(|| BenchError::invalid("latency-injected has no wall time"))?;
    // the pipeline's own work (no network): the local adapters' per-run time
    let cpu = num(&local.data["all"]["p50"]).unwrap_or(0.0);
    let peak = memory.data["runs"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| num(&x["peak_rss_mb"]))
                .fold(0.0, f64::max)
        })
        .unwrap_or(f64::NAN);
    let rows: Vec<Value> = SIZES_MB
        .iter()
        .map(|&mb| {
            let share = (mb as f64 / MB_PER_VCPU).min(1.0);
            let duration = wall + cpu * (1.0 / share - 1.0);
            let billed = duration.ceil();
            let gb_seconds = mb as f64 / 1024.0 * billed / 1000.0;
            let per_million = gb_seconds * USD_PER_GB_SECOND * 1e6 + USD_PER_MILLION_REQUESTS;
            json!({
                "memory_mb": mb,
                "vcpu_share": share,
                "duration_ms": duration,
                "billed_ms": billed,
                "usd_per_million_runs": per_million,
                "peak_rss_share": peak / mb as f64,
                "fits": peak * 2.0 <= mb as f64,
            })
        })
        .collect();
    let chosen = rows
        .iter()
        .filter(|r| r["fits"] == true)
        .min_by(|a, b| {
            num(&a["usd_per_million_runs"])
                .unwrap_or(f64::MAX)
                .total_cmp(&num(&b["usd_per_million_runs"]).unwrap_or(f64::MAX))
        })
        .and_then(|r| r["memory_mb"].as_u64());
    Ok(json!({
        "wall_ms_injected_p50": wall,
        "latency_ms_per_call": injected.data["latency_ms"],
        "cpu_ms_local_p50": cpu,
        "peak_rss_mb": peak,
        "sizes": rows,
        "chosen_mb": chosen,
        "template_mb": template_memory(template),
        "usd_per_gb_second": USD_PER_GB_SECOND,
        "usd_per_million_requests": USD_PER_MILLION_REQUESTS,
        "price_date": PRICE_DATE,
        "mb_per_vcpu": MB_PER_VCPU,
    }))
}
