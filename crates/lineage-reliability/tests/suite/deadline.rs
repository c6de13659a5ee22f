//! The invocation's deadline through the real bootstrap: the Runtime API emulator sets
//! `Lambda-Runtime-Deadline-Ms`, the function's model calls go to a slow, failing fake Bedrock
//! (the Converse adapter), and the run must be recorded from static evidence before the
//! deadline, with a `model` finding that names it and a `ModelFailures` metric line.

use crate::common;

use common::{support, Outputs};
use lineage_domain::ports::LineageStore;
use lineage_domain::{ExecutionContext, ProcessingStatus};
use lineage_fakes::bedrock::{FakeBedrock, Reply};
use std::time::{Duration, Instant};

const SCRIPT: &str = r#"from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
df = spark.read.parquet("s3://raw-zone/orders/")
df.write.parquet("s3://curated-zone/orders_clean/")
"#;

/// How long the fake model takes to fail one attempt.
const ATTEMPT: Duration = Duration::from_secs(6);

fn deadline_finding(ctx: &ExecutionContext) -> bool {
    ctx.findings
        .iter()
        .any(|f| f.check == "model" && f.message.contains("deadline"))
}

#[tokio::test]
async fn through_the_bootstrap_the_deadline_stops_model_retries_and_the_run_is_recorded_statically()
{
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let bedrock = FakeBedrock::start(vec![Reply::Error(503, "ServiceUnavailableException")]).await;
    bedrock.set_delay(ATTEMPT);
    let scripts = support::create_bucket(&clients).await;
    let job = common::job_with_script(
        &clients,
        &scripts,
        "deadline",
        "py",
        SCRIPT.as_bytes(),
        &[],
        &[],
    )
    .await;
    let store = clients.lineage_store(&out.mappings, &out.contexts);
    // the model is always asked and retried up to 8 times: only the deadline can stop it
    let bootstrap = common::Bootstrap::start(
        &out,
        &[
            ("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.url.as_str()),
            ("INFERENCE_POLICY", "always"),
            ("MAX_RETRIES", "8"),
            ("RETRY_DELAY_SECONDS", "0.01"),
        ],
    )
    .await;

    // 10 s left: inside the margin kept for one model call and the writes, so no attempt starts
    let run = support::start_run(&clients, &job, &[]).await;
    let started = Instant::now();
    let answer = bootstrap
        .invoke_within(
            common::event_json(&job, &run, "SUCCEEDED"),
            Duration::from_secs(10),
        )
        .await
        .expect("recorded, not a function error");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "before the deadline"
    );
    assert_eq!(answer["status"], "processed", "{answer}");
    assert!(bedrock.requests().is_empty(), "no model attempt");
    let ctx = store
        .execution_context(&run)
        .await
        .expect("get")
        .expect("recorded");
    assert_eq!(
        ctx.processing_status,
        ProcessingStatus::CompletedWithFallback
    );
    assert!(deadline_finding(&ctx), "{:?}", ctx.findings);
    assert_eq!(answer["inputs"], 1, "{answer}");
    assert_eq!(answer["outputs"], 1, "{answer}");

    // 80 s left: one attempt starts (more than the margin is left) and fails after 6 s; no
    // second one starts, whatever MAX_RETRIES allows
    let run = support::start_run(&clients, &job, &[]).await;
    let answer = bootstrap
        .invoke_within(
            common::event_json(&job, &run, "SUCCEEDED"),
            Duration::from_secs(80),
        )
        .await
        .expect("recorded, not a function error");
    assert_eq!(answer["status"], "processed", "{answer}");
    assert_eq!(bedrock.requests().len(), 1, "one model attempt");
    let ctx = store
        .execution_context(&run)
        .await
        .expect("get")
        .expect("recorded");
    assert_eq!(
        ctx.processing_status,
        ProcessingStatus::CompletedWithFallback
    );
    assert!(deadline_finding(&ctx), "{:?}", ctx.findings);

    let (stdout, stderr) = bootstrap.stop().await;
    assert_eq!(common::emf_sum(&stdout, "ModelFailures"), 2.0, "{stdout}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
