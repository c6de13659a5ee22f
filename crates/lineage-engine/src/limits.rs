//! Limits, applied before anything is written: how many datasets one run records and how much
//! evidence one edge keeps (the caps of the settings, each cut reported as a `limits` finding),
//! an execution context trimmed to fit one DynamoDB item (the full lineage stays in the
//! document), and a last check of every key length and item size of the run's writes, so a
//! run that cannot be stored fails before its first write, never half-way.

use crate::error::EngineError;
use crate::settings::Settings;
use lineage_domain::keys::MAX_KEY_BYTES;
use lineage_domain::record::Finding;
use lineage_domain::{ExecutionContext, JobMapping, LineageEdge};

/// DynamoDB's item size limit (attribute names and values, UTF-8).
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The most bytes of an execution context's JSON: the item also holds copied-out attributes.
pub const MAX_CONTEXT_JSON_BYTES: usize = 300 * 1024;

/// What an item's attributes other than the large ones may add: names, times, run ids.
const ITEM_OVERHEAD_BYTES: usize = 1024;

/// The most items of each trimmed list of a context that is over its budget.
const TRIMMED_LIST_LEN: usize = 100;

fn finding(message: String) -> Finding {
    Finding {
        check: "limits".into(),
        severity: "warning".into(),
        message,
    }
}

/// Keeps at most `max_evidence_per_edge` evidence per edge and `max_datasets_per_run` edges
/// in all: the accepted edges first, the most confident first (ties in their order), then
/// candidates. What is left keeps its order; each cut is a finding.
pub fn cap_edges(
    accepted: &mut Vec<LineageEdge>,
    candidates: &mut Vec<LineageEdge>,
    settings: &Settings,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let max_evidence = settings.max_evidence_per_edge.max(1);
    let mut trimmed_edges = 0usize;
    for edge in accepted.iter_mut().chain(candidates.iter_mut()) {
        if edge.evidence.len() > max_evidence {
            edge.evidence.truncate(max_evidence);
            trimmed_edges += 1;
        }
    }
    if trimmed_edges > 0 {
        findings.push(finding(format!(
            "{trimmed_edges} edges had more than {max_evidence} pieces of evidence \
             (validation.max_evidence_per_edge); the first {max_evidence} of each are kept"
        )));
    }
    let max = settings.max_datasets_per_run.max(1);
    let total = accepted.len() + candidates.len();
    if total > max {
        let dropped_accepted = accepted.len().saturating_sub(max);
        keep_most_confident(accepted, max);
        let room = max - accepted.len();
        let dropped_candidates = candidates.len().saturating_sub(room);
        keep_most_confident(candidates, room);
        findings.push(finding(format!(
            "the run yields {total} datasets, more than validation.max_datasets_per_run = \
             {max}: {dropped_accepted} accepted edges and {dropped_candidates} candidates \
             (the least confident) are not recorded"
        )));
    }
    findings
}

/// Keeps the `n` most confident edges (ties: the earlier), in their order.
fn keep_most_confident(edges: &mut Vec<LineageEdge>, n: usize) {
    if edges.len() <= n {
        return;
    }
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by(|&a, &b| {
        edges[b]
            .confidence
            .value()
            .total_cmp(&edges[a].confidence.value())
            .then(a.cmp(&b))
    });
    let mut keep = vec![false; edges.len()];
    for &i in order.iter().take(n) {
        keep[i] = true;
    }
    let mut i = 0;
    edges.retain(|_| {
        i += 1;
        keep[i - 1]
    });
}

fn json_len(context: &ExecutionContext) -> usize {
    serde_json::to_vec(context)
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}

