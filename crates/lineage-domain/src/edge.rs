//! Lineage edges: a dataset read (input) or written (output) by a run, with a confidence in
//! 0..=1 and the evidence it rests on (what kind, where, and which rule found it). Diagnostics
//! are what extraction could not settle; they are data, not errors.

use crate::dataset::Dataset;
use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Input,
    Output,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a piece of evidence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// A literal in the script.
    Script,
    /// A value resolved through job or run arguments (or a Glue connection).
    Argument,
    /// An extra S3 object the script reads (a JSON config, a SQL file).
    Extra,
    /// A log line of the run.
    Log,
    /// Glue Studio's visual DAG (`CodeGenConfigurationNodes`).
    StudioDag,
    /// A model's inference.
    Model,
    /// What storage holds: objects or catalog entries dated inside the run window (or why it
    /// could not be checked).
    Storage,
}

impl EvidenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceKind::Script => "script",
            EvidenceKind::Argument => "argument",
            EvidenceKind::Extra => "extra",
            EvidenceKind::Log => "log",
            EvidenceKind::StudioDag => "studio-dag",
            EvidenceKind::Model => "model",
            EvidenceKind::Storage => "storage",
        }
    }
}

/// Where exactly the evidence is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Locator {
    /// A 1-based line of the script.
    ScriptLine { line: u32 },
    /// A job or run argument.
    Argument { key: String },
    /// A Glue connection's property.
    Connection { name: String },
    /// A line of an extra S3 object.
    Extra { uri: String, line: u32 },
    /// A CloudWatch Logs event.
    LogEvent { event_id: String },
    /// A Glue Studio node.
    StudioNode { node_id: String },
    /// A model answer.
    Model { model_id: String },
    /// Where storage was checked: `s3://bucket/prefix/`, `glue table db.table`.
    Storage { place: String },
}

impl fmt::Display for Locator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Locator::ScriptLine { line } => write!(f, "script:{line}"),
            Locator::Argument { key } => write!(f, "arg:{key}"),
            Locator::Connection { name } => write!(f, "connection:{name}"),
            Locator::Extra { uri, line } => write!(f, "{uri}:{line}"),
            Locator::LogEvent { event_id } => write!(f, "log:{event_id}"),
            Locator::StudioNode { node_id } => write!(f, "studio:{node_id}"),
            Locator::Model { model_id } => write!(f, "model:{model_id}"),
            Locator::Storage { place } => write!(f, "storage:{place}"),
        }
    }
}

/// One piece of evidence for an edge.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub locator: Locator,
    /// The stable id of the rule that produced it, e.g. `glue.dynamic_frame.from_catalog`.
    pub rule: String,
    /// A short, redacted quote of what was seen.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// A confidence score in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Confidence(f64);

impl Confidence {
    pub const ZERO: Confidence = Confidence(0.0);
    pub const ONE: Confidence = Confidence(1.0);

    pub fn new(value: f64) -> Result<Self, DomainError> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(DomainError::ConfidenceOutOfRange(value))
        }
    }
    /// Clamps into 0..=1 (NaN becomes 0).
    pub fn clamped(value: f64) -> Self {
        if value.is_nan() {
            Self(0.0)
        } else {
            Self(value.clamp(0.0, 1.0))
        }
    }
    pub fn value(self) -> f64 {
        self.0
    }
    /// Rounded to 3 decimals, for stable output.
    pub fn rounded(self) -> f64 {
        (self.0 * 1000.0).round() / 1000.0
    }
}

impl TryFrom<f64> for Confidence {
    type Error = DomainError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}
impl From<Confidence> for f64 {
    fn from(c: Confidence) -> f64 {
        c.0
    }
}

/// A dataset read or written by a run, with its confidence and evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineageEdge {
    pub dataset: Dataset,
    pub direction: Direction,
    pub confidence: Confidence,
    pub evidence: Vec<Evidence>,
}

impl LineageEdge {
    pub fn new(dataset: Dataset, direction: Direction, evidence: Vec<Evidence>) -> Self {
        Self {
            dataset,
            direction,
            confidence: Confidence::ZERO,
            evidence,
        }
    }
    /// Adds evidence not already present, keeping the list sorted.
    pub fn merge_evidence(&mut self, more: impl IntoIterator<Item = Evidence>) {
        for e in more {
            if !self.evidence.contains(&e) {
                self.evidence.push(e);
            }
        }
        self.evidence.sort();
    }
    pub fn has_evidence_of(&self, kind: EvidenceKind) -> bool {
        self.evidence.iter().any(|e| e.kind == kind)
    }
}

/// What kind of thing extraction could not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A dataset name built from a value that could not be resolved.
    Unresolved,
    /// A script or SQL statement that did not parse.
    ParseError,
    /// An I/O call whose target is hidden (a library call, dynamic dispatch).
    OpaqueCall,
    /// A script argument the run does not supply.
    MissingArgument,
    /// Work the extraction budget cut short: loops beyond it were read once.
    Truncated,
}

/// Something extraction could not settle, with the expression and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    /// Where it is (script line, log event, ...).
    pub locator: Locator,
    /// The expression or statement, redacted and trimmed.
    pub expression: String,
    pub message: String,
    /// The direction, when the unresolved expression names a read or a write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_is_bounded() {
        assert!(Confidence::new(1.01).is_err());
        assert!(Confidence::new(-0.1).is_err());
        assert!(Confidence::new(f64::NAN).is_err());
        assert_eq!(Confidence::clamped(7.0).value(), 1.0);
        assert!(serde_json::from_str::<Confidence>("1.5").is_err());
        assert_eq!(
            serde_json::from_str::<Confidence>("0.25")
                .map(|c| c.value())
                .ok(),
            Some(0.25)
        );
    }
}
