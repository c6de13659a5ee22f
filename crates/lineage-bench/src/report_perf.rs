//! The BENCHMARKS.md parts about the AWS critical path and cost: wall time against the critical
//! path with a fixed latency on every AWS call (and the call graph of one run), extraction's
//! worst cases, the model's share of runs, tokens and cost on real code, and Lambda cost per
//! million runs. [`crate::report`] puts them in place.

use crate::report::{commands, f, missing, verdict};
use crate::results::Record;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::Path;

fn sets(r: &Record) -> Vec<Value> {
    r.data["sets"].as_array().cloned().unwrap_or_default()
}

/// The summary rows.
pub fn summary_rows(dir: &Path, out: &mut String) {
    if let Some(r) = Record::load(dir, "latency-injected").filter(|r| r.data["wall"].is_object()) {
        let d = &r.data;
        let ratio = d["ratio"]["p50"].as_f64().unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "| per-run wall time, {} ms on every AWS call (moto) | p50 {} ms against a critical path of {} ms | ≤ 1.3× the critical path: **{ratio:.2}×** | {} |",
            f(&d["latency_ms"], 0),
            f(&d["wall"]["p50"], 0),
            f(&d["critical_path"]["p50"], 0),
            verdict(ratio <= 1.3)
        );
    }
    if let Some(r) = Record::load(dir, "worst-cases") {
        for row in r.data["cases"].as_array().cloned().unwrap_or_default() {
            let label = row["label"].as_str().unwrap_or("");
            let target = if label.contains("deep") {
                2000.0
            } else {
                100.0
            };
            let what = if label.contains("deep") {
                format!("{} levels", r.data["depth"])
            } else {
                format!("{} lines", r.data["script_lines"])
            };
            match row["time"]["p50"].as_f64().filter(|_| row["ok"] == true) {
                Some(ms) => {
                    let _ = writeln!(out, "| extraction worst case `{label}` ({what}, {}) | {ms:.1} ms | ≤ {target:.0} ms | {} |", r.data["profile"].as_str().unwrap_or(""), verdict(ms <= target));
                }
                None => {
                    let _ = writeln!(out, "| extraction worst case `{label}` ({what}) | failed: {} | ≤ {target:.0} ms | **misses target** |", row["reason"].as_str().unwrap_or(""));
                }
            }
        }
    }
    if let Some(r) = Record::load(dir, "model-usage") {
        for s in sets(&r).iter().filter(|s| s["absent"] != true) {
            let share = s["asked_share"].as_f64().unwrap_or(f64::NAN);
            let p95 = s["input_tokens_per_request"]["p95"].as_f64().unwrap_or(0.0);
            let ok = share <= 0.10 && p95 <= 6000.0;
            let _ = writeln!(out, "| model on `{}` ({} runs): runs that ask, input tokens per request p95, cost | {:.1}% · {p95:.0} tokens · ${} per 1,000 runs | ≤ 10% · ≤ 6,000 tokens | {} |", s["label"].as_str().unwrap_or(""), s["runs"], share * 100.0, f(&s["usd_per_1000_runs"], 2), verdict(ok));
        }
    }
    if let Some(r) = Record::load(dir, "lambda-cost") {
        let d = &r.data;
        let template = d["template_mb"].as_u64();
        let row = d["sizes"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["memory_mb"].as_u64() == template));
        if let Some(row) = row {
            let _ = writeln!(
                out,
                "| Lambda cost per million runs at the template's {} MB | ${} | measured choice: {} MB | {} |",
                row["memory_mb"],
                f(&row["usd_per_million_runs"], 2),
                d["chosen_mb"],
                verdict(d["chosen_mb"].as_u64() == template)
            );
        }
    }
}

