//! Model cost on real code: each run of a set of captured runs goes through the engine's real
//! path with the `auto` policy and the real Bedrock adapter (`BedrockLineageModel`, the SDK's
//! Converse client) pointed at a fake Converse endpoint ([`lineage_fakes::bedrock`]). The fake
//! records the request the engine built and reports its usage estimated from its size
//! (characters / 4, the prompt, system prompt and tool specification); the answer is a
//! realistic one (the run's datasets, from the case's `expected.json` when it has one, else from
//! static extraction, each with a quote of the script line that names it), whose size gives the
//! output tokens. The engine reads that usage back through `usage_of`, as on AWS. No answer
//! cache: every run that asks is a request.

use crate::measure::NoCache;
use crate::stats::Summary;
use crate::{local, BenchError};
use lineage_domain::Direction;
use lineage_engine::{InferencePolicy, Pipeline, Ports, Settings};
use lineage_fakes::bedrock::{FakeBedrock, Reply};
use lineage_local::{FsLineageSink, RecordingMetrics, SqliteLineageStore};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// On-demand price of Claude Sonnet 4.x on Amazon Bedrock (the default model,
/// `us.anthropic.claude-sonnet-4-6`), US dollars per million input tokens, as stated on
/// 2026-12-02 (public Bedrock pricing page; cross-region inference profiles cost the same).
pub const INPUT_USD_PER_MILLION: f64 = 3.0;
/// The same, per million output tokens.
pub const OUTPUT_USD_PER_MILLION: f64 = 15.0;
/// The day the prices above were stated for.
pub const PRICE_DATE: &str = "2026-12-02";

/// A quote of the first script line that names `name` (its last path or dotted segment).
fn quote(script: &str, name: &str) -> String {
    let needle = name
        .rsplit(['/', '.'])
        .find(|s| !s.is_empty())
        .unwrap_or(name);
    script
        .lines()
        .map(str::trim)
        .find(|l| l.contains(needle))
        .map(|l| l.chars().take(160).collect())
        .unwrap_or_else(|| format!("{name} (from the run's arguments)"))
}

