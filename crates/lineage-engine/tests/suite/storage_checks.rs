//! Storage checks end to end on the local adapters: a captured run (`tests/fixtures/
//! orders-nightly`) with `objects.json` and `tables.json` beside it, whose writes storage
//! confirms, contradicts, or cannot check.

use crate::local_harness::repo;
use lineage_domain::{Direction, EvidenceKind, GlueJobStateChange, LineageEdge};
use lineage_engine::storage_check::{
    RULE_CONTRADICTED, RULE_GLUE_CONFIRMED, RULE_NOT_CHECKABLE, RULE_S3_CONFIRMED,
};
use lineage_engine::{Pipeline, Ports, ProcessOptions, RunOutcome, Settings};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use std::path::Path;
use std::sync::Arc;

const CASE: &str = "orders-nightly";
const OUTPUT: &str = "orders_by_store";

/// The case copied into a temporary folder, with the given captures beside it.
fn case_with(objects: Option<&str>, tables: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let from = repo().join("tests/fixtures").join(CASE);
    for entry in std::fs::read_dir(&from).expect("case") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    if let Some(text) = objects {
        std::fs::write(dir.path().join("objects.json"), text).expect("objects.json");
    }
    if let Some(text) = tables {
        std::fs::write(dir.path().join("tables.json"), text).expect("tables.json");
    }
    dir
}

async fn run(dir: &Path, storage_checks: bool) -> RunOutcome {
    let fixtures = Arc::new(FsFixtures::open(dir).expect("fixtures"));
    let store = Arc::new(SqliteLineageStore::in_memory().expect("store"));
    let sink = Arc::new(FsLineageSink::new(dir.join("docs")));
    let ports = Ports::from_parts(fixtures, store, sink, Arc::new(RecordingMetrics::default()));
    let settings = Settings {
        storage_checks,
        ..Settings::default()
    };
    let text = std::fs::read_to_string(dir.join("event.json")).expect("event");
    let event = GlueJobStateChange::from_json(&text).expect("event");
    Pipeline::new(ports, settings)
        .process(&event, ProcessOptions::default())
        .await
        .expect("processed")
}

fn output(outcome: &RunOutcome) -> Option<&LineageEdge> {
    outcome
        .accepted
        .iter()
        .find(|e| e.direction == Direction::Output && e.dataset.name == OUTPUT)
}

fn storage_rules(edge: &LineageEdge) -> Vec<&str> {
    edge.evidence
        .iter()
        .filter(|e| e.kind == EvidenceKind::Storage)
        .map(|e| e.rule.as_str())
        .collect()
}

const OBJECTS_WRITTEN: &str = r#"[
  {"Name": "acme-analytics", "Prefix": "orders_by_store", "Contents": [
    {"Key": "orders_by_store/order_date=2025-03-01/part-0000.parquet", "LastModified": "2025-03-01T02:05:10+00:00", "Size": 1024},
    {"Key": "orders_by_store/order_date=2025-03-02/part-0000.parquet", "LastModified": "2025-03-02T02:05:10+00:00", "Size": 2048},
    {"Key": "orders_by_store/order_date=2025-03-02/part-0001.parquet", "LastModified": "2025-03-02T02:06:02+00:00", "Size": 2048},
    {"Key": "orders_by_store_old/part-0000.parquet", "LastModified": "2025-03-02T02:05:10+00:00", "Size": 1}
  ]},
  {"Name": "acme-reference-data", "Contents": [
    {"Key": "stores/stores.csv", "LastModified": "2024-11-20T10:00:00.000Z", "Size": 300}
  ]}
]"#;

const OBJECTS_STALE: &str = r#"{"Name": "acme-analytics", "Contents": [
    {"Key": "orders_by_store/order_date=2025-03-01/part-0000.parquet", "LastModified": "2025-03-01T02:05:10+00:00", "Size": 1024}
]}"#;

const TABLES: &str = r#"[
  {"Table": {"Name": "orders", "DatabaseName": "sales_raw", "CreateTime": "2024-06-01T09:00:00+00:00",
             "UpdateTime": "2024-06-01T09:00:00+00:00", "PartitionKeys": [{"Name": "dt", "Type": "string"}],
             "StorageDescriptor": {"Location": "s3://acme-raw/orders/"}}},
  {"Partitions": [{"Values": ["2025-03-01"], "DatabaseName": "sales_raw", "TableName": "orders",
                   "CreationTime": "2025-03-01T01:00:00+00:00"}]}
]"#;

