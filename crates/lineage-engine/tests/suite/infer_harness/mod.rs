//! The harness of the model-stage tests: the pipeline over a captured run (local fixtures,
//! SQLite store, files out) with the real Bedrock adapter talking to the fake Converse
//! endpoint, a sleeper that records the backoff instead of waiting, and a grounded answer.

#![allow(dead_code)]

use async_trait::async_trait;
use lineage_aws::bedrock::BedrockLineageModel;
use lineage_domain::GlueJobStateChange;
use lineage_engine::infer::retry::Sleeper;
use lineage_engine::{InferencePolicy, Pipeline, Ports, Settings};
use lineage_fakes::bedrock::{FakeBedrock, Reply};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const GLUE_NS: &str = "arn:aws:glue:us-east-1:444455556666";

pub fn case_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/infer-shared-library")
}

#[derive(Debug, Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().expect("lock").clone()
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, delay: Duration) {
        self.delays.lock().expect("lock").push(delay);
    }
}

pub struct Harness {
    pub pipeline: Pipeline,
    pub event: GlueJobStateChange,
    pub fake: FakeBedrock,
    pub metrics: Arc<RecordingMetrics>,
    pub store: Arc<SqliteLineageStore>,
    pub sleeper: Arc<RecordingSleeper>,
    pub _dir: tempfile::TempDir,
}

pub fn settings() -> Settings {
    Settings {
        inference_policy: InferencePolicy::Auto,
        retry_delay_seconds: 0.25,
        ..Settings::default()
    }
}

pub async fn harness_at(case: &Path, replies: Vec<Reply>, settings: Settings) -> Harness {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = FsFixtures::open(case).expect("fixtures");
    let event = fixtures.cases()[0].event.clone().expect("event.json");
    let fixtures = Arc::new(fixtures);
    let store = Arc::new(SqliteLineageStore::open(&dir.path().join("lineage.db")).expect("store"));
    let metrics = Arc::new(RecordingMetrics::default());
    let fake = FakeBedrock::start(replies).await;
    let model = BedrockLineageModel::for_endpoint(
        &fake.url,
        "us-east-1",
        "test",
        "test",
        settings.model.model_id.clone(),
    )
    .await;
    let ports = Ports::from_parts(
        fixtures,
        store.clone(),
        Arc::new(FsLineageSink::new(dir.path().join("docs"))),
        metrics.clone(),
    )
    .with_model(Some(Arc::new(model)));
    let sleeper = Arc::new(RecordingSleeper::default());
    Harness {
        pipeline: Pipeline::new(ports, settings).with_sleeper(sleeper.clone()),
        event,
        fake,
        metrics,
        store,
        sleeper,
        _dir: dir,
    }
}

pub async fn harness(replies: Vec<Reply>, settings: Settings) -> Harness {
    harness_at(&case_dir(), replies, settings).await
}

pub fn ds(ns: &str, name: &str, direction: &str, evidence: &str) -> Value {
    json!({"namespace": ns, "name": name, "direction": direction, "confidence": 0.9, "evidence": [evidence]})
}

pub fn good_answer() -> Value {
    json!({"datasets": [
        ds(GLUE_NS, "table/finance/invoices", "input", "load_table(spark, \"finance.invoices\""),
        ds(GLUE_NS, "table/mart/invoice_summary", "output", "store_table(summary, \"mart.invoice_summary\""),
    ]})
}