/// The answer a model that got it right would give for the run of `case`.
fn realistic_answer(case: &Path, gathered: &lineage_engine::gather::Gathered) -> Value {
    let script = gathered
        .context
        .script
        .as_ref()
        .map(|s| s.text.as_str())
        .unwrap_or_default();
    let expected: Option<Value> = std::fs::read_to_string(case.join("expected.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let mut datasets = Vec::new();
    let mut push = |namespace: &str, name: &str, direction: &str| {
        datasets.push(json!({
            "namespace": namespace,
            "name": name,
            "direction": direction,
            "confidence": 0.8,
            "evidence": [quote(script, name)],
        }));
    };
    match expected {
        Some(e) => {
            for (key, direction) in [("inputs", "input"), ("outputs", "output")] {
                for d in e[key].as_array().into_iter().flatten() {
                    push(
                        d["namespace"].as_str().unwrap_or_default(),
                        d["name"].as_str().unwrap_or_default(),
                        direction,
                    );
                }
            }
        }
        None => {
            for edge in &gathered.extraction.edges {
                let direction = match edge.direction {
                    Direction::Input => "input",
                    Direction::Output => "output",
                };
                push(&edge.dataset.namespace, &edge.dataset.name, direction);
            }
        }
    }
    json!({ "datasets": datasets })
}

/// The usage of one set of captured runs (`dir`), or that it is absent.
async fn usage_of_set(label: &str, dir: &Path, limit: Option<usize>) -> Result<Value, BenchError> {
    if !dir.is_dir() {
        return Ok(json!({ "label": label, "dir": dir.display().to_string(), "absent": true }));
    }
    let fixtures = Arc::new(local::open(dir)?);
    let dirs: BTreeMap<String, PathBuf> = fixtures
        .cases()
        .iter()
        .filter_map(|c| {
            Some((
                c.dir.file_name()?.to_string_lossy().into_owned(),
                c.dir.clone(),
            ))
        })
        .collect();
    let mut events = local::case_events(&fixtures);
    if let Some(n) = limit {
        events.truncate(n);
    }
    let settings = Settings {
        inference_policy: InferencePolicy::Auto,
        ..Settings::default()
    };
    let fake = FakeBedrock::start(Vec::new()).await;
    let model = lineage_aws::bedrock::BedrockLineageModel::for_endpoint(
        &fake.url,
        "us-east-1",
        "test",
        "test",
        settings.model.model_id.clone(),
    )
    .await;
    let store =
        Arc::new(SqliteLineageStore::in_memory().map_err(|e| BenchError::invalid(e.to_string()))?);
    let mut ports = Ports::from_parts(
        fixtures.clone(),
        store,
        Arc::new(FsLineageSink::new(
            std::env::temp_dir().join("lineage-bench-unused"),
        )),
        Arc::new(RecordingMetrics::default()),
    )
    .with_model(Some(Arc::new(model)));
    ports.cache = Arc::new(NoCache);
    let pipeline = Pipeline::new(ports, settings.clone());
    let (mut asked, mut failed) = (0usize, 0usize);
    let (mut input, mut output) = (Vec::new(), Vec::new());
    let (mut input_total, mut output_total) = (0u64, 0u64);
    let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut largest: Option<(u64, String)> = None;
    for (name, event) in &events {
        let gathered = match pipeline.gather(event).await {
            Ok(g) => g,
            Err(_) => {
                failed += 1;
                continue;
            }
        };
        let case = dirs.get(name).cloned().unwrap_or_default();
        fake.set_reply(Reply::Measured(realistic_answer(&case, &gathered)));
        let analysis = pipeline
            .analyze(&gathered)
            .await
            .map_err(|e| BenchError::invalid(format!("{name}: {e}")))?;
        let Some(reason) = analysis.inference_reason else {
            continue;
        };
        asked += 1;
        *reasons.entry(reason).or_default() += 1;
        let u = analysis.model_usage;
        input_total += u.input_tokens;
        output_total += u.output_tokens;
        let requests = u64::from(u.requests.max(1));
        let per_request = u.input_tokens / requests;
        input.push(per_request as f64);
        output.push((u.output_tokens / requests) as f64);
        if largest.as_ref().is_none_or(|(t, _)| per_request > *t) {
            largest = Some((per_request, name.clone()));
        }
    }
    let runs = (events.len() - failed).max(1) as f64;
    let cost = (input_total as f64 * INPUT_USD_PER_MILLION
        + output_total as f64 * OUTPUT_USD_PER_MILLION)
        / 1e6;
    Ok(json!({
        "label": label,
        "dir": dir.display().to_string(),
        "runs": events.len() - failed,
        "not_gathered": failed,
        "asked": asked,
        "asked_share": asked as f64 / runs,
        "reasons": reasons,
        "requests": fake.requests().len(),
        "input_tokens_per_request": Summary::of_millis(&input),
        "output_tokens_per_request": Summary::of_millis(&output),
        "largest_request": largest.map(|(t, n)| json!({ "case": n, "input_tokens": t })),
        "usd_per_1000_runs": cost / runs * 1000.0,
    }))
}

/// Model usage and cost over each set (`LABEL=DIR`), each shown separately; `limit` caps the
/// runs per set.
pub async fn model_usage(
    sets: &[(String, PathBuf)],
    limit: Option<usize>,
) -> Result<Value, BenchError> {
    let mut out = Vec::new();
    for (label, dir) in sets {
        out.push(usage_of_set(label, dir, limit).await?);
    }
    let settings = Settings::default();
    Ok(json!({
        "sets": out,
        "model_id": settings.model.model_id,
        "max_prompt_tokens": settings.model.max_prompt_tokens,
        "input_usd_per_million": INPUT_USD_PER_MILLION,
        "output_usd_per_million": OUTPUT_USD_PER_MILLION,
        "price_date": PRICE_DATE,
        "target_asked_share": 0.10,
        "target_p95_input_tokens": 6000,
    }))
}
