//! Nothing silent: what a run's lineage lacks is said, as findings in the execution context
//! and as metrics — a missing, unreadable or empty script (`script`; missing or unreadable
//! leaves the run incomplete), a successful run with no dataset (`no_lineage`), and reads or
//! writes extraction could not resolve (`unresolved`).

use crate::gather::Gathered;
use lineage_domain::ports::Metric;
use lineage_domain::record::Finding;
use lineage_domain::{
    Diagnostic, DiagnosticKind, Direction, ExecutionContext, LineageEdge, ProcessingStatus,
    RunState,
};

/// How many unresolved expressions a finding quotes.
const QUOTED: usize = 5;

fn finding(check: &str, severity: &str, message: String) -> Finding {
    Finding {
        check: check.into(),
        severity: severity.into(),
        message,
    }
}

/// Whether a diagnostic is a read or a write whose dataset could not be resolved.
pub fn is_unresolved_io(d: &Diagnostic) -> bool {
    d.direction.is_some()
        && matches!(
            d.kind,
            DiagnosticKind::Unresolved | DiagnosticKind::OpaqueCall
        )
}

/// The completeness findings of a gathered and analysed run.
pub fn findings(
    gathered: &Gathered,
    accepted: &[LineageEdge],
    candidates: &[LineageEdge],
) -> Vec<Finding> {
    let ctx = &gathered.context;
    let redact = |t: String| ctx.redactor().redact(&t).into_owned();
    let mut out = Vec::new();
    if let Some(problem) = &gathered.script_problem {
        let severity = if problem.leaves_run_incomplete() {
            "error"
        } else {
            "warning"
        };
        out.push(finding("script", severity, redact(problem.message())));
    }
    if accepted.is_empty() && ctx.event.state() == RunState::Succeeded {
        out.push(finding(
            "no_lineage",
            "warning",
            format!(
                "the run succeeded but no dataset was recorded ({} candidates under the confidence threshold)",
                candidates.len()
            ),
        ));
    }
    let unresolved: Vec<&Diagnostic> = gathered
        .extraction
        .diagnostics
        .iter()
        .filter(|d| is_unresolved_io(d))
        .collect();
    if !unresolved.is_empty() {
        let count = |dir: Direction| {
            unresolved
                .iter()
                .filter(|d| d.direction == Some(dir))
                .count()
        };
        let quoted = unresolved
            .iter()
            .take(QUOTED)
            .map(|d| format!("{} at {}", d.expression, d.locator))
            .collect::<Vec<_>>()
            .join("; ");
        out.push(finding(
            "unresolved",
            "warning",
            redact(format!(
                "{} reads and {} writes could not be resolved to a dataset: {quoted}",
                count(Direction::Input),
                count(Direction::Output)
            )),
        ));
    }
    out
}

/// Whether a gathered run can only be recorded as incomplete.
pub fn incomplete(gathered: &Gathered) -> bool {
    gathered
        .script_problem
        .as_ref()
        .is_some_and(|p| p.leaves_run_incomplete())
}

/// The completeness metrics of a recorded run: `IncompleteRuns` (also counted as the error
/// metric, so the alarm sees it), `RunsWithoutLineage`, `UnresolvedDatasets`.
pub fn metrics(context: &ExecutionContext, error_metric: &str) -> Vec<Metric> {
    let mut out = Vec::new();
    if context.processing_status == ProcessingStatus::Incomplete {
        out.push(Metric::count("IncompleteRuns", 1.0));
        out.push(Metric::count(error_metric, 1.0));
    }
    if context.findings.iter().any(|f| f.check == "no_lineage") {
        out.push(Metric::count("RunsWithoutLineage", 1.0));
    }
    let unresolved = context
        .summary
        .diagnostics
        .iter()
        .filter(|d| is_unresolved_io(d))
        .count();
    out.push(Metric::count("UnresolvedDatasets", unresolved as f64));
    out
}
