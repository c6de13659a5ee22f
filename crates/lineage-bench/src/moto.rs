//! Per-run latency against moto: the project's moto harness (`tests/moto/moto.sh`) starts a
//! local server, the benchmark seeds it like a deployment (both DynamoDB tables, the lineage
//! bucket, a Glue job with its script in S3, runs with their CloudWatch log events) and the
//! pipeline runs on the AWS adapters over loopback HTTP: gather from Glue/S3/Logs, persist to
//! DynamoDB/S3.

use crate::stats::Summary;
use crate::BenchError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use lineage_aws::AwsClients;
use lineage_domain::event::GlueJobStateDetail;
use lineage_domain::{EventEnvelope, GlueJobStateChange, RunState};
use lineage_engine::{Pipeline, ProcessOptions, Settings};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

const REGION: &str = "us-east-1";

fn err(what: &str, e: impl std::fmt::Display) -> BenchError {
    BenchError::invalid(format!("moto: {what}: {e}"))
}

/// Starts moto through the project's harness; the server stops when this process exits.
pub fn start(root: &Path) -> Result<String, BenchError> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| err("free port", e))?;
    let script = root.join("tests/moto/moto.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .output()
        .map_err(|e| err("moto.sh", e))?;
    let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || url.is_empty() {
        return Err(err("moto.sh start", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(url)
}

fn attr(name: &str) -> Result<AttributeDefinition, BenchError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| err("attribute", e))
}

fn key(name: &str, kind: KeyType) -> Result<KeySchemaElement, BenchError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .map_err(|e| err("key", e))
}

async fn seed_tables(c: &AwsClients, s: &Settings) -> Result<(), BenchError> {
    let gsi = GlobalSecondaryIndex::builder()
        .index_name(lineage_aws::dynamodb::DATASET_INDEX)
        .key_schema(key("dataset_key", KeyType::Hash)?)
        .key_schema(key("job_name", KeyType::Range)?)
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .map_err(|e| err("gsi", e))?;
    c.dynamodb
        .create_table()
        .table_name(&s.job_mapping_table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("job_name")?)
        .attribute_definitions(attr("mapping_key")?)
        .attribute_definitions(attr("dataset_key")?)
        .key_schema(key("job_name", KeyType::Hash)?)
        .key_schema(key("mapping_key", KeyType::Range)?)
        .global_secondary_indexes(gsi)
        .send()
        .await
        .map_err(|e| err("create mapping table", e))?;
    c.dynamodb
        .create_table()
        .table_name(&s.context_table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("job_run_id")?)
        .key_schema(key("job_run_id", KeyType::Hash)?)
        .send()
        .await
        .map_err(|e| err("create context table", e))?;
    Ok(())
}

fn event(job: &str, run_id: &str) -> GlueJobStateChange {
    GlueJobStateChange {
        envelope: EventEnvelope {
            version: "0".into(),
            id: format!("bench-{run_id}"),
            detail_type: GlueJobStateChange::DETAIL_TYPE.into(),
            source: GlueJobStateChange::SOURCE.into(),
            account: "123456789012".into(),
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            region: REGION.into(),
            resources: Vec::new(),
            replay_name: None,
        },
        detail: GlueJobStateDetail {
            job_name: job.into(),
            job_run_id: run_id.into(),
            state: RunState::Succeeded,
            severity: "INFO".into(),
            message: "Job run succeeded".into(),
        },
    }
}

