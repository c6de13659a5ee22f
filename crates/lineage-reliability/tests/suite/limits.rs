//! Limits before the first write, against moto through the real SDK clients and against the
//! local adapters (embedded store, folder sink): a script yielding 10,000 datasets and a
//! script writing a 3,000-byte S3 path are recorded successfully, with every key within 1,024
//! bytes and every item within 400 KB, the caps reported as `limits` findings, and exactly one
//! document, the one the execution context points to (no orphan).

use crate::common;

use aws_sdk_dynamodb::types::AttributeValue;
use common::{support, Item, Outputs};
use lineage_domain::ports::LineageStore;
use lineage_domain::ExecutionContext;
use lineage_engine::pipeline::{Disposition, Ports};
use lineage_engine::{InferencePolicy, Pipeline, ProcessOptions, Settings};
use std::sync::Arc;

/// 100 × 100 reads of distinct S3 prefixes: 10,000 datasets.
const TEN_THOUSAND: &str = r#"from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
for a in range(100):
    for b in range(100):
        spark.read.parquet(f"s3://big-bucket/part{a}/sub{b}/")
"#;

/// One read and one write whose path is 3,000 bytes long.
fn long_path_script() -> String {
    let long = "segment/".repeat(375);
    format!(
        "from pyspark.sql import SparkSession\nspark = SparkSession.builder.getOrCreate()\n\
         df = spark.read.parquet(\"s3://raw-zone/orders/\")\n\
         df.write.parquet(\"s3://long-bucket/{long}\")\n"
    )
}

fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(k, v)| {
            k.len()
                + match v {
                    AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
                    other => format!("{other:?}").len(),
                }
        })
        .sum()
}

/// The size of the largest item either table holds.
fn largest_item(snap: &common::Snapshot) -> usize {
    snap.mappings
        .iter()
        .chain(&snap.contexts)
        .map(item_bytes)
        .max()
        .unwrap_or(0)
}

fn string_attr<'a>(item: &'a Item, key: &str) -> &'a str {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_default()
}

fn has_limits_finding(ctx: &ExecutionContext) -> bool {
    ctx.findings.iter().any(|f| f.check == "limits")
}

/// Runs `script` as a Glue job on moto and records it through `pipeline_for(settings)`.
async fn record(
    clients: &lineage_aws::AwsClients,
    settings: &Settings,
    script: &str,
    pipeline: &Pipeline,
) -> lineage_engine::pipeline::RunOutcome {
    let scripts = support::create_bucket(clients).await;
    let job = common::job_with_script(
        clients,
        &scripts,
        "limits",
        "py",
        script.as_bytes(),
        &[],
        &[],
    )
    .await;
    let run = support::start_run(clients, &job, &[]).await;
    let _ = settings;
    pipeline
        .process(&common::event(&job, &run), ProcessOptions::default())
        .await
        .expect("the run is recorded")
}

#[tokio::test]
async fn ten_thousand_datasets_and_a_3000_byte_path_fit_dynamodb_and_s3() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let settings = common::settings(&out, InferencePolicy::Never);
    let pipeline = common::pipeline(&clients, &settings);

    let big = record(&clients, &settings, TEN_THOUSAND, &pipeline).await;
    assert_eq!(big.disposition, Disposition::Processed);
    assert_eq!(
        big.accepted.len() + big.context.summary.candidates.len(),
        settings.max_datasets_per_run,
        "capped at validation.max_datasets_per_run"
    );
    assert!(
        has_limits_finding(&big.context),
        "{:?}",
        big.context.findings
    );

    let long = record(&clients, &settings, &long_path_script(), &pipeline).await;
    assert_eq!(long.disposition, Disposition::Processed);
    let long_write = long
        .accepted
        .iter()
        .find(|e| e.dataset.namespace == "s3://long-bucket")
        .expect("the long path is an accepted output");
    assert!(long_write.dataset.name.len() >= 2999);

    let snap = common::snapshot(&clients, &out).await;
    let largest = largest_item(&snap);
    assert!(largest <= 400 * 1024, "largest item {largest} bytes");
    for m in &snap.mappings {
        for key in ["job_name", "mapping_key", "dataset_key"] {
            assert!(string_attr(m, key).len() <= 1024, "{key} too long");
        }
    }
    assert!(snap
        .mappings
        .iter()
        .any(|m| string_attr(m, "name") == long_write.dataset.name));
    let pointed: std::collections::BTreeSet<String> = snap
        .contexts
        .iter()
        .map(|c| {
            format!(
                "lineage/{}",
                string_attr(c, "lineage_key").trim_start_matches("lineage/")
            )
        })
        .collect();
    // the terminal documents; each run's START event sits beside its own
    let (starts, objects): (
        std::collections::BTreeSet<String>,
        std::collections::BTreeSet<String>,
    ) = snap
        .objects
        .keys()
        .cloned()
        .partition(|k| k.ends_with(".start.json"));
    assert_eq!(
        objects, pointed,
        "every document is pointed to by a context"
    );
    assert_eq!(objects.len(), 2);
    let beside: std::collections::BTreeSet<String> = objects
        .iter()
        .map(|k| format!("{}.start.json", k.trim_end_matches(".json")))
        .collect();
    assert_eq!(starts, beside, "each START event beside its run's document");
    eprintln!(
        "largest item {largest} bytes; big document {} bytes",
        big.document.len()
    );
}

