//! Events sent beside the documents, end to end on the local adapters and the real HTTP
//! transport against a fake OpenLineage receiver that checks every event against the official
//! schema: START and the terminal event of each sample run, both written and sent, with one run
//! id; a failing endpoint leaves the documents, a finding and a metric, and a forced replay
//! sends the same events again; the API key reaches the endpoint only.

use crate::local_harness::{event, repo, Local};
use lineage_domain::ports::{LineageSink, LineageStore, LineageTransport};
use lineage_domain::Secret;
use lineage_engine::settings::TransportSettings;
use lineage_engine::{Disposition, ProcessOptions, Settings};
use lineage_fakes::openlineage::{schema, Answer, FakeOpenLineage};
use lineage_http::HttpLineageTransport;
use serde_json::Value;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const KEY: &str = "ol-api-key-5e8a1c93f0";
const SAMPLES: [&str; 3] = [
    "glue-job-succeeded.json",
    "glue-job-failed.json",
    "glue-job-stopped.json",
];

/// The settings a user writes: the endpoint's URL and key (`OPENLINEAGE_URL`,
/// `OPENLINEAGE_API_KEY`), fast retries.
fn settings(url: &str) -> Settings {
    Settings {
        transport: TransportSettings {
            url: Some(url.to_string()),
            api_key: Some(Secret::new(KEY)),
            retry_total: 1,
            retry_backoff_factor: 0.01,
            timeout_seconds: 2.0,
            ..TransportSettings::default()
        },
        ..Settings::default()
    }
}

fn transport(settings: &Settings) -> Arc<dyn LineageTransport> {
    let http = settings.transport.http().expect("valid").expect("http");
    Arc::new(HttpLineageTransport::new(http).expect("transport"))
}

fn local_on(fixtures: &Path, url: &str) -> Local {
    let settings = settings(url);
    let transports = vec![transport(&settings)];
    Local::on(fixtures, settings, transports)
}

fn local(url: &str) -> Local {
    local_on(&repo().join("tests/fixtures"), url)
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("json")
}

/// Every file under `dir`, as text.
fn all_files(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&all_files(&path));
        } else {
            out.push_str(&String::from_utf8_lossy(
                &std::fs::read(&path).unwrap_or_default(),
            ));
        }
    }
    out
}

