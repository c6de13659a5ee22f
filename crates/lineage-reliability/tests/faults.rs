//! Fault injection at each external call, through a fault-injecting HTTP proxy in front of moto
//! and a fake Bedrock Converse endpoint, with the real SDK clients (their retries and error
//! mapping) and the `lineage_aws` adapters. For every (call, fault) pair — DynamoDB write, the
//! execution-context write alone, S3 write, Glue read, Logs read, Bedrock call × throttling, 5xx,
//! connection reset, timeout — the event either completes or fails as retryable
//! (`EngineError::is_retryable`); a failed attempt never leaves the done marker (the execution
//! context); and once the fault clears, a retry leaves exactly the state of a clean run (both
//! tables scanned, every lineage object's bytes).

use lineage_fakes::bedrock as bedrock_fake;
mod common;
use lineage_fakes::proxy;

use aws_config::{BehaviorVersion, Region};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use bedrock_fake::{FakeBedrock, Reply};
use common::{support, Outputs, Snapshot};
use lineage_aws::AwsClients;
use lineage_domain::ports::LineageStore;
use lineage_engine::{Disposition, InferencePolicy, Pipeline, ProcessOptions, Settings};
use proxy::{Fault, FaultProxy, Target};
use serde_json::json;
use std::time::{Duration, Instant};

const SCRIPT: &str = r#"import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
customers = glue.create_dynamic_frame.from_catalog(database="sales", table_name="customers")
orders = spark.read.parquet("s3://raw-zone/orders/")
orders.write.mode("overwrite").parquet("s3://curated-zone/orders_clean/")
"#;

/// The SDK settings of the test clients: a short attempt timeout (the adapters set none, so a
/// stalled connection would otherwise hang until the Lambda's own timeout), few fast retries.
async fn clients_via(url: &str) -> AwsClients {
    let credentials = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "static");
    let config = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new(support::REGION))
        .credentials_provider(credentials)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(100)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_secs(6))
                .build(),
        )
        .load()
        .await;
    AwsClients::from_config(config, true)
}

fn settings(out: &Outputs) -> Settings {
    Settings {
        // a model failure must fail the event (retryable), not fall back
        enable_fallback: false,
        max_retries: 1,
        ..common::settings(out, InferencePolicy::Always)
    }
}

fn model_answer() -> serde_json::Value {
    json!({"datasets": [
        {"namespace": "s3://raw-zone", "name": "orders", "direction": "input", "confidence": 0.9,
         "evidence": ["spark.read.parquet(\"s3://raw-zone/orders/\")"]},
        {"namespace": "s3://curated-zone", "name": "orders_clean", "direction": "output",
         "confidence": 0.9, "evidence": ["orders.write.mode(\"overwrite\").parquet(\"s3://curated-zone/orders_clean/\")"]}
    ]})
}

struct World {
    direct: AwsClients,
    bedrock: FakeBedrock,
    job: String,
    run: String,
    clean: Snapshot,
}

async fn world() -> World {
    let direct = support::clients().await;
    let bedrock = FakeBedrock::start(vec![Reply::Tool(model_answer())]).await;
    let scripts = support::create_bucket(&direct).await;
    let job = common::job_with_script(
        &direct,
        &scripts,
        "faults",
        "py",
        SCRIPT.as_bytes(),
        &[],
        &[],
    )
    .await;
    let run = support::start_run(&direct, &job, &[("--env", "dev")]).await;
    let now = chrono::Utc::now().timestamp_millis();
    support::put_logs(
        &direct,
        "/aws-glue/jobs/output",
        &run,
        &[(now, "INFO Reading parquet from s3://raw-zone/orders/")],
    )
    .await;
    // the clean run: no proxy, no fault
    let out = Outputs::create(&direct).await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&bedrock.url)).await;
    let clients = clients_via(&proxy.url).await;
    let outcome = pipeline(&clients, &out)
        .process(&common::event(&job, &run), ProcessOptions::default())
        .await
        .expect("the clean run");
    assert_eq!(outcome.disposition, Disposition::Processed);
    assert!(
        outcome.context.model_usage.requests >= 1,
        "the model is asked"
    );
    let clean = common::snapshot(&direct, &out).await;
    assert_eq!(clean.objects.len(), 1);
    assert!(clean.mappings.len() >= 3, "{:?}", clean.mappings);
    World {
        direct,
        bedrock,
        job,
        run,
        clean,
    }
}

