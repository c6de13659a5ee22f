//! Human-readable summaries of processed runs.

use lineage_domain::record::EdgeSummary;
use lineage_engine::{Disposition, RunOutcome};
use std::fmt::Write;

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
        }
    }
    out
}
