//! The engine's error: which stage failed and why, and whether a retry of the same event may
//! succeed (the Lambda maps this to `Retryable` / `NonRetryable`).

use lineage_domain::{DomainError, PortError};

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("invalid event: {0}")]
    InvalidEvent(#[from] DomainError),
    #[error("{stage}: {source}")]
    Port {
        stage: &'static str,
        #[source]
        source: PortError,
    },
    #[error(
        "the event names run {event_run} of job {event_job}, but the job run found is {found}"
    )]
    Mismatch {
        event_job: String,
        event_run: String,
        found: String,
    },
    #[error("lineage model failed and fallback is disabled: {0}")]
    ModelFailed(crate::infer::ModelError),
    #[error("invalid configuration: {0}")]
    Config(String),
    #[error("could not serialise the lineage document: {0}")]
    Serialise(String),
    /// Another delivery of the run holds its claim: retry later (it will be recorded, or the
    /// claim's lease will have run out).
    #[error("run {run_id} is being processed by another delivery (claimed); retry later")]
    Busy { run_id: String },
    /// A write of the run would break a store limit (checked before the first write).
    #[error("the run's records would not fit the store: {0}")]
    Limit(String),
    #[error("static extraction failed: {0}")]
    Extraction(String),
}

impl EngineError {
    pub fn port(stage: &'static str, source: PortError) -> Self {
        Self::Port { stage, source }
    }

    /// Whether the same event may succeed on a later attempt.
    pub fn is_retryable(&self) -> bool {
        match self {
            EngineError::Port { source, .. } => source.is_retryable(),
            // Without fallback a failed model call leaves the run unrecorded: retry it.
            EngineError::ModelFailed(_) => true,
            EngineError::Busy { .. } => true,
            _ => false,
        }
    }
}
