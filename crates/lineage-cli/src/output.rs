//! What the commands print on stdout: the writer that ends a command quietly when its reader
//! closes the pipe (`| head -1`), and the human-readable summaries of processed runs.

use crate::error::CliError;
use lineage_domain::record::EdgeSummary;
use lineage_engine::{Disposition, RunOutcome};
use std::fmt::Write;

/// Writes `text` to stdout. A closed pipe ends the command quietly ([`CliError::OutputClosed`]);
/// any other write error is a failure.
pub fn emit(text: &str) -> Result<(), CliError> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => CliError::OutputClosed,
            _ => CliError::Failed(format!("stdout: {e}")),
        })
}

/// `println!` that stops the command quietly on a closed pipe: `say!(...)?`.
macro_rules! say {
    () => {
        $crate::output::emit("\n")
    };
    ($($arg:tt)*) => {
        $crate::output::emit(&format!("{}\n", format_args!($($arg)*)))
    };
}
pub(crate) use say;

/// A value as pretty JSON on stdout.
pub fn emit_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| CliError::Failed(e.to_string()))?;
    emit(&format!("{text}\n"))
}

fn edge_line(out: &mut String, e: &EdgeSummary) {
    let evidence = e
        .evidence
        .iter()
        .take(3)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let more = e.evidence.len().saturating_sub(3);
    let _ = write!(out, "    {:.2}  {}", e.confidence.value(), e.dataset);
    if !evidence.is_empty() {
        let _ = write!(
            out,
            "   [{evidence}{}]",
            if more > 0 {
                format!(", +{more}")
            } else {
                String::new()
            }
        );
    }
    out.push('\n');
}

/// A readable summary of one outcome.
pub fn summary(outcome: &RunOutcome, store_location: &str) -> String {
    let c = &outcome.context;
    let mut out = String::new();
    let _ = writeln!(out, "job {}  run {}  {}", c.job_name, c.job_run_id, c.state);
    if outcome.disposition == Disposition::AlreadyRecorded {
        let _ = writeln!(
            out,
            "  already recorded; skipped (use --force to process again)"
        );
        let _ = writeln!(out, "  lineage document: {}", outcome.document_location);
        return out;
    }
    let _ = writeln!(out, "  inputs ({}):", c.summary.inputs.len());
    c.summary.inputs.iter().for_each(|e| edge_line(&mut out, e));
    let _ = writeln!(out, "  outputs ({}):", c.summary.outputs.len());
    c.summary
        .outputs
        .iter()
        .for_each(|e| edge_line(&mut out, e));
    if !c.summary.candidates.is_empty() {
        let _ = writeln!(
            out,
            "  candidates under the confidence threshold ({}):",
            c.summary.candidates.len()
        );
        c.summary
            .candidates
            .iter()
            .for_each(|e| edge_line(&mut out, e));
    }
    if !c.summary.diagnostics.is_empty() {
        let _ = writeln!(out, "  unresolved ({}):", c.summary.diagnostics.len());
        for d in &c.summary.diagnostics {
            let _ = writeln!(out, "    {}  {}  {}", d.locator, d.expression, d.message);
        }
    }
    for f in &c.findings {
        if f.severity != "info" {
            let _ = writeln!(out, "  {} [{}]: {}", f.severity, f.check, f.message);
        }
    }
    match outcome.disposition {
        Disposition::DryRun => {
            let _ = writeln!(
                out,
                "  dry run: nothing written (would write {})",
                outcome.document_location
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "  wrote lineage document: {}",
                outcome.document_location
            );
            let _ =
                writeln!(
                out,
                "  job mappings: {} written, {} unchanged; execution context {} ({store_location})",
                outcome.persist.mappings_written,
                outcome.persist.mappings_unchanged,
                if outcome.persist.context_written { "written" } else { "unchanged" },
            );
            if outcome.delivery.sent > 0 {
                let _ = writeln!(
                    out,
                    "  sent {} lineage events (START and {})",
                    outcome.delivery.sent,
                    lineage_engine::openlineage::event_type(c.state)
                );
            }
        }
    }
    out
}

/// One processed run as JSON (`run --json`): what was decided, where the document and the
/// store are, what was written, and the execution context (redacted arguments, edges with
/// confidence and evidence, candidates, unresolved references, findings).
pub fn outcome_json(outcome: &RunOutcome, store: &std::path::Path) -> serde_json::Value {
    let c = &outcome.context;
    let written = outcome.disposition == Disposition::Processed;
    serde_json::json!({
        "job_name": c.job_name,
        "job_run_id": c.job_run_id,
        "state": c.state,
        "disposition": match outcome.disposition {
            Disposition::Processed => "processed",
            Disposition::AlreadyRecorded => "already_recorded",
            Disposition::DryRun => "dry_run",
        },
        "document_location": outcome.document_location,
        "store": written.then(|| store.display().to_string()),
        "mappings_written": outcome.persist.mappings_written,
        "mappings_unchanged": outcome.persist.mappings_unchanged,
        "context_written": outcome.persist.context_written,
        "context": c,
    })
}
