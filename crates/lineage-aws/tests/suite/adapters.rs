//! Integration tests of each AWS adapter against a moto server (real SDK clients, no mocks).

mod datazone;
mod dynamodb;
mod glue;
mod health;
mod logs;
mod metrics;
mod s3;
mod storage;
