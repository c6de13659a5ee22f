//! The CLI's error: a one-line message and an exit code (2 for bad input, 1 for failures), or
//! the quiet end of a command whose reader went away (`| head`).

use lineage_engine::EngineError;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad input: a missing file, malformed JSON, an event that is not a Glue job state change.
    #[error("{0}")]
    Input(String),
    /// The pipeline or an adapter failed.
    #[error("{0}")]
    Failed(String),
    /// Stdout was closed by its reader (`lineage-agent graph | head -1`): not an error, the
    /// command stops quietly.
    #[error("stdout closed")]
    OutputClosed,
}

impl CliError {
    pub fn input_at(path: &Path, problem: impl std::fmt::Display) -> Self {
        CliError::Input(format!("{}: {problem}", path.display()))
    }
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Input(_) => 2,
            CliError::Failed(_) => 1,
            CliError::OutputClosed => 0,
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        match &e {
            EngineError::InvalidEvent(_)
            | EngineError::Config(_)
            | EngineError::Mismatch { .. } => CliError::Input(e.to_string()),
            EngineError::Port { source, .. }
                if source.kind == lineage_domain::ErrorKind::NotFound
                    || source.kind == lineage_domain::ErrorKind::Invalid =>
            {
                CliError::Input(e.to_string())
            }
            _ => CliError::Failed(e.to_string()),
        }
    }
}
