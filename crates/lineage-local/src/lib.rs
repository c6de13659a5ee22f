//! Local adapters, so the whole pipeline runs with no AWS account: run contexts from a folder
//! of captured AWS API responses (the corpus format), mappings and execution contexts in an
//! embedded SQLite file, lineage documents as files laid out like the S3 keys, queued events as
//! lines of a JSON Lines file.

pub mod error;
pub mod fixtures;
pub mod metrics;
pub mod queue;
pub mod sink;
pub mod storage;
pub mod store;

pub use error::LocalError;
pub use fixtures::{CaseFolder, FsFixtures};
pub use metrics::RecordingMetrics;
pub use queue::FsEventQueue;
pub use sink::FsLineageSink;
pub use store::SqliteLineageStore;