/// Trims a context whose JSON is over [`MAX_CONTEXT_JSON_BYTES`] until it fits: diagnostics,
/// candidates and findings to their first [`TRIMMED_LIST_LEN`], then the evidence of every
/// summary, then half the inputs and outputs at a time. The document keeps the full lineage;
/// the finding added says so.
pub fn fit_context(context: &mut ExecutionContext) -> Option<Finding> {
    let before = json_len(context);
    if before <= MAX_CONTEXT_JSON_BYTES {
        return None;
    }
    let note = finding(format!(
        "the execution context ({before} bytes) was trimmed to fit one DynamoDB item \
         ({MAX_CONTEXT_JSON_BYTES} bytes of JSON); the run's full lineage is in the document {}",
        context.lineage_key
    ));
    let s = &mut context.summary;
    s.diagnostics.truncate(TRIMMED_LIST_LEN);
    s.candidates.truncate(TRIMMED_LIST_LEN);
    context.findings.truncate(TRIMMED_LIST_LEN);
    context.findings.push(note.clone());
    let mut step = 0;
    while json_len(context) > MAX_CONTEXT_JSON_BYTES {
        let s = &mut context.summary;
        match step {
            0 => {
                for e in s
                    .inputs
                    .iter_mut()
                    .chain(&mut s.outputs)
                    .chain(&mut s.candidates)
                {
                    e.evidence.clear();
                }
                for d in &mut s.diagnostics {
                    let end = floor_boundary(&d.expression, 200);
                    d.expression.truncate(end);
                }
            }
            _ if s.inputs.is_empty() && s.outputs.is_empty() && s.candidates.is_empty() => {
                s.diagnostics.clear();
                context.arguments.clear();
                break;
            }
            _ => {
                s.inputs.truncate(s.inputs.len() / 2);
                s.outputs.truncate(s.outputs.len() / 2);
                s.candidates.truncate(s.candidates.len() / 2);
            }
        }
        step += 1;
    }
    Some(note)
}

/// The largest byte index `<= max` of `text` on a character boundary.
fn floor_boundary(text: &str, max: usize) -> usize {
    let mut end = max.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    end
}

fn over(what: String) -> EngineError {
    EngineError::Limit(what)
}

/// Checks every key and item of a run's writes against the store limits, before the first
/// write: the document key, each mapping's keys and size, the context's key and size.
pub fn check_writes(
    document_key: &str,
    mappings: &[JobMapping],
    context: &ExecutionContext,
) -> Result<(), EngineError> {
    if document_key.len() > MAX_KEY_BYTES {
        return Err(over(format!(
            "the document key is {} bytes (at most {MAX_KEY_BYTES})",
            document_key.len()
        )));
    }
    for m in mappings {
        let (pk, sk) = m.key();
        let dataset_key = m.dataset.key();
        for (name, key) in [("job", &pk), ("mapping", &sk), ("dataset", &dataset_key)] {
            if key.len() > MAX_KEY_BYTES {
                return Err(over(format!(
                    "the {name} key of mapping {pk}/{} is {} bytes (at most {MAX_KEY_BYTES})",
                    lineage_domain::keys::bounded(sk.clone(), 80),
                    key.len()
                )));
            }
        }
        let size = pk.len()
            + sk.len()
            + dataset_key.len()
            + m.dataset.namespace.len()
            + m.dataset.name.len()
            + m.evidence_summary.len()
            + ITEM_OVERHEAD_BYTES;
        if size > MAX_ITEM_BYTES {
            return Err(over(format!(
                "the mapping {pk}/{} would be about {size} bytes (at most {MAX_ITEM_BYTES})",
                lineage_domain::keys::bounded(sk, 80)
            )));
        }
    }
    if context.job_run_id.len() > MAX_KEY_BYTES {
        return Err(over(format!(
            "the run id is {} bytes (at most {MAX_KEY_BYTES})",
            context.job_run_id.len()
        )));
    }
    let size = json_len(context) + context.lineage_key.len() + ITEM_OVERHEAD_BYTES;
    if size > MAX_ITEM_BYTES {
        return Err(over(format!(
            "the execution context of {} would be about {size} bytes (at most {MAX_ITEM_BYTES})",
            context.job_run_id
        )));
    }
    Ok(())
}
