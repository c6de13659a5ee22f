//! The ports: the small traits through which the pipeline reaches the outside world. Each is
//! named for its role; AWS adapters (`Glue…`, `S3…`, `DynamoDb…`, `Bedrock…`) and local
//! adapters (`Fs…`, `Sqlite…`) implement them, and a contract suite checks both behave alike.

use crate::context::LogEvent;
use crate::dataset::Dataset;
use crate::edge::Direction;
use crate::error::PortError;
use crate::job::{Connection, JobDefinition};
use crate::record::{ExecutionContext, JobMapping, TokenUsage, WriteOutcome};
use crate::run::{JobRun, RunWindow};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where job definitions, job runs and connections come from (`glue:GetJob`, `GetJobRun`,
/// `GetJobRuns`, `GetConnection`).
#[async_trait]
pub trait JobCatalog: Send + Sync {
    async fn job(&self, job_name: &str) -> Result<JobDefinition, PortError>;
    async fn job_run(&self, job_name: &str, run_id: &str) -> Result<JobRun, PortError>;
    async fn connection(&self, name: &str) -> Result<Connection, PortError>;
    /// Runs of a job that started inside `[since, until]`, newest first.
    async fn job_runs(
        &self,
        job_name: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<JobRun>, PortError>;
}

/// Where scripts and the objects a script reads come from (S3).
#[async_trait]
pub trait ScriptStore: Send + Sync {
    /// The bytes of the object at `s3://bucket/key`, at most `max_bytes` long (a longer object
    /// is an `Invalid` error naming its size; a missing one `NotFound`).
    async fn object_bytes(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, PortError>;

    /// The text of the object: its bytes as UTF-8 (anything else is an `Invalid` error; lossy
    /// decoding would silently change a script and the lineage read from it).
    async fn object_text(&self, url: &str, max_bytes: usize) -> Result<String, PortError> {
        let bytes = self.object_bytes(url, max_bytes).await?;
        String::from_utf8(bytes).map_err(|e| {
            PortError::invalid(
                format!("read {url}"),
                format!(
                    "{url} is not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

/// Which log events to fetch for a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogQuery {
    pub job_name: String,
    pub run_id: String,
    /// Log groups to search, in order.
    pub log_groups: Vec<String>,
    pub window: RunWindow,
    /// Caps: the fetch stops (and says so) when either is reached.
    pub max_events: usize,
    pub max_bytes: usize,
}

/// Log events of a run, and whether a cap cut them short.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunLogEvents {
    pub events: Vec<LogEvent>,
    pub truncated: bool,
}

/// Where a run's log events come from (CloudWatch Logs `FilterLogEvents`).
#[async_trait]
pub trait RunLogs: Send + Sync {
    async fn events(&self, query: &LogQuery) -> Result<RunLogEvents, PortError>;
}

/// The one tool the model must call to answer: its name, what it is for, and the JSON schema
/// of its input (the answer's contract, owned by the engine; the adapter only passes it on).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerTool {
    pub name: String,
    pub description: String,
    pub input_schema: serde_json::Value,
}

/// A question to the lineage model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferenceRequest {
    pub system: String,
    pub prompt: String,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Set on a retry after an invalid answer: what was wrong with it.
    #[serde(default)]
    pub previous_error: Option<String>,
    /// The tool the model is made to call.
    pub tool: AnswerTool,
}

/// What the model said, as the model said it: the input of its call of the answer tool (if it
/// called it), why it stopped, and what it cost. Whether the input is a valid answer is the
/// engine's question, not the adapter's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelReply {
    pub tool_input: Option<serde_json::Value>,
    /// The model's stop reason (`tool_use`, `end_turn`, `max_tokens`, ...).
    pub stop_reason: String,
    pub usage: TokenUsage,
}

/// A dataset the model proposes, with the evidence quotes it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedDataset {
    pub namespace: String,
    pub name: String,
    pub direction: Direction,
    pub confidence: f64,
    #[serde(default)]
    pub evidence: Vec<String>,
}

/// A checked answer of the model (what is cached).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InferenceAnswer {
    pub datasets: Vec<ProposedDataset>,
    pub usage: TokenUsage,
}

/// How lineage is inferred where static analysis cannot settle it (Amazon Bedrock).
#[async_trait]
pub trait LineageModel: Send + Sync {
    fn model_id(&self) -> &str;
    async fn infer(&self, request: &InferenceRequest) -> Result<ModelReply, PortError>;
}

/// Where job mappings and execution contexts go (DynamoDB, or the embedded store).
///
/// Semantics every adapter keeps: `merge_mapping` applies [`JobMapping::merge`] atomically (an
/// older or replayed run never overwrites a newer one's fields); `put_execution_context` writes
/// a run once (the same run again is `Unchanged`), except that a recorded context that is not
/// done ([`crate::ProcessingStatus::Incomplete`]) is replaced; `replace_execution_context`
/// (`--force`) always replaces it.
#[async_trait]
pub trait LineageStore: Send + Sync {
    async fn execution_context(&self, run_id: &str) -> Result<Option<ExecutionContext>, PortError>;
    async fn put_execution_context(
        &self,
        context: &ExecutionContext,
    ) -> Result<WriteOutcome, PortError>;
    /// Claims a run for `owner` for `lease`, so that of concurrent deliveries of one run only
    /// one does the work (and pays the model): `true` when this owner holds it now (no one
    /// held it, the holder's lease expired, or this owner held it already); `false` when
    /// another owner's lease runs, or — unless `force` — the run is recorded and done. A
    /// written execution context ends the claim; [`LineageStore::release_run`] ends it early.
    async fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        lease: std::time::Duration,
        force: bool,
    ) -> Result<bool, PortError>;
    /// Ends `owner`'s claim on a run (nothing when another owner holds it).
    async fn release_run(&self, run_id: &str, owner: &str) -> Result<(), PortError>;
    /// Writes the context whatever is recorded for the run (`--force`).
    async fn replace_execution_context(&self, context: &ExecutionContext) -> Result<(), PortError>;
    async fn merge_mapping(&self, mapping: &JobMapping) -> Result<WriteOutcome, PortError>;
    /// The mappings of every job that reads or writes `dataset`.
    async fn mappings_for_dataset(&self, dataset: &Dataset) -> Result<Vec<JobMapping>, PortError>;
    async fn mappings_for_job(&self, job_name: &str) -> Result<Vec<JobMapping>, PortError>;
    async fn all_mappings(&self) -> Result<Vec<JobMapping>, PortError>;
}

/// Where model answers are cached, so a replay never pays twice.
#[async_trait]
pub trait AnswerCache: Send + Sync {
    async fn cached_answer(&self, key: &str) -> Result<Option<InferenceAnswer>, PortError>;
    async fn put_answer(&self, key: &str, answer: &InferenceAnswer) -> Result<(), PortError>;
}

/// Where lineage documents (OpenLineage RunEvents) go (S3, or a local folder).
#[async_trait]
pub trait LineageSink: Send + Sync {
    /// Writes the document at `key` (idempotent: the same bytes again is harmless).
    async fn put_document(&self, key: &str, body: &[u8]) -> Result<(), PortError>;
    async fn document(&self, key: &str) -> Result<Option<Vec<u8>>, PortError>;
    /// Where a key lives, for people (`s3://bucket/key`, a file path).
    fn location(&self, key: &str) -> String;
}

/// One OpenLineage event to send: which run and kind it is (for findings and logs), and its
/// JSON bytes (the same bytes as the document written to the sink).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineageEvent<'a> {
    /// The Glue run id.
    pub run_id: &'a str,
    /// `START`, `COMPLETE`, `FAIL` or `ABORT`.
    pub event_type: &'a str,
    pub body: &'a [u8],
}

