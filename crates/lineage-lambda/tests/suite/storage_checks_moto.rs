//! The storage checks on the AWS adapter (moto): objects written now confirm an output of a
//! run window around now, contradict one of a run window last year (moto cannot backdate
//! `LastModified`), and a missing bucket or a Kafka topic is "not checkable".

use crate::support;

use chrono::{Duration, Utc};
use lineage_domain::redact::Redactor;
use lineage_domain::{Dataset, Direction, Evidence, EvidenceKind, LineageEdge, Locator, RunWindow};
use lineage_engine::score;
use lineage_engine::storage_check::{
    check_run, CheckedRun, RULE_CONTRADICTED, RULE_NOT_CHECKABLE, RULE_S3_CONFIRMED,
};

fn edge(dataset: Dataset, direction: Direction) -> LineageEdge {
    let mut e = LineageEdge::new(
        dataset,
        direction,
        vec![Evidence {
            kind: EvidenceKind::Script,
            locator: Locator::ScriptLine { line: 3 },
            rule: "spark.write.parquet".into(),
            detail: String::new(),
        }],
    );
    score::score_all(std::slice::from_mut(&mut e));
    e
}

fn storage_evidence(e: &LineageEdge) -> &Evidence {
    e.evidence
        .iter()
        .find(|x| x.kind == EvidenceKind::Storage)
        .expect("storage evidence")
}

#[tokio::test]
async fn objects_written_now_confirm_a_run_now_and_contradict_a_run_last_year() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    support::put_object(&c, &bucket, "out/orders/part-0.parquet", b"x").await;
    let storage = c.dataset_storage();
    let redactor = Redactor::default();
    let edges = || {
        vec![
            edge(
                Dataset::s3_prefix(&bucket, "out/orders").expect("ds"),
                Direction::Output,
            ),
            edge(
                Dataset::s3_prefix(&support::unique("no-such-bucket"), "x").expect("ds"),
                Direction::Output,
            ),
            edge(
                Dataset::kafka_topic("broker:9092", "orders").expect("ds"),
                Direction::Output,
            ),
        ]
    };
    let now = Utc::now();

    let mut current = edges();
    let before = current[0].confidence.value();
    let run = CheckedRun {
        window: RunWindow {
            start: now - Duration::minutes(5),
            end: now + Duration::minutes(5),
        },
        succeeded: true,
        redactor: &redactor,
    };
    let report = check_run(&storage, run, &mut current, None).await;
    assert!(report.contradicted.is_empty(), "{report:?}");
    assert_eq!(storage_evidence(&current[0]).rule, RULE_S3_CONFIRMED);
    assert!(current[0].confidence.value() > before);
    let missing = storage_evidence(&current[1]);
    assert_eq!(missing.rule, RULE_NOT_CHECKABLE);
    assert!(
        missing.detail.starts_with("not checkable: "),
        "{}",
        missing.detail
    );
    let kafka = storage_evidence(&current[2]);
    assert_eq!(kafka.rule, RULE_NOT_CHECKABLE);
    assert!(kafka.detail.contains("a Kafka topic"), "{}", kafka.detail);

    let mut last_year = edges();
    let run = CheckedRun {
        window: RunWindow {
            start: now - Duration::days(365),
            end: now - Duration::days(365) + Duration::minutes(10),
        },
        ..run
    };
    let report = check_run(&storage, run, &mut last_year, None).await;
    assert_eq!(storage_evidence(&last_year[0]).rule, RULE_CONTRADICTED);
    assert!(report
        .contradicted
        .contains(&(last_year[0].dataset.clone(), Direction::Output)));
    assert!(report
        .findings
        .iter()
        .any(|f| f.check == "storage" && f.severity == "warning"));
    // an input written after the run ended did not exist when it ran
    let mut input = vec![edge(
        Dataset::s3_prefix(&bucket, "out/orders").expect("ds"),
        Direction::Input,
    )];
    check_run(&storage, run, &mut input, None).await;
    assert_eq!(storage_evidence(&input[0]).rule, "storage.absent");
}