/// Seeds moto from one captured case (its job, script and log lines) and processes `runs`
/// distinct runs of that job end to end on the AWS adapters.
pub async fn latency(url: &str, case: &Path, runs: usize) -> Result<Value, BenchError> {
    let fixtures = crate::local::open(case)?;
    let captured = fixtures
        .cases()
        .first()
        .cloned()
        .ok_or_else(|| BenchError::invalid("no case"))?;
    let script = captured
        .script
        .as_ref()
        .map(|p| crate::read_text(p))
        .transpose()?
        .unwrap_or_default();
    let c = AwsClients::for_endpoint(url, REGION, "test", "test").await;
    let settings = Settings {
        lineage_bucket: "bench-lineage".into(),
        job_mapping_table: "bench-job-mappings".into(),
        context_table: "bench-execution-contexts".into(),
        ..Settings::default()
    };
    seed_tables(&c, &settings).await?;
    for b in ["bench-lineage", "bench-glue-assets"] {
        c.s3.create_bucket()
            .bucket(b)
            .send()
            .await
            .map_err(|e| err("create bucket", e))?;
    }
    let job_name = captured.job.name.clone();
    let script_key = format!("scripts/{job_name}.py");
    c.s3.put_object()
        .bucket("bench-glue-assets")
        .key(&script_key)
        .body(aws_sdk_s3::primitives::ByteStream::from(
            script.into_bytes(),
        ))
        .send()
        .await
        .map_err(|e| err("put script", e))?;
    let mut job = c
        .glue
        .create_job()
        .name(&job_name)
        .role("arn:aws:iam::123456789012:role/glue")
        .glue_version("4.0")
        .worker_type(aws_sdk_glue::types::WorkerType::G1X)
        .number_of_workers(2)
        .command(
            aws_sdk_glue::types::JobCommand::builder()
                .name("glueetl")
                .script_location(format!("s3://bench-glue-assets/{script_key}"))
                .python_version("3")
                .build(),
        );
    for (k, v) in &captured.job.default_arguments {
        job = job.default_arguments(k, v);
    }
    job.send().await.map_err(|e| err("create job", e))?;
    let lines: Vec<String> = crate::read_text(&case.join("logs.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["events"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_string))
        .collect();
    let mut run_ids = Vec::new();
    for _ in 0..(runs + 1) {
        let id = c
            .glue
            .start_job_run()
            .job_name(&job_name)
            .send()
            .await
            .map_err(|e| err("start job run", e))?
            .job_run_id()
            .unwrap_or_default()
            .to_string();
        let now = chrono::Utc::now().timestamp_millis();
        for group in ["/aws-glue/jobs/output", "/aws-glue/jobs/error"] {
            let _ = c.logs.create_log_group().log_group_name(group).send().await;
            c.logs
                .create_log_stream()
                .log_group_name(group)
                .log_stream_name(&id)
                .send()
                .await
                .map_err(|e| err("create log stream", e))?;
        }
        if !lines.is_empty() {
            let mut req = c
                .logs
                .put_log_events()
                .log_group_name("/aws-glue/jobs/output")
                .log_stream_name(&id);
            for (i, m) in lines.iter().enumerate() {
                req = req.log_events(
                    aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                        .timestamp(now + i as i64)
                        .message(m)
                        .build()
                        .map_err(|e| err("log event", e))?,
                );
            }
            req.send().await.map_err(|e| err("put log events", e))?;
        }
        run_ids.push(id);
    }
    // as the Lambda wires them, static only, metrics kept in memory
    let settings = Settings {
        inference_policy: lineage_engine::InferencePolicy::Never,
        ..settings
    };
    let ports = lineage_lambda::wiring::aws_ports(
        &c,
        &settings,
        Some(Arc::new(lineage_local::RecordingMetrics::default())),
    );
    let pipeline = Pipeline::new(ports, settings);
    let (mut total, mut gather, mut analyze, mut persist) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, id) in run_ids.iter().enumerate() {
        let t = Instant::now();
        let o = pipeline
            .process(&event(&job_name, id), ProcessOptions::default())
            .await
            .map_err(|e| err("process", e))?;
        if i > 0 {
            total.push(t.elapsed());
            gather.push(o.timings.gather);
            analyze.push(o.timings.analyze);
            persist.push(o.timings.persist);
        }
    }
    Ok(json!({
        "case": case.display().to_string(),
        "runs": runs,
        "log_lines_per_run": lines.len(),
        "total": Summary::of(&total),
        "gather": Summary::of(&gather),
        "analyze": Summary::of(&analyze),
        "persist": Summary::of(&persist),
    }))
}
