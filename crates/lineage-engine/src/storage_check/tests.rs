use super::probe::*;
use super::verdict::*;
use super::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use lineage_domain::ports::{ObjectListing, StoredObject};
use lineage_domain::PortError;

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0)
        .single()
        .expect("time")
}

fn window() -> RunWindow {
    RunWindow {
        start: t(2, 0),
        end: t(2, 30),
    }
}

fn s3(objects: Vec<DateTime<Utc>>, truncated: bool) -> Facts {
    Facts {
        place: "s3://b/out/".into(),
        objects,
        truncated,
        listed: true,
        ..Facts::default()
    }
}

#[test]
fn targets_by_namespace() {
    let ds = |ns: &str, n: &str| Dataset::new(ns, n).expect("dataset");
    assert_eq!(
        target(&ds("s3://b", "out/orders")),
        Target::S3 {
            bucket: "b".into(),
            key: "out/orders".into()
        }
    );
    assert_eq!(
        target(&ds("arn:aws:glue:us-east-1:1", "table/sales/orders")),
        Target::Glue {
            database: "sales".into(),
            table: "orders".into()
        }
    );
    assert_eq!(
        target(&ds("postgres://db:5432", "public.orders")),
        Target::Other("a JDBC dataset")
    );
    assert_eq!(
        target(&ds(
            "redshift://c.r.redshift.amazonaws.com:5439",
            "dev.public.t"
        )),
        Target::Other("a Redshift dataset")
    );
    assert_eq!(
        target(&ds("kafka://broker:9092", "topic")),
        Target::Other("a Kafka topic")
    );
    assert_eq!(
        target(&ds("arn:aws:dynamodb:us-east-1:1", "table/t")),
        Target::Other("a DynamoDB table")
    );
}

#[test]
fn an_output_is_confirmed_contradicted_or_not_checkable() {
    let w = window();
    let Verdict::Confirmed(d) = output_verdict(&s3(vec![t(1, 0), t(2, 10), t(2, 20)], false), w)
    else {
        panic!("confirmed")
    };
    assert!(
        d.starts_with("2 objects under s3://b/out/ modified 2026-03-02T02:10:00Z–2026-03-02T02:20:00Z, inside the run window"),
        "{d}"
    );
    assert!(matches!(
        output_verdict(&s3(vec![t(1, 0)], false), w),
        Verdict::Nothing(_)
    ));
    assert!(matches!(
        output_verdict(&s3(vec![], false), w),
        Verdict::Nothing(_)
    ));
    // a cut listing with nothing inside the window proves nothing
    assert!(matches!(
        output_verdict(&s3(vec![t(1, 0)], true), w),
        Verdict::NotCheckable(_)
    ));
    // a catalog table: its update, a partition, or nothing to list
    let table = Facts {
        place: "glue table s.t".into(),
        updated: Some(t(2, 5)),
        ..Facts::default()
    };
    assert!(matches!(output_verdict(&table, w), Verdict::Confirmed(_)));
    let partitioned = Facts {
        updated: Some(t(0, 5)),
        partitions: vec![t(2, 1)],
        ..table.clone()
    };
    assert!(matches!(
        output_verdict(&partitioned, w),
        Verdict::Confirmed(_)
    ));
    let stale = Facts {
        updated: Some(t(0, 5)),
        ..table
    };
    assert!(matches!(
        output_verdict(&stale, w),
        Verdict::NotCheckable(_)
    ));
}

#[test]
fn an_input_must_exist_before_the_run_ended() {
    let w = window();
    assert!(matches!(
        input_verdict(&s3(vec![t(1, 0), t(3, 0)], false), w),
        Verdict::Confirmed(_)
    ));
    assert!(matches!(
        input_verdict(&s3(vec![t(3, 0)], false), w),
        Verdict::Absent(_)
    ));
    let table = Facts {
        place: "glue table s.t".into(),
        created: Some(t(0, 1)),
        ..Facts::default()
    };
    assert!(matches!(input_verdict(&table, w), Verdict::Confirmed(_)));
}

#[test]
fn the_run_day_narrows_a_date_partitioned_listing() {
    let o = StoredObject {
        key: "out/orders/dt=2025-01-01/part-0.parquet".into(),
        last_modified: t(0, 0),
        size: 1,
    };
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("day");
    assert_eq!(
        dated_prefix(&[&o], "out/orders", day).as_deref(),
        Some("out/orders/dt=2026-03-02/")
    );
    let flat = StoredObject {
        key: "out/orders/part-0.parquet".into(),
        ..o
    };
    assert_eq!(dated_prefix(&[&flat], "out/orders", day), None);
    assert_eq!(
        partition_expression(&["region".into(), "dt".into()], window()).as_deref(),
        Some("dt = '2026-03-02' OR dt = '20260302'")
    );
    assert_eq!(partition_expression(&["region".into()], window()), None);
}