#[tokio::test]
async fn the_local_adapters_record_the_same_runs_within_the_limits() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let settings = common::settings(&out, InferencePolicy::Never);
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(
        lineage_local::SqliteLineageStore::open(&dir.path().join("lineage.db")).expect("store"),
    );
    let ports = Ports {
        catalog: Arc::new(clients.job_catalog()),
        scripts: Arc::new(clients.script_store()),
        logs: Arc::new(clients.run_logs()),
        storage: None,
        transports: Vec::new(),
        model: None,
        cache: store.clone(),
        store: store.clone(),
        sink: Arc::new(lineage_local::FsLineageSink::new(dir.path().join("docs"))),
        metrics: Arc::new(common::MemMetrics::default()),
    };
    let pipeline = Pipeline::new(ports, settings.clone());
    let mut keys = Vec::new();
    for script in [TEN_THOUSAND.to_string(), long_path_script()] {
        let outcome = record(&clients, &settings, &script, &pipeline).await;
        assert_eq!(outcome.disposition, Disposition::Processed);
        let stored = store
            .execution_context(&outcome.context.job_run_id)
            .await
            .expect("read")
            .expect("recorded");
        let bytes = serde_json::to_vec(&stored).expect("json").len();
        assert!(bytes <= 400 * 1024, "context {bytes} bytes");
        keys.push(stored.lineage_key);
    }
    let mut files = Vec::new();
    let mut stack = vec![dir.path().join("docs")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(
                    p.strip_prefix(dir.path().join("docs"))
                        .expect("under docs")
                        .display()
                        .to_string(),
                );
            }
        }
    }
    files.sort();
    // each run's terminal document and its START document beside it (`{run}.start.json`)
    let mut expected: Vec<String> = keys
        .iter()
        .flat_map(|k| {
            [
                k.clone(),
                format!("{}.start.json", k.trim_end_matches(".json")),
            ]
        })
        .collect();
    expected.sort();
    assert_eq!(
        files, expected,
        "two documents per run, no orphan, no temp file"
    );
    for m in store.all_mappings().await.expect("mappings") {
        assert!(m.key().1.len() <= 1024);
    }
}

#[tokio::test]
async fn through_the_bootstrap_ten_thousand_datasets_are_recorded_within_the_limits() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let scripts = support::create_bucket(&clients).await;
    let job = common::job_with_script(
        &clients,
        &scripts,
        "limits",
        "py",
        TEN_THOUSAND.as_bytes(),
        &[],
        &[],
    )
    .await;
    let run = support::start_run(&clients, &job, &[]).await;
    let bootstrap = common::Bootstrap::start(&out, &[]).await;
    let answer = bootstrap
        .invoke(common::event_json(&job, &run, "SUCCEEDED"))
        .await
        .expect("processed");
    assert_eq!(answer["status"], "processed", "{answer}");
    let (stdout, _stderr) = bootstrap.stop().await;
    let ctx = clients
        .lineage_store(&out.mappings, &out.contexts)
        .execution_context(&run)
        .await
        .expect("get")
        .expect("recorded");
    assert!(has_limits_finding(&ctx), "{:?}", ctx.findings);
    let snap = common::snapshot(&clients, &out).await;
    assert_eq!(snap.objects.len(), 2, "the run's two documents");
    let largest = largest_item(&snap);
    assert!(largest <= 400 * 1024, "largest item {largest} bytes");
    let doc: serde_json::Value =
        serde_json::from_slice(snap.objects.values().next().expect("the document")).expect("JSON");
    let written = ["inputs", "outputs"]
        .iter()
        .map(|side| doc[side].as_array().map_or(0, Vec::len))
        .sum::<usize>();
    assert_eq!(
        snap.mappings.len(),
        written,
        "one mapping per written dataset"
    );
    assert!(
        written > 0 && written <= Settings::default().max_datasets_per_run,
        "capped at validation.max_datasets_per_run: {written}"
    );
    assert!(
        common::emf_sum(&stdout, "RunsProcessed") >= 1.0,
        "{stdout:.500}"
    );
}
