//! Persist: writes a run's results in an order that a retry can always repair — the lineage
//! documents (START and terminal event: deterministic keys and bytes) and the job mappings
//! (conditional merges, at most [`MAPPING_WRITES_AT_ONCE`] at a time) first, at once since none
//! depends on another ([`write_run`]), and the execution context last, once all of them are
//! written, as the marker that the run is done ([`mark_done`]). A crash before the last write
//! leaves no done marker, so the retried event rewrites the same bytes and merges the same
//! mappings (both idempotent) before marking the run done.

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

/// One document to write: its key and bytes.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub key: &'a str,
    pub body: &'a [u8],
}

/// Writes documents, mappings and execution context, in that order. `replace` (`--force`)
/// replaces a recorded context of the run instead of keeping it.
pub async fn persist(
    store: &dyn LineageStore,
    sink: &dyn LineageSink,
    documents: &[Document<'_>],
    mappings: &[JobMapping],
    context: &ExecutionContext,
    replace: bool,
) -> Result<PersistReport, EngineError> {
    let mut report = write_run(store, sink, documents, mappings).await?;
    report.context_written = mark_done(store, context, replace).await?;
    Ok(report)
}

/// Writes the documents and merges the mappings, all at once.
pub async fn write_run(
    store: &dyn LineageStore,
    sink: &dyn LineageSink,
    documents: &[Document<'_>],
    mappings: &[JobMapping],
) -> Result<PersistReport, EngineError> {
    use futures::StreamExt;
    let mut report = PersistReport::default();
    // the futures made first (they start when polled): a stream over a closure would not be
    // `Send` for every lifetime the Lambda's spawned task needs
    let pending: Vec<_> = mappings.iter().map(|m| store.merge_mapping(m)).collect();
    let merges = futures::stream::iter(pending)
        .buffer_unordered(MAPPING_WRITES_AT_ONCE)
        .collect::<Vec<_>>();
    let puts =
        futures::future::join_all(documents.iter().map(|d| sink.put_document(d.key, d.body)));
    let (put, merged) = futures::join!(puts, merges);
    for p in put {
        p.map_err(|e| EngineError::port("persist lineage document", e))?;
    }
    for outcome in merged {
        match outcome.map_err(|e| EngineError::port("persist job mapping", e))? {
            WriteOutcome::Written => report.mappings_written += 1,
            WriteOutcome::Unchanged => report.mappings_unchanged += 1,
        }
    }
    Ok(report)
}

/// Writes the execution context, the marker that the run is done: whether it was written.
pub async fn mark_done(
    store: &dyn LineageStore,
    context: &ExecutionContext,
    replace: bool,
) -> Result<bool, EngineError> {
    if replace {
        // replaced only when it differs: a forced replay of an unchanged run writes nothing
        let recorded = store
            .execution_context(&context.job_run_id)
            .await
            .map_err(|e| EngineError::port("persist execution context", e))?;
        if recorded.as_ref() == Some(context) {
            Ok(false)
        } else {
            store
                .replace_execution_context(context)
                .await
                .map_err(|e| EngineError::port("persist execution context", e))?;
            Ok(true)
        }
    } else {
        Ok(store
            .put_execution_context(context)
            .await
            .map_err(|e| EngineError::port("persist execution context", e))?
            == WriteOutcome::Written)
    }
}
