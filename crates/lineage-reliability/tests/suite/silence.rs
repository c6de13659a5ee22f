//! Nothing silent, against moto through the real SDK clients: a missing script is recorded as
//! an incomplete run (an `error` finding, `IncompleteRuns` and the error metric) that a later
//! delivery completes (never "already recorded" while incomplete); an empty script, a successful
//! run with no dataset and an unresolved read are findings and metrics.

use crate::common;

use common::{support, MemMetrics, Outputs};
use lineage_domain::ports::LineageStore;
use lineage_domain::{ExecutionContext, ProcessingStatus};
use lineage_engine::pipeline::{Disposition, RunOutcome};
use lineage_engine::{InferencePolicy, Pipeline, ProcessOptions};
use std::sync::Arc;

const SCRIPT: &str = r#"from pyspark.sql import SparkSession
from mylib import compute_path
spark = SparkSession.builder.getOrCreate()
df = spark.read.parquet("s3://raw-zone/orders/")
extra = spark.read.parquet(compute_path("customers"))
df.write.parquet("s3://curated-zone/orders_clean/")
"#;

struct Setup {
    clients: lineage_aws::AwsClients,
    out: Outputs,
    metrics: Arc<MemMetrics>,
    pipeline: Pipeline,
}

async fn setup() -> Setup {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let settings = common::settings(&out, InferencePolicy::Never);
    let metrics = Arc::new(MemMetrics::default());
    let ports = lineage_lambda::wiring::aws_ports(&clients, &settings, Some(metrics.clone()));
    let pipeline = Pipeline::new(ports, settings);
    Setup {
        clients,
        out,
        metrics,
        pipeline,
    }
}

impl Setup {
    /// Sum of a metric over everything recorded so far.
    fn metric(&self, name: &str) -> f64 {
        self.metrics
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, m)| m.name == name)
            .map(|(_, m)| m.value)
            .sum()
    }

    async fn process(&self, job: &str, run: &str) -> RunOutcome {
        self.pipeline
            .process(&common::event(job, run), ProcessOptions::default())
            .await
            .expect("the run is recorded")
    }

    async fn stored(&self, run: &str) -> ExecutionContext {
        self.clients
            .lineage_store(&self.out.mappings, &self.out.contexts)
            .execution_context(run)
            .await
            .expect("read")
            .expect("recorded")
    }
}

fn checks(ctx: &ExecutionContext) -> Vec<(String, String)> {
    ctx.findings
        .iter()
        .map(|f| (f.check.clone(), f.severity.clone()))
        .collect()
}

#[tokio::test]
async fn a_missing_script_is_an_incomplete_run_that_a_later_delivery_completes() {
    let s = setup().await;
    let scripts = support::create_bucket(&s.clients).await;
    let job = support::unique("missing-script");
    let key = format!("scripts/{job}.py");
    support::create_job(&s.clients, &job, &format!("s3://{scripts}/{key}"), &[], &[]).await;
    let run = support::start_run(&s.clients, &job, &[]).await;

    let first = s.process(&job, &run).await;
    assert_eq!(first.disposition, Disposition::Processed);
    assert_eq!(
        s.stored(&run).await.processing_status,
        ProcessingStatus::Incomplete
    );
    assert!(
        checks(&first.context).contains(&("script".into(), "error".into())),
        "{:?}",
        first.context.findings
    );
    assert_eq!(s.metric("IncompleteRuns"), 1.0);
    assert_eq!(
        s.metric("ErrorOccurrence"),
        1.0,
        "counted by the error alarm"
    );

    // redelivered while the script is still missing: processed again, still incomplete
    assert_eq!(
        s.process(&job, &run).await.disposition,
        Disposition::Processed
    );
    assert_eq!(s.metric("IncompleteRuns"), 2.0);

    // the script is back: the next delivery completes the run, and then it is done
    support::put_object(&s.clients, &scripts, &key, SCRIPT.as_bytes()).await;
    let done = s.process(&job, &run).await;
    assert_eq!(done.disposition, Disposition::Processed);
    assert_eq!(done.accepted.len(), 2, "{:?}", done.accepted);
    let stored = s.stored(&run).await;
    assert_eq!(stored.processing_status, ProcessingStatus::Completed);
    assert_eq!(stored, done.context);
    assert_eq!(
        s.process(&job, &run).await.disposition,
        Disposition::AlreadyRecorded
    );
    let snap = common::snapshot(&s.clients, &s.out).await;
    assert_eq!(snap.objects.len(), 2, "the completed run's two documents");
    assert_eq!(snap.mappings.len(), 2);
}

