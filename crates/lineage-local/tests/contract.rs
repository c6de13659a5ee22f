//! The storage contract (the same suite the AWS adapters pass against moto) on the local
//! adapters: the embedded SQLite store and the folder sink.

use lineage_local::{FsLineageSink, SqliteLineageStore};

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