#[tokio::test]
async fn start_and_terminal_events_of_every_sample_run_are_written_and_sent_valid() {
    let fake = FakeOpenLineage::start(vec![]).await;
    let l = local(&fake.url);
    for name in SAMPLES {
        let e = event(name);
        let out = l
            .pipeline
            .process(&e, ProcessOptions::default())
            .await
            .expect("processed");
        assert_eq!(out.disposition, Disposition::Processed);
        assert_eq!(out.delivery.sent, 2, "{name}");
        assert!(
            out.delivery.findings.is_empty(),
            "{:?}",
            out.delivery.findings
        );
        let terminal = l
            .sink
            .document(&out.document_key)
            .await
            .expect("ok")
            .expect("terminal");
        let start = l
            .sink
            .document(&out.start_document_key)
            .await
            .expect("ok")
            .expect("start");
        assert!(out.start_document_key.ends_with(".start.json"));
        assert_eq!(
            out.start_document_key.trim_end_matches(".start.json"),
            out.document_key.trim_end_matches(".json")
        );
        let (start, terminal) = (json(&start), json(&terminal));
        for doc in [&start, &terminal] {
            assert_eq!(schema::problems(doc), Vec::<String>::new(), "{name}");
        }
        assert_eq!(start["eventType"], "START");
        assert_eq!(start["run"]["runId"], terminal["run"]["runId"]);
        assert_eq!(start["job"], terminal["job"]);
        let run = &terminal["run"]["facets"]["glue_run"];
        assert_eq!(
            start["eventTime"], run["startedOn"],
            "START at the run's StartedOn"
        );
        assert!(start["run"]["facets"].get("glue_run").is_none());
        assert!(start["run"]["facets"].get("errorMessage").is_none());
        let expected = match e.state() {
            lineage_domain::RunState::Succeeded => "COMPLETE",
            lineage_domain::RunState::Stopped => "ABORT",
            _ => "FAIL",
        };
        assert_eq!(terminal["eventType"], expected);
    }
    let received = fake.received();
    assert_eq!(received.len(), 6);
    for r in &received {
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.request.path, "/api/v1/lineage");
        assert_eq!(
            r.request.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
    }
    // per run: START first, then the terminal event, with one run id
    let types: Vec<&str> = received
        .iter()
        .map(|r| r.event["eventType"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        ["START", "COMPLETE", "START", "FAIL", "START", "ABORT"]
    );
    for pair in received.chunks(2) {
        assert_eq!(pair[0].event["run"]["runId"], pair[1].event["run"]["runId"]);
    }
    // the failed run: its (redacted) error message and the workflow that started it
    let failed = &received[3].event["run"]["facets"];
    assert!(failed["errorMessage"]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("getDynamicFrame"));
    assert_eq!(failed["parent"]["job"]["name"], "workflow/finance-nightly");
    assert_eq!(
        received[2].event["run"]["facets"]["parent"], failed["parent"],
        "START carries the parent too"
    );
    // the API key went to the endpoint's header only
    assert!(!all_files(l.dir.path()).contains(KEY));
    assert_eq!(l.metrics.total("LineageEventsSent"), 6.0);
    assert_eq!(l.metrics.total("LineageTransportFailures"), 0.0);
}

#[tokio::test]
async fn a_failing_endpoint_leaves_the_documents_a_finding_and_a_metric_and_replay_resends() {
    let fake = FakeOpenLineage::start(vec![Answer::Status(503)]).await;
    let l = local(&fake.url);
    let e = event("glue-job-succeeded.json");
    let out = l
        .pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect("the run is recorded although the endpoint fails");
    assert_eq!(out.disposition, Disposition::Processed);
    assert_eq!(
        fake.received().len(),
        2,
        "START tried twice (one retry), then given up"
    );
    // the documents are written
    let terminal = l
        .sink
        .document(&out.document_key)
        .await
        .expect("ok")
        .expect("terminal");
    assert_eq!(terminal, out.document);
    assert!(l
        .sink
        .document(&out.start_document_key)
        .await
        .expect("ok")
        .is_some());
    // a finding in the execution context, and a metric
    let ctx = l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("ok")
        .expect("recorded");
    let finding = ctx
        .findings
        .iter()
        .find(|f| f.check == "transport")
        .expect("transport finding");
    assert_eq!(finding.severity, "warning");
    assert!(
        finding
            .message
            .contains(&format!("{}/api/v1/lineage", fake.url)),
        "{}",
        finding.message
    );
    assert!(
        finding.message.contains("HTTP 503 after 2 attempt(s)"),
        "{}",
        finding.message
    );
    assert!(finding.message.contains("--force"), "{}", finding.message);
    assert!(!finding.message.contains(KEY));
    assert_eq!(l.metrics.total("LineageTransportFailures"), 1.0);
    // the finding is the execution context's, not the document's: the document stays the same
    assert!(!String::from_utf8_lossy(&terminal).contains("transport"));

    // a replay without --force sends nothing; with --force it sends the same events again
    fake.set_answer(Answer::Accept);
    let skipped = l
        .pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect("ok");
    assert_eq!(skipped.disposition, Disposition::AlreadyRecorded);
    assert_eq!(fake.accepted().len(), 0);
    let forced = ProcessOptions {
        force: true,
        ..ProcessOptions::default()
    };
    let again = l.pipeline.process(&e, forced).await.expect("replayed");
    assert_eq!(again.delivery.sent, 2);
    assert_eq!(again.document, out.document, "same event content");
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[1], json(&out.document));
    let ctx = l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("ok")
        .expect("ok");
    assert!(ctx.findings.iter().all(|f| f.check != "transport"));
    // a second forced replay sends byte-identical events
    l.pipeline.process(&e, forced).await.expect("replayed");
    let bodies: Vec<Vec<u8>> = fake
        .received()
        .iter()
        .map(|r| r.request.body.clone())
        .collect();
    assert_eq!(
        bodies[bodies.len() - 2..],
        bodies[bodies.len() - 4..bodies.len() - 2]
    );
    assert!(!all_files(l.dir.path()).contains(KEY));
}

