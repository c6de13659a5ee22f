//! Concurrent duplicate deliveries: eight deliveries of one run at once, on the AWS adapters
//! (moto, real SDK clients) and on the local ones (embedded store, folder sink), end in one
//! state with at most one model call — one delivery claims the run and records it, the others
//! find it recorded or fail retryably while it is claimed, and their retries find it recorded.
//! Eight concurrent `--force` deliveries then hold the claim one at a time and leave the same
//! state (the cached answer: no second model call). Four processes of the real bootstrap, each
//! with its own Runtime API emulator, delivered one run at once, do the same through the
//! Converse adapter and a slow fake model.

use crate::common;

use common::{support, MemMetrics, Outputs};
use lineage_domain::ports::{
    InferenceRequest, LineageModel, LineageSink, LineageStore, ModelReply,
};
use lineage_domain::record::TokenUsage;
use lineage_domain::PortError;
use lineage_engine::pipeline::{Disposition, Ports};
use lineage_engine::{EngineError, InferencePolicy, Pipeline, ProcessOptions};
use lineage_fakes::bedrock::{FakeBedrock, Reply};
use lineage_fakes::proxy::FaultProxy;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SCRIPT: &str = r#"from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
df = spark.read.parquet("s3://raw-zone/orders/")
df.write.parquet("s3://curated-zone/orders_clean/")
"#;

const N: usize = 8;

/// A model that counts its calls and takes its time (so the deliveries overlap).
#[derive(Debug, Default)]
struct CountingModel {
    calls: AtomicUsize,
}

#[async_trait::async_trait]
impl LineageModel for CountingModel {
    fn model_id(&self) -> &str {
        "counting-model"
    }
    async fn infer(&self, _request: &InferenceRequest) -> Result<ModelReply, PortError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(ModelReply {
            tool_input: Some(serde_json::json!({"datasets": [
                {"namespace": "s3://raw-zone", "name": "orders", "direction": "input",
                 "confidence": 0.9, "evidence": ["spark.read.parquet(\"s3://raw-zone/orders/\")"]}
            ]})),
            stop_reason: "tool_use".into(),
            usage: TokenUsage {
                requests: 1,
                input_tokens: 10,
                output_tokens: 10,
                cache_hits: 0,
            },
        })
    }
}

/// Delivers the run `N` times at once, then retries those that failed; returns how many
/// deliveries recorded it.
async fn deliver_concurrently(pipeline: &Pipeline, job: &str, run: &str, force: bool) -> usize {
    let event = common::event(job, run);
    let options = ProcessOptions {
        force,
        dry_run: false,
    };
    let event = &event;
    let results = futures::future::join_all((0..N).map(|_| pipeline.process(event, options))).await;
    let mut processed = 0;
    for r in &results {
        match r {
            Ok(o) if o.disposition == Disposition::Processed => processed += 1,
            Ok(o) => assert_eq!(o.disposition, Disposition::AlreadyRecorded),
            Err(e @ EngineError::Busy { .. }) => assert!(e.is_retryable()),
            Err(e) => panic!("an unexpected failure: {e}"),
        }
    }
    // the retries of the deliveries that found the run claimed
    for r in &results {
        if r.is_err() {
            let again = pipeline
                .process(event, ProcessOptions::default())
                .await
                .expect("the retry");
            assert_eq!(again.disposition, Disposition::AlreadyRecorded);
        }
    }
    processed
}

async fn run_on(
    ports: Ports,
    clients: &lineage_aws::AwsClients,
    out: &Outputs,
) -> (String, Arc<CountingModel>) {
    let settings = common::settings(out, InferencePolicy::Always);
    let model = Arc::new(CountingModel::default());
    let pipeline = Pipeline::new(ports.with_model(Some(model.clone())), settings)
        .with_sleeper(Arc::new(common::NoSleep));
    let scripts = support::create_bucket(clients).await;
    let job =
        common::job_with_script(clients, &scripts, "dup", "py", SCRIPT.as_bytes(), &[], &[]).await;
    let run = support::start_run(clients, &job, &[]).await;
    assert_eq!(deliver_concurrently(&pipeline, &job, &run, false).await, 1);
    assert_eq!(model.calls.load(Ordering::SeqCst), 1, "one model call");
    let store = pipeline.ports().store.clone();
    let recorded = store.execution_context(&run).await.expect("read");
    // forced deliveries hold the claim one at a time (how many overlap depends on timing);
    // the answer is cached, so the model is not asked again, and the state stays the same
    let forced = deliver_concurrently(&pipeline, &job, &run, true).await;
    assert!((1..=N).contains(&forced), "{forced}");
    assert_eq!(
        model.calls.load(Ordering::SeqCst),
        1,
        "still one model call"
    );
    let mut after = store.execution_context(&run).await.expect("read");
    if let (Some(a), Some(r)) = (after.as_mut(), recorded.as_ref()) {
        a.model_usage = r.model_usage;
    }
    assert_eq!(
        after, recorded,
        "the forced deliveries leave the same context"
    );
    (run, model)
}

/// What one recorded run of [`SCRIPT`] leaves on AWS: one context item with no claim left on
/// it, the run's two documents (START and terminal), one mapping per edge.
async fn assert_one_run_recorded(clients: &lineage_aws::AwsClients, out: &Outputs, run: &str) {
    let snap = common::snapshot(clients, out).await;
    let runs: Vec<_> = snap
        .contexts
        .iter()
        .filter(|i| common::item_key(i, &["job_run_id"])[0] == *run)
        .collect();
    assert_eq!(runs.len(), 1, "one context item");
    assert!(
        !runs[0].contains_key("claim_owner"),
        "no claim is left behind"
    );
    assert_eq!(
        snap.objects.len(),
        2,
        "one run's two documents (START and terminal)"
    );
    assert_eq!(snap.mappings.len(), 2, "one mapping per edge");
}

