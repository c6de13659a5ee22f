//! Static lineage extraction: from a run's context alone (script, resolved arguments,
//! connections, extra S3 objects, logs), the datasets the run read and wrote, each with the
//! evidence that shows it, and diagnostics for what could not be settled. Pure: no I/O.

pub mod sql;

use lineage_domain::{Diagnostic, LineageEdge, RunContext};

/// Settings of extraction.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractSettings {
    /// Log evidence must fall inside the run window widened by this many seconds.
    pub time_tolerance_seconds: u64,
}

impl Default for ExtractSettings {
    fn default() -> Self {
        Self {
            time_tolerance_seconds: 300,
        }
    }
}

/// What extraction found: edges (confidence not yet scored) and diagnostics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    pub edges: Vec<LineageEdge>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Extracts lineage from a run context.
pub fn extract(_ctx: &RunContext, _settings: &ExtractSettings) -> Extraction {
    Extraction::default()
}

/// The S3 objects (`s3://bucket/key`) the script reads at run time that gathering should fetch
/// (JSON configs, SQL files), as far as they can be resolved statically.
pub fn referenced_objects(_ctx: &RunContext) -> Vec<String> {
    Vec::new()
}
