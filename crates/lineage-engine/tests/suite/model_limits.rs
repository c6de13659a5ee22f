//! The model stage at its limits, end to end through the real Bedrock adapter and the fake
//! Converse endpoint: answers cut at `max_tokens`, permanent and transient model errors, the
//! invocation deadline, what the answer cache key covers, and the EMF metrics the pipeline
//! prints (the file the infra tests check the alarms against).

use crate::infer_harness;
use lineage_fakes::bedrock as bedrock_fake;

use bedrock_fake::Reply;
use infer_harness::*;
use lineage_domain::ProcessingStatus;
use lineage_engine::{infer, Pipeline, ProcessOptions, Settings};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn the_cache_key_hashes_model_prompt_schema_and_inference_settings() {
    use infer::cache_key::{cache_key, cache_key_for};
    let h = harness(vec![Reply::Tool(good_answer())], settings()).await;
    let g = h.pipeline.gather(&h.event).await.expect("gather");
    let (ctx, ex) = (&g.context, &g.extraction);
    let base = settings();
    let key = cache_key(&base, ctx, ex, &[]);
    assert_eq!(key, cache_key(&base, ctx, ex, &[]), "stable");
    let system = infer::prompt::system_prompt();
    let tool = infer::answer::tool();
    assert_eq!(key, cache_key_for(&base, ctx, ex, &[], &system, &tool));
    let mut other_tool = tool.clone();
    other_tool.input_schema["properties"]["extra"] = json!({"type": "string"});
    let mut hotter = base.clone();
    hotter.model.temperature = 0.7;
    let mut longer = base.clone();
    longer.model.max_tokens = 8000;
    let mut other_model = base.clone();
    other_model.model.model_id = "eu.anthropic.claude-sonnet-4-6".into();
    let keys = [
        cache_key_for(&base, ctx, ex, &[], &format!("{system} "), &tool),
        cache_key_for(&base, ctx, ex, &[], &system, &other_tool),
        cache_key(&hotter, ctx, ex, &[]),
        cache_key(&longer, ctx, ex, &[]),
        cache_key(&other_model, ctx, ex, &[]),
    ];
    for (i, k) in keys.iter().enumerate() {
        assert_ne!(k, &key, "change {i} must change the key");
    }
    assert!(keys[4].starts_with("eu.anthropic.claude-sonnet-4-6#"));
}