#[tokio::test]
async fn eight_concurrent_deliveries_on_aws_end_in_one_state_with_one_model_call() {
    // through the proxy, which applies DynamoDB writes one at a time as DynamoDB does (moto
    // checks a condition and then writes, unlocked): the eight deliveries start in the same
    // instant
    let proxy = FaultProxy::start(&support::moto_url(), None).await;
    let clients =
        lineage_aws::AwsClients::for_endpoint(&proxy.url, support::REGION, "test", "test").await;
    let out = Outputs::create(&clients).await;
    let settings = common::settings(&out, InferencePolicy::Always);
    let ports = lineage_lambda::wiring::aws_ports(
        &clients,
        &settings,
        Some(Arc::new(MemMetrics::default())),
    );
    let (run, _model) = run_on(ports, &clients, &out).await;
    assert_one_run_recorded(&clients, &out, &run).await;
}

#[tokio::test]
async fn eight_concurrent_deliveries_on_the_local_store_end_in_one_state_with_one_model_call() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(
        lineage_local::SqliteLineageStore::open(&dir.path().join("lineage.db")).expect("store"),
    );
    let sink = Arc::new(lineage_local::FsLineageSink::new(dir.path().join("docs")));
    let ports = Ports {
        catalog: Arc::new(clients.job_catalog()),
        scripts: Arc::new(clients.script_store()),
        logs: Arc::new(clients.run_logs()),
        storage: None,
        transports: Vec::new(),
        model: None,
        cache: store.clone(),
        store: store.clone(),
        sink: sink.clone(),
        metrics: Arc::new(MemMetrics::default()),
    };
    let (run, _model) = run_on(ports, &clients, &out).await;
    let ctx = store
        .execution_context(&run)
        .await
        .expect("read")
        .expect("recorded");
    assert!(sink
        .document(&ctx.lineage_key)
        .await
        .expect("read")
        .is_some());
    assert_eq!(store.all_mappings().await.expect("mappings").len(), 2);
}

/// How many bootstrap processes deliver one run at once.
const PROCESSES: usize = 4;

/// How far apart the processes receive the run: each process gathers before it claims, and
/// on a loaded machine that takes anywhere from tens to hundreds of milliseconds, so claims
/// sent less than this apart could reach moto in the same instant (moto checks a conditional
/// write and then applies it, unlocked; these processes call it directly, not through the
/// proxy that applies DynamoDB writes one at a time).
const PROCESS_SPACING: Duration = Duration::from_secs(1);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn four_bootstrap_processes_delivering_one_run_at_once_end_in_one_state_with_one_model_call()
{
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    // a slow model (through the real Converse adapter), so the deliveries overlap
    let bedrock = FakeBedrock::start(vec![Reply::Tool(serde_json::json!({"datasets": [
        {"namespace": "s3://raw-zone", "name": "orders", "direction": "input",
         "confidence": 0.9, "evidence": ["spark.read.parquet(\"s3://raw-zone/orders/\")"]}
    ]}))])
    .await;
    // longer than the deliveries take to arrive, so every later one finds the run claimed
    bedrock.set_delay(PROCESS_SPACING * (u32::try_from(PROCESSES).unwrap_or(4) + 1));
    let scripts = support::create_bucket(&clients).await;
    let job =
        common::job_with_script(&clients, &scripts, "dup", "py", SCRIPT.as_bytes(), &[], &[]).await;
    let run = support::start_run(&clients, &job, &[]).await;
    let env = [
        ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url.as_str()),
        ("INFERENCE_POLICY", "always"),
    ];
    let mut processes = Vec::new();
    for _ in 0..PROCESSES {
        processes.push(common::Bootstrap::start(&out, &env).await);
    }
    let event = common::event_json(&job, &run, "SUCCEEDED");
    let answers = futures::future::join_all(processes.iter().enumerate().map(|(i, b)| {
        let event = event.clone();
        async move {
            tokio::time::sleep(PROCESS_SPACING * u32::try_from(i).unwrap_or(0)).await;
            b.invoke(event).await
        }
    }))
    .await;
    let mut processed = 0;
    let mut busy = Vec::new();
    for (i, answer) in answers.iter().enumerate() {
        match answer {
            Ok(report) if report["status"] == "processed" => processed += 1,
            Ok(report) => assert_eq!(report["status"], "already_recorded", "{report}"),
            Err(e) => {
                assert_eq!(e["errorType"], "Retryable", "{e}");
                assert!(
                    e["errorMessage"]
                        .as_str()
                        .is_some_and(|m| m.contains("(claimed)")),
                    "{e}"
                );
                busy.push(i);
            }
        }
    }
    assert_eq!(processed, 1, "one delivery records the run: {answers:?}");
    assert!(
        !busy.is_empty(),
        "the deliveries overlapped (one found the run claimed): {answers:?}"
    );
    // Lambda retries a function error: the run is recorded by then
    for i in busy {
        let again = processes[i]
            .invoke(event.clone())
            .await
            .expect("the redelivery");
        assert_eq!(again["status"], "already_recorded", "{again}");
    }
    assert_eq!(bedrock.requests().len(), 1, "one model call");
    assert_one_run_recorded(&clients, &out, &run).await;
    for b in processes {
        let (_stdout, stderr) = b.stop().await;
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
