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
use std::time::{Duration, Instant};

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

/// A deployment seeded in moto: its clients (straight to moto), settings, job and runs.
#[derive(Debug)]
pub struct Seeded {
    pub clients: AwsClients,
    pub settings: Settings,
    pub job_name: String,
    /// One run more than asked: the first warms up.
    pub run_ids: Vec<String>,
    pub log_lines: usize,
}

impl Seeded {
    /// The pipeline as the Lambda wires it, static only, metrics kept in memory, on `clients`.
    pub fn pipeline(&self, clients: &AwsClients) -> Pipeline {
        let settings = Settings {
            inference_policy: lineage_engine::InferencePolicy::Never,
            ..self.settings.clone()
        };
        let ports = lineage_lambda::wiring::aws_ports(
            clients,
            &settings,
            Some(Arc::new(lineage_local::RecordingMetrics::default())),
        );
        Pipeline::new(ports, settings)
    }
}

/// Seeds moto from one captured case (its job, script and log lines) with `runs` + 1 runs.
pub async fn seed(url: &str, case: &Path, runs: usize) -> Result<Seeded, BenchError> {
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
    Ok(Seeded {
        clients: c,
        settings,
        job_name,
        run_ids,
        log_lines: lines.len(),
    })
}

/// Seeds moto from one captured case (its job, script and log lines) and processes `runs`
/// distinct runs of that job end to end on the AWS adapters.
pub async fn latency(url: &str, case: &Path, runs: usize) -> Result<Value, BenchError> {
    let seeded = seed(url, case, runs).await?;
    let pipeline = seeded.pipeline(&seeded.clients);
    let (job_name, run_ids) = (&seeded.job_name, &seeded.run_ids);
    let (mut total, mut gather, mut analyze, mut persist) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (i, id) in run_ids.iter().enumerate() {
        let t = Instant::now();
        let o = pipeline
            .process(&event(job_name, id), ProcessOptions::default())
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
        "log_lines_per_run": seeded.log_lines,
        "total": Summary::of(&total),
        "gather": Summary::of(&gather),
        "analyze": Summary::of(&analyze),
        "persist": Summary::of(&persist),
    }))
}

/// Seeds moto like [`latency`], then processes `runs` runs with every AWS call going through a
/// proxy that delays it by `delay` and records it: per run, the wall time, the critical path
/// of its calls ([`crate::critical_path`]) and their ratio; the call graph of the median run.
pub async fn latency_injected(
    url: &str,
    case: &Path,
    runs: usize,
    delay: Duration,
) -> Result<Value, BenchError> {
    use crate::critical_path::{call_graph, critical_path};
    let seeded = seed(url, case, runs).await?;
    let proxy = lineage_fakes::proxy::FaultProxy::start(url, None).await;
    proxy.set_latency(delay);
    let via_proxy = AwsClients::for_endpoint(&proxy.url, REGION, "test", "test").await;
    let pipeline = seeded.pipeline(&via_proxy);
    let table = seeded.settings.context_table.clone();
    let mut rows = Vec::new();
    for (i, id) in seeded.run_ids.iter().enumerate() {
        proxy.take_calls();
        let origin = proxy.now();
        let t = Instant::now();
        pipeline
            .process(&event(&seeded.job_name, id), ProcessOptions::default())
            .await
            .map_err(|e| err("process", e))?;
        let wall = t.elapsed().as_secs_f64() * 1000.0;
        // the proxy records a call once upstream has closed, a little after the answer
        tokio::time::sleep(Duration::from_millis(30)).await;
        // a call recorded late belongs to the run before: keep only this run's
        let calls: Vec<_> = proxy
            .take_calls()
            .into_iter()
            .filter(|c| c.start >= origin)
            .collect();
        if i == 0 {
            continue; // warm-up: connections, credentials, first-use costs
        }
        let cp = critical_path(&calls, &table);
        let path = cp["critical_path_ms"].as_f64().unwrap_or(f64::NAN);
        rows.push(json!({
            "wall_ms": wall,
            "critical_path_ms": path,
            "ratio": wall / path,
            "calls": calls.len(),
            "sequential_ms": calls.iter().map(|c| (c.end - c.start).as_secs_f64() * 1000.0).sum::<f64>(),
            "stages": cp["stages"],
            "graph": call_graph(&calls, origin, &table),
        }));
    }
    rows.sort_by(|a, b| {
        a["wall_ms"]
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&b["wall_ms"].as_f64().unwrap_or(0.0))
    });
    let pick = |k: &str| -> Vec<f64> { rows.iter().filter_map(|r| r[k].as_f64()).collect() };
    let median = rows.get(rows.len() / 2).cloned().unwrap_or(Value::Null);
    Ok(json!({
        "case": case.display().to_string(),
        "runs": runs,
        "latency_ms": delay.as_secs_f64() * 1000.0,
        "wall": Summary::of_millis(&pick("wall_ms")),
        "critical_path": Summary::of_millis(&pick("critical_path_ms")),
        "ratio": Summary::of_millis(&pick("ratio")),
        "calls_per_run": median["calls"],
        "sequential_ms_median_run": median["sequential_ms"],
        "median_run": median,
        "target_ratio": 1.3,
    }))
}
