//! What the agent records: job mappings (one per job, dataset and direction, with first and
//! last seen run) and execution contexts (one per run). The ordering rule both stores implement
//! lives here: a replayed or older run never overwrites what a newer run recorded.

use crate::dataset::Dataset;
use crate::edge::{Confidence, Diagnostic, Direction, LineageEdge};
use crate::event::RunState;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The order of runs of one job: by start time, then by run id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOrder {
    pub started_on: DateTime<Utc>,
    pub run_id: String,
}

impl PartialOrd for RunOrder {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for RunOrder {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.started_on, &self.run_id).cmp(&(other.started_on, &other.run_id))
    }
}

/// What a conditional write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteOutcome {
    Written,
    /// Nothing changed: the same run was already recorded, or a newer run was.
    Unchanged,
}

/// One (job, dataset, direction) relation, as seen over all runs of the job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobMapping {
    pub job_name: String,
    pub dataset: Dataset,
    pub direction: Direction,
    /// The confidence of the latest run that saw it.
    pub confidence: Confidence,
    /// The evidence of the latest run that saw it, in one line (`script:12 rule; log:… rule`).
    pub evidence_summary: String,
    pub first_seen_run: String,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_run: String,
    pub last_seen_at: DateTime<Utc>,
    /// Other names of the dataset, as the latest run that knew them saw them: a catalog
    /// table's storage location, or the catalog table an S3 location belongs to (the
    /// document's `symlinks` facet). The lineage graph treats them as one dataset.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub symlinks: Vec<Dataset>,
}

impl JobMapping {
    /// The mapping one run contributes for one edge.
    pub fn from_edge(job_name: &str, run: &RunOrder, edge: &LineageEdge) -> Self {
        let evidence_summary = edge
            .evidence
            .iter()
            .map(|e| format!("{} {}", e.locator, e.rule))
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            job_name: job_name.to_string(),
            dataset: edge.dataset.clone(),
            direction: edge.direction,
            confidence: edge.confidence,
            evidence_summary,
            first_seen_run: run.run_id.clone(),
            first_seen_at: run.started_on,
            last_seen_run: run.run_id.clone(),
            last_seen_at: run.started_on,
            symlinks: Vec::new(),
        }
    }

    /// This mapping with the dataset's other names (sorted, each once).
    pub fn with_symlinks(mut self, mut symlinks: Vec<Dataset>) -> Self {
        symlinks.sort();
        symlinks.dedup();
        symlinks.retain(|d| *d != self.dataset);
        self.symlinks = symlinks;
        self
    }

    /// The store key of the mapping: job, direction and dataset.
    pub fn key(&self) -> (String, String) {
        (
            self.job_name.clone(),
            format!("{}#{}", self.direction.as_str(), self.dataset.key()),
        )
    }

    pub fn first_seen(&self) -> RunOrder {
        RunOrder {
            started_on: self.first_seen_at,
            run_id: self.first_seen_run.clone(),
        }
    }
    pub fn last_seen(&self) -> RunOrder {
        RunOrder {
            started_on: self.last_seen_at,
            run_id: self.last_seen_run.clone(),
        }
    }

    /// The ordering rule: merges one run's mapping (`incoming`, whose first and last seen are
    /// that run) into what is stored. Returns `None` when nothing changes (the same run again
    /// with the same confidence and evidence, or an older run that is neither the first nor the
    /// last seen). The last seen run processed again (`--force`, or an incomplete run
    /// completed) replaces its own confidence and evidence. Symlinks follow the last seen run
    /// too, except that a run that knew none (its catalog lookup failed) keeps the known ones.
    pub fn merge(existing: Option<&JobMapping>, incoming: &JobMapping) -> Option<JobMapping> {
        let Some(old) = existing else {
            return Some(incoming.clone());
        };
        let run = incoming.last_seen();
        let mut merged = old.clone();
        let mut changed = false;
        let new_symlinks = !incoming.symlinks.is_empty() && incoming.symlinks != old.symlinks;
        let same_run_changed = run == old.last_seen()
            && (incoming.confidence != old.confidence
                || incoming.evidence_summary != old.evidence_summary
                || new_symlinks);
        if run > old.last_seen() || same_run_changed {
            merged.last_seen_run = incoming.last_seen_run.clone();
            merged.last_seen_at = incoming.last_seen_at;
            merged.confidence = incoming.confidence;
            merged.evidence_summary = incoming.evidence_summary.clone();
            if !incoming.symlinks.is_empty() {
                merged.symlinks = incoming.symlinks.clone();
            }
            changed = true;
        }
        if run < old.first_seen() {
            merged.first_seen_run = incoming.first_seen_run.clone();
            merged.first_seen_at = incoming.first_seen_at;
            changed = true;
        }
        changed.then_some(merged)
    }
}

/// How far the pipeline got with a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingStatus {
    /// Lineage written, mappings and document stored.
    Completed,
    /// Recorded from static evidence because the model could not be used.
    CompletedWithFallback,
    /// Recorded without something the lineage rests on (the script was missing or could not be
    /// read): visible and counted as an error, and not done — a later delivery or replay of
    /// the run processes it again and replaces this record.
    Incomplete,
}

impl ProcessingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingStatus::Completed => "completed",
            ProcessingStatus::CompletedWithFallback => "completed_with_fallback",
            ProcessingStatus::Incomplete => "incomplete",
        }
    }

    /// Whether the run is done: a later delivery finds it already recorded.
    pub fn is_done(self) -> bool {
        self != ProcessingStatus::Incomplete
    }
}