#[tokio::test]
async fn a_dry_run_sends_nothing() {
    let fake = FakeOpenLineage::start(vec![]).await;
    let l = local(&fake.url);
    let out = l
        .pipeline
        .process(
            &event("glue-job-succeeded.json"),
            ProcessOptions {
                dry_run: true,
                ..ProcessOptions::default()
            },
        )
        .await
        .expect("ok");
    assert_eq!(out.disposition, Disposition::DryRun);
    assert!(fake.received().is_empty());
}

/// A tracing writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The whole test binary's log from the first call on: a global subscriber, since a scoped one
/// (`set_default`) misses events whose callsites other test threads registered first.
fn captured_log() -> &'static Captured {
    static LOG: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the first global subscriber of this test binary");
        captured
    })
}

#[tokio::test]
async fn the_api_key_never_reaches_the_log() {
    let captured = captured_log();
    let fake = FakeOpenLineage::start(vec![Answer::Status(500)]).await;
    let l = local(&fake.url);
    tracing::debug!(settings = ?l.pipeline.settings(), "settings");
    l.pipeline
        .process(&event("glue-job-failed.json"), ProcessOptions::default())
        .await
        .expect("ok");
    let log = String::from_utf8_lossy(&captured.0.lock().expect("ok")).into_owned();
    assert!(log.contains("lineage events not sent"), "{log}");
    assert!(
        log.contains("Secret(***)"),
        "the settings were logged, masked"
    );
    assert!(!log.contains(KEY), "{log}");
}

#[tokio::test]
async fn the_sql_a_job_runs_is_its_sql_job_facet() {
    let fake = FakeOpenLineage::start(vec![]).await;
    // the sample run, with a script that runs Spark SQL
    let dir = tempfile::tempdir().expect("ok");
    let case = dir.path().join("orders-nightly");
    std::fs::create_dir(&case).expect("ok");
    for f in ["event.json", "job.json", "logs.json", "run.json"] {
        std::fs::copy(
            repo().join("tests/fixtures/orders-nightly").join(f),
            case.join(f),
        )
        .expect("ok");
    }
    std::fs::write(
        case.join("script.py"),
        "from pyspark.sql import SparkSession\n\
         spark = SparkSession.builder.getOrCreate()\n\
         spark.sql(\"INSERT OVERWRITE TABLE sales.daily_totals SELECT store_id, sum(amount) FROM sales.orders GROUP BY store_id\")\n\
         spark.sql(\"INSERT OVERWRITE TABLE sales.daily_totals SELECT store_id, sum(amount) FROM sales.orders GROUP BY store_id\")\n",
    )
    .expect("ok");
    let l = local_on(dir.path(), &fake.url);
    l.pipeline
        .process(&event("glue-job-succeeded.json"), ProcessOptions::default())
        .await
        .expect("processed");
    let received = fake.received();
    assert_eq!(received.len(), 2);
    for r in &received {
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let sql = &r.event["job"]["facets"]["sql"];
        assert_eq!(
            sql["query"],
            "INSERT OVERWRITE TABLE sales.daily_totals SELECT store_id, sum(amount) FROM sales.orders GROUP BY store_id",
            "each statement once"
        );
        assert_eq!(sql["dialect"], "spark");
    }
}

#[tokio::test]
async fn an_endpoint_that_stalls_times_out_and_the_run_is_recorded() {
    let fake = FakeOpenLineage::start(vec![Answer::Stall(Duration::from_secs(10))]).await;
    let mut settings = settings(&fake.url);
    settings.transport.timeout_seconds = 0.2;
    settings.transport.retry_total = 0;
    let transports = vec![transport(&settings)];
    let l = Local::on(&repo().join("tests/fixtures"), settings, transports);
    let started = std::time::Instant::now();
    let e = event("glue-job-stopped.json");
    l.pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect("recorded");
    assert!(started.elapsed() < Duration::from_secs(5));
    let ctx = l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("ok")
        .expect("ok");
    assert!(ctx
        .findings
        .iter()
        .any(|f| f.check == "transport" && f.message.contains("no answer within 200 ms")));
}