#[tokio::test]
async fn writes_inside_the_window_confirm_an_output_and_raise_its_confidence() {
    let dir = case_with(Some(OBJECTS_WRITTEN), Some(TABLES));
    let plain = run(dir.path(), false).await;
    let checked = run(dir.path(), true).await;
    let before = output(&plain).expect("output accepted");
    let after = output(&checked).expect("output accepted");
    assert!(storage_rules(before).is_empty());
    assert_eq!(storage_rules(after), vec![RULE_S3_CONFIRMED]);
    let detail = &after
        .evidence
        .iter()
        .find(|e| e.kind == EvidenceKind::Storage)
        .expect("storage evidence")
        .detail;
    assert!(
        detail.starts_with("2 objects under s3://acme-analytics/orders_by_store/ modified 2025-03-02T02:05:10Z–2025-03-02T02:06:02Z, inside the run window"),
        "{detail}"
    );
    let (b, a) = (before.confidence.value(), after.confidence.value());
    assert!(a > b && a < 1.0, "{b} -> {a}");
    // the inputs existed before the run ended: the object, and the catalog table
    let rules: Vec<&str> = checked
        .accepted
        .iter()
        .filter(|e| e.direction == Direction::Input)
        .flat_map(storage_rules)
        .collect();
    assert!(rules.contains(&RULE_S3_CONFIRMED), "{rules:?}");
    assert!(rules.contains(&RULE_GLUE_CONFIRMED), "{rules:?}");
    // the document carries the evidence
    let doc = String::from_utf8(checked.document.clone()).expect("utf-8");
    assert!(doc.contains(r#""kind": "storage""#), "{doc}");
    assert!(doc.contains(r#""locator": "s3://acme-analytics/orders_by_store/""#));
}

#[tokio::test]
async fn an_output_with_nothing_written_in_the_window_becomes_a_candidate() {
    let dir = case_with(Some(OBJECTS_STALE), None);
    let checked = run(dir.path(), true).await;
    assert!(output(&checked).is_none(), "not lineage any more");
    let candidate = checked
        .context
        .summary
        .candidates
        .iter()
        .find(|c| c.dataset.name == OUTPUT)
        .expect("kept as a candidate");
    assert!(
        candidate
            .evidence
            .iter()
            .any(|l| l
                .contains("nothing written: 1 object under s3://acme-analytics/orders_by_store/")),
        "{:?}",
        candidate.evidence
    );
    let finding = checked
        .context
        .findings
        .iter()
        .find(|f| f.check == "storage")
        .expect("a storage finding");
    assert_eq!(finding.severity, "warning");
    assert!(
        finding.message.contains("kept as a candidate"),
        "{}",
        finding.message
    );
    let plain = run(dir.path(), false).await;
    let before = output(&plain).expect("lineage without the checks");
    assert!(
        (candidate.confidence.value() - before.confidence.value() * 0.8).abs() < 1e-9,
        "one contradiction: {} -> {}",
        before.confidence.value(),
        candidate.confidence.value()
    );
    assert!(storage_rules(before).is_empty() && RULE_CONTRADICTED == "storage.contradicted");
}

#[tokio::test]
async fn without_a_capture_every_edge_says_not_checkable_and_keeps_its_confidence() {
    let dir = case_with(None, None);
    let plain = run(dir.path(), false).await;
    let checked = run(dir.path(), true).await;
    assert_eq!(plain.accepted.len(), checked.accepted.len());
    for (p, c) in plain.accepted.iter().zip(&checked.accepted) {
        assert_eq!(p.dataset, c.dataset);
        assert_eq!(p.confidence, c.confidence);
        assert_eq!(storage_rules(c), vec![RULE_NOT_CHECKABLE]);
        let detail = &c
            .evidence
            .iter()
            .find(|e| e.kind == EvidenceKind::Storage)
            .expect("storage")
            .detail;
        assert!(
            detail.starts_with("not checkable: ") && detail.contains("no storage capture"),
            "{detail}"
        );
    }
    assert!(checked
        .context
        .findings
        .iter()
        .all(|f| f.check != "storage"));
}

#[tokio::test]
async fn a_bucket_missing_from_the_capture_is_not_checkable_not_contradicted() {
    let only_reference = r#"{"Name": "acme-reference-data", "Contents": []}"#;
    let dir = case_with(Some(only_reference), None);
    let checked = run(dir.path(), true).await;
    let out = output(&checked).expect("still lineage");
    assert_eq!(storage_rules(out), vec![RULE_NOT_CHECKABLE]);
}
