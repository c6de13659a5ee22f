//! The CLI's AWS mode against moto through the real SDK clients: `health`, `replay` generated
//! from `glue:GetJobRuns`, `replay --to-queue`, and `graph`/`lineage` read from DynamoDB; and
//! the agent's HTTPS client against moto served over TLS.
//! Only with the `aws` feature (the default).
#![cfg(feature = "aws")]

use crate::support;

use std::process::{Command, Output};

struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    fn agent(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
            .args(args)
            .envs(self.vars.iter().cloned())
            .env("INFERENCE_POLICY", "never")
            .output()
            .expect("run lineage-agent")
    }
    fn with(&self, key: &str, value: &str) -> Env {
        let mut vars: Vec<_> = self
            .vars
            .iter()
            .filter(|(k, _)| k != key)
            .cloned()
            .collect();
        vars.push((key.into(), value.into()));
        Env { vars }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const SCRIPT: &str = r#"import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext
spark = GlueContext(SparkContext()).spark_session
df = spark.read.parquet("s3://cli-raw-bucket/events/")
df.write.mode("append").parquet("s3://cli-curated-bucket/daily_events/")
"#;

#[tokio::test]
async fn health_replay_queue_and_graph_against_moto() {
    let c = support::clients().await;
    let (mappings, contexts) = support::create_tables(&c).await;
    let bucket = support::create_bucket(&c).await;
    support::put_object(&c, &bucket, "scripts/daily.py", SCRIPT.as_bytes()).await;
    let job = support::unique("cli-job");
    support::create_job(
        &c,
        &job,
        &format!("s3://{bucket}/scripts/daily.py"),
        &[],
        &[],
    )
    .await;
    let run_a = support::start_run(&c, &job, &[]).await;
    let run_b = support::start_run(&c, &job, &[]).await;

    let mut vars = support::aws_env();
    vars.extend([
        ("JOB_MAPPING_TABLE".to_string(), mappings.clone()),
        ("CONTEXT_TABLE".to_string(), contexts.clone()),
        ("LINEAGE_BUCKET".to_string(), bucket.clone()),
        ("ENVIRONMENT".to_string(), "test".to_string()),
    ]);
    let env = Env { vars };

    // health: healthy, then unhealthy with the reason when a table is missing
    let ok = env.agent(&["health"]);
    assert!(ok.status.success(), "{}", text(&ok));
    let bad = env
        .with("CONTEXT_TABLE", "no-such-table")
        .agent(&["health", "--json"]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("json report");
    assert_eq!(report["status"], "unhealthy");
    assert!(report["dependencies"]
        .as_array()
        .expect("deps")
        .iter()
        .any(|d| d["status"] == "unhealthy" && d["name"] == "no-such-table"));

    // replay generated from GetJobRuns: both runs processed, then both skipped
    let first = env.agent(&[
        "replay",
        "--jobs",
        &job,
        "--account",
        "123456789012",
        "--quiet",
    ]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("processed                         2"),
        "{}",
        text(&first)
    );
    let again = env.agent(&[
        "replay",
        "--jobs",
        &job,
        "--account",
        "123456789012",
        "--quiet",
    ]);
    assert!(
        text(&again).contains("skipped (already recorded)        2"),
        "{}",
        text(&again)
    );
    for run in [&run_a, &run_b] {
        let item = c
            .dynamodb
            .get_item()
            .table_name(&contexts)
            .key(
                "job_run_id",
                aws_sdk_dynamodb::types::AttributeValue::S(run.to_string()),
            )
            .send()
            .await
            .expect("get item");
        assert!(item.item().is_some(), "execution context of {run}");
    }

    // the merged graph, read from DynamoDB
    let graph = env.agent(&["graph", "--aws", "--format", "json"]);
    assert!(graph.status.success(), "{}", text(&graph));
    let g: serde_json::Value = serde_json::from_slice(&graph.stdout).expect("graph json");
    let names: Vec<String> = g["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(names.contains(&job), "{names:?}");
    assert!(names.contains(&"daily_events".to_string()), "{names:?}");
    let down = env.agent(&[
        "lineage",
        "downstream",
        "s3://cli-raw-bucket/events",
        "--aws",
    ]);
    assert!(
        text(&down).contains("s3://cli-curated-bucket/daily_events"),
        "{}",
        text(&down)
    );

    // replay to the backfill queue: every event arrives as a message body
    let sqs = aws_sdk_sqs::Client::new(&c.config);
    let queue = sqs
        .create_queue()
        .queue_name(support::unique("backfill"))
        .send()
        .await
        .expect("queue")
        .queue_url()
        .expect("url")
        .to_string();
    let sent = env.agent(&[
        "replay",
        "--jobs",
        &job,
        "--account",
        "123456789012",
        "--to-queue",
        &queue,
        "--quiet",
    ]);
    assert!(text(&sent).contains("sent 2 of 2"), "{}", text(&sent));
    let got = sqs
        .receive_message()
        .queue_url(&queue)
        .max_number_of_messages(10)
        .send()
        .await
        .expect("receive");
    let mut runs: Vec<String> = got
        .messages()
        .iter()
        .map(|m| {
            let e = lineage_domain::GlueJobStateChange::from_json(m.body().unwrap_or_default())
                .expect("event body");
            e.job_run_id().to_string()
        })
        .collect();
    runs.sort();
    let mut want = vec![run_a.clone(), run_b.clone()];
    want.sort();
    assert_eq!(runs, want);
}

#[tokio::test]
async fn extract_a_job_run_from_aws_and_write_it_only_without_dry_run() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    support::put_object(&c, &bucket, "scripts/daily.py", SCRIPT.as_bytes()).await;
    let job = support::unique("extract-job");
    support::create_job(
        &c,
        &job,
        &format!("s3://{bucket}/scripts/daily.py"),
        &[],
        &[],
    )
    .await;
    let run = support::start_run(&c, &job, &[]).await;
    let mut vars = support::aws_env();
    vars.push(("AWS_ACCOUNT_ID".into(), "123456789012".into()));
    let env = Env { vars };
    let out_url = format!("s3://{bucket}/adhoc");

    let dry = env.agent(&[
        "extract",
        "--job-name",
        &job,
        "--output-path",
        &out_url,
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    let doc: serde_json::Value = serde_json::from_slice(&dry.stdout).expect("RunEvent on stdout");
    assert_eq!(doc["job"]["name"], job.as_str());
    assert_eq!(doc["run"]["facets"]["glue_run"]["jobRunId"], run.as_str());
    assert_eq!(doc["outputs"][0]["name"], "daily_events");
    let listed =
        c.s3.list_objects_v2()
            .bucket(&bucket)
            .prefix("adhoc/")
            .send()
            .await
            .expect("list");
    assert_eq!(listed.key_count(), Some(0), "dry run writes nothing");

    let wet = env.agent(&[
        "extract",
        "--job-name",
        &job,
        "--run-id",
        &run,
        "--output-path",
        &out_url,
    ]);
    assert!(wet.status.success(), "{}", text(&wet));
    let listed =
        c.s3.list_objects_v2()
            .bucket(&bucket)
            .prefix("adhoc/")
            .send()
            .await
            .expect("list");
    let mut keys: Vec<&str> = listed.contents().iter().filter_map(|o| o.key()).collect();
    keys.sort_unstable();
    // the START event beside the terminal one, as the Lambda writes them
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter().all(|k| k.starts_with(&format!("adhoc/{job}/"))),
        "{keys:?}"
    );
    assert!(keys[0].ends_with(&format!("{run}.json")), "{keys:?}");
    assert!(keys[1].ends_with(&format!("{run}.start.json")), "{keys:?}");
    let body = support::get_object(&c, &bucket, keys[0]).await;
    let start = support::get_object(&c, &bucket, keys[1]).await;
    let start: serde_json::Value = serde_json::from_slice(&start).expect("START event");
    assert_eq!(start["eventType"], "START");
    assert_eq!(start["run"]["runId"], doc["run"]["runId"], "one run id");
    assert_eq!(
        body.as_slice(),
        wet.stdout.as_slice(),
        "what is written is what was printed"
    );

    let unknown = env.agent(&["extract", "--job-name", "no-such-job", "--dry-run"]);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown));
}

/// The agent's one HTTPS client (hyper 1, rustls on ring) against moto over TLS: with the test
/// CA in `SSL_CERT_FILE` every call reaches the service (the tables and bucket do not exist
/// there: "not found" is the service's answer); without it, the certificate is refused and each
/// call says so on one line with the fix, as a setup problem, not a transient one.
#[test]
fn https_trusts_ssl_cert_file_and_refuses_an_unknown_certificate() {
    let moto = support::tls_moto();
    let health = |trust: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_lineage-agent"));
        cmd.args(["health", "--json"])
            .envs(support::aws_env())
            .env("AWS_ENDPOINT_URL", &moto.url)
            .env("LINEAGE_BUCKET", "no-such-bucket")
            .env("JOB_MAPPING_TABLE", "no-such-mappings")
            .env("CONTEXT_TABLE", "no-such-contexts")
            .env_remove("SSL_CERT_FILE")
            .env_remove("SSL_CERT_DIR");
        if trust {
            cmd.env("SSL_CERT_FILE", &moto.ca);
        }
        let o = cmd.output().expect("run lineage-agent");
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json report");
        report["dependencies"]
            .as_array()
            .expect("dependencies")
            .iter()
            .filter(|d| d["kind"] != "bedrock_model")
            .map(|d| d["reason"].as_str().unwrap_or_default().to_string())
            .collect::<Vec<_>>()
    };
    let trusted = health(true);
    assert_eq!(trusted.len(), 3, "{trusted:?}");
    for reason in &trusted {
        assert!(reason.contains("not found"), "{reason}");
        assert!(!reason.contains("certificate"), "{reason}");
    }
    let refused = health(false);
    assert_eq!(refused.len(), 3, "{refused:?}");
    for reason in &refused {
        assert!(
            reason.contains("TLS certificate is not trusted"),
            "{reason}"
        );
        assert!(reason.contains("UnknownIssuer"), "{reason}");
        assert!(reason.contains("SSL_CERT_FILE"), "{reason}");
        assert!(!reason.contains("transient"), "{reason}");
        assert!(!reason.contains('\n'), "{reason}");
    }
}
