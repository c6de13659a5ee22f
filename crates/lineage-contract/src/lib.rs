//! The contract of the output ports, written once and run against every adapter
//! (`DynamoDbLineageStore`/`S3LineageSink`/`SqsEventQueue` against moto, the embedded store,
//! folder sink and JSON Lines queue locally): the ordering rule of `merge_mapping`, idempotence,
//! the three mapping queries, write-once execution contexts (an incomplete one replaced, a
//! forced one replaced), exclusive claims on runs, the lineage sink's round trip, and
//! the event queue's batches, and what dataset storage lists (objects under a prefix, a
//! catalog table with its columns and partitions, a missing bucket or table as `NotFound`), and
//! the symlinks a mapping carries.
//!
//! Each check takes the port as a trait object and a `scope`: a string unique to the calling
//! test, used in every job name, run id and key it writes, so checks may share one store or run
//! concurrently. Checks panic (like `assert!`) on a broken contract, naming what broke.
//!
//! ```ignore
//! #[tokio::test]
//! async fn store_contract() {
//!     let store = MyStore::new(...);
//!     lineage_contract::store_contract(&store, "t1").await;
//! }
//! ```

use chrono::{DateTime, TimeZone, Utc};
use lineage_domain::ports::{CatalogColumn, DatasetStorage, EventQueue, LineageSink, LineageStore};
use lineage_domain::record::LineageSummary;
use lineage_domain::{
    Confidence, Dataset, Direction, ErrorKind, ExecutionContext, JobMapping, ProcessingStatus,
    RunState, WriteOutcome,
};
use std::collections::BTreeMap;

/// A fixed time `minute` minutes after 2024-05-14T04:00:00Z (plus `millis`).
pub fn at(minute: u32, millis: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 5, 14, 4, 0, 0)
        .single()
        .map(|t| {
            t + chrono::Duration::minutes(i64::from(minute))
                + chrono::Duration::milliseconds(i64::from(millis))
        })
        .unwrap_or_default()
}

/// The mapping one run (`run_id`, started at `started_on`) contributes.
pub fn mapping(
    job: &str,
    dataset: &Dataset,
    direction: Direction,
    run_id: &str,
    started_on: DateTime<Utc>,
    confidence: f64,
) -> JobMapping {
    JobMapping {
        job_name: job.to_string(),
        dataset: dataset.clone(),
        direction,
        confidence: Confidence::clamped(confidence),
        evidence_summary: format!("script:3 rule.of.{run_id}"),
        first_seen_run: run_id.to_string(),
        first_seen_at: started_on,
        last_seen_run: run_id.to_string(),
        last_seen_at: started_on,
        symlinks: Vec::new(),
    }
}

/// A dataset unique to `scope`.
pub fn dataset(scope: &str, table: &str) -> Dataset {
    match Dataset::new(
        format!("s3://contract-{}", scope.to_ascii_lowercase()),
        table,
    ) {
        Ok(d) => d,
        Err(e) => panic!("contract dataset for scope {scope:?}: {e}"),
    }
}

fn ok<T, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("{what}: {e}"),
    }
}

fn find<'a>(
    v: &'a [JobMapping],
    job: &str,
    ds: &Dataset,
    dir: Direction,
) -> Option<&'a JobMapping> {
    v.iter()
        .find(|m| m.job_name == job && &m.dataset == ds && m.direction == dir)
}

