//! Idempotent replay and run ordering, against moto through the real SDK clients, the
//! `lineage_aws` adapters and `lineage_engine::Pipeline`:
//! - 200 run events of several Glue jobs (scripts in S3 reading and writing S3 paths and
//!   catalog tables) are processed, then all replayed shuffled (some twice), then a shuffled
//!   fifth of them force-reprocessed concurrently: the lineage objects stay byte-identical, both
//!   tables' items stay equal, and no (job, dataset, direction) is mapped twice.
//! - an older run replayed after a newer run of the same job never overwrites the newer run's
//!   mapping fields, and the older run's own execution context is still recorded.

use crate::common;

use common::{support, Outputs};
use futures::StreamExt;
use lineage_aws::AwsClients;
use lineage_domain::ports::LineageStore;
use lineage_engine::{Disposition, InferencePolicy, ProcessOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

const RUNS: usize = 200;
const CONCURRENCY: usize = 24;

const SCRIPTS: &[(&str, &str, &str)] = &[
    (
        "py-s3",
        "py",
        r#"import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
orders = spark.read.parquet("s3://raw-zone/orders/")
orders.write.mode("overwrite").parquet("s3://curated-zone/orders_clean/")
"#,
    ),
    (
        "py-catalog",
        "py",
        r#"import sys
from awsglue.context import GlueContext
from pyspark.context import SparkContext
glue = GlueContext(SparkContext.getOrCreate())
customers = glue.create_dynamic_frame.from_catalog(database="sales", table_name="customers")
glue.write_dynamic_frame.from_catalog(frame=customers, database="curated", table_name="customers_dim")
"#,
    ),
    (
        "py-args",
        "py",
        r#"import sys
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
from pyspark.context import SparkContext
args = getResolvedOptions(sys.argv, ["JOB_NAME", "source_db", "target_bucket"])
glue = GlueContext(SparkContext.getOrCreate())
spark = glue.spark_session
events = glue.create_dynamic_frame.from_catalog(database=args["source_db"], table_name="events")
stores = spark.read.option("header", "true").csv("s3://reference-data/stores/")
joined = events.toDF().join(stores, "store_id")
joined.write.mode("append").parquet(f"s3://{args['target_bucket']}/events_by_store/")
"#,
    ),
    (
        "py-sql",
        "py",
        r#"from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.sql("INSERT INTO analytics.daily_revenue SELECT order_date, sum(amount) FROM sales.orders GROUP BY order_date")
"#,
    ),
    (
        "scala",
        "scala",
        r#"import com.amazonaws.services.glue.GlueContext
import org.apache.spark.SparkContext
object GlueApp {
  def main(sysArgs: Array[String]): Unit = {
    val glue = new GlueContext(new SparkContext())
    val spark = glue.getSparkSession
    val clicks = spark.read.parquet("s3://raw-zone/clicks/")
    clicks.write.mode("overwrite").parquet("s3://curated-zone/clicks_daily/")
  }
}
"#,
    ),
];

struct Fixture {
    clients: AwsClients,
    out: Outputs,
    /// (job, run) of every run, in start order.
    runs: Vec<(String, String)>,
}

async fn fixture(runs: usize) -> Fixture {
    let clients = common::split_clients().await;
    let scripts = support::create_bucket(&clients).await;
    let out = Outputs::create(&clients).await;
    let mut jobs = Vec::new();
    for (prefix, ext, script) in SCRIPTS {
        let job = common::job_with_script(
            &clients,
            &scripts,
            prefix,
            ext,
            script.as_bytes(),
            &[
                ("--source_db", "sales"),
                ("--target_bucket", "curated-zone"),
            ],
            &[],
        )
        .await;
        jobs.push(job);
    }
    // runs of each job, started a few at a time (moto stamps StartedOn with the wall clock)
    let all = futures::stream::iter(0..runs)
        .map(|i| {
            let clients = &clients;
            let job = jobs[i % jobs.len()].clone();
            async move {
                let bucket = format!("curated-{}", i % 3);
                let run = support::start_run(clients, &job, &[("--target_bucket", &bucket)]).await;
                (job, run)
            }
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await;
    Fixture {
        clients,
        out,
        runs: all,
    }
}

/// Processes `events`: different jobs concurrently, the runs of one job one after another in
/// the given order; returns the dispositions. (moto evaluates a conditional write and applies
/// it in two steps, so concurrent merges into one DynamoDB item can lose an update there, as
/// measured in the `lineage-aws` adapter tests; DynamoDB applies them atomically.)
async fn process_all(
    pipeline: &lineage_engine::Pipeline,
    events: &[(String, String)],
    options: ProcessOptions,
) -> Vec<Disposition> {
    let mut by_job: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (job, run) in events {
        by_job.entry(job.as_str()).or_default().push(run.as_str());
    }
    futures::stream::iter(by_job)
        .map(|(job, runs)| async move {
            let mut out = Vec::new();
            for run in runs {
                let outcome = pipeline
                    .process(&common::event(job, run), options)
                    .await
                    .unwrap_or_else(|e| panic!("{job}/{run}: {e}"));
                out.push(outcome.disposition);
            }
            out
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .flatten()
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn replaying_200_events_shuffled_and_twice_changes_nothing() {
    let t = Instant::now();
    let f = fixture(RUNS).await;
    let settings = common::settings(&f.out, InferencePolicy::Never);
    let pipeline = common::pipeline(&f.clients, &settings);
    let setup = t.elapsed();

    let first = process_all(&pipeline, &f.runs, ProcessOptions::default()).await;
    assert!(first.iter().all(|d| *d == Disposition::Processed));
    let processed = t.elapsed();
    let before = common::snapshot(&f.clients, &f.out).await;
    assert_eq!(before.contexts.len(), RUNS, "one execution context per run");
    assert_eq!(
        before.objects.len(),
        2 * RUNS,
        "two lineage documents per run (START and terminal)"
    );
    assert!(!before.mappings.is_empty());

    // all again, shuffled, a fifth of them twice
    let mut replay: Vec<(String, String)> = f.runs.clone();
    replay.extend(f.runs.iter().step_by(5).cloned());
    common::shuffle(&mut replay, 0x5eed_1234);
    let listed = common::listing(&f.clients, &f.out.bucket).await;
    let again = process_all(&pipeline, &replay, ProcessOptions::default()).await;
    assert_eq!(again.len(), RUNS + RUNS / 5);
    assert!(
        again.iter().all(|d| *d == Disposition::AlreadyRecorded),
        "every replayed run is recognised as recorded"
    );
    let mut mappings = common::scan(&f.clients, &f.out.mappings).await;
    mappings.sort_by_key(|i| common::item_key(i, &["job_name", "mapping_key"]));
    assert_eq!(
        mappings, before.mappings,
        "a replay changes no mapping item"
    );
    let mut contexts = common::scan(&f.clients, &f.out.contexts).await;
    contexts.sort_by_key(|i| common::item_key(i, &["job_run_id"]));
    assert_eq!(
        contexts, before.contexts,
        "a replay changes no context item"
    );
    assert_eq!(
        common::listing(&f.clients, &f.out.bucket).await,
        listed,
        "a replay rewrites no object (same ETag, size and last-modified time)"
    );

    // a fifth of them reprocessed from scratch (force), concurrently and out of order: the
    // same bytes rewritten, the same mappings merged (older runs after newer ones included)
    let mut forced: Vec<(String, String)> = f.runs.iter().step_by(5).cloned().collect();
    common::shuffle(&mut forced, 0xfeed_beef);
    let reprocessed = process_all(
        &pipeline,
        &forced,
        ProcessOptions {
            force: true,
            dry_run: false,
        },
    )
    .await;
    assert!(reprocessed.iter().all(|d| *d == Disposition::Processed));
    let after_force = common::snapshot(&f.clients, &f.out).await;
    assert_eq!(
        after_force.objects, before.objects,
        "byte-identical lineage documents"
    );
    assert_eq!(after_force.contexts, before.contexts);
    assert_eq!(after_force.mappings, before.mappings);

    // no duplicate mappings: one item per (job, dataset, direction), and exactly the union of
    // the runs' accepted edges
    let store = f.clients.lineage_store(&f.out.mappings, &f.out.contexts);
    let mappings = store.all_mappings().await.expect("mappings");
    let mut seen = BTreeSet::new();
    for m in &mappings {
        assert!(
            seen.insert((m.job_name.clone(), m.dataset.key(), m.direction)),
            "duplicate mapping {m:?}"
        );
    }
    let mut expected = BTreeSet::new();
    let mut runs_of_job: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (job, run) in &f.runs {
        let ctx = store
            .execution_context(run)
            .await
            .expect("get")
            .expect("recorded");
        for e in ctx.summary.inputs.iter().chain(&ctx.summary.outputs) {
            expected.insert((job.clone(), e.dataset.key(), e.direction));
        }
        runs_of_job
            .entry(job.clone())
            .or_default()
            .push(run.clone());
    }
    assert_eq!(seen, expected, "mappings are the union of accepted edges");
    assert!(
        expected.len() >= 10,
        "the scripts yield lineage: {expected:?}"
    );
    // every mapping's last seen run is the newest run of its job that saw it
    let newest: BTreeMap<String, lineage_domain::RunOrder> = {
        let mut m = BTreeMap::new();
        for (job, run) in &f.runs {
            let ctx = store
                .execution_context(run)
                .await
                .expect("get")
                .expect("recorded");
            let o = ctx.order();
            let e = m.entry(job.clone()).or_insert_with(|| o.clone());
            if o > *e {
                *e = o;
            }
        }
        m
    };
    for m in mappings
        .iter()
        .filter(|m| m.dataset.namespace != "s3://curated-0")
    {
        if m.dataset.name.contains("events_by_store") {
            continue; // the output bucket varies per run
        }
        assert_eq!(
            m.last_seen(),
            newest[&m.job_name],
            "{m:?} last seen by the newest run"
        );
    }
    eprintln!(
        "replay: setup {setup:?}, first pass {:?}, total {:?}",
        processed - setup,
        t.elapsed()
    );
}

#[tokio::test]
async fn an_older_run_replayed_after_a_newer_one_never_overwrites_it() {
    let clients = support::clients().await;
    let scripts = support::create_bucket(&clients).await;
    let out = Outputs::create(&clients).await;
    let job = common::job_with_script(
        &clients,
        &scripts,
        "ordering",
        "py",
        SCRIPTS[0].2.as_bytes(),
        &[],
        &[],
    )
    .await;
    let older = support::start_run(&clients, &job, &[("--run_tag", "older")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let newer = support::start_run(&clients, &job, &[("--run_tag", "newer")]).await;
    // only the older run has log lines that corroborate its read and write, so its confidence
    // and evidence differ from the newer run's
    let now = chrono::Utc::now().timestamp_millis();
    support::put_logs(
        &clients,
        "/aws-glue/jobs/output",
        &older,
        &[
            (now, "INFO Reading parquet from s3://raw-zone/orders/"),
            (
                now + 1,
                "INFO Writing parquet to s3://curated-zone/orders_clean/",
            ),
        ],
    )
    .await;
    let settings = common::settings(&out, InferencePolicy::Never);
    let pipeline = common::pipeline(&clients, &settings);
    let store = clients.lineage_store(&out.mappings, &out.contexts);

    // the older run alone, to know what it would record
    let alone = Outputs::create(&clients).await;
    let alone_pipeline =
        common::pipeline(&clients, &common::settings(&alone, InferencePolicy::Never));
    alone_pipeline
        .process(&common::event(&job, &older), ProcessOptions::default())
        .await
        .expect("older alone");
    let older_alone = clients
        .lineage_store(&alone.mappings, &alone.contexts)
        .all_mappings()
        .await
        .expect("mappings");

    let n = pipeline
        .process(&common::event(&job, &newer), ProcessOptions::default())
        .await
        .expect("newer");
    let after_newer = store.all_mappings().await.expect("mappings");
    assert!(!after_newer.is_empty());
    let o = pipeline
        .process(&common::event(&job, &older), ProcessOptions::default())
        .await
        .expect("older, late");
    assert_eq!(o.disposition, Disposition::Processed);
    let after_older = store.all_mappings().await.expect("mappings");
    assert_eq!(after_newer.len(), after_older.len());
    let differs = older_alone.iter().any(|a| {
        after_newer
            .iter()
            .any(|b| a.key() == b.key() && a.confidence != b.confidence)
    });
    assert!(
        differs,
        "the fixture gives the two runs different confidences"
    );
    for (n_m, o_m) in after_newer.iter().zip(&after_older) {
        assert_eq!(n_m.key(), o_m.key());
        assert_eq!(o_m.last_seen_run, newer, "{o_m:?}");
        assert_eq!(o_m.last_seen_at, n_m.last_seen_at);
        assert_eq!(o_m.confidence, n_m.confidence, "the newer run's confidence");
        assert_eq!(o_m.evidence_summary, n_m.evidence_summary);
        assert_eq!(o_m.first_seen_run, older, "first seen moves back: {o_m:?}");
    }
    // the older run's own execution context is recorded, with its own arguments and lineage
    let ctx = store
        .execution_context(&older)
        .await
        .expect("get")
        .expect("the older run is recorded");
    assert_eq!(
        ctx.arguments.get("--run_tag").map(String::as_str),
        Some("older")
    );
    assert_eq!(ctx.summary, o.context.summary);
    assert!(ctx.order() < n.context.order());
    let newer_ctx = store
        .execution_context(&newer)
        .await
        .expect("get")
        .expect("newer recorded");
    assert_eq!(newer_ctx, n.context, "the newer run's context is untouched");
}