/// An OpenLineage HTTP endpoint events are posted to, as the settings describe it and the HTTP
/// transport uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpEndpoint {
    /// The full URL events are posted to (`http://marquez:5000/api/v1/lineage`).
    pub url: String,
    /// How long one attempt may take (connect, send, answer).
    pub timeout: std::time::Duration,
    /// Sent as `Authorization: Bearer KEY`.
    pub api_key: Option<crate::Secret>,
    /// Retries after the first attempt.
    pub retries: u32,
    /// The first retry's wait; each further retry waits twice the one before.
    pub backoff: std::time::Duration,
}

/// Where lineage events are sent beside the documents (an OpenLineage HTTP endpoint such as
/// Marquez, Amazon DataZone). Sending the same event again is harmless: receivers key events
/// by run id and event type. Retries are the adapter's; an error is final for this delivery,
/// and its message never holds a credential.
#[async_trait]
pub trait LineageTransport: Send + Sync {
    async fn send(&self, event: &LineageEvent<'_>) -> Result<(), PortError>;
    /// Where events go, for people (`http://marquez:5000/api/v1/lineage`); never a secret.
    fn destination(&self) -> String;
}

/// Why one event could not be queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueFailure {
    /// The index of the event in the batch given to [`EventQueue::send`].
    pub index: usize,
    pub reason: String,
}