fn pipeline(clients: &AwsClients, out: &Outputs) -> Pipeline {
    common::pipeline(clients, &settings(out))
}

/// One (target, fault) case; returns a line for the report.
async fn case(w: &World, target: Target, fault: Fault) -> String {
    let started = Instant::now();
    let out = Outputs::create(&w.direct).await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&w.bedrock.url)).await;
    let clients = clients_via(&proxy.url).await;
    let p = pipeline(&clients, &out);
    let store = w.direct.lineage_store(&out.mappings, &out.contexts);
    let event = common::event(&w.job, &w.run);

    proxy.set(target, fault, &out.contexts);
    let first = p.process(&event, ProcessOptions::default()).await;
    assert!(
        proxy.injected() > 0,
        "{target:?}/{fault:?}: the fault was hit"
    );
    let first_failed = match &first {
        Ok(o) => {
            assert_eq!(o.disposition, Disposition::Processed);
            false
        }
        Err(e) => {
            assert!(
                e.is_retryable(),
                "{target:?}/{fault:?}: a failure must be retryable: {e}"
            );
            let marker = store.execution_context(&w.run).await.expect("get");
            assert!(
                marker.is_none(),
                "{target:?}/{fault:?}: a failed attempt left the done marker: {marker:?}"
            );
            true
        }
    };
    proxy.clear();
    let retry = p
        .process(&event, ProcessOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{target:?}/{fault:?}: the retry after the fault: {e}"));
    let expected = if first_failed {
        Disposition::Processed
    } else {
        Disposition::AlreadyRecorded
    };
    assert_eq!(retry.disposition, expected, "{target:?}/{fault:?}");
    let state = common::snapshot(&w.direct, &out).await;
    assert_eq!(
        state.objects, w.clean.objects,
        "{target:?}/{fault:?}: lineage objects"
    );
    assert_eq!(
        state.mappings, w.clean.mappings,
        "{target:?}/{fault:?}: mapping items"
    );
    assert_eq!(
        common::without_model_usage(&state.contexts),
        common::without_model_usage(&w.clean.contexts),
        "{target:?}/{fault:?}: execution-context and cache items"
    );
    if !first_failed
        || !matches!(
            target,
            Target::S3Write | Target::DynamoDbWrite | Target::ContextWrite
        )
    {
        // a retry that had to ask the model again records exactly the clean run's usage
        assert_eq!(state.contexts, w.clean.contexts, "{target:?}/{fault:?}");
    }
    format!(
        "{target:?}/{fault:?}: first attempt {}, {} fault(s) injected, {:?}",
        match &first {
            Ok(_) => "completed".to_string(),
            Err(e) => format!("failed retryable ({e})"),
        },
        proxy.injected(),
        started.elapsed()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_external_call_fails_retryably_and_a_retry_leaves_the_clean_state() {
    let w = world().await;
    let targets = [
        Target::DynamoDbWrite,
        Target::ContextWrite,
        Target::S3Write,
        Target::GlueRead,
        Target::LogsRead,
        Target::Bedrock,
    ];
    let faults = [
        Fault::Throttle,
        Fault::ServerError,
        Fault::Reset,
        Fault::Stall,
    ];
    let cases: Vec<(Target, Fault)> = targets
        .iter()
        .flat_map(|t| faults.iter().map(move |f| (*t, *f)))
        .collect();
    let w = &w;
    let lines = futures::future::join_all(cases.iter().map(|(t, f)| case(w, *t, *f))).await;
    for l in &lines {
        eprintln!("{l}");
    }
    assert_eq!(lines.len(), 24);
}
