//! Confidence scoring: one function that turns an edge's evidence into a score in 0..=1.
//!
//! Each evidence kind has a weight (how much one piece of that kind alone makes us believe the
//! edge), fitted to the dev corpora so that a stated confidence matches the share of edges at
//! that confidence that are right (`score/fit_weights.py`, table in [`FITTED`]). Kinds are
//! treated as independent sources and combined by noisy-OR:
//! `score = 1 - Π(1 - w_kind)`, taking the strongest piece within a kind. Adding evidence
//! can therefore never lower a score. Each contradiction (for example a model that places the
//! dataset in the other direction) multiplies the score by [`CONTRADICTION_FACTOR`].
//!
//! Model evidence (only ever recorded once grounded, see `infer::grounding`) weighs by how it
//! is grounded ([`evidence_weight`]): a dataset whose qualified name appears as written in the
//! run's evidence (`db.table`, `bucket/key`) with a stated confidence of at least 0.5 weighs
//! [`model_literal_weight`] (0.75, above the default `min_confidence_score` of 0.7, so a
//! model-only edge of this kind is accepted); one only built from separate pieces weighs
//! [`weight`]`(Model)` (0.60, so alone it stays a candidate). Either way the weight is a
//! per-piece weight fed to the same noisy-OR, so monotonicity holds.

use lineage_domain::{Confidence, Evidence, EvidenceKind, LineageEdge};
use std::collections::BTreeMap;

mod fitted;

pub use fitted::{FittedWeight, FITTED};

/// The weight of one weight class (a row of [`FITTED`]); 0 for a class the table lacks.
fn fitted(class: &str) -> f64 {
    FITTED
        .iter()
        .find(|row| row.evidence == class)
        .map_or(0.0, |row| row.weight)
}

/// The weight of one kind of evidence on its own, from the fitted table ([`FITTED`]): a
/// literal read or write in the script, Glue Studio's DAG, a name resolved through arguments
/// or a connection, an object the script reads (config, SQL file), a log line of the run, a
/// model's grounded inference. Storage evidence weighs nothing unless it confirms the edge
/// ([`storage_confirmed_weight`]): "not checkable" and "nothing written" say nothing for it.
pub fn weight(kind: EvidenceKind) -> f64 {
    match kind {
        EvidenceKind::Storage => 0.0,
        other => fitted(other.as_str()),
    }
}

/// The weight of storage evidence that confirms an edge (objects or catalog entries dated
/// inside the run window): modest, as storage shows that something was written, not that
/// this run's script wrote it.
pub fn storage_confirmed_weight() -> f64 {
    fitted(STORAGE_CONFIRMED_CLASS)
}

/// The weight class of confirming storage evidence in [`FITTED`].
pub const STORAGE_CONFIRMED_CLASS: &str = "storage-confirmed";

/// The rule suffix of storage evidence that confirms an edge (`storage.s3.confirmed`, ...).
pub const STORAGE_CONFIRMED_SUFFIX: &str = ".confirmed";

/// The weight of model evidence whose dataset is named literally in the run's evidence (above
/// the default `min_confidence_score` of 0.7, so a model-only edge of this kind is accepted).
pub fn model_literal_weight() -> f64 {
    fitted(MODEL_LITERAL_CLASS)
}

/// The weight class of literally grounded model evidence in [`FITTED`].
pub const MODEL_LITERAL_CLASS: &str = "model-literal";

/// The rule of literally grounded model evidence (the one that earns [`model_literal_weight`]).
pub const MODEL_LITERAL_RULE: &str = "model.grounded.literal";

/// The weight of one piece of evidence: its kind's [`weight`], except literally grounded
/// model evidence and confirming storage evidence, which have their own classes.
pub fn evidence_weight(e: &Evidence) -> f64 {
    if e.kind == EvidenceKind::Model && e.rule == MODEL_LITERAL_RULE {
        model_literal_weight()
    } else if e.kind == EvidenceKind::Storage && e.rule.ends_with(STORAGE_CONFIRMED_SUFFIX) {
        storage_confirmed_weight()
    } else {
        weight(e.kind)
    }
}

