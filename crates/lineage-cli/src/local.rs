//! Builds the pipeline on local adapters: captured API responses in, an embedded SQLite store
//! and lineage files out. Nothing reaches the disk of a `--dry-run`, and a command that fails
//! before writing any run leaves no trace of itself (no empty `lineage.db`).

use crate::error::CliError;
use lineage_domain::ports::{LineageModel, LineageTransport};
use lineage_engine::{Pipeline, Ports, Settings};
use lineage_http::HttpLineageTransport;
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
}

/// What a writing command created on the way: removed again by [`CreatedOutput::discard`] when
/// the command wrote no run.
#[derive(Debug, Default)]
pub struct CreatedOutput {
    /// The topmost folder that did not exist before (everything under it is this command's).
    folder: Option<PathBuf>,
    /// The store's files, when the store is new in a folder that existed.
    store: Option<PathBuf>,
    /// The documents folder, when it is new in a folder that existed.
    documents: Option<PathBuf>,
}

impl CreatedOutput {
    /// Notes what of `output` does not exist yet.
    fn before(output: &LocalOutput) -> Self {
        let topmost_missing = |path: &Path| {
            let mut missing = None;
            let mut at = Some(path);
            while let Some(p) = at.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
                missing = Some(p.to_path_buf());
                at = p.parent();
            }
            missing
        };
        let folder = output.store.parent().and_then(topmost_missing);
        let inside_new_folder = |p: &Path| folder.as_deref().is_some_and(|f| p.starts_with(f));
        let new_path = |p: &Path| (!p.exists() && !inside_new_folder(p)).then(|| p.to_path_buf());
        Self {
            store: new_path(&output.store),
            documents: new_path(&output.documents),
            folder,
        }
    }

    /// Removes what this command created (best effort: a leftover is not worth an error).
    pub fn discard(&self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
        if let Some(store) = &self.store {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut file = store.clone().into_os_string();
                file.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(file));
            }
        }
        if let Some(documents) = &self.documents {
            let _ = std::fs::remove_dir_all(documents);
        }
    }
}

/// Opens a fixtures folder, naming the folder in any error.
pub fn open_fixtures(dir: &Path) -> Result<FsFixtures, CliError> {
    FsFixtures::open(dir).map_err(|e| CliError::Input(e.to_string()))
}

/// A pipeline over fixtures writing to `output`. With `dry_run` nothing is created: an
/// existing store is read (to tell recorded runs), a missing one is an empty in-memory store.
/// The returned [`CreatedOutput`] is what to remove when the command writes no run.
pub fn pipeline(
    fixtures: FsFixtures,
    output: &LocalOutput,
    settings: Settings,
    model: Option<Arc<dyn LineageModel>>,
    dry_run: bool,
) -> Result<(Pipeline, CreatedOutput), CliError> {
    let created = if dry_run {
        CreatedOutput::default()
    } else {
        CreatedOutput::before(output)
    };
    let transports = transports(&settings)?;
    let store = if dry_run && !output.store.is_file() {
        SqliteLineageStore::in_memory()
    } else {
        SqliteLineageStore::open(&output.store)
    };
    let store = store.map_err(|e| {
        created.discard();
        CliError::Failed(e.to_string())
    })?;
    let ports = Ports::from_parts(
        Arc::new(fixtures),
        Arc::new(store),
        Arc::new(FsLineageSink::new(&output.documents)),
        Arc::new(RecordingMetrics::default()),
    )
    .with_model(model)
    .with_transports(transports);
    Ok((Pipeline::new(ports, settings), created))
}

/// The transports `transport.*` asks for (an OpenLineage endpoint such as a local Marquez):
/// events go there beside the files. An incomplete one is a configuration error.
pub fn transports(settings: &Settings) -> Result<Vec<Arc<dyn LineageTransport>>, CliError> {
    let http = settings
        .transport
        .http()
        .map_err(|e| CliError::Input(format!("invalid configuration: {e}")))?;
    let Some(http) = http else {
        return Ok(Vec::new());
    };
    let transport = HttpLineageTransport::new(http)
        .map_err(|e| CliError::Input(format!("invalid configuration: transport: {e}")))?;
    Ok(vec![Arc::new(transport)])
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
