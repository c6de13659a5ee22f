//! Infer: decides whether the lineage model is asked about a run (policy `never | auto |
//! always`). In `auto` the model is asked only when static extraction left unresolved
//! references, found no outputs for a successful run, or has edges under the threshold.

use crate::settings::{InferencePolicy, Settings};
use lineage_domain::{DiagnosticKind, Direction, LineageEdge, RunState};
use lineage_extract::Extraction;

/// Why the model should be asked, or `None` when static evidence settles the run.
pub fn reason_to_ask(
    settings: &Settings,
    state: RunState,
    extraction: &Extraction,
    scored: &[LineageEdge],
) -> Option<&'static str> {
    match settings.inference_policy {
        InferencePolicy::Never => None,
        InferencePolicy::Always => Some("policy is always"),
        InferencePolicy::Auto => {
            if extraction.diagnostics.iter().any(|d| {
                matches!(
                    d.kind,
                    DiagnosticKind::Unresolved | DiagnosticKind::OpaqueCall
                )
            }) {
                Some("unresolved references")
            } else if state == RunState::Succeeded
                && !scored.iter().any(|e| e.direction == Direction::Output)
            {
                Some("no outputs for a successful run")
            } else if scored
                .iter()
                .any(|e| e.confidence.value() < settings.min_confidence_score)
            {
                Some("edges under the confidence threshold")
            } else {
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineage_domain::{Confidence, Dataset, Evidence, EvidenceKind, Locator};

    fn edge(direction: Direction, conf: f64) -> LineageEdge {
        let mut e = LineageEdge::new(
            Dataset::s3_prefix("b", "k").expect("ds"),
            direction,
            vec![Evidence {
                kind: EvidenceKind::Script,
                locator: Locator::ScriptLine { line: 1 },
                rule: "r".into(),
                detail: String::new(),
            }],
        );
        e.confidence = Confidence::clamped(conf);
        e
    }

    #[test]
    fn auto_asks_only_when_static_evidence_is_not_enough() {
        let s = Settings::default();
        let none = Extraction::default();
        let good = vec![edge(Direction::Input, 0.9), edge(Direction::Output, 0.9)];
        assert_eq!(reason_to_ask(&s, RunState::Succeeded, &none, &good), None);
        let no_out = vec![edge(Direction::Input, 0.9)];
        assert!(reason_to_ask(&s, RunState::Succeeded, &none, &no_out).is_some());
        assert_eq!(reason_to_ask(&s, RunState::Failed, &none, &no_out), None);
        let weak = vec![edge(Direction::Input, 0.9), edge(Direction::Output, 0.5)];
        assert!(reason_to_ask(&s, RunState::Succeeded, &none, &weak).is_some());
        let never = Settings {
            inference_policy: InferencePolicy::Never,
            ..Settings::default()
        };
        assert_eq!(
            reason_to_ask(&never, RunState::Succeeded, &none, &no_out),
            None
        );
    }
}