/// How much one contradiction keeps of the score.
pub const CONTRADICTION_FACTOR: f64 = 0.8;

/// The confidence of an edge from its evidence and the number of contradictions against it.
pub fn confidence(edge: &LineageEdge, contradictions: u32) -> Confidence {
    let mut strongest: BTreeMap<EvidenceKind, f64> = BTreeMap::new();
    for e in &edge.evidence {
        let w = evidence_weight(e);
        let slot = strongest.entry(e.kind).or_insert(0.0);
        if w > *slot {
            *slot = w;
        }
    }
    let disbelief: f64 = strongest.values().map(|w| 1.0 - w).product();
    let score = if strongest.is_empty() {
        0.0
    } else {
        1.0 - disbelief
    };
    let exponent = i32::try_from(contradictions).unwrap_or(i32::MAX);
    Confidence::clamped(score * CONTRADICTION_FACTOR.powi(exponent))
}

/// Adds evidence to a scored edge and scores it again, keeping the contradictions its score
/// already carries (the ratio of its score to the score of its evidence alone).
pub fn add_evidence(edge: &mut LineageEdge, more: impl IntoIterator<Item = Evidence>) {
    let plain = confidence(edge, 0).value();
    let kept = if plain > 0.0 {
        (edge.confidence.value() / plain).min(1.0)
    } else {
        1.0
    };
    edge.merge_evidence(more);
    edge.confidence = Confidence::clamped(confidence(edge, 0).value() * kept);
}