/// The ordering rule: a newer run after an older one moves `last_seen` (and confidence)
/// forward; an older run after a newer one keeps the newer `last_seen` and confidence and moves
/// `first_seen` back; a run between the two changes nothing.
pub async fn merge_ordering(store: &dyn LineageStore, scope: &str) {
    let job = format!("{scope}-ordering");
    let ds = dataset(scope, "orders");
    let middle = mapping(&job, &ds, Direction::Output, "jr_m", at(20, 0), 0.7);
    assert_eq!(
        ok(store.merge_mapping(&middle).await, "merge the first run"),
        WriteOutcome::Written,
        "a new mapping is written"
    );
    let newer = mapping(&job, &ds, Direction::Output, "jr_n", at(30, 250), 0.9);
    assert_eq!(
        ok(store.merge_mapping(&newer).await, "merge a newer run"),
        WriteOutcome::Written,
        "a newer run moves last_seen forward"
    );
    let older = mapping(&job, &ds, Direction::Output, "jr_o", at(10, 0), 0.4);
    assert_eq!(
        ok(store.merge_mapping(&older).await, "merge an older run"),
        WriteOutcome::Written,
        "an older run moves first_seen back"
    );
    let between = mapping(&job, &ds, Direction::Output, "jr_b", at(25, 0), 0.1);
    assert_eq!(
        ok(
            store.merge_mapping(&between).await,
            "merge a run in between"
        ),
        WriteOutcome::Unchanged,
        "a run between first and last seen changes nothing"
    );
    let all = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(
        all.len(),
        1,
        "one mapping per (job, dataset, direction): {all:?}"
    );
    let m = &all[0];
    assert_eq!(m.last_seen_run, "jr_n", "last_seen stays the newest run");
    assert_eq!(m.last_seen_at, at(30, 250));
    assert_eq!(
        m.confidence.value(),
        0.9,
        "confidence stays the newest run's"
    );
    assert_eq!(m.evidence_summary, newer.evidence_summary);
    assert_eq!(
        m.first_seen_run, "jr_o",
        "first_seen moved back to the older run"
    );
    assert_eq!(m.first_seen_at, at(10, 0));

    // same start time: the run id breaks the tie
    let tie = mapping(&job, &ds, Direction::Output, "jr_z", at(30, 250), 0.5);
    assert_eq!(
        ok(store.merge_mapping(&tie).await, "merge a tie"),
        WriteOutcome::Written,
        "same start, larger run id is newer"
    );
    let m = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(m[0].last_seen_run, "jr_z");
    assert_eq!(m[0].confidence.value(), 0.5);
}

/// Idempotence: the same run's mapping twice writes once; the stored mapping is unchanged.
pub async fn merge_idempotence(store: &dyn LineageStore, scope: &str) {
    let job = format!("{scope}-idempotence");
    let ds = dataset(scope, "events");
    let m = mapping(&job, &ds, Direction::Input, "jr_1", at(5, 123), 0.8);
    assert_eq!(
        ok(store.merge_mapping(&m).await, "first merge"),
        WriteOutcome::Written
    );
    let before = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(
        ok(store.merge_mapping(&m).await, "second merge"),
        WriteOutcome::Unchanged,
        "the same run again is Unchanged"
    );
    let after = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(before, after, "a replay changes nothing");
    assert_eq!(after, vec![m], "the stored mapping round-trips exactly");
}

/// The three queries: by dataset (every job reading or writing it), by job, and all.
pub async fn mapping_queries(store: &dyn LineageStore, scope: &str) {
    let writer = format!("{scope}-writer");
    let reader = format!("{scope}-reader");
    let shared = dataset(scope, "shared/table");
    let other = dataset(scope, "other");
    let mappings = [
        mapping(&writer, &shared, Direction::Output, "jr_w1", at(1, 0), 0.9),
        mapping(&writer, &other, Direction::Input, "jr_w1", at(1, 0), 0.6),
        mapping(&reader, &shared, Direction::Input, "jr_r1", at(2, 0), 0.8),
    ];
    for m in &mappings {
        assert_eq!(
            ok(store.merge_mapping(m).await, "merge"),
            WriteOutcome::Written
        );
    }

    let by_ds = ok(
        store.mappings_for_dataset(&shared).await,
        "mappings_for_dataset",
    );
    assert_eq!(
        by_ds.len(),
        2,
        "both jobs touch the shared dataset: {by_ds:?}"
    );
    assert!(find(&by_ds, &writer, &shared, Direction::Output).is_some());
    assert!(find(&by_ds, &reader, &shared, Direction::Input).is_some());
    // a dataset spelled differently (trailing slash) is the same dataset
    let spelled = ok(
        Dataset::new(
            format!("{}/", shared.namespace),
            format!("{}/", shared.name),
        ),
        "dataset",
    );
    assert_eq!(
        ok(
            store.mappings_for_dataset(&spelled).await,
            "mappings_for_dataset"
        )
        .len(),
        2
    );
    let none = ok(
        store.mappings_for_dataset(&dataset(scope, "nobody")).await,
        "mappings_for_dataset",
    );
    assert!(none.is_empty(), "no job touches an unknown dataset");

    let by_job = ok(store.mappings_for_job(&writer).await, "mappings_for_job");
    assert_eq!(by_job.len(), 2, "the writer has two mappings: {by_job:?}");
    assert!(by_job.iter().all(|m| m.job_name == writer));
    let other_dir = find(&by_job, &writer, &other, Direction::Input).expect("the input mapping");
    assert_eq!(
        other_dir, &mappings[1],
        "a stored mapping round-trips exactly"
    );
    assert!(ok(
        store.mappings_for_job(&format!("{scope}-nobody")).await,
        "mappings_for_job"
    )
    .is_empty());

    let all = ok(store.all_mappings().await, "all_mappings");
    for m in &mappings {
        assert!(
            find(&all, &m.job_name, &m.dataset, m.direction) == Some(m),
            "all_mappings contains {m:?}"
        );
    }
}

