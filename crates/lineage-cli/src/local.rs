//! Builds the pipeline on local adapters: captured API responses in, an embedded SQLite store
//! and lineage files out.

use crate::error::CliError;
use lineage_domain::ports::LineageModel;
use lineage_engine::{Pipeline, Ports, Settings};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where local output goes.
#[derive(Debug, Clone)]
pub struct LocalOutput {
    pub store: PathBuf,
    pub documents: PathBuf,
}

impl LocalOutput {
    pub fn under(dir: &Path) -> Self {
        Self {
            store: dir.join("lineage.db"),
            documents: dir.join("documents"),
        }
    }

    /// What of this output exists now, so a failed command can remove what it created.
    pub fn existing(&self) -> ExistingOutput {
        ExistingOutput {
            dir: self.store.parent().is_some_and(Path::exists),
            store: self.store.exists(),
            documents: self.documents.exists(),
        }
    }

    /// Removes what exists now but did not `before` (the store with its WAL files, the
    /// documents folder, the output folder): a failed run that wrote nothing leaves nothing.
    pub fn remove_created(&self, before: ExistingOutput) {
        if !before.store {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = self.store.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(p));
            }
        }
        if !before.documents {
            let _ = std::fs::remove_dir_all(&self.documents);
        }
        if !before.dir {
            if let Some(dir) = self.store.parent() {
                // only when empty: never a folder holding anything else
                let _ = std::fs::remove_dir(dir);
            }
        }
    }
}

/// Which parts of a [`LocalOutput`] existed at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExistingOutput {
    dir: bool,
    store: bool,
    documents: bool,
}

/// Opens a fixtures folder, naming the folder in any error.
pub fn open_fixtures(dir: &Path) -> Result<FsFixtures, CliError> {
    FsFixtures::open(dir).map_err(|e| CliError::Input(e.to_string()))
}

/// A pipeline over fixtures; with `output` `None` it writes to an in-memory store and a
/// throw-away folder (nothing reaches the disk of the user).
pub fn pipeline(
    fixtures: FsFixtures,
    output: &LocalOutput,
    settings: Settings,
    model: Option<Arc<dyn LineageModel>>,
) -> Result<(Pipeline, Arc<RecordingMetrics>), CliError> {
    let fixtures = Arc::new(fixtures);
    let store = Arc::new(
        SqliteLineageStore::open(&output.store).map_err(|e| CliError::Failed(e.to_string()))?,
    );
    let metrics = Arc::new(RecordingMetrics::default());
    let ports = Ports::from_parts(
        fixtures,
        store,
        Arc::new(FsLineageSink::new(&output.documents)),
        metrics.clone(),
    )
    .with_model(model);
    Ok((Pipeline::new(ports, settings), metrics))
}

/// A pipeline over fixtures that writes nowhere (for `extract`).
pub fn read_only_pipeline(fixtures: FsFixtures, settings: Settings) -> Result<Pipeline, CliError> {
    let fixtures = Arc::new(fixtures);
    let store =
        Arc::new(SqliteLineageStore::in_memory().map_err(|e| CliError::Failed(e.to_string()))?);
    let ports = Ports::from_parts(
        fixtures,
        store,
        Arc::new(FsLineageSink::new(
            std::env::temp_dir().join("lineage-agent-unused"),
        )),
        Arc::new(RecordingMetrics::default()),
    );
    Ok(Pipeline::new(ports, settings))
}
