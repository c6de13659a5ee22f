//! Errors of the local adapters, each naming the file and the problem.

use lineage_domain::{ErrorKind, PortError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: invalid JSON: {message}")]
    Json { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("embedded store {path}: {message}")]
    Store { path: PathBuf, message: String },
}

impl LocalError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// As a port error for the given operation.
    pub fn into_port(self, operation: &str) -> PortError {
        let kind = match &self {
            LocalError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            LocalError::Io { .. } => ErrorKind::Transient,
            LocalError::Store { .. } => ErrorKind::Transient,
            LocalError::Json { .. } | LocalError::Invalid { .. } => ErrorKind::Invalid,
        };
        PortError::new(kind, operation, self.to_string())
    }
}
