//! Integration tests of each AWS adapter against a moto server (real SDK clients, no mocks).

mod support;

#[path = "adapters/dynamodb.rs"]
mod dynamodb;
#[path = "adapters/glue.rs"]
mod glue;
#[path = "adapters/health.rs"]
mod health;
#[path = "adapters/logs.rs"]
mod logs;
#[path = "adapters/metrics.rs"]
mod metrics;
#[path = "adapters/s3.rs"]
mod s3;
#[path = "adapters/storage.rs"]
mod storage;
