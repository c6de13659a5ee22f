//! The embedded store's conditional-write semantics, on a real SQLite file.

use chrono::{DateTime, Utc};
use lineage_domain::ports::LineageStore;
use lineage_domain::{
    Confidence, Dataset, Direction, Evidence, EvidenceKind, JobMapping, LineageEdge, Locator,
    RunOrder, WriteOutcome,
};
use lineage_local::SqliteLineageStore;

fn mapping(run: &str, at: &str, conf: f64) -> JobMapping {
    let order = RunOrder {
        started_on: DateTime::parse_from_rfc3339(at)
            .expect("time")
            .with_timezone(&Utc),
        run_id: run.into(),
    };
    let mut edge = LineageEdge::new(
        Dataset::glue_table("us-east-1", "111122223333", "sales", "orders").expect("ds"),
        Direction::Input,
        vec![Evidence {
            kind: EvidenceKind::Script,
            locator: Locator::ScriptLine { line: 7 },
            rule: "glue.create_dynamic_frame.from_catalog".into(),
            detail: String::new(),
        }],
    );
    edge.confidence = Confidence::clamped(conf);
    JobMapping::from_edge("orders-job", &order, &edge)
}

#[tokio::test]
async fn an_older_run_after_a_newer_one_keeps_the_newer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteLineageStore::open(&dir.path().join("s.db")).expect("open");
    let newer = mapping("jr_new", "2025-03-02T02:00:00Z", 0.95);
    let older = mapping("jr_old", "2025-03-01T02:00:00Z", 0.5);
    assert_eq!(
        store.merge_mapping(&newer).await.expect("merge"),
        WriteOutcome::Written
    );
    assert_eq!(
        store.merge_mapping(&older).await.expect("merge"),
        WriteOutcome::Written,
        "first seen moves back"
    );
    assert_eq!(
        store.merge_mapping(&older).await.expect("merge"),
        WriteOutcome::Unchanged
    );
    assert_eq!(
        store.merge_mapping(&newer).await.expect("merge"),
        WriteOutcome::Unchanged
    );

    let all = store.mappings_for_job("orders-job").await.expect("query");
    assert_eq!(all.len(), 1, "one item per job, dataset and direction");
    let m = &all[0];
    assert_eq!(
        (m.last_seen_run.as_str(), m.confidence.value()),
        ("jr_new", 0.95)
    );
    assert_eq!(m.first_seen_run, "jr_old");
    let by_ds = store.mappings_for_dataset(&m.dataset).await.expect("query");
    assert_eq!(by_ds, all);

    // the store survives a reopen
    drop(store);
    let reopened = SqliteLineageStore::open(&dir.path().join("s.db")).expect("reopen");
    assert_eq!(reopened.all_mappings().await.expect("scan"), all);
}

#[test]
fn many_openers_of_one_new_store_at_once_all_open_it() {
    // the first opener turns the new file to WAL and creates the tables while the others open
    // it: none of them may fail with "database is locked"
    for round in 0..20 {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("fresh.db");
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
        let openers: Vec<_> = (0..8)
            .map(|_| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    SqliteLineageStore::open(&path).map(|s| s.holds_records())
                })
            })
            .collect();
        for opener in openers {
            let opened = opener.join().expect("opener thread");
            assert!(matches!(opened, Ok(Ok(false))), "round {round}: {opened:?}");
        }
    }
}