/// Where events go to be processed later by the Lambda (the SQS backfill queue).
#[async_trait]
pub trait EventQueue: Send + Sync {
    /// Most events one `send` takes.
    fn max_batch(&self) -> usize;
    /// Queues a batch of event bodies (at most [`EventQueue::max_batch`]); the events that
    /// were not queued are returned with their reason.
    async fn send(&self, bodies: &[String]) -> Result<Vec<QueueFailure>, PortError>;
    /// Where the events go, for people.
    fn location(&self) -> String;
}

/// One metric value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    pub value: f64,
    /// CloudWatch unit: `Count`, `Milliseconds`, ...
    pub unit: String,
}

impl Metric {
    pub fn count(name: &str, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            unit: "Count".into(),
        }
    }
    pub fn millis(name: &str, value: f64) -> Self {
        Self {
            name: name.into(),
            value,
            unit: "Milliseconds".into(),
        }
    }
}

/// Where metrics go (CloudWatch Embedded Metric Format on stdout, or nowhere locally).
pub trait Metrics: Send + Sync {
    /// Records metrics for one job (dimensions: environment and job).
    fn record(&self, job_name: &str, metrics: &[Metric]);
}

/// One stored object, as `s3:ListObjectsV2` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredObject {
    pub key: String,
    pub last_modified: DateTime<Utc>,
    #[serde(default)]
    pub size: i64,
}

/// The objects under a prefix, as far as the pages asked for went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectListing {
    pub objects: Vec<StoredObject>,
    /// More objects were left unlisted (the page limit was reached).
    pub truncated: bool,
}

/// One column of a catalog table (`Column`: name, Glue/Hive type such as `bigint` or
/// `struct<a:int>`, comment).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogColumn {
    pub name: String,
    #[serde(default)]
    pub data_type: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

impl CatalogColumn {
    /// A column with a name and type, no comment.
    pub fn new(name: impl Into<String>, data_type: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            data_type: Some(data_type.into()),
            comment: None,
        }
    }
}

/// A Glue Data Catalog table (`glue:GetTable`), as far as storage checks (dates, partition
/// keys, location) and dataset facets (location, columns) need it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogTable {
    pub database: String,
    pub name: String,
    pub create_time: Option<DateTime<Utc>>,
    pub update_time: Option<DateTime<Utc>>,
    /// The partition keys, in order (`PartitionKeys`).
    #[serde(default)]
    pub partition_keys: Vec<CatalogColumn>,
    /// The table's columns, in order (`StorageDescriptor.Columns`), partition keys excluded.
    #[serde(default)]
    pub columns: Vec<CatalogColumn>,
    /// The table's storage location (`StorageDescriptor.Location`), when it has one.
    pub location: Option<String>,
}

impl CatalogTable {
    /// The names of the partition keys, in order.
    pub fn partition_key_names(&self) -> Vec<String> {
        self.partition_keys.iter().map(|c| c.name.clone()).collect()
    }
}

/// One partition of a catalog table (`glue:GetPartitions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPartition {
    pub values: Vec<String>,
    pub creation_time: Option<DateTime<Utc>>,
}

/// The partitions of a table, as far as the pages asked for went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionListing {
    pub partitions: Vec<CatalogPartition>,
    pub truncated: bool,
}

/// What storage holds for a dataset (S3 `ListObjectsV2`, Glue `GetTable` and `GetPartitions`,
/// or captured responses), so validation can check that a run's writes landed in its window.
/// Every call is bounded by the caller's page limit; a missing bucket or table is `NotFound`.
#[async_trait]
pub trait DatasetStorage: Send + Sync {
    /// Objects under `s3://bucket/prefix`, at most `max_pages` pages of at most 1000 keys.
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        max_pages: usize,
    ) -> Result<ObjectListing, PortError>;
    /// A catalog table.
    async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError>;
    /// Partitions of a catalog table, filtered by a Glue partition `expression` when given, at
    /// most `max_pages` pages.
    async fn partitions(
        &self,
        database: &str,
        table: &str,
        expression: Option<&str>,
        max_pages: usize,
    ) -> Result<PartitionListing, PortError>;
}
