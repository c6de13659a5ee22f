//! The health check of the AWS dependencies: each DynamoDB table exists and is `ACTIVE`
//! (`DescribeTable`), the lineage bucket is reachable (`HeadBucket`), the model answers a
//! minimal Converse call ([`model`]), with the latency of each check. A missing or unreachable
//! resource makes the report unhealthy with the reason; it never panics or fails.

pub mod model;

use crate::error::AwsError;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// `healthy` or `unhealthy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HealthStatus {
    Healthy,
    Unhealthy,
}

/// The check of one dependency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DependencyHealth {
    /// The table or bucket name.
    pub name: String,
    /// `dynamodb_table` or `s3_bucket`.
    pub kind: String,
    pub status: HealthStatus,
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The health of every dependency; healthy only if all are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthReport {
    pub status: HealthStatus,
    pub dependencies: Vec<DependencyHealth>,
}

impl HealthReport {
    /// Adds a dependency's check; one unhealthy dependency makes the report unhealthy.
    pub fn push(&mut self, dependency: DependencyHealth) {
        if dependency.status == HealthStatus::Unhealthy {
            self.status = HealthStatus::Unhealthy;
        }
        self.dependencies.push(dependency);
    }

    pub fn is_healthy(&self) -> bool {
        self.status == HealthStatus::Healthy
    }
}

fn millis(start: Instant) -> u64 {
    u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Checks that `table` exists and is `ACTIVE`.
pub async fn check_table(client: &aws_sdk_dynamodb::Client, table: &str) -> DependencyHealth {
    let start = Instant::now();
    let res = client.describe_table().table_name(table).send().await;
    let latency_ms = millis(start);
    let (status, reason) = match res {
        Ok(out) => match out.table().and_then(|t| t.table_status()) {
            Some(aws_sdk_dynamodb::types::TableStatus::Active) => (HealthStatus::Healthy, None),
            Some(s) => (
                HealthStatus::Unhealthy,
                Some(format!("table status is {}", s.as_str())),
            ),
            None => (HealthStatus::Unhealthy, Some("no table status".to_string())),
        },
        Err(e) => (
            HealthStatus::Unhealthy,
            Some(AwsError::from_sdk(format!("dynamodb:DescribeTable {table}"), e).to_string()),
        ),
    };
    DependencyHealth {
        name: table.to_string(),
        kind: "dynamodb_table".into(),
        status,
        latency_ms,
        reason,
    }
}

/// Checks that `bucket` exists and is reachable.
pub async fn check_bucket(client: &aws_sdk_s3::Client, bucket: &str) -> DependencyHealth {
    let start = Instant::now();
    let res = client.head_bucket().bucket(bucket).send().await;
    let latency_ms = millis(start);
    let (status, reason) = match res {
        Ok(_) => (HealthStatus::Healthy, None),
        Err(e) => (
            HealthStatus::Unhealthy,
            Some(AwsError::from_sdk(format!("s3:HeadBucket {bucket}"), e).to_string()),
        ),
    };
    DependencyHealth {
        name: bucket.to_string(),
        kind: "s3_bucket".into(),
        status,
        latency_ms,
        reason,
    }
}

/// Checks every table and the bucket concurrently.
pub async fn check(
    dynamodb: &aws_sdk_dynamodb::Client,
    s3: &aws_sdk_s3::Client,
    tables: &[&str],
    bucket: &str,
) -> HealthReport {
    let tables = futures::future::join_all(tables.iter().map(|t| check_table(dynamodb, t)));
    let (mut dependencies, b) = futures::join!(tables, check_bucket(s3, bucket));
    dependencies.push(b);
    let status = if dependencies
        .iter()
        .all(|d| d.status == HealthStatus::Healthy)
    {
        HealthStatus::Healthy
    } else {
        HealthStatus::Unhealthy
    };
    HealthReport {
        status,
        dependencies,
    }
}