/// An execution context for `run_id`.
pub fn execution_context(job: &str, run_id: &str, started_on: DateTime<Utc>) -> ExecutionContext {
    ExecutionContext {
        job_run_id: run_id.to_string(),
        job_name: job.to_string(),
        state: RunState::Succeeded,
        started_on,
        completed_on: Some(started_on + chrono::Duration::seconds(212)),
        arguments: BTreeMap::from([
            ("--env".to_string(), "dev".to_string()),
            ("--db_password".to_string(), "***REDACTED***".to_string()),
        ]),
        glue_version: Some("4.0".into()),
        worker_type: Some("G.1X".into()),
        summary: LineageSummary::default(),
        findings: Vec::new(),
        model_usage: Default::default(),
        processing_status: ProcessingStatus::Completed,
        lineage_key: format!("lineage/{job}/{run_id}.json"),
    }
}

/// Execution contexts are written once: the same run again is `Unchanged` and does not replace
/// the stored content; an unknown run is `None`.
pub async fn execution_context_written_once(store: &dyn LineageStore, scope: &str) {
    let job = format!("{scope}-ctx");
    let run_id = format!("jr_{scope}_ctx");
    let first = execution_context(&job, &run_id, at(3, 482));
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        None,
        "no context before the first put"
    );
    assert_eq!(
        ok(store.put_execution_context(&first).await, "first put"),
        WriteOutcome::Written
    );
    let mut second = first.clone();
    second.processing_status = ProcessingStatus::CompletedWithFallback;
    second.lineage_key = "lineage/other.json".into();
    assert_eq!(
        ok(store.put_execution_context(&second).await, "second put"),
        WriteOutcome::Unchanged,
        "a run is written once"
    );
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        Some(first),
        "the first context is kept, unchanged"
    );
    assert_eq!(
        ok(
            store.execution_context(&format!("{run_id}_missing")).await,
            "execution_context"
        ),
        None
    );
}

/// A context that is not done (`Incomplete`) is replaced by the next put of its run, which
/// is then done (a third put is `Unchanged`); `replace_execution_context` (`--force`) always
/// replaces; the same run's mapping with new confidence and evidence replaces them (a forced
/// or completing reprocess), keeping first and last seen.
pub async fn incomplete_and_forced_runs_are_replaced(store: &dyn LineageStore, scope: &str) {
    let job = format!("{scope}-replace");
    let run_id = format!("jr_{scope}_replace");
    let mut incomplete = execution_context(&job, &run_id, at(7, 1));
    incomplete.processing_status = ProcessingStatus::Incomplete;
    assert_eq!(
        ok(
            store.put_execution_context(&incomplete).await,
            "incomplete put"
        ),
        WriteOutcome::Written
    );
    let complete = execution_context(&job, &run_id, at(7, 1));
    assert_eq!(
        ok(
            store.put_execution_context(&complete).await,
            "completing put"
        ),
        WriteOutcome::Written,
        "an incomplete context is replaced"
    );
    let mut later = complete.clone();
    later.lineage_key = "lineage/other.json".into();
    assert_eq!(
        ok(store.put_execution_context(&later).await, "third put"),
        WriteOutcome::Unchanged,
        "a completed context is written once"
    );
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        Some(complete)
    );
    ok(store.replace_execution_context(&later).await, "forced put");
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        Some(later),
        "--force replaces the context"
    );

    let ds = dataset(scope, "forced");
    let first = mapping(&job, &ds, Direction::Output, "jr_1", at(7, 2), 0.75);
    ok(store.merge_mapping(&first).await, "first merge");
    let mut forced = first.clone();
    forced.confidence = Confidence::clamped(0.9);
    forced.evidence_summary = "script:9 forced.rule".into();
    assert_eq!(
        ok(store.merge_mapping(&forced).await, "forced merge"),
        WriteOutcome::Written,
        "the same run with new confidence and evidence replaces them"
    );
    assert_eq!(
        ok(store.mappings_for_job(&job).await, "mappings_for_job"),
        vec![forced]
    );
}

