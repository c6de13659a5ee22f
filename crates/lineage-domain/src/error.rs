//! Errors of the domain: malformed input (events, captured responses) and the kinds of failure
//! a port can report, which decide whether the pipeline retries.

use std::fmt;

/// Bad input that the domain itself rejects (an event that is not a Glue job state change, a
/// value out of range). Never retryable: the same input fails the same way.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum DomainError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a Glue job state change event: {0}")]
    NotAGlueEvent(String),
    #[error("unknown job run state {0:?} (expected SUCCEEDED, FAILED, TIMEOUT or STOPPED)")]
    UnknownState(String),
    #[error("missing field `{0}`")]
    MissingField(&'static str),
    #[error("confidence {0} is outside 0..=1")]
    ConfidenceOutOfRange(f64),
    #[error("invalid dataset: {0}")]
    InvalidDataset(String),
}

/// How a port failure should be handled by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The thing asked for does not exist (job, run, object, table).
    NotFound,
    /// Throttling, 5xx, connection reset, timeout: the same call may succeed later.
    Transient,
    /// Access denied or missing credentials: retrying will not help until someone acts.
    AccessDenied,
    /// The request or the data is invalid: retrying will not help.
    Invalid,
    /// A conditional write lost to a newer or equal record.
    Conflict,
}

impl ErrorKind {
    /// Whether retrying the same call later may succeed.
    pub fn is_retryable(self) -> bool {
        matches!(self, ErrorKind::Transient)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            ErrorKind::NotFound => "not found",
            ErrorKind::Transient => "transient",
            ErrorKind::AccessDenied => "access denied",
            ErrorKind::Invalid => "invalid",
            ErrorKind::Conflict => "conflict",
        };
        f.write_str(s)
    }
}

/// A failure reported by an adapter behind a port, with the operation that failed.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
#[error("{operation}: {kind}: {message}")]
pub struct PortError {
    pub kind: ErrorKind,
    /// The port operation, e.g. `glue:GetJobRun retail-orders/jr_1`.
    pub operation: String,
    pub message: String,
}

impl PortError {
    pub fn new(kind: ErrorKind, operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            operation: operation.into(),
            message: message.into(),
        }
    }
    pub fn not_found(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, operation, message)
    }
    pub fn transient(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Transient, operation, message)
    }
    pub fn invalid(operation: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, operation, message)
    }
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
}
