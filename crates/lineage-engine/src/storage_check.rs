//! Storage checks (a validation): does storage confirm a run's edges? An output must show
//! objects (or catalog entries) dated inside the run window widened by the time tolerance, an
//! input must have existed before the run ended. Each checked edge gets one `storage` evidence
//! item saying what was found and when; a confirmation raises its confidence a little
//! ([`crate::score::storage_confirmed_weight`]); an output of a succeeded run that storage
//! contradicts counts one contradiction ([`crate::score::CONTRADICTION_FACTOR`]) and is
//! reported so validation keeps it as a candidate. Bounded: at most
//! [`MAX_PAGES`] pages per listing and a few calls per dataset, every dataset probed once per
//! run, concurrently, within [`STORAGE_BUDGET`], and skipped when the invocation has no time
//! left.

mod probe;
mod verdict;

use crate::infer::retry::Deadline;
use crate::score;
use crate::settings::Settings;
use lineage_domain::ports::DatasetStorage;
use lineage_domain::record::Finding;
use lineage_domain::redact::Redactor;
use lineage_domain::{
    Dataset, Direction, Evidence, EvidenceKind, LineageEdge, Locator, RedactedRunContext, RunState,
    RunWindow,
};
use probe::{probe, Probe};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use verdict::{input_verdict, output_verdict, Verdict};

/// The most pages (of at most 1000 keys or partitions) one listing reads.
pub const MAX_PAGES: usize = 2;

/// The longest all the storage checks of one run may take; beyond it the edges are "not
/// checkable".
pub const STORAGE_BUDGET: Duration = Duration::from_secs(10);

/// Time kept after the storage checks for validating and persisting, under a deadline.
const AFTER_MARGIN: Duration = Duration::from_secs(15);

/// Evidence rules.
pub const RULE_S3_CONFIRMED: &str = "storage.s3.confirmed";
pub const RULE_GLUE_CONFIRMED: &str = "storage.glue.confirmed";
pub const RULE_CONTRADICTED: &str = "storage.contradicted";
pub const RULE_ABSENT: &str = "storage.absent";
pub const RULE_NOT_CHECKABLE: &str = "storage.not_checkable";

/// What the storage checks of a run found beyond the evidence they added to its edges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageReport {
    /// Outputs of a succeeded run with nothing written in the window: kept as candidates.
    pub contradicted: BTreeSet<(Dataset, Direction)>,
    pub findings: Vec<Finding>,
}

impl StorageReport {
    /// Moves contradicted edges from `accepted` to `candidates`.
    pub fn apply(&self, accepted: &mut Vec<LineageEdge>, candidates: &mut Vec<LineageEdge>) {
        if self.contradicted.is_empty() {
            return;
        }
        let (keep, demoted): (Vec<_>, Vec<_>) =
            std::mem::take(accepted).into_iter().partition(|e| {
                !self
                    .contradicted
                    .contains(&(e.dataset.clone(), e.direction))
            });
        *accepted = keep;
        candidates.extend(demoted);
    }
}

/// What the checks need of a run: its window widened by the tolerance, whether it succeeded,
/// and its redactor (nothing storage says reaches evidence unredacted).
#[derive(Debug, Clone, Copy)]
pub struct CheckedRun<'a> {
    pub window: RunWindow,
    pub succeeded: bool,
    pub redactor: &'a Redactor,
}

impl<'a> CheckedRun<'a> {
    pub fn of(ctx: &'a RedactedRunContext, settings: &Settings) -> Self {
        Self {
            window: ctx.run.window(settings.time_tolerance_seconds),
            succeeded: ctx.event.state() == RunState::Succeeded,
            redactor: ctx.redactor(),
        }
    }
}

/// Checks the edges of a run against storage, adding one `storage` evidence item to each and
/// scoring it again; returns the contradicted outputs and the findings. Never fails: what cannot
/// be checked says so in its evidence.
pub async fn check(
    storage: &dyn DatasetStorage,
    ctx: &RedactedRunContext,
    edges: &mut [LineageEdge],
    settings: &Settings,
    deadline: Option<Deadline>,
) -> StorageReport {
    check_run(storage, CheckedRun::of(ctx, settings), edges, deadline).await
}

