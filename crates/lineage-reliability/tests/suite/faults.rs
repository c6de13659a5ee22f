//! Fault injection at each external call, through a fault-injecting HTTP proxy in front of moto
//! and a fake Bedrock Converse endpoint, with the real SDK clients (their retries and error
//! mapping) and the `lineage_aws` adapters. Call points: DynamoDB writes, the execution-context
//! write alone, the S3 document write, DynamoDB reads (the done marker, the answer cache), Glue
//! `GetJobRun`/`GetJob`, Glue `GetConnection`, the script read from S3, Logs, the Bedrock call;
//! and the Nth write of the run (every write of a clean run in turn: the run "crashes" there,
//! that write and every one after it failing). Fault kinds: throttling, 5xx, connection reset,
//! timeout, and a response lost after the call was applied upstream.
//!
//! For every (call point, kind): the event either completes or fails as retryable
//! (`EngineError::is_retryable`); a done marker (the execution context) is only ever found
//! with every other write of the run in place (a failed attempt leaves none, unless the write
//! that carried it was applied and its answer lost, and then the run's state is already the
//! clean one); and once the fault clears, a retry leaves exactly the state of a clean run (both
//! tables scanned, every lineage object's bytes). Each case runs twice: delivered to the
//! pipeline in this process (test clients with short timeouts, every kind at every call point),
//! and to the real bootstrap binary through the Runtime API emulator (the production clients;
//! a stall once, which the production attempt timeout ends).

use crate::common;
use lineage_fakes::bedrock as bedrock_fake;
use lineage_fakes::proxy;

use bedrock_fake::{FakeBedrock, Reply};
use common::{support, Outputs, Snapshot};
use futures::StreamExt;
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

/// The call points a fault hits at every call.
const CALL_POINTS: [Target; 9] = [
    Target::DynamoDbWrite,
    Target::ContextWrite,
    Target::S3Write,
    Target::DynamoDbRead,
    Target::GlueRead,
    Target::ConnectionRead,
    Target::ScriptRead,
    Target::LogsRead,
    Target::Bedrock,
];

/// Each of `faults` at each call point.
fn every_call_point_with(faults: &[Fault]) -> Vec<(Point, Fault)> {
    CALL_POINTS
        .iter()
        .flat_map(|t| faults.iter().map(move |f| (Point::Every(*t), *f)))
        .collect()
}

/// The claim lease of the test's pipeline.
const LEASE_SECONDS: u64 = 3;

/// Where the fault hits: every call a target names, or a run's Nth call of it and after.
#[derive(Debug, Clone, Copy)]
enum Point {
    Every(Target),
    FromNth(Target, usize),
}

impl Point {
    /// The target and the first of its calls the fault hits (1-based).
    fn target_from(self) -> (Target, usize) {
        match self {
            Point::Every(t) => (t, 1),
            Point::FromNth(t, n) => (t, n),
        }
    }
}

