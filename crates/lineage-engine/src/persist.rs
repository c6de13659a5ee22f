//! Persist: writes a run's results in an order that a retry can always repair — the lineage
//! document (deterministic key and bytes) and the job mappings (conditional merges, at most
//! [`MAPPING_WRITES_AT_ONCE`] at a time) first, at once since neither depends on the other,
//! and the execution context last, once all of them are written, as the marker that the run
//! is done. A crash before the last write leaves no
//! done marker, so the retried event rewrites the same bytes and merges the same mappings (both
//! idempotent) before marking the run done.

use crate::error::EngineError;
use lineage_domain::ports::{LineageSink, LineageStore};
use lineage_domain::{ExecutionContext, JobMapping, WriteOutcome};

/// How many job mappings are merged at once: enough to overlap the round trips of a run's
/// usual handful, bounded so a run with a thousand datasets does not open a thousand
/// connections (and meet throttling) at once.
pub const MAPPING_WRITES_AT_ONCE: usize = 16;

/// What persisting changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PersistReport {
    pub mappings_written: usize,
    pub mappings_unchanged: usize,
    pub context_written: bool,
}

/// Writes document, mappings and execution context, in that order. `replace` (`--force`)
/// replaces a recorded context of the run instead of keeping it.
pub async fn persist(
    store: &dyn LineageStore,
    sink: &dyn LineageSink,
    document_key: &str,
    document: &[u8],
    mappings: &[JobMapping],
    context: &ExecutionContext,
    replace: bool,
) -> Result<PersistReport, EngineError> {
    use futures::StreamExt;
    let mut report = PersistReport::default();
    // the futures made first (they start when polled): a stream over a closure would not be
    // `Send` for every lifetime the Lambda's spawned task needs
    let pending: Vec<_> = mappings.iter().map(|m| store.merge_mapping(m)).collect();
    let merges = futures::stream::iter(pending)
        .buffer_unordered(MAPPING_WRITES_AT_ONCE)
        .collect::<Vec<_>>();
    let (put, merged) = futures::join!(sink.put_document(document_key, document), merges);
    put.map_err(|e| EngineError::port("persist lineage document", e))?;
    for outcome in merged {
        match outcome.map_err(|e| EngineError::port("persist job mapping", e))? {
            WriteOutcome::Written => report.mappings_written += 1,
            WriteOutcome::Unchanged => report.mappings_unchanged += 1,
        }
    }
    report.context_written = if replace {
        // replaced only when it differs: a forced replay of an unchanged run writes nothing
        let recorded = store
            .execution_context(&context.job_run_id)
            .await
            .map_err(|e| EngineError::port("persist execution context", e))?;
        if recorded.as_ref() == Some(context) {
            false
        } else {
            store
                .replace_execution_context(context)
                .await
                .map_err(|e| EngineError::port("persist execution context", e))?;
            true
        }
    } else {
        store
            .put_execution_context(context)
            .await
            .map_err(|e| EngineError::port("persist execution context", e))?
            == WriteOutcome::Written
    };
    Ok(report)
}
