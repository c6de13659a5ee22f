//! End to end: the real `bootstrap` binary, driven through a local Lambda Runtime API emulator,
//! against moto (tables, bucket, Glue job and run, logs created here).

use crate::runtime_api;
use crate::support;

use lineage_aws::{AwsClients, DynamoDbLineageStore};
use lineage_domain::ports::LineageStore;
use runtime_api::RuntimeApi;
use serde_json::{json, Value};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(120);

struct Function {
    api: RuntimeApi,
    _child: tokio::process::Child,
}

struct Deployment {
    clients: AwsClients,
    mappings: String,
    contexts: String,
    bucket: String,
}

async fn deployment() -> Deployment {
    let clients = support::clients().await;
    let (mappings, contexts) = support::create_tables(&clients).await;
    let bucket = support::create_bucket(&clients).await;
    Deployment {
        clients,
        mappings,
        contexts,
        bucket,
    }
}

/// Starts the bootstrap binary against a fresh emulator.
async fn function(d: &Deployment, context_table: &str) -> Function {
    function_with(d, context_table, &[]).await
}

/// The bootstrap with extra environment variables (set last, so they override).
async fn function_with(d: &Deployment, context_table: &str, extra: &[(&str, &str)]) -> Function {
    let api = RuntimeApi::start().await;
    let mut cmd = api.function_command(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.env("ENVIRONMENT", "e2e")
        .env("JOB_MAPPING_TABLE", &d.mappings)
        .env("CONTEXT_TABLE", context_table)
        .env("LINEAGE_BUCKET", &d.bucket)
        .env("LINEAGE_PREFIX", "lineage")
        .env("INFERENCE_POLICY", "never")
        .env("LOG_LEVEL", "WARN")
        .envs(support::aws_env())
        .envs(extra.iter().copied())
        .stdout(std::process::Stdio::null());
    let child = cmd.spawn().expect("spawn bootstrap");
    Function { api, _child: child }
}

fn glue_event(job: &str, run: &str) -> Value {
    json!({
        "version": "0", "id": support::unique("evt"), "detail-type": "Glue Job State Change",
        "source": "aws.glue", "account": "123456789012", "time": chrono::Utc::now().to_rfc3339(),
        "region": "us-east-1", "resources": [],
        "detail": {"jobName": job, "severity": "INFO", "state": "SUCCEEDED", "jobRunId": run,
                   "message": "Job run succeeded"}
    })
}

const SCRIPT: &str = r#"import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
orders = spark.read.parquet("s3://raw-zone/orders/")
orders.write.mode("overwrite").parquet("s3://curated-zone/orders_clean/")
"#;

/// A Glue job with a script in the bucket, one run and its log events; returns (job, run).
async fn glue_job(d: &Deployment) -> (String, String) {
    let job = support::unique("orders-rollup");
    let key = format!("scripts/{job}.py");
    support::put_object(&d.clients, &d.bucket, &key, SCRIPT.as_bytes()).await;
    support::create_job(
        &d.clients,
        &job,
        &format!("s3://{}/{key}", d.bucket),
        &[("--env", "dev"), ("--db_password", "Qm7#vT2p!Lx9wR4z")],
        &[],
    )
    .await;
    let run = support::start_run(&d.clients, &job, &[]).await;
    let now = chrono::Utc::now().timestamp_millis();
    support::put_logs(
        &d.clients,
        "/aws-glue/jobs/output",
        &run,
        &[(now, "Reading s3://raw-zone/orders/"), (now + 1, "done")],
    )
    .await;
    (job, run)
}

#[tokio::test]
async fn glue_event_is_processed_into_context_and_document() {
    let d = deployment().await;
    let (job, run) = glue_job(&d).await;
    let f = function(&d, &d.contexts).await;

    let out = f
        .api
        .invoke(glue_event(&job, &run), TIMEOUT)
        .await
        .expect("processed");
    assert_eq!(out["status"], "processed", "{out}");
    assert_eq!(out["job_run_id"], run.as_str());
    let location = out["document_location"]
        .as_str()
        .expect("location")
        .to_string();
    let prefix = format!("s3://{}/lineage/", d.bucket);
    assert!(location.starts_with(&prefix), "{location}");

    let store = DynamoDbLineageStore::new(d.clients.dynamodb.clone(), &d.mappings, &d.contexts);
    let ctx = store
        .execution_context(&run)
        .await
        .expect("get")
        .expect("the execution context item exists");
    assert_eq!(ctx.job_name, job);
    assert_eq!(ctx.arguments["--db_password"], "***REDACTED***");

    let doc = d
        .clients
        .s3
        .get_object()
        .bucket(&d.bucket)
        .key(location.trim_start_matches(&format!("s3://{}/", d.bucket)))
        .send()
        .await
        .expect("the lineage document exists");
    assert_eq!(
        doc.server_side_encryption().map(|s| s.as_str()),
        Some("AES256")
    );
    let bytes = doc.body.collect().await.expect("body").into_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        !text.contains("Qm7#vT2p!Lx9wR4z"),
        "no secret in the document"
    );
    let json: Value = serde_json::from_slice(&bytes).expect("document is JSON");
    assert_eq!(
        json["job"]["name"],
        job.as_str(),
        "the document is the run's OpenLineage event"
    );

    let outputs = out["outputs"].as_u64().unwrap_or(0) + out["inputs"].as_u64().unwrap_or(0);
    // (how many edges the script yields is extraction's business; each accepted one is mapped)
    let mappings = store.mappings_for_job(&job).await.expect("mappings");
    assert_eq!(
        mappings.len() as u64,
        outputs,
        "one mapping per accepted edge: {mappings:?}"
    );

    // the same event again: already recorded
    let again = f
        .api
        .invoke(glue_event(&job, &run), TIMEOUT)
        .await
        .expect("replay");
    assert_eq!(again["status"], "already_recorded", "{again}");
}

