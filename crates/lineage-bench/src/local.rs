//! The pipeline on local adapters (captured API responses in, SQLite store and files out),
//! as the CLI builds it, for the in-process measurements.

use crate::BenchError;
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Pipeline, Ports, Settings};
use lineage_local::{FsFixtures, FsLineageSink, RecordingMetrics, SqliteLineageStore};
use std::path::Path;
use std::sync::Arc;

/// A pipeline over `fixtures` writing to a store file and a documents folder under `out`.
pub fn pipeline(
    fixtures: Arc<FsFixtures>,
    out: &Path,
    settings: Settings,
) -> Result<Pipeline, BenchError> {
    let store = Arc::new(
        SqliteLineageStore::open(&out.join("lineage.db"))
            .map_err(|e| BenchError::invalid(e.to_string()))?,
    );
    let ports = Ports::from_parts(
        fixtures,
        store,
        Arc::new(FsLineageSink::new(out.join("documents"))),
        Arc::new(RecordingMetrics::default()),
    );
    Ok(Pipeline::new(ports, settings))
}

/// A pipeline that writes to an in-memory store (for gathering only).
pub fn read_only(fixtures: Arc<FsFixtures>, settings: Settings) -> Result<Pipeline, BenchError> {
    let store =
        Arc::new(SqliteLineageStore::in_memory().map_err(|e| BenchError::invalid(e.to_string()))?);
    let ports = Ports::from_parts(
        fixtures,
        store,
        Arc::new(FsLineageSink::new(
            std::env::temp_dir().join("lineage-bench-unused"),
        )),
        Arc::new(RecordingMetrics::default()),
    );
    Ok(Pipeline::new(ports, settings))
}

/// Opens a fixtures folder.
pub fn open(dir: &Path) -> Result<FsFixtures, BenchError> {
    FsFixtures::open(dir).map_err(|e| BenchError::invalid(e.to_string()))
}

/// The event of each case of a fixtures folder (its `event.json`), in case order.
pub fn case_events(fixtures: &FsFixtures) -> Vec<(String, GlueJobStateChange)> {
    fixtures
        .cases()
        .iter()
        .filter_map(|c| {
            let name = c.dir.file_name()?.to_string_lossy().into_owned();
            Some((name, c.event.clone()?))
        })
        .collect()
}

/// Reads a JSONL file of events.
pub fn read_events(path: &Path) -> Result<Vec<GlueJobStateChange>, BenchError> {
    let text = crate::read_text(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            GlueJobStateChange::from_json(l)
                .map_err(|e| BenchError::invalid(format!("{}:{}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// The case folders under a directory (one case folder, or its sub-folders that are cases).
pub fn case_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    if lineage_local::CaseFolder::is_case(dir) {
        return vec![dir.to_path_buf()];
    }
    let mut dirs: Vec<_> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| lineage_local::CaseFolder::is_case(p))
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}