/// One edge, as summarised in an execution context.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EdgeSummary {
    pub dataset: Dataset,
    pub direction: Direction,
    pub confidence: Confidence,
    pub evidence: Vec<String>,
}

impl From<&LineageEdge> for EdgeSummary {
    fn from(e: &LineageEdge) -> Self {
        Self {
            dataset: e.dataset.clone(),
            direction: e.direction,
            confidence: e.confidence,
            evidence: e
                .evidence
                .iter()
                .map(|ev| format!("{} {} {}", ev.kind.as_str(), ev.locator, ev.rule))
                .collect(),
        }
    }
}

/// The lineage of one run in brief: accepted edges, candidates under the confidence threshold,
/// and what extraction could not settle.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LineageSummary {
    pub inputs: Vec<EdgeSummary>,
    pub outputs: Vec<EdgeSummary>,
    /// Edges under `min_confidence_score`: kept here, not written as lineage.
    pub candidates: Vec<EdgeSummary>,
    pub diagnostics: Vec<Diagnostic>,
}

/// A validation finding (time tolerance, parameters, environment, grounding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    /// `time_tolerance`, `parameter`, `environment`, `grounding`, `confidence`.
    pub check: String,
    /// `info`, `warning` or `error`.
    pub severity: String,
    pub message: String,
}

/// Tokens spent on the model for one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub requests: u32,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_hits: u32,
}

/// One item per run: state, timing, redacted arguments, lineage summary, processing status and
/// where the lineage document is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionContext {
    pub job_run_id: String,
    pub job_name: String,
    pub state: RunState,
    pub started_on: DateTime<Utc>,
    #[serde(default)]
    pub completed_on: Option<DateTime<Utc>>,
    /// Effective arguments with secret values redacted.
    pub arguments: BTreeMap<String, String>,
    #[serde(default)]
    pub glue_version: Option<String>,
    #[serde(default)]
    pub worker_type: Option<String>,
    pub summary: LineageSummary,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub model_usage: TokenUsage,
    pub processing_status: ProcessingStatus,
    /// The key of the OpenLineage document in the lineage sink.
    pub lineage_key: String,
}

impl ExecutionContext {
    pub fn order(&self) -> RunOrder {
        RunOrder {
            started_on: self.started_on,
            run_id: self.job_run_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::{Evidence, EvidenceKind, Locator};

    fn mapping(run: &str, minute: u32, conf: f64) -> JobMapping {
        let order = RunOrder {
            started_on: DateTime::parse_from_rfc3339(&format!("2024-05-14T04:{minute:02}:00Z"))
                .expect("time")
                .with_timezone(&Utc),
            run_id: run.into(),
        };
        let mut edge = LineageEdge::new(
            Dataset::s3_prefix("b", "orders").expect("ds"),
            Direction::Output,
            vec![Evidence {
                kind: EvidenceKind::Script,
                locator: Locator::ScriptLine { line: 3 },
                rule: "r".into(),
                detail: String::new(),
            }],
        );
        edge.confidence = Confidence::clamped(conf);
        JobMapping::from_edge("job", &order, &edge)
    }

    #[test]
    fn older_run_after_newer_keeps_the_newer() {
        let newer = mapping("jr_b", 30, 0.9);
        let older = mapping("jr_a", 10, 0.4);
        let merged = JobMapping::merge(Some(&newer), &older).expect("first seen moves back");
        assert_eq!(merged.last_seen_run, "jr_b");
        assert_eq!(merged.confidence.value(), 0.9);
        assert_eq!(merged.first_seen_run, "jr_a");
    }

    #[test]
    fn same_run_twice_changes_nothing_and_newer_run_wins() {
        let a = mapping("jr_a", 10, 0.4);
        assert_eq!(JobMapping::merge(Some(&a), &a), None);
        let b = mapping("jr_b", 30, 0.9);
        let merged = JobMapping::merge(Some(&a), &b).expect("newer");
        assert_eq!(
            (
                merged.first_seen_run.as_str(),
                merged.last_seen_run.as_str()
            ),
            ("jr_a", "jr_b")
        );
        assert_eq!(merged.confidence.value(), 0.9);
    }

    #[test]
    fn symlinks_follow_the_last_run_that_knew_them() {
        let location = Dataset::s3_prefix("b", "warehouse/orders").expect("ds");
        let a = mapping("jr_a", 10, 0.9).with_symlinks(vec![location.clone()]);
        // the same run again, now knowing the location: written
        let plain = mapping("jr_a", 10, 0.9);
        let merged = JobMapping::merge(Some(&plain), &a).expect("symlinks learnt");
        assert_eq!(merged.symlinks, vec![location.clone()]);
        // a newer run whose lookup failed keeps them
        let b = mapping("jr_b", 30, 0.9);
        let merged = JobMapping::merge(Some(&a), &b).expect("newer");
        assert_eq!(merged.symlinks, vec![location]);
        assert_eq!(JobMapping::merge(Some(&merged), &b), None);
        // a newer run with another location replaces them
        let moved = Dataset::s3_prefix("b", "v2/orders").expect("ds");
        let c = mapping("jr_c", 40, 0.9).with_symlinks(vec![moved.clone()]);
        let merged = JobMapping::merge(Some(&merged), &c).expect("newest");
        assert_eq!(merged.symlinks, vec![moved]);
    }
}
