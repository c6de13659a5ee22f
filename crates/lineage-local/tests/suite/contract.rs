//! The storage contract (the same suite the AWS adapters pass against moto) on the local
//! adapters: the embedded SQLite store, the folder sink, the JSON Lines queue and the captured
//! dataset storage.

use lineage_local::{FsLineageSink, SqliteLineageStore};
use std::path::Path;

#[tokio::test]
async fn sqlite_store_keeps_the_store_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteLineageStore::open(&dir.path().join("contract.db")).expect("open");
    lineage_contract::store_contract(&store, "local").await;
}

#[tokio::test]
async fn in_memory_store_keeps_the_store_contract() {
    let store = SqliteLineageStore::in_memory().expect("open");
    lineage_contract::store_contract(&store, "memory").await;
}

#[tokio::test]
async fn folder_sink_keeps_the_sink_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = FsLineageSink::new(dir.path());
    lineage_contract::sink_contract(&sink, "local").await;
}

#[tokio::test]
async fn jsonl_queue_keeps_the_queue_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nested/queue.jsonl");
    let queue = lineage_local::FsEventQueue::new(&path);
    let read = || {
        std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    lineage_contract::queue_contract(&queue, "local", Some(&read)).await;
}

#[tokio::test]
async fn captured_storage_keeps_the_storage_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/orders-nightly");
    for file in ["job.json", "run.json"] {
        std::fs::copy(case.join(file), dir.path().join(file)).expect("copy");
    }
    let contents: Vec<serde_json::Value> = lineage_contract::STORAGE_KEYS
        .iter()
        .map(|k| serde_json::json!({"Key": k, "LastModified": "2026-01-01T02:00:00+00:00", "Size": 1}))
        .collect();
    let objects = serde_json::json!({"Name": "contract-bucket", "Contents": contents});
    std::fs::write(dir.path().join("objects.json"), objects.to_string()).expect("objects.json");
    let location = "s3://contract-bucket/data/orders/";
    let columns: Vec<serde_json::Value> = lineage_contract::STORAGE_COLUMNS
        .iter()
        .map(|(name, kind)| serde_json::json!({"Name": name, "Type": kind}))
        .collect();
    let tables = serde_json::json!([
        {"Table": {"Name": "orders", "DatabaseName": "contract_db",
                   "CreateTime": "2025-12-01T00:00:00+00:00",
                   "PartitionKeys": [{"Name": lineage_contract::STORAGE_PARTITION_KEY, "Type": "string"}],
                   "StorageDescriptor": {"Location": location, "Columns": columns}}},
        {"Partitions": [{"Values": [lineage_contract::STORAGE_PARTITION], "DatabaseName": "contract_db",
                         "TableName": "orders", "CreationTime": "2026-01-01T00:00:00+00:00"}]}
    ]);
    std::fs::write(dir.path().join("tables.json"), tables.to_string()).expect("tables.json");
    let fixtures = lineage_local::FsFixtures::open(dir.path()).expect("fixtures");
    lineage_contract::storage_contract(
        &fixtures,
        "contract-bucket",
        "no-such-bucket",
        "contract_db",
        location,
    )
    .await;
}