#[test]
fn only_the_dataset_s_own_objects_count() {
    let listing = ObjectListing {
        objects: ["out/orders/a", "out/orders_old/b", "out/orders"]
            .iter()
            .map(|k| StoredObject {
                key: (*k).into(),
                last_modified: t(0, 0),
                size: 0,
            })
            .collect(),
        truncated: false,
    };
    let own: Vec<&str> = own_objects(&listing, "out/orders")
        .iter()
        .map(|o| o.key.as_str())
        .collect();
    assert_eq!(own, vec!["out/orders/a", "out/orders"]);
}

/// Storage that answers every listing with one object at a fixed time (or an error naming a
/// secret), counting the calls.
#[derive(Default)]
struct Fake {
    calls: std::sync::atomic::AtomicUsize,
    fail_with: Option<String>,
}

#[async_trait::async_trait]
impl DatasetStorage for Fake {
    async fn list_objects(
        &self,
        _bucket: &str,
        prefix: &str,
        _max_pages: usize,
    ) -> Result<ObjectListing, PortError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if let Some(m) = &self.fail_with {
            return Err(PortError::new(
                lineage_domain::ErrorKind::AccessDenied,
                "s3:ListObjectsV2",
                m.clone(),
            ));
        }
        Ok(ObjectListing {
            objects: vec![StoredObject {
                key: format!("{prefix}/part-0"),
                last_modified: t(2, 10),
                size: 1,
            }],
            truncated: false,
        })
    }
    async fn table(
        &self,
        database: &str,
        _table: &str,
    ) -> Result<lineage_domain::ports::CatalogTable, PortError> {
        Err(PortError::not_found("glue:GetTable", database))
    }
    async fn partitions(
        &self,
        _database: &str,
        _table: &str,
        _expression: Option<&str>,
        _max_pages: usize,
    ) -> Result<lineage_domain::ports::PartitionListing, PortError> {
        Err(PortError::not_found("glue:GetPartitions", "none"))
    }
}

fn edge(direction: Direction) -> LineageEdge {
    let mut e = LineageEdge::new(
        Dataset::s3_prefix("b", "out/orders").expect("dataset"),
        direction,
        vec![Evidence {
            kind: EvidenceKind::Script,
            locator: Locator::ScriptLine { line: 1 },
            rule: "r".into(),
            detail: String::new(),
        }],
    );
    score::score_all(std::slice::from_mut(&mut e));
    e
}

#[tokio::test]
async fn a_dataset_read_and_written_is_probed_once() {
    let fake = Fake::default();
    let redactor = Redactor::default();
    let run = CheckedRun {
        window: window(),
        succeeded: true,
        redactor: &redactor,
    };
    let mut edges = vec![edge(Direction::Input), edge(Direction::Output)];
    let report = check_run(&fake, run, &mut edges, None).await;
    assert_eq!(fake.calls.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(report.contradicted.is_empty());
    for e in &edges {
        assert!(
            e.evidence.iter().any(|x| x.rule == RULE_S3_CONFIRMED),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn no_secret_reaches_the_evidence_and_no_time_left_calls_nothing() {
    let secret = "s3cr3t-Pa55word-value";
    let fake = Fake {
        fail_with: Some(format!("denied for token {secret}")),
        ..Fake::default()
    };
    let args =
        std::collections::BTreeMap::from([("--db_password".to_string(), secret.to_string())]);
    let redactor = Redactor::for_arguments(args.iter());
    let run = CheckedRun {
        window: window(),
        succeeded: true,
        redactor: &redactor,
    };
    let mut edges = vec![edge(Direction::Output)];
    let report = check_run(&fake, run, &mut edges, None).await;
    assert!(
        report.contradicted.is_empty(),
        "access denied is not a contradiction"
    );
    let storage = edges[0]
        .evidence
        .iter()
        .find(|x| x.kind == EvidenceKind::Storage)
        .expect("storage evidence");
    assert_eq!(storage.rule, RULE_NOT_CHECKABLE);
    assert!(
        storage.detail.starts_with("not checkable: "),
        "{}",
        storage.detail
    );
    assert!(!storage.detail.contains(secret), "{}", storage.detail);

    let idle = Fake::default();
    let deadline = Deadline::in_(Duration::from_secs(1));
    let mut edges = vec![edge(Direction::Output)];
    let report = check_run(&idle, run, &mut edges, Some(deadline)).await;
    assert_eq!(idle.calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(report
        .findings
        .iter()
        .any(|f| f.message.contains("skipped")));
    assert!(edges[0]
        .evidence
        .iter()
        .any(|x| x.rule == RULE_NOT_CHECKABLE));
}