/// Claims: one owner at a time holds a run (claiming again is allowed to the holder); a
/// released claim or one whose lease ran out may be taken; a done run cannot be claimed but by
/// `force`; a written context ends the claim; an incomplete one can be claimed; releasing
/// a claim on a run with no context leaves no context.
pub async fn claims_are_exclusive(store: &dyn LineageStore, scope: &str) {
    let run_id = format!("jr_{scope}_claim");
    let lease = std::time::Duration::from_secs(600);
    let claim = |owner: &'static str, lease, force| {
        let run_id = run_id.clone();
        async move {
            ok(
                store.claim_run(&run_id, owner, lease, force).await,
                "claim_run",
            )
        }
    };
    assert!(claim("a", lease, false).await, "a free run is claimed");
    assert!(!claim("b", lease, false).await, "a held run is not");
    assert!(!claim("b", lease, true).await, "not even by force");
    assert!(claim("a", lease, false).await, "the holder may claim again");
    ok(store.release_run(&run_id, "b").await, "release by another");
    assert!(!claim("b", lease, false).await, "only the holder releases");
    ok(store.release_run(&run_id, "a").await, "release");
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        None,
        "a claim is no record"
    );
    assert!(
        claim("b", std::time::Duration::ZERO, false).await,
        "released"
    );
    tokio_free_sleep(std::time::Duration::from_millis(20));
    assert!(
        claim("c", lease, false).await,
        "an expired lease is taken over"
    );
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        None,
        "a claim is no record"
    );
    let mut ctx = execution_context(&format!("{scope}-claim"), &run_id, at(9, 0));
    ctx.processing_status = ProcessingStatus::Incomplete;
    ok(store.put_execution_context(&ctx).await, "incomplete put");
    assert!(
        claim("d", lease, false).await,
        "the context ended the claim; incomplete runs are claimed"
    );
    ctx.processing_status = ProcessingStatus::Completed;
    assert_eq!(
        ok(store.put_execution_context(&ctx).await, "completing put"),
        WriteOutcome::Written
    );
    assert!(!claim("e", lease, false).await, "a done run is not claimed");
    assert!(claim("e", lease, true).await, "but by force");
    ok(store.release_run(&run_id, "e").await, "release");
    assert_eq!(
        ok(store.execution_context(&run_id).await, "execution_context"),
        Some(ctx),
        "releasing leaves the context"
    );
}

/// A short blocking pause (the checks run on any executor).
fn tokio_free_sleep(d: std::time::Duration) {
    std::thread::sleep(d);
}

/// Every `LineageStore` check.
pub async fn store_contract(store: &dyn LineageStore, scope: &str) {
    merge_ordering(store, scope).await;
    merge_idempotence(store, scope).await;
    mapping_queries(store, scope).await;
    execution_context_written_once(store, scope).await;
    incomplete_and_forced_runs_are_replaced(store, scope).await;
    claims_are_exclusive(store, scope).await;
    mapping_symlinks(store, scope).await;
}