#[tokio::test]
async fn an_answer_cut_at_max_tokens_is_asked_again_with_twice_the_budget() {
    let h = harness(
        vec![
            Reply::Cut(json!({"datasets": []})),
            Reply::Cut(json!({"datasets": []})),
            Reply::Tool(good_answer()),
        ],
        settings(),
    )
    .await;
    let g = h.pipeline.gather(&h.event).await.expect("gather");
    let a = h.pipeline.analyze(&g).await.expect("analysed");
    assert!(!a.fallback, "{:?}", a.findings);
    let budgets: Vec<_> = h
        .fake
        .requests()
        .iter()
        .map(|r| r.body["inferenceConfig"]["maxTokens"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(budgets, [4000, 8000, 16000]);
    assert!(
        h.sleeper.delays().is_empty(),
        "a cut answer is not a transient error"
    );
    // every answer is paid for: three replies' tokens
    assert_eq!(a.model_usage.requests, 3);
    assert_eq!(a.model_usage.output_tokens, 150 * 3);
}

#[tokio::test]
async fn an_answer_cut_at_the_model_limit_is_recorded_from_static_evidence() {
    let mut s = settings();
    s.model.max_tokens = 40_000;
    s.enable_fallback = false;
    let h = harness(vec![Reply::Cut(json!({"datasets": []}))], s).await;
    let g = h.pipeline.gather(&h.event).await.expect("gather");
    let a = h.pipeline.analyze(&g).await.expect("recorded, not failed");
    assert!(a.fallback);
    let budgets: Vec<_> = h
        .fake
        .requests()
        .iter()
        .map(|r| r.body["inferenceConfig"]["maxTokens"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(budgets, [40_000, 64_000]);
    assert!(a
        .findings
        .iter()
        .any(|f| f.check == "model" && f.message.contains("cut at max_tokens 64000")));
    assert_eq!(h.metrics.total("ModelFailures"), 1.0);
}

#[tokio::test]
async fn permanent_model_errors_are_recorded_from_static_evidence_even_without_fallback() {
    for code in ["ValidationException", "AccessDeniedException"] {
        let strict = Settings {
            enable_fallback: false,
            ..settings()
        };
        let h = harness(vec![Reply::Error(400, code)], strict).await;
        let outcome = h
            .pipeline
            .process(&h.event, ProcessOptions::default())
            .await
            .expect("recorded, never a Lambda retry");
        assert_eq!(
            outcome.context.processing_status,
            ProcessingStatus::CompletedWithFallback,
            "{code}"
        );
        assert!(outcome
            .context
            .findings
            .iter()
            .any(|f| f.check == "model" && f.message.contains(code)));
        assert_eq!(h.fake.requests().len(), 1, "{code} is not retried");
        assert_eq!(h.metrics.total("ModelFailures"), 1.0, "{code}");
    }
}

#[tokio::test]
async fn model_error_exception_is_transient() {
    let h = harness(
        vec![
            Reply::Error(424, "ModelErrorException"),
            Reply::Tool(good_answer()),
        ],
        settings(),
    )
    .await;
    let g = h.pipeline.gather(&h.event).await.expect("gather");
    let a = h.pipeline.analyze(&g).await.expect("analysed");
    assert!(!a.fallback, "{:?}", a.findings);
    assert_eq!(h.fake.requests().len(), 2);
    assert_eq!(h.sleeper.delays().len(), 1);
}

#[tokio::test]
async fn model_retries_stop_before_the_invocation_deadline() {
    use infer::retry::Deadline;
    let strict = Settings {
        enable_fallback: false,
        max_retries: 8,
        retry_delay_seconds: 0.2,
        ..settings()
    };
    let h = harness(
        vec![Reply::Error(503, "ServiceUnavailableException")],
        strict,
    )
    .await;
    // real waits (0.2 s · 2^n with jitter) against 0.4 s of time beyond the margin: the first
    // attempt is made, and the retries stop long before the 8 allowed.
    let pipeline = h
        .pipeline
        .clone()
        .with_sleeper(Arc::new(infer::retry::TokioSleeper));
    let deadline = Deadline::in_(std::time::Duration::from_millis(60_400))
        .with_margin(std::time::Duration::from_secs(60));
    let started = std::time::Instant::now();
    let outcome = pipeline
        .process_until(&h.event, ProcessOptions::default(), Some(deadline))
        .await
        .expect("recorded from static evidence, not a retryable failure");
    assert!(started.elapsed() < std::time::Duration::from_millis(500));
    assert_eq!(
        outcome.context.processing_status,
        ProcessingStatus::CompletedWithFallback
    );
    let attempts = h.fake.requests().len();
    assert!((1..9).contains(&attempts), "{attempts} attempts");
    assert!(outcome
        .context
        .findings
        .iter()
        .any(|f| f.check == "model" && f.message.contains("deadline")));
    assert_eq!(h.metrics.total("ModelFailures"), 1.0);

    let h = harness(vec![Reply::Tool(good_answer())], settings()).await;
    let none_left = Deadline::in_(std::time::Duration::from_secs(10));
    let outcome = h
        .pipeline
        .process_until(&h.event, ProcessOptions::default(), Some(none_left))
        .await
        .expect("recorded");
    assert!(
        h.fake.requests().is_empty(),
        "no attempt without the margin"
    );
    assert_eq!(
        outcome.context.processing_status,
        ProcessingStatus::CompletedWithFallback
    );
}

/// A writer the test reads back.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The metric definitions of the EMF lines the pipeline printed: one entry per (namespace,
/// dimension set), with the sorted metric names.
fn emf_definitions(text: &str) -> Vec<Value> {
    let mut by_dims: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).expect("an EMF line is JSON");
        for d in v["_aws"]["CloudWatchMetrics"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for dims in d["Dimensions"].as_array().into_iter().flatten() {
                let key = json!({"Namespace": d["Namespace"], "Dimensions": dims}).to_string();
                let names = by_dims.entry(key).or_default();
                for m in d["Metrics"].as_array().into_iter().flatten() {
                    names.insert(m["Name"].as_str().unwrap_or_default().to_string());
                }
            }
        }
    }
    by_dims
        .into_iter()
        .map(|(k, names)| {
            let mut v: Value = serde_json::from_str(&k).expect("key");
            v["Metrics"] = json!(names);
            v
        })
        .collect()
}

/// The metrics the pipeline really prints (a run that succeeds with the model, one whose model
/// fails permanently, one whose model stays unavailable without fallback) are what
/// `infra/tests/emf_metrics.json` lists; the infra test checks every alarm and dashboard widget
/// against that file. `UPDATE_EMF=1` rewrites it.
#[tokio::test]
async fn the_emf_metrics_printed_are_those_the_alarms_are_checked_against() {
    use lineage_aws::EmfMetrics;
    let buf = SharedBuf::default();
    let emf: Arc<dyn lineage_domain::ports::Metrics> = Arc::new(EmfMetrics::with_writer(
        "EnhancedLineageAgent",
        "dev",
        Box::new(buf.clone()),
    ));
    let strict = Settings {
        enable_fallback: false,
        max_retries: 0,
        ..settings()
    };
    for (replies, s) in [
        (vec![Reply::Tool(good_answer())], settings()),
        (vec![Reply::Error(400, "ValidationException")], settings()),
        (
            vec![Reply::Error(503, "ServiceUnavailableException")],
            strict,
        ),
    ] {
        let h = harness(replies, s.clone()).await;
        let mut ports = h.pipeline.ports().clone();
        ports.metrics = emf.clone();
        let _ = Pipeline::new(ports, s)
            .with_sleeper(h.sleeper.clone())
            .process(&h.event, ProcessOptions::default())
            .await;
    }
    let text = String::from_utf8(buf.0.lock().expect("lock").clone()).expect("utf-8");
    let found = emf_definitions(&text);
    let names: Vec<&str> = found[0]["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "ErrorOccurrence",
        "ModelFailures",
        "RunsProcessed",
        "ModelInputTokens",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../infra/tests/emf_metrics.json");
    let pretty = serde_json::to_string_pretty(&found).expect("json") + "\n";
    if std::env::var_os("UPDATE_EMF").is_some() {
        std::fs::write(&path, &pretty).expect("write");
    }
    let golden = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        golden,
        pretty,
        "{} is stale: rerun with UPDATE_EMF=1",
        path.display()
    );
}