/// [`check`] for a run described by [`CheckedRun`].
pub async fn check_run(
    storage: &dyn DatasetStorage,
    run: CheckedRun<'_>,
    edges: &mut [LineageEdge],
    deadline: Option<Deadline>,
) -> StorageReport {
    let mut report = StorageReport::default();
    if edges.is_empty() {
        return report;
    }
    let (window, redactor, succeeded) = (run.window, run.redactor, run.succeeded);
    let out_of_time = deadline.is_some_and(|d| {
        !d.with_margin(AFTER_MARGIN)
            .allows_attempt_after(STORAGE_BUDGET)
    });
    // one probe per dataset and side (an output probe also lists what an input needs)
    let mut wanted: BTreeMap<Dataset, bool> = BTreeMap::new();
    for e in edges.iter() {
        *wanted.entry(e.dataset.clone()).or_default() |= e.direction == Direction::Output;
    }
    let probes: BTreeMap<Dataset, Probe> = if out_of_time {
        report.findings.push(Finding {
            check: "storage".into(),
            severity: "info".into(),
            message: "storage checks skipped: not enough time left in the invocation".into(),
        });
        wanted
            .keys()
            .map(|d| {
                let probe = Probe::NotCheckable {
                    place: d.to_string(),
                    reason: "skipped, not enough time left in the invocation".into(),
                };
                (d.clone(), probe)
            })
            .collect()
    } else {
        let all = futures::future::join_all(
            wanted
                .iter()
                .map(|(d, output)| probe(storage, d, window, *output)),
        );
        match tokio::time::timeout(STORAGE_BUDGET, all).await {
            Ok(results) => wanted.keys().cloned().zip(results).collect(),
            Err(_) => wanted
                .keys()
                .map(|d| {
                    let probe = Probe::NotCheckable {
                        place: d.to_string(),
                        reason: format!("storage took longer than {}s", STORAGE_BUDGET.as_secs()),
                    };
                    (d.clone(), probe)
                })
                .collect(),
        }
    };
    for edge in edges.iter_mut() {
        let Some(probe) = probes.get(&edge.dataset) else {
            continue;
        };
        let (place, verdict) = match probe {
            Probe::NotCheckable { place, reason } => {
                (place.clone(), Verdict::NotCheckable(reason.clone()))
            }
            Probe::Facts(f) => (
                f.place.clone(),
                match edge.direction {
                    Direction::Output => output_verdict(f, window),
                    Direction::Input => input_verdict(f, window),
                },
            ),
        };
        let glue = place.starts_with("glue ");
        let (rule, detail) = match verdict {
            Verdict::Confirmed(d) => (
                if glue {
                    RULE_GLUE_CONFIRMED
                } else {
                    RULE_S3_CONFIRMED
                },
                d,
            ),
            Verdict::Nothing(d) if succeeded => {
                report
                    .contradicted
                    .insert((edge.dataset.clone(), edge.direction));
                report.findings.push(Finding {
                    check: "storage".into(),
                    severity: "warning".into(),
                    message: redactor
                        .redact(&format!(
                            "output {} kept as a candidate: the run succeeded but storage shows nothing written inside the run window ({d})",
                            edge.dataset
                        ))
                        .into_owned(),
                });
                (RULE_CONTRADICTED, format!("nothing written: {d}"))
            }
            Verdict::Nothing(d) => (
                RULE_ABSENT,
                format!("nothing written (the run did not succeed): {d}"),
            ),
            Verdict::Absent(d) => {
                report.findings.push(Finding {
                    check: "storage".into(),
                    severity: "info".into(),
                    message: redactor
                        .redact(&format!(
                            "input {} not found in storage before the run ended ({d})",
                            edge.dataset
                        ))
                        .into_owned(),
                });
                (RULE_ABSENT, d)
            }
            Verdict::NotCheckable(d) => (RULE_NOT_CHECKABLE, format!("not checkable: {d}")),
        };
        let evidence = Evidence {
            kind: EvidenceKind::Storage,
            locator: Locator::Storage {
                place: redactor.redact(&place).into_owned(),
            },
            rule: rule.into(),
            detail: redactor.redact(&detail).into_owned(),
        };
        let contradicted = rule == RULE_CONTRADICTED;
        score::add_evidence(edge, [evidence]);
        if contradicted {
            // one contradiction, as the score counts them
            edge.confidence = lineage_domain::Confidence::clamped(
                edge.confidence.value() * score::CONTRADICTION_FACTOR,
            );
        }
    }
    report.findings.sort();
    report.findings.dedup();
    report
}

#[cfg(test)]
mod tests;
