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
/// the command wrote no run. Every writing command holds a shared lock on the output folder while
/// it runs, so that one that fails never removes a folder or store another command is writing
/// to (two `run`s of one event at once: the one that finds the run claimed fails, the other
/// records it).
#[derive(Debug, Default)]
pub struct CreatedOutput {
    /// The topmost folder that did not exist before (everything under it is this command's).
    folder: Option<PathBuf>,
    /// The store's files, when the store is new in a folder that existed.
    store: Option<PathBuf>,
    /// The documents folder, when it is new in a folder that existed.
    documents: Option<PathBuf>,
    /// The store, to tell whether anything was recorded in it.
    store_path: Option<PathBuf>,
    /// The shared lock on the output folder (none for a dry run, which creates nothing).
    lock: Option<std::fs::File>,
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
            store_path: Some(output.store.clone()),
            lock: None,
        }
    }

    /// Creates the output folder (as needed) and takes the shared lock on it. A folder removed
    /// by another command between the two is created and locked again.
    fn lock(&mut self, output: &LocalOutput) -> Result<(), CliError> {
        let folder = match output.store.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let failed = |e: std::io::Error| {
            CliError::Failed(format!(
                "{}: cannot lock the output folder: {e}",
                folder.display()
            ))
        };
        loop {
            std::fs::create_dir_all(&folder).map_err(failed)?;
            let handle = std::fs::File::open(&folder).map_err(failed)?;
            handle.lock_shared().map_err(failed)?;
            if same_file(&handle, &folder) {
                self.lock = Some(handle);
                return Ok(());
            }
        }
    }

    /// Removes what this command created (best effort: a leftover is not worth an error), unless
    /// another command is using the output folder or the store holds a record: then it is
    /// another command's, and stays.
    pub fn discard(&self) {
        let Some(lock) = &self.lock else {
            return;
        };
        // from shared to exclusive: only when no other command holds the folder
        if lock.try_lock().is_err() {
            return;
        }
        if let Some(path) = self.store_path.as_deref().filter(|p| p.is_file()) {
            let recorded = SqliteLineageStore::open(path).map(|s| s.holds_records());
            if !matches!(recorded, Ok(Ok(false))) {
                return;
            }
        }
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

/// Whether the open `handle` is still the file at `path` (not removed and made again).
#[cfg(unix)]
fn same_file(handle: &std::fs::File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (handle.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_handle: &std::fs::File, path: &Path) -> bool {
    path.exists()
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
    // the configuration first: a command refused for it creates nothing
    let transports = transports(&settings)?;
    let created = if dry_run {
        CreatedOutput::default()
    } else {
        let mut created = CreatedOutput::before(output);
        created.lock(output)?;
        created
    };
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
    if let Some(domain) = settings
        .transport
        .datazone()
        .map_err(|e| CliError::Input(format!("invalid configuration: {e}")))?
    {
        return Err(CliError::Input(format!(
            "transport.type amazon_datazone_api (domain {domain}): local runs do not post to Amazon DataZone, the Lambda does; unset OPENLINEAGE__TRANSPORT__TYPE (or transport.type) for local runs"
        )));
    }
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
