//! The benchmark suite of the agent: deterministic input generation ([`gen`]), the local
//! pipeline the in-process measurements run on ([`local`]), a minimal Lambda Runtime API
//! ([`runtime_api`]) for cold-start timing, percentile statistics ([`stats`]), the results each
//! measurement writes ([`results`]), a new user's quick start timed in a fresh clone
//! ([`first_use`]) and the BENCHMARKS.md writer ([`report`]). The measurements
//! themselves are subcommands of the `lineage-bench` binary.

pub mod critical_path;
pub mod first_use;
pub mod gen;
pub mod lambda_cost;
pub mod local;
pub mod measure;
#[cfg(feature = "moto")]
pub mod model_usage;
#[cfg(feature = "moto")]
pub mod moto;
pub mod report;
pub mod report_perf;
pub mod results;
pub mod runtime_api;
pub mod stats;
pub mod worst_cases;

use std::path::{Path, PathBuf};

/// Everything that can go wrong in the harness.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Json { path: PathBuf, message: String },
    #[error("command `{command}` failed: {message}")]
    Command { command: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl BenchError {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

/// Writes a file, creating its folder.
pub fn write_file(path: &Path, body: impl AsRef<[u8]>) -> Result<(), BenchError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| BenchError::io(parent, e))?;
    }
    std::fs::write(path, body).map_err(|e| BenchError::io(path, e))
}

/// Reads a file as text.
pub fn read_text(path: &Path) -> Result<String, BenchError> {
    std::fs::read_to_string(path).map_err(|e| BenchError::io(path, e))
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    here.join("../..").canonicalize().unwrap_or(here)
}