/// Symlinks (a dataset's other names) round-trip with a mapping and follow the last seen run
/// that knew them: the same run again knowing them is written, a newer run that knew none
/// keeps them, a newer run with others replaces them.
pub async fn mapping_symlinks(store: &dyn LineageStore, scope: &str) {
    let job = format!("{scope}-symlinks");
    let table = ok(
        Dataset::glue_table(
            "us-east-1",
            "123456789012",
            &format!("db_{scope}"),
            "orders",
        ),
        "dataset",
    );
    let location = dataset(scope, "warehouse/orders");
    let moved = dataset(scope, "v2/orders");
    let first = mapping(&job, &table, Direction::Output, "jr_1", at(1, 0), 0.9);
    assert_eq!(
        ok(store.merge_mapping(&first).await, "merge without symlinks"),
        WriteOutcome::Written
    );
    let knowing = first.clone().with_symlinks(vec![location.clone()]);
    assert_eq!(
        ok(
            store.merge_mapping(&knowing).await,
            "the same run with symlinks"
        ),
        WriteOutcome::Written,
        "the same run now knowing the location records it"
    );
    assert_eq!(
        ok(store.merge_mapping(&knowing).await, "again"),
        WriteOutcome::Unchanged
    );
    let stored = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(stored, vec![knowing.clone()], "symlinks round-trip exactly");
    let unknowing = mapping(&job, &table, Direction::Output, "jr_2", at(2, 0), 0.9);
    assert_eq!(
        ok(store.merge_mapping(&unknowing).await, "a newer run without"),
        WriteOutcome::Written
    );
    let stored = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(stored[0].last_seen_run, "jr_2");
    assert_eq!(
        stored[0].symlinks,
        vec![location.clone()],
        "a run that knew no symlinks keeps the known ones"
    );
    let newest = mapping(&job, &table, Direction::Output, "jr_3", at(3, 0), 0.9)
        .with_symlinks(vec![moved.clone()]);
    assert_eq!(
        ok(
            store.merge_mapping(&newest).await,
            "a newer run with others"
        ),
        WriteOutcome::Written
    );
    let stored = ok(store.mappings_for_job(&job).await, "mappings_for_job");
    assert_eq!(stored[0].symlinks, vec![moved], "the newest run's symlinks");
}

/// The sink's round trip: a document put is read back byte for byte, a re-put of the same bytes
/// is harmless, a put of new bytes replaces it, and `location` names the key.
pub async fn sink_round_trip(sink: &dyn LineageSink, scope: &str) {
    let key = format!("contract/{scope}/run-1.json");
    let body = br#"{"eventType":"COMPLETE","run":{"runId":"r1"}}"#;
    ok(sink.put_document(&key, body).await, "put_document");
    assert_eq!(
        ok(sink.document(&key).await, "document").as_deref(),
        Some(&body[..]),
        "the document reads back byte for byte"
    );
    ok(
        sink.put_document(&key, body).await,
        "put_document again (idempotent)",
    );
    assert_eq!(
        ok(sink.document(&key).await, "document").as_deref(),
        Some(&body[..])
    );
    let newer = br#"{"eventType":"COMPLETE","run":{"runId":"r1"},"v":2}"#;
    ok(
        sink.put_document(&key, newer).await,
        "put_document new bytes",
    );
    assert_eq!(
        ok(sink.document(&key).await, "document").as_deref(),
        Some(&newer[..])
    );
    let loc = sink.location(&key);
    assert!(
        loc.ends_with(&key),
        "location {loc:?} names the key {key:?}"
    );
}

/// A key never written is `None`, not an error.
pub async fn sink_missing_document(sink: &dyn LineageSink, scope: &str) {
    let key = format!("contract/{scope}/never-written.json");
    assert_eq!(
        ok(sink.document(&key).await, "document of a missing key"),
        None
    );
}

/// Every `LineageSink` check.
pub async fn sink_contract(sink: &dyn LineageSink, scope: &str) {
    sink_round_trip(sink, scope).await;
    sink_missing_document(sink, scope).await;
}

