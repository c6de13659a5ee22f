//! The domain of the Enhanced Lineage Agent: what a Glue job run is, what lineage we infer from
//! it (datasets, edges, evidence, confidence), what we record about it, and the ports through
//! which the pipeline reaches the outside world. No I/O and no AWS SDK types live here.

pub mod context;
pub mod dataset;
pub mod edge;
pub mod error;
pub mod event;
pub mod job;
pub mod keys;
pub mod ports;
pub mod record;
pub mod redact;
pub mod redacted;
pub mod run;
pub mod secret;
pub mod text;

pub use context::{ExtraObject, LogEvent, RunContext, Script, ScriptLanguage, SourceModule};
pub use dataset::{Dataset, S3Location};
pub use edge::{
    Confidence, Diagnostic, DiagnosticKind, Direction, Evidence, EvidenceKind, LineageEdge, Locator,
};
pub use error::{DomainError, ErrorKind, PortError};
pub use event::{EventEnvelope, GlueJobStateChange, RunState};
pub use job::{Connection, JobCommand, JobDefinition};
pub use record::{
    ExecutionContext, JobMapping, LineageSummary, ProcessingStatus, RunOrder, WriteOutcome,
};
pub use redacted::RedactedRunContext;
pub use run::{JobRun, RunWindow};
pub use secret::Secret;