/// Scores every edge in place.
pub fn score_all(edges: &mut [LineageEdge]) {
    for edge in edges {
        edge.confidence = confidence(edge, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineage_domain::{Dataset, Direction, Evidence, Locator};

    fn ev(kind: EvidenceKind, n: u32) -> Evidence {
        Evidence {
            kind,
            locator: Locator::ScriptLine { line: n },
            rule: "test".into(),
            detail: String::new(),
        }
    }

    fn edge(evidence: Vec<Evidence>) -> LineageEdge {
        LineageEdge::new(
            Dataset::s3_prefix("b", "k").expect("ds"),
            Direction::Input,
            evidence,
        )
    }

    const KINDS: [EvidenceKind; 7] = [
        EvidenceKind::Script,
        EvidenceKind::StudioDag,
        EvidenceKind::Argument,
        EvidenceKind::Extra,
        EvidenceKind::Log,
        EvidenceKind::Model,
        EvidenceKind::Storage,
    ];

    fn literal_model(n: u32) -> Evidence {
        Evidence {
            rule: MODEL_LITERAL_RULE.into(),
            ..ev(EvidenceKind::Model, n)
        }
    }

    #[test]
    fn every_evidence_class_has_a_fitted_weight_that_is_never_certain() {
        let classes = KINDS
            .iter()
            .filter(|k| **k != EvidenceKind::Storage)
            .map(|k| k.as_str())
            .chain([MODEL_LITERAL_CLASS, STORAGE_CONFIRMED_CLASS]);
        for class in classes {
            let row = FITTED.iter().find(|r| r.evidence == class);
            let row = row.unwrap_or_else(|| panic!("no fitted weight for {class}"));
            assert!(row.weight > 0.0 && row.weight < 1.0, "{row:?}");
            assert!(row.right <= row.edges, "{row:?}");
        }
        assert_eq!(
            FITTED.len(),
            KINDS.len() - 1 + 2,
            "one row per class, no stray rows"
        );
    }

    #[test]
    fn model_evidence_weighs_by_grounding() {
        let pieces = confidence(&edge(vec![ev(EvidenceKind::Model, 1)]), 0).value();
        let literal = confidence(&edge(vec![literal_model(1)]), 0).value();
        assert!((pieces - weight(EvidenceKind::Model)).abs() < 1e-9);
        assert!((literal - model_literal_weight()).abs() < 1e-9);
        // the default min_confidence_score (0.7) accepts a literal model-only edge, not the other
        assert!(pieces < 0.7 && literal >= 0.7);
        // both kinds of model evidence are one source: the stronger counts
        let both = confidence(&edge(vec![ev(EvidenceKind::Model, 1), literal_model(2)]), 0).value();
        assert!((both - literal).abs() < 1e-9);
        // corroboration: script + literal model
        let script_model = confidence(
            &edge(vec![ev(EvidenceKind::Script, 1), literal_model(2)]),
            0,
        )
        .value();
        let expected = 1.0 - (1.0 - weight(EvidenceKind::Script)) * (1.0 - model_literal_weight());
        assert!((script_model - expected).abs() < 1e-9);
        // adding literal model evidence to any subset never lowers the score
        for mask in 0u32..(1 << KINDS.len()) {
            let base: Vec<Evidence> = KINDS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(i, k)| ev(*k, i as u32))
                .collect();
            let before = confidence(&edge(base.clone()), 0).value();
            let mut more = base;
            more.push(literal_model(99));
            assert!(confidence(&edge(more), 0).value() >= before);
        }
    }

    #[test]
    fn more_independent_evidence_never_lowers_a_score() {
        // every subset of kinds, extended by every other kind
        for mask in 0u32..(1 << KINDS.len()) {
            let base: Vec<Evidence> = KINDS
                .iter()
                .enumerate()
                .filter(|(i, _)| mask & (1 << i) != 0)
                .map(|(i, k)| ev(*k, i as u32))
                .collect();
            let before = confidence(&edge(base.clone()), 0).value();
            for (j, k) in KINDS.iter().enumerate() {
                let mut more = base.clone();
                more.push(ev(*k, 100 + j as u32));
                let after = confidence(&edge(more), 0).value();
                assert!(
                    after >= before,
                    "adding {k:?} to mask {mask:b}: {before} -> {after}"
                );
            }
        }
    }

    #[test]
    fn single_kinds_and_corroboration() {
        let script = confidence(&edge(vec![ev(EvidenceKind::Script, 1)]), 0).value();
        let log = confidence(&edge(vec![ev(EvidenceKind::Log, 1)]), 0).value();
        let both = confidence(
            &edge(vec![ev(EvidenceKind::Script, 1), ev(EvidenceKind::Log, 2)]),
            0,
        )
        .value();
        assert!((script - weight(EvidenceKind::Script)).abs() < 1e-9);
        assert!(both > script && both > log && both <= 1.0);
        assert_eq!(confidence(&edge(vec![]), 0).value(), 0.0);
        // a second piece of the same kind is not independent
        let twice = confidence(
            &edge(vec![
                ev(EvidenceKind::Script, 1),
                ev(EvidenceKind::Script, 2),
            ]),
            0,
        )
        .value();
        assert!((twice - script).abs() < 1e-9);
    }

    #[test]
    fn storage_confirmation_raises_modestly_and_stays_below_one() {
        let mut e = edge(vec![ev(EvidenceKind::Script, 1)]);
        e.confidence = confidence(&e, 1);
        let before = e.confidence.value();
        let confirmed = Evidence {
            rule: "storage.s3.confirmed".into(),
            ..ev(EvidenceKind::Storage, 2)
        };
        add_evidence(&mut e, [confirmed]);
        let after = e.confidence.value();
        assert!(after > before && after < 1.0, "{before} -> {after}");
        // the contradiction is kept: (1 - (1 - w_script) * (1 - w_confirmed)) * 0.8
        let plain = 1.0 - (1.0 - weight(EvidenceKind::Script)) * (1.0 - storage_confirmed_weight());
        assert!(
            (after - plain * CONTRADICTION_FACTOR).abs() < 1e-9,
            "{after}"
        );
        let unchecked = Evidence {
            rule: "storage.not_checkable".into(),
            ..ev(EvidenceKind::Storage, 3)
        };
        add_evidence(&mut e, [unchecked]);
        assert!((e.confidence.value() - after).abs() < 1e-9);
    }

    #[test]
    fn contradictions_lower_the_score() {
        let e = edge(vec![ev(EvidenceKind::Script, 1)]);
        assert!(confidence(&e, 1).value() < confidence(&e, 0).value());
        assert!(confidence(&e, 2).value() < confidence(&e, 1).value());
    }
}