/// The event queue's contract: an empty batch and a full one (`max_batch` events) are queued
/// with no failure, a batch over `max_batch` is refused as invalid (nothing is half-sent), and
/// `location` names where the events go. `read_back`, when the adapter offers a way to read
/// what was queued, must return every body queued, in order.
pub async fn queue_contract(
    queue: &dyn EventQueue,
    scope: &str,
    read_back: Option<&(dyn Fn() -> Vec<String> + Sync)>,
) {
    assert!(queue.max_batch() >= 1, "max_batch is at least 1");
    assert_eq!(
        ok(queue.send(&[]).await, "send an empty batch"),
        Vec::new(),
        "an empty batch queues nothing and fails nothing"
    );
    let bodies: Vec<String> = (0..queue.max_batch())
        .map(|i| format!(r#"{{"scope":"{scope}","n":{i}}}"#))
        .collect();
    assert_eq!(
        ok(queue.send(&bodies).await, "send a full batch"),
        Vec::new(),
        "a full batch of valid events has no failure"
    );
    let too_many: Vec<String> = (0..=queue.max_batch())
        .map(|i| format!(r#"{{"scope":"{scope}","over":{i}}}"#))
        .collect();
    let refused = queue.send(&too_many).await;
    assert!(
        matches!(&refused, Err(e) if e.kind == ErrorKind::Invalid),
        "a batch over max_batch is refused as invalid, got {refused:?}"
    );
    if let Some(read) = read_back {
        let queued: Vec<String> = read()
            .into_iter()
            .filter(|b| b.contains(&format!(r#""scope":"{scope}""#)))
            .collect();
        assert_eq!(queued, bodies, "every queued body, in order, and no other");
    }
    assert!(!queue.location().is_empty(), "location names the queue");
}

/// The objects [`storage_contract`] expects in its bucket (any content, written before the
/// check).
pub const STORAGE_KEYS: [&str; 3] = [
    "data/orders/part-0",
    "data/orders/part-1",
    "data/other/part-0",
];

/// The columns (name, type) of the table [`storage_contract`] expects, in order.
pub const STORAGE_COLUMNS: [(&str, &str); 2] = [("order_id", "bigint"), ("amount", "double")];

/// The partition key and the one partition's values of the table [`storage_contract`] expects.
pub const STORAGE_PARTITION_KEY: &str = "dt";
pub const STORAGE_PARTITION: &str = "2026-01-01";

/// Dataset storage: `bucket` holds [`STORAGE_KEYS`], `missing_bucket` does not exist, and the
/// catalog has `database.orders` with [`STORAGE_COLUMNS`], partitioned by
/// [`STORAGE_PARTITION_KEY`] (a `string`) with one partition [`STORAGE_PARTITION`], stored at
/// `location`.
pub async fn storage_contract(
    storage: &dyn DatasetStorage,
    bucket: &str,
    missing_bucket: &str,
    database: &str,
    location: &str,
) {
    let listing = storage
        .list_objects(bucket, "data/orders", 2)
        .await
        .expect("list objects");
    let keys: Vec<&str> = listing.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(
        keys,
        STORAGE_KEYS[..2].to_vec(),
        "the objects under the prefix, by key"
    );
    assert!(!listing.truncated, "two objects fit a page");
    let empty = storage
        .list_objects(bucket, "data/none", 1)
        .await
        .expect("list an empty prefix");
    assert!(empty.objects.is_empty() && !empty.truncated, "{empty:?}");
    let e = storage
        .list_objects(missing_bucket, "data", 1)
        .await
        .expect_err("a missing bucket");
    assert_eq!(e.kind, ErrorKind::NotFound, "a missing bucket: {e}");

    let table = storage.table(database, "orders").await.expect("get table");
    assert_eq!(
        table.partition_keys,
        vec![CatalogColumn::new(STORAGE_PARTITION_KEY, "string")]
    );
    let columns: Vec<CatalogColumn> = STORAGE_COLUMNS
        .iter()
        .map(|(name, kind)| CatalogColumn::new(*name, *kind))
        .collect();
    assert_eq!(
        table.columns, columns,
        "the columns, in order, with their types"
    );
    assert_eq!(table.location.as_deref(), Some(location));
    assert!(table.create_time.is_some(), "a table has its creation time");
    let partitions = storage
        .partitions(database, "orders", None, 1)
        .await
        .expect("get partitions");
    let values: Vec<Vec<String>> = partitions
        .partitions
        .iter()
        .map(|p| p.values.clone())
        .collect();
    assert_eq!(values, vec![vec![STORAGE_PARTITION.to_string()]]);
    let e = storage
        .table(database, "missing")
        .await
        .expect_err("a missing table");
    assert_eq!(e.kind, ErrorKind::NotFound, "a missing table: {e}");
}