#[tokio::test]
async fn empty_scripts_runs_without_datasets_and_unresolved_reads_are_findings_and_metrics() {
    let s = setup().await;
    let scripts = support::create_bucket(&s.clients).await;

    let empty =
        common::job_with_script(&s.clients, &scripts, "empty", "py", b"\n  \n", &[], &[]).await;
    let run = support::start_run(&s.clients, &empty, &[]).await;
    let outcome = s.process(&empty, &run).await;
    let found = checks(&outcome.context);
    assert!(
        found.contains(&("script".into(), "warning".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("no_lineage".into(), "warning".into())),
        "{found:?}"
    );
    assert_eq!(
        outcome.context.processing_status,
        ProcessingStatus::Completed
    );
    assert_eq!(s.metric("RunsWithoutLineage"), 1.0);
    assert_eq!(s.metric("ErrorOccurrence"), 0.0);

    let partly = common::job_with_script(
        &s.clients,
        &scripts,
        "unresolved",
        "py",
        SCRIPT.as_bytes(),
        &[],
        &[],
    )
    .await;
    let run = support::start_run(&s.clients, &partly, &[]).await;
    let outcome = s.process(&partly, &run).await;
    let unresolved: Vec<&str> = outcome
        .context
        .findings
        .iter()
        .filter(|f| f.check == "unresolved")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(unresolved.len(), 1, "{:?}", outcome.context.findings);
    assert!(
        unresolved[0].starts_with("1 reads and 0 writes could not be resolved"),
        "{}",
        unresolved[0]
    );
    assert_eq!(s.metric("UnresolvedDatasets"), 1.0);
    assert_eq!(s.metric("RunsWithoutLineage"), 1.0, "this run has lineage");
}

#[tokio::test]
async fn through_the_bootstrap_a_missing_script_is_an_incomplete_run_counted_by_the_error_alarm() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let scripts = support::create_bucket(&clients).await;
    let job = support::unique("missing-script");
    let key = format!("scripts/{job}.py");
    support::create_job(&clients, &job, &format!("s3://{scripts}/{key}"), &[], &[]).await;
    let run = support::start_run(&clients, &job, &[]).await;
    let store = clients.lineage_store(&out.mappings, &out.contexts);

    let bootstrap = common::Bootstrap::start(&out, &[]).await;
    let first = bootstrap
        .invoke(common::event_json(&job, &run, "SUCCEEDED"))
        .await;
    let stored = store.execution_context(&run).await.expect("get");
    let stored = stored.expect("the incomplete run is recorded");
    assert_eq!(
        stored.processing_status,
        ProcessingStatus::Incomplete,
        "{first:?}"
    );
    assert!(checks(&stored).contains(&("script".into(), "error".into())));
    // the script is back: the next delivery completes the run; the one after finds it done
    support::put_object(&clients, &scripts, &key, SCRIPT.as_bytes()).await;
    let done = bootstrap
        .invoke(common::event_json(&job, &run, "SUCCEEDED"))
        .await
        .expect("processed");
    assert_eq!(done["status"], "processed", "{done}");
    let again = bootstrap
        .invoke(common::event_json(&job, &run, "SUCCEEDED"))
        .await
        .expect("answered");
    assert_ne!(again["status"], "processed", "{again}");
    let (stdout, _stderr) = bootstrap.stop().await;
    let stored = store.execution_context(&run).await.expect("get");
    assert_eq!(
        stored.expect("recorded").processing_status,
        ProcessingStatus::Completed
    );
    // the function's own metric lines (EMF on stdout) count it where the alarms look
    assert_eq!(common::emf_sum(&stdout, "IncompleteRuns"), 1.0, "{stdout}");
    assert!(
        common::emf_sum(&stdout, "ErrorOccurrence") >= 1.0,
        "{stdout}"
    );
    assert_eq!(
        common::snapshot(&clients, &out).await.objects.len(),
        2,
        "the completed run's two documents"
    );
}