#[tokio::test]
async fn sqs_batch_reports_only_the_bad_message() {
    let d = deployment().await;
    let (job, run) = glue_job(&d).await;
    let run2 = support::start_run(&d.clients, &job, &[]).await;
    let f = function(&d, &d.contexts).await;
    let record = |id: &str, body: String| {
        json!({"messageId": id, "receiptHandle": "rh", "body": body, "eventSource": "aws:sqs",
               "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:lineage", "awsRegion": "us-east-1",
               "attributes": {}, "messageAttributes": {}})
    };
    let batch = json!({"Records": [
        record("ok-1", glue_event(&job, &run).to_string()),
        record("bad-1", r#"{"source": "aws.s3", "detail-type": "Object Created"}"#.to_string()),
        record("ok-2", glue_event(&job, &run2).to_string()),
    ]});
    let out = f.api.invoke(batch, TIMEOUT).await.expect("batch response");
    assert_eq!(
        out,
        json!({"batchItemFailures": [{"itemIdentifier": "bad-1"}]})
    );
    let store = DynamoDbLineageStore::new(d.clients.dynamodb.clone(), &d.mappings, &d.contexts);
    for r in [&run, &run2] {
        assert!(
            store.execution_context(r).await.expect("get").is_some(),
            "{r} recorded"
        );
    }
}

#[tokio::test]
async fn health_check_healthy_then_unhealthy_without_a_table() {
    let d = deployment().await;
    let f = function(&d, &d.contexts).await;
    let out = f
        .api
        .invoke(json!({"action": "health_check"}), TIMEOUT)
        .await
        .expect("health");
    assert_eq!(out["status"], "healthy", "{out}");
    assert_eq!(out["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(out["environment"], "e2e");
    let deps = out["dependencies"].as_array().expect("dependencies");
    let kinds: Vec<&str> = deps.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        [
            "dynamodb_table",
            "dynamodb_table",
            "s3_bucket",
            "bedrock_model",
            "config"
        ]
    );
    assert!(deps.iter().all(|d| d["latency_ms"].is_u64()));

    let missing = support::unique("missing-contexts");
    let f = function(&d, &missing).await;
    let out = f
        .api
        .invoke(json!({"action": "health_check"}), TIMEOUT)
        .await
        .expect("health");
    assert_eq!(out["status"], "unhealthy", "{out}");
    let dep = out["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .find(|x| x["name"] == missing.as_str())
        .expect("the missing table is reported")
        .clone();
    assert_eq!(dep["status"], "unhealthy");
    assert!(dep["reason"].as_str().is_some_and(|r| !r.is_empty()));
}

#[tokio::test]
async fn unsupported_events_fail_non_retryable() {
    let d = deployment().await;
    let f = function(&d, &d.contexts).await;
    let err = f
        .api
        .invoke(json!({"hello": "world"}), TIMEOUT)
        .await
        .expect_err("unsupported");
    assert_eq!(err["errorType"], "NonRetryable", "{err}");
    assert!(
        err["errorMessage"]
            .as_str()
            .is_some_and(|m| m.contains("health_check")),
        "{err}"
    );

    let missing_job = support::unique("no-such-job");
    let err = f
        .api
        .invoke(glue_event(&missing_job, "jr_missing"), TIMEOUT)
        .await
        .expect_err("unknown job");
    assert_eq!(err["errorType"], "NonRetryable", "{err}");
}

#[tokio::test]
async fn health_check_reports_an_invalid_configuration_instead_of_crashing() {
    let d = deployment().await;
    let f = function_with(&d, &d.contexts, &[("MIN_CONFIDENCE_SCORE", "1.7")]).await;
    let out = f
        .api
        .invoke(json!({"action": "health_check"}), TIMEOUT)
        .await
        .expect("health answers");
    assert_eq!(out["status"], "unhealthy", "{out}");
    let reason = out["dependencies"][0]["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.contains("MIN_CONFIDENCE_SCORE"), "{out}");
}
