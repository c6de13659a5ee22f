//! The health check against moto.

use crate::support;
use lineage_aws::HealthStatus;

#[tokio::test]
async fn healthy_when_tables_and_bucket_exist_unhealthy_with_the_reason_otherwise() {
    let c = support::clients().await;
    let (m, x) = support::create_tables(&c).await;
    let bucket = support::create_bucket(&c).await;
    let report = c.health(&[&m, &x], &bucket).await;
    assert!(report.is_healthy(), "{report:?}");
    assert_eq!(report.dependencies.len(), 3);
    assert!(report.dependencies.iter().all(|d| d.reason.is_none()));

    let gone = support::unique("gone-table");
    let no_bucket = support::unique("gone-bucket");
    let report = c.health(&[&m, &gone], &no_bucket).await;
    assert_eq!(report.status, HealthStatus::Unhealthy);
    let table = report
        .dependencies
        .iter()
        .find(|d| d.name == gone)
        .expect("table entry");
    assert_eq!(table.status, HealthStatus::Unhealthy);
    assert_eq!(table.kind, "dynamodb_table");
    assert!(
        table
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("ResourceNotFound")),
        "{table:?}"
    );
    let b = report
        .dependencies
        .iter()
        .find(|d| d.name == no_bucket)
        .expect("bucket entry");
    assert_eq!(b.status, HealthStatus::Unhealthy);
    assert!(b.reason.is_some());
    let json = serde_json::to_value(&report).expect("serialisable");
    assert_eq!(json["status"], "unhealthy");
}
