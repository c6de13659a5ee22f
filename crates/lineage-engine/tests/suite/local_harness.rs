//! The engine on the local adapters (captured runs in, an embedded store and files out), shared
//! by the suite's modules: the repository's paths, its sample events, and a pipeline over a
//! folder of captured runs in a temporary folder.

use lineage_domain::ports::LineageTransport;
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Pipeline, Ports, Settings};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A sample event from `events/`.
pub fn event(name: &str) -> GlueJobStateChange {
    let text = std::fs::read_to_string(repo().join("events").join(name)).expect("event file");
    GlueJobStateChange::from_json(&text).expect("valid event")
}

/// A pipeline on the local adapters and what it writes to, kept in `dir`.
pub struct Local {
    pub pipeline: Pipeline,
    pub store: Arc<SqliteLineageStore>,
    pub sink: Arc<FsLineageSink>,
    pub metrics: Arc<RecordingMetrics>,
    pub dir: tempfile::TempDir,
}

impl Local {
    /// Over the captured runs in `fixtures`, with `settings`, sending to `transports`.
    pub fn on(
        fixtures: &Path,
        settings: Settings,
        transports: Vec<Arc<dyn LineageTransport>>,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let fixtures = Arc::new(FsFixtures::open(fixtures).expect("fixtures"));
        let store =
            Arc::new(SqliteLineageStore::open(&dir.path().join("lineage.db")).expect("store"));
        let sink = Arc::new(FsLineageSink::new(dir.path().join("docs")));
        let metrics = Arc::new(RecordingMetrics::default());
        let ports = Ports::from_parts(fixtures, store.clone(), sink.clone(), metrics.clone())
            .with_transports(transports);
        Self {
            pipeline: Pipeline::new(ports, settings),
            store,
            sink,
            metrics,
            dir,
        }
    }
}