/// Section 2b: wall time against the critical path, and the call graph of the median run.
pub fn critical_path_section(dir: &Path, out: &mut String) {
    out.push_str("### 2b. On the AWS critical path\n\nThe pipeline on the AWS adapters against moto, with every AWS call going through a proxy (`lineage_fakes::proxy`) that delays it by a fixed latency before forwarding it and records its operation (`X-Amz-Target`, or the S3 method and path), start and end. The critical path of a run is the longest chain of calls that must follow one another: the stages below each need what the one before returned (whether the run is recorded → the job run and job → connections, script, modules and logs → objects the script reads → the claim → the document and mappings → the execution context, the done marker); within a stage the calls can all go at once, except a log group's pages and the writes of one DynamoDB item (a conditional put, then its updates), which are chains. Critical path = the sum over stages of the stage's longest chain, with the call times the proxy saw. A run's wall time over it is the cost of the pipeline's own work and of any wait it imposes on itself. One warm-up run is not counted.\n\n");
    let Some(r) = Record::load(dir, "latency-injected") else {
        missing(out, "latency-injected");
        return;
    };
    let d = &r.data;
    if !d["wall"].is_object() {
        let _ = writeln!(
            out,
            "_Pending: {}_\n",
            d["reason"].as_str().unwrap_or("not measured")
        );
        return;
    }
    let _ = writeln!(out, "Case `{}`, {} runs, {} ms added to every call, {} calls per run.\n\n| | p50 ms | p95 ms | mean ms |\n| --- | --- | --- | --- |", d["case"].as_str().unwrap_or(""), d["runs"], f(&d["latency_ms"], 0), d["calls_per_run"]);
    for (name, key) in [("wall time", "wall"), ("critical path", "critical_path")] {
        let s = &d[key];
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} |",
            f(&s["p50"], 1),
            f(&s["p95"], 1),
            f(&s["mean"], 1)
        );
    }
    let _ = writeln!(
        out,
        "| ratio (wall / critical path) | {} | {} | {} |\n\nTarget: wall time ≤ 1.3× the critical path. The same calls one after another would take {} ms (median run).\n",
        f(&d["ratio"]["p50"], 2),
        f(&d["ratio"]["p95"], 2),
        f(&d["ratio"]["mean"], 2),
        f(&d["sequential_ms_median_run"], 0)
    );
    let run = &d["median_run"];
    out.push_str(
        "Stages of the median run:\n\n| stage | calls | longest chain ms |\n| --- | --- | --- |\n",
    );
    for s in run["stages"].as_array().cloned().unwrap_or_default() {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            s["stage"].as_str().unwrap_or(""),
            s["calls"],
            f(&s["ms"], 1)
        );
    }
    let _ = writeln!(
        out,
        "\nCall graph of the median run (wall {} ms; offsets from the start of `Pipeline::process`):\n\n```text",
        f(&run["wall_ms"], 1)
    );
    for c in run["graph"].as_array().cloned().unwrap_or_default() {
        let start = c["start_ms"].as_f64().unwrap_or(0.0);
        let end = c["end_ms"].as_f64().unwrap_or(0.0);
        let _ = writeln!(
            out,
            "+{start:>6.1} → +{end:>6.1} ms  {:<40} {}",
            c["operation"].as_str().unwrap_or(""),
            c["resource"].as_str().unwrap_or("")
        );
    }
    out.push_str("```\n");
    commands(out, &r);
}

/// Section 4b: extraction's worst cases.
pub fn worst_cases_section(dir: &Path, out: &mut String) {
    out.push_str("### 4b. Extraction worst cases\n\n`lineage_extract::extract` on generated worst cases, each in its own process (`lineage-bench extract-one`) on a thread with a tokio worker's 2 MiB stack, where the engine extracts: the 5,000-line PySpark script, and per language a script whose one read nests its argument that many levels deep (parentheses for Python and Scala, nested subqueries for SQL; `lineage-bench gen-deep`) and writes one dataset, so 2 edges are right. The process's first extraction is shown apart (first touch of the allocator's memory and of the caches; criterion's warm-up leaves it out too); p50 and max are of the extractions after it. Steal is the share of the machine's CPU time the hypervisor gave to other guests while the case ran: on a shared host it slows the figures. Targets (on the p50): 5,000 lines ≤ 100 ms, deep nesting ≤ 2 s, in a release build.\n\n");
    let Some(r) = Record::load(dir, "worst-cases") else {
        missing(out, "worst-cases");
        return;
    };
    let _ = writeln!(
        out,
        "Build: {}.\n\n| case | script bytes | edges found | first ms | p50 ms | max ms | CPU steal | |\n| --- | --- | --- | --- | --- | --- | --- | --- |",
        r.data["profile"].as_str().unwrap_or("")
    );
    for row in r.data["cases"].as_array().cloned().unwrap_or_default() {
        if row["ok"] == true {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | |",
                row["label"].as_str().unwrap_or(""),
                row["script_bytes"],
                row["edges"],
                f(&row["first_ms"], 1),
                f(&row["time"]["p50"], 1),
                f(&row["time"]["max"], 1),
                row["steal"]
                    .as_f64()
                    .map(|s| format!("{:.1}%", s * 100.0))
                    .unwrap_or_default()
            );
        } else {
            let _ = writeln!(
                out,
                "| {} | | | | | | | failed: {} |",
                row["label"].as_str().unwrap_or(""),
                row["reason"].as_str().unwrap_or("")
            );
        }
    }
    commands(out, &r);
}

