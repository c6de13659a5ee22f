//! [`FsEventQueue`]: the `EventQueue` port on a local JSON Lines file: each queued event is one
//! line appended to the file (which `lineage-agent replay --from FILE` reads back), so events can
//! be collected without an AWS account and processed later.

use crate::error::LocalError;
use async_trait::async_trait;
use lineage_domain::ports::{EventQueue, QueueFailure};
use lineage_domain::PortError;
use std::io::Write;
use std::path::PathBuf;

/// Most events one `send` takes (a local file has no limit of its own; this keeps each append
/// small and the contract the same as SQS's).
pub const FILE_MAX_BATCH: usize = 100;

/// A JSON Lines file events are appended to.
#[derive(Debug, Clone)]
pub struct FsEventQueue {
    path: PathBuf,
}

impl FsEventQueue {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

#[async_trait]
impl EventQueue for FsEventQueue {
    fn max_batch(&self) -> usize {
        FILE_MAX_BATCH
    }

    async fn send(&self, bodies: &[String]) -> Result<Vec<QueueFailure>, PortError> {
        let op = format!("append events to {}", self.path.display());
        if bodies.len() > FILE_MAX_BATCH {
            return Err(PortError::invalid(
                &op,
                format!(
                    "{} events; a batch holds at most {FILE_MAX_BATCH}",
                    bodies.len()
                ),
            ));
        }
        let mut failures = Vec::new();
        let mut lines = String::new();
        for (index, body) in bodies.iter().enumerate() {
            if body.contains('\n') {
                failures.push(QueueFailure {
                    index,
                    reason: "an event body must be one line of JSON".into(),
                });
                continue;
            }
            lines.push_str(body);
            lines.push('\n');
        }
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| LocalError::io(parent, e).into_port(&op))?;
        }
        // one write of whole lines: a concurrent reader never sees half an event
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(lines.as_bytes()))
            .map_err(|e| LocalError::io(&self.path, e).into_port(&op))?;
        Ok(failures)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}