fn settings(out: &Outputs) -> Settings {
    Settings {
        // a model failure must fail the event (retryable), not fall back
        enable_fallback: false,
        max_retries: 1,
        // a crash that also fails the claim's release leaves the run claimed until the lease
        // runs out; redeliveries wait for it (see `retry`)
        claim_lease_seconds: LEASE_SECONDS,
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
    /// How many writes (DynamoDB put/update/delete, S3 document put) a clean run makes.
    writes: usize,
}

async fn world() -> World {
    let direct = support::clients().await;
    let bedrock = FakeBedrock::start(vec![Reply::Tool(model_answer())]).await;
    let scripts = support::create_bucket(&direct).await;
    // a JDBC connection the script reads through: `GetConnection` is a call point
    let conn = common::jdbc_connection(
        &direct,
        "faults-db",
        "jdbc:postgresql://orders-db:5432/orders",
        None,
    )
    .await;
    let script = format!(
        "{SCRIPT}pg = glue.create_dynamic_frame.from_options(connection_type=\"postgresql\", connection_options={{\"connectionName\": \"{conn}\", \"dbtable\": \"public.customers\"}})\n"
    );
    let job = common::job_with_script(
        &direct,
        &scripts,
        "faults",
        "py",
        script.as_bytes(),
        &[],
        &[&conn],
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
    let clients = common::clients_via(&proxy.url).await;
    proxy.watch(Target::AnyWrite, &out.contexts);
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
    assert_eq!(clean.objects.len(), 2, "the START and terminal documents");
    assert!(clean.mappings.len() >= 4, "{:?}", clean.mappings);
    let calls = proxy.take_calls();
    let called = |op: &str| calls.iter().filter(|c| c.operation == op).count();
    assert!(
        called("AWSGlue.GetConnection") >= 1,
        "the connection is read"
    );
    assert!(called("S3.GET") >= 1, "the script is read");
    let writes = proxy.matched();
    assert!(writes >= 5, "a clean run's writes: {calls:?}");
    World {
        direct,
        bedrock,
        job,
        run,
        clean,
        writes,
    }
}

fn pipeline(clients: &AwsClients, out: &Outputs) -> Pipeline {
    common::pipeline(clients, &settings(out))
}

/// The done marker is the run's last write: where it stands after the first attempt, the run's
/// state is whole (the clean run's objects and mappings), and only a write applied with its
/// answer lost leaves it behind a failed attempt.
async fn assert_whole_where_marked(
    w: &World,
    out: &Outputs,
    point: Point,
    fault: Fault,
    first_failed: bool,
) {
    let state = common::snapshot(&w.direct, out).await;
    assert_eq!(
        state.objects, w.clean.objects,
        "{point:?}/{fault:?}: marker"
    );
    assert_eq!(
        state.mappings, w.clean.mappings,
        "{point:?}/{fault:?}: marker"
    );
    assert!(
        fault == Fault::ResponseLost || !first_failed,
        "{point:?}/{fault:?}: a failed attempt left the done marker"
    );
}

/// After the redelivery: exactly the clean run's objects, mapping items, and execution-context
/// and cache items (the model usage aside: a retry may find the answer cached); the state.
async fn assert_clean(w: &World, out: &Outputs, point: Point, fault: Fault) -> Snapshot {
    let state = common::snapshot(&w.direct, out).await;
    assert_eq!(
        state.objects, w.clean.objects,
        "{point:?}/{fault:?}: lineage objects"
    );
    assert_eq!(
        state.mappings, w.clean.mappings,
        "{point:?}/{fault:?}: mapping items"
    );
    assert_eq!(
        common::without_model_usage(&state.contexts),
        common::without_model_usage(&w.clean.contexts),
        "{point:?}/{fault:?}: execution-context and cache items"
    );
    state
}

/// How a case delivers the run: to the pipeline in this process (test SDK clients with short
/// timeouts), or to the real bootstrap binary through the Runtime API emulator (the production
/// SDK clients, their timeouts and retries, `AWS_MAX_ATTEMPTS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    InProcess,
    Bootstrap,
}

/// What one delivery answered, whichever way it went.
#[derive(Debug)]
enum Answer {
    Processed,
    AlreadyRecorded,
    /// A failure: retryable or not (a `Retryable` function error through the bootstrap), and
    /// whether it refused the run as claimed by another delivery.
    Failed {
        retryable: bool,
        busy: bool,
        message: String,
    },
}

/// Where a case's deliveries go.
enum Deliverer {
    Pipeline(Box<Pipeline>, lineage_domain::GlueJobStateChange),
    Bootstrap(common::Bootstrap, serde_json::Value),
}

impl Deliverer {
    /// The pipeline (or a bootstrap) writing to `out`, every call through the proxy at `url`.
    async fn start(via: Via, w: &World, out: &Outputs, url: &str, fault: Fault) -> Self {
        match via {
            Via::InProcess => {
                let clients = common::clients_via(url).await;
                Deliverer::Pipeline(
                    Box::new(pipeline(&clients, out)),
                    common::event(&w.job, &w.run),
                )
            }
            Via::Bootstrap => {
                // a stalled call ends at the production attempt timeout (20 s): one attempt
                let attempts = if fault == Fault::Stall { "1" } else { "3" };
                let lease = LEASE_SECONDS.to_string();
                let bootstrap =
                    common::Bootstrap::start(out, &bootstrap_env(url, attempts, &lease)).await;
                Deliverer::Bootstrap(bootstrap, common::event_json(&w.job, &w.run, "SUCCEEDED"))
            }
        }
    }

    async fn deliver(&self) -> Answer {
        match self {
            Deliverer::Pipeline(p, event) => {
                match p.process(event, ProcessOptions::default()).await {
                    Ok(o) => match o.disposition {
                        Disposition::Processed => Answer::Processed,
                        Disposition::AlreadyRecorded => Answer::AlreadyRecorded,
                        Disposition::DryRun => panic!("a delivery is not a dry run"),
                    },
                    Err(e) => Answer::Failed {
                        retryable: e.is_retryable(),
                        busy: matches!(e, lineage_engine::EngineError::Busy { .. }),
                        message: e.to_string(),
                    },
                }
            }
            Deliverer::Bootstrap(b, event) => match b.invoke(event.clone()).await {
                Ok(report) if report["status"] == "processed" => Answer::Processed,
                Ok(report) if report["status"] == "already_recorded" => Answer::AlreadyRecorded,
                Ok(report) => panic!("an unexpected answer: {report}"),
                Err(e) => {
                    let message = e["errorMessage"].as_str().unwrap_or_default().to_string();
                    Answer::Failed {
                        retryable: e["errorType"] == "Retryable",
                        busy: message.contains("(claimed)"),
                        message,
                    }
                }
            },
        }
    }

    /// Redelivers as Lambda would after a failure, until the run is not refused as busy (a claim
    /// left by a crashed attempt, held until its lease runs out: at most two leases after the
    /// last other failure), nor failed retryably once more (a call of the redelivery itself
    /// outlasting the test clients' short timeouts on a loaded machine; the queue redelivers
    /// that too: at most two such failures).
    async fn redeliver(&self) -> Answer {
        let lease = Duration::from_secs(2 * LEASE_SECONDS);
        let mut deadline = Instant::now() + lease;
        let mut failed_again = 0;
        loop {
            let answer = self.deliver().await;
            match answer {
                Answer::Failed { busy: true, .. } if Instant::now() < deadline => {}
                Answer::Failed {
                    retryable: true,
                    busy: false,
                    ..
                } if failed_again < 2 => {
                    failed_again += 1;
                    deadline = Instant::now() + lease;
                }
                _ => return answer,
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// Stops a bootstrap: it must not have panicked.
    async fn stop(self, point: Point, fault: Fault) {
        if let Deliverer::Bootstrap(b, _) = self {
            let (_stdout, stderr) = b.stop().await;
            assert!(
                !stderr.contains("panicked"),
                "{point:?}/{fault:?}: the bootstrap panicked: {stderr}"
            );
        }
    }
}

/// One (call point, fault) case: the first delivery either completes or fails retryably (Lambda
/// retries those), and a redelivery after the fault clears leaves the clean run's state. A line
/// for the report.
async fn case(w: &World, via: Via, point: Point, fault: Fault) -> String {
    let started = Instant::now();
    let out = Outputs::create(&w.direct).await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&w.bedrock.url)).await;
    let deliverer = Deliverer::start(via, w, &out, &proxy.url, fault).await;
    let store = w.direct.lineage_store(&out.mappings, &out.contexts);

    let (target, from_nth) = point.target_from();
    proxy.set_from(target, fault, from_nth, &out.contexts);
    let first = deliverer.deliver().await;
    assert!(
        proxy.injected() > 0,
        "{point:?}/{fault:?}: the fault was hit ({first:?})"
    );
    let marker = store.execution_context(&w.run).await.expect("get");
    let first_failed = match &first {
        Answer::Processed => {
            assert!(marker.is_some(), "{point:?}/{fault:?}: done without marker");
            false
        }
        Answer::Failed {
            retryable, message, ..
        } => {
            assert!(
                retryable,
                "{point:?}/{fault:?}: a failure must be retryable: {message}"
            );
            true
        }
        Answer::AlreadyRecorded => {
            panic!("{point:?}/{fault:?}: a first delivery found the run recorded")
        }
    };
    if marker.is_some() {
        assert_whole_where_marked(w, &out, point, fault, first_failed).await;
    }
    proxy.clear();
    let retry = deliverer.redeliver().await;
    match (&retry, marker.is_none()) {
        (Answer::Processed, true) | (Answer::AlreadyRecorded, false) => {}
        _ => panic!("{point:?}/{fault:?}: the redelivery after the fault: {retry:?}"),
    }
    let state = assert_clean(w, &out, point, fault).await;
    if via == Via::InProcess
        && (!first_failed
            || !matches!(
                target,
                Target::S3Write | Target::DynamoDbWrite | Target::ContextWrite | Target::AnyWrite
            ))
    {
        // a retry that had to ask the model again records exactly the clean run's usage
        assert_eq!(state.contexts, w.clean.contexts, "{point:?}/{fault:?}");
    }
    deliverer.stop(point, fault).await;
    format!(
        "{via:?} {point:?}/{fault:?}: first delivery {}, {} fault(s) injected, {:?}",
        match &first {
            Answer::Failed { message, .. } => format!("failed retryably ({message})"),
            _ => "completed".to_string(),
        },
        proxy.injected(),
        started.elapsed()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_external_call_fails_retryably_and_a_retry_leaves_the_clean_state() {
    let w = world().await;
    let targets = CALL_POINTS;
    let faults = [
        Fault::Throttle,
        Fault::ServerError,
        Fault::Reset,
        Fault::Stall,
        Fault::ResponseLost,
    ];
    let mut cases = every_call_point_with(&faults);
    // the run crashes at its Nth write: refused there, or applied with the answer lost
    for n in 1..=w.writes {
        for fault in [Fault::ServerError, Fault::ResponseLost] {
            cases.push((Point::FromNth(Target::AnyWrite, n), fault));
        }
    }
    let w = &w;
    let lines: Vec<String> =
        futures::stream::iter(cases.iter().map(|(p, f)| case(w, Via::InProcess, *p, *f)))
            .buffer_unordered(6)
            .collect()
            .await;
    for l in &lines {
        eprintln!("{l}");
    }
    eprintln!(
        "{} cases: {} call points x {} kinds, and each of a clean run's {} writes x 2 kinds",
        lines.len(),
        targets.len(),
        faults.len(),
        w.writes
    );
    assert_eq!(lines.len(), targets.len() * faults.len() + 2 * w.writes);
}

/// The deployment variables of a bootstrap under test: every AWS and Bedrock call through the
/// proxy at `url`, the same settings as the in-process cases (model always, no fallback, one
/// model retry, a short claim lease), and the SDK's own retries: `attempts` per call.
fn bootstrap_env<'a>(url: &'a str, attempts: &'a str, lease: &'a str) -> [(&'a str, &'a str); 7] {
    [
        ("AWS_ENDPOINT_URL", url),
        ("AWS_MAX_ATTEMPTS", attempts),
        ("INFERENCE_POLICY", "always"),
        ("ENABLE_FALLBACK", "false"),
        ("MAX_RETRIES", "1"),
        ("RETRY_DELAY_SECONDS", "0.01"),
        ("CLAIM_LEASE_SECONDS", lease),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn through_the_bootstrap_every_call_point_fails_retryably_and_a_redelivery_leaves_the_clean_state(
) {
    let w = world().await;
    // the clean run through the bootstrap records exactly what the in-process clean run did
    let out = Outputs::create(&w.direct).await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&w.bedrock.url)).await;
    let lease = LEASE_SECONDS.to_string();
    let bootstrap = common::Bootstrap::start(&out, &bootstrap_env(&proxy.url, "3", &lease)).await;
    let clean = bootstrap
        .invoke(common::event_json(&w.job, &w.run, "SUCCEEDED"))
        .await
        .expect("the clean run through the bootstrap");
    assert_eq!(clean["status"], "processed");
    let _ = bootstrap.stop().await;
    let state = common::snapshot(&w.direct, &out).await;
    assert_eq!(state.objects, w.clean.objects, "the clean run's documents");
    assert_eq!(state.mappings, w.clean.mappings, "the clean run's mappings");
    assert_eq!(
        common::without_model_usage(&state.contexts),
        common::without_model_usage(&w.clean.contexts),
        "the clean run's contexts"
    );

    let targets = CALL_POINTS;
    let faults = [
        Fault::Throttle,
        Fault::ServerError,
        Fault::Reset,
        Fault::ResponseLost,
    ];
    let mut cases = every_call_point_with(&faults);
    // a stalled call, once: the production timeouts end it (the in-process cases stall every
    // call point with short test timeouts)
    cases.insert(0, (Point::Every(Target::GlueRead), Fault::Stall));
    for n in 1..=w.writes {
        for fault in [Fault::ServerError, Fault::ResponseLost] {
            cases.push((Point::FromNth(Target::AnyWrite, n), fault));
        }
    }
    let w = &w;
    let lines: Vec<String> =
        futures::stream::iter(cases.iter().map(|(p, f)| case(w, Via::Bootstrap, *p, *f)))
            .buffer_unordered(6)
            .collect()
            .await;
    for l in &lines {
        eprintln!("{l}");
    }
    eprintln!(
        "{} cases through the bootstrap: {} call points x {} kinds, a stall, and each of a clean run's {} writes x 2 kinds",
        lines.len(),
        targets.len(),
        faults.len(),
        w.writes
    );
    assert_eq!(lines.len(), 1 + targets.len() * faults.len() + 2 * w.writes);
}