/// Section 6b: the model on real code.
pub fn model_usage_section(dir: &Path, out: &mut String) {
    out.push_str("### 6b. Model cost on real code\n\nEach run of each set goes through the engine's real path with the `auto` policy and the real Bedrock adapter (the SDK's Converse client) against a fake Converse endpoint (`lineage_fakes::bedrock`), with no answer cache. The fake records the request the engine built and reports its usage as the model would: input tokens estimated as the characters of the system prompt, prompt and tool specification / 4 (an estimate: no tokenizer is a dependency); output tokens the characters / 4 of a realistic answer (the run's datasets from the case's `expected.json`, else from static extraction, each with a quote of the script line naming it). The engine reads the usage back through `usage_of`, as on AWS.\n\n");
    let Some(r) = Record::load(dir, "model-usage") else {
        missing(out, "model-usage");
        return;
    };
    let d = &r.data;
    out.push_str("| set | runs | ask the model | reasons | input tokens per request p50 / p95 / max | output tokens p50 / p95 | $ per 1,000 runs |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for s in sets(&r) {
        if s["absent"] == true {
            let _ = writeln!(
                out,
                "| {} | — | absent (`{}` not found): skipped | | | | |",
                s["label"].as_str().unwrap_or(""),
                s["dir"].as_str().unwrap_or("")
            );
            continue;
        }
        let i = &s["input_tokens_per_request"];
        let o = &s["output_tokens_per_request"];
        let _ = writeln!(
            out,
            "| {} | {} | {} ({:.1}%) | `{}` | {} / {} / {} | {} / {} | {} |",
            s["label"].as_str().unwrap_or(""),
            s["runs"],
            s["asked"],
            s["asked_share"].as_f64().unwrap_or(0.0) * 100.0,
            s["reasons"],
            f(&i["p50"], 0),
            f(&i["p95"], 0),
            f(&i["max"], 0),
            f(&o["p50"], 0),
            f(&o["p95"], 0),
            f(&s["usd_per_1000_runs"], 3)
        );
    }
    let _ = writeln!(out, "\nTargets: ≤ 10% of runs ask on the corpora; p95 input ≤ 6,000 tokens per request. Model `{}` (prompt budget {} tokens), priced on demand at ${} per million input tokens and ${} per million output tokens (Claude Sonnet 4.x on Amazon Bedrock, as stated on {}; `crates/lineage-bench/src/model_usage.rs`).", d["model_id"].as_str().unwrap_or(""), d["max_prompt_tokens"], d["input_usd_per_million"], d["output_usd_per_million"], d["price_date"].as_str().unwrap_or(""));
    commands(out, &r);
}

/// Section 8: Lambda cost.
pub fn lambda_section(dir: &Path, out: &mut String) {
    out.push_str("## 8. Lambda cost\n\nCost per million runs = requests + GB-seconds, from this run's figures: the duration is the wall time p50 of a run with 25 ms on every AWS call (section 2b, on a full core) plus the pipeline's own CPU time (section 2, local adapters, p50) scaled to the share of a vCPU Lambda gives the memory size (one vCPU at 1,769 MB), billed per millisecond. A size fits when the worst peak RSS (section 3) is at most half of it. Model time is not included (runs that ask wait on Bedrock: section 6b).\n\n");
    let Some(r) = Record::load(dir, "lambda-cost") else {
        missing(out, "lambda-cost");
        return;
    };
    let d = &r.data;
    out.push_str("| memory | vCPU share | duration ms | peak RSS / memory | fits | $ per million runs |\n| --- | --- | --- | --- | --- | --- |\n");
    for s in d["sizes"].as_array().cloned().unwrap_or_default() {
        let _ = writeln!(
            out,
            "| {} MB | {} | {} | {:.0}% | {} | {} |",
            s["memory_mb"],
            f(&s["vcpu_share"], 3),
            f(&s["duration_ms"], 1),
            s["peak_rss_share"].as_f64().unwrap_or(f64::NAN) * 100.0,
            if s["fits"] == true { "yes" } else { "no" },
            f(&s["usd_per_million_runs"], 2)
        );
    }
    let _ = writeln!(out, "\nThe cheapest size that fits: **{} MB**; `infra/template.yaml` sets `MemorySize: {}`. Prices: x86_64 ${} per GB-second and ${} per million requests (AWS Lambda on-demand, US East, as stated on {}; arm64, the template's default architecture, is 20% less per GB-second; `crates/lineage-bench/src/lambda_cost.rs`).", d["chosen_mb"], d["template_mb"], d["usd_per_gb_second"], d["usd_per_million_requests"], d["price_date"].as_str().unwrap_or(""));
    commands(out, &r);
}
