//! Infer: the model stage. Decides whether the lineage model is asked about a run (policy
//! `never | auto | always`; in `auto` only when static extraction left unresolved references,
//! found no outputs for a successful run, or has edges under the threshold), asks it — through
//! the answer cache, retrying transient failures with backoff, an invalid answer once with
//! the validation error, and an answer cut at `max_tokens` with twice the budget (up to the
//! model's limit), never past the invocation's [`retry::Deadline`] — and folds the grounded
//! part of the answer into the static edges.
//!
//! Submodules: [`prompt`] (the question, within its token budget), [`answer`] (the tool the
//! model must call, its schema and the one check of answers), [`cache_key`], [`grounding`]
//! (the prompt-injection defence) and [`retry`] (backoff, injectable sleeper).
//!
//! The model adapter returns what the model said ([`ModelReply`]); whether that is a valid
//! answer is decided here, by [`answer::read_reply`], as a typed [`ModelError`].

pub mod answer;
pub mod cache_key;
pub mod grounding;
pub mod prompt;
pub mod retry;

use crate::score;
use crate::settings::{InferencePolicy, Settings, MODEL_MAX_OUTPUT_TOKENS};
pub use answer::ModelError;
use grounding::Grounding;
use lineage_domain::ports::{
    AnswerCache, InferenceAnswer, InferenceRequest, LineageModel, Metric, Metrics,
};
use lineage_domain::record::{Finding, TokenUsage};
use lineage_domain::{
    DiagnosticKind, Direction, Evidence, EvidenceKind, LineageEdge, Locator, RedactedRunContext,
    RunState,
};
use lineage_extract::Extraction;
use retry::{Deadline, Sleeper};
use std::collections::BTreeMap;

/// The rule of model evidence whose dataset is named as written in the run's evidence.
pub const RULE_GROUNDED_LITERAL: &str = score::MODEL_LITERAL_RULE;
/// The rule of model evidence whose dataset is only built from pieces of the evidence.
pub const RULE_GROUNDED_PIECES: &str = "model.grounded.pieces";
/// Under this stated confidence a proposal never counts as literally grounded.
pub const MIN_LITERAL_CONFIDENCE: f64 = 0.5;

/// What the model stage runs on.
#[derive(Clone, Copy)]
pub struct ModelStage<'a> {
    pub model: &'a dyn LineageModel,
    pub cache: &'a dyn AnswerCache,
    pub metrics: &'a dyn Metrics,
    pub sleeper: &'a dyn Sleeper,
    pub settings: &'a Settings,
    /// When the invocation ends; `None`: no limit (the CLI).
    pub deadline: Option<Deadline>,
}

impl std::fmt::Debug for ModelStage<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelStage")
            .field("model", &self.model.model_id())
            .field("sleeper", &self.sleeper)
            .finish_non_exhaustive()
    }
}

/// The answer of the model stage, and what it cost.
#[derive(Debug, Clone)]
pub struct Asked {
    pub answer: Result<InferenceAnswer, ModelError>,
    pub usage: TokenUsage,
    pub cached: bool,
}

/// Asks the model about a run: through the cache, with retries. Records `ModelCacheHits`,
/// `ModelCacheMisses`, `ModelRequests`, `ModelInputTokens`, `ModelOutputTokens` and
/// `ModelFailures`.
pub async fn ask(
    stage: ModelStage<'_>,
    ctx: &RedactedRunContext,
    extraction: &Extraction,
    scored: &[LineageEdge],
    reason: &str,
) -> Asked {
    let settings = stage.settings;
    let job = ctx.job.name.as_str();
    let key = cache_key::cache_key(settings, ctx, extraction, scored);
    match stage.cache.cached_answer(&key).await {
        Ok(Some(answer)) if answer::is_valid_cached(&answer) => {
            stage
                .metrics
                .record(job, &[Metric::count("ModelCacheHits", 1.0)]);
            tracing::info!(job, key = %key, "model answer from the cache");
            return Asked {
                answer: Ok(answer),
                usage: TokenUsage {
                    cache_hits: 1,
                    ..TokenUsage::default()
                },
                cached: true,
            };
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(job, error = %e, "answer cache unreadable; asking the model"),
    }
    stage
        .metrics
        .record(job, &[Metric::count("ModelCacheMisses", 1.0)]);
    let prompt = prompt::build(settings, ctx, extraction, scored, reason);
    let mut request = InferenceRequest {
        system: prompt.system,
        prompt: prompt.user,
        max_tokens: settings.model.max_tokens,
        temperature: settings.model.temperature,
        previous_error: None,
        tool: answer::tool(),
    };
    let mut usage = TokenUsage::default();
    let mut transient_retries = 0u32;
    let mut invalid_retried = false;
    let model_id = stage.model.model_id();
    let max_budget = u32::try_from(MODEL_MAX_OUTPUT_TOKENS).unwrap_or(u32::MAX);
    // the backoff before the next attempt, after a transient failure
    let mut backoff: Option<std::time::Duration> = None;
    let mut last = String::from("no attempt was made");
    let answer = loop {
        if let Some(deadline) = stage.deadline {
            if !deadline.allows_attempt_after(backoff.unwrap_or_default()) {
                tracing::warn!(job, "no time left for a model attempt before the deadline");
                break Err(ModelError::OutOfTime { last });
            }
        }
        if let Some(delay) = backoff.take() {
            stage.sleeper.sleep(delay).await;
        }
        usage.requests += 1;
        let result = match stage.model.infer(&request).await {
            Ok(reply) => {
                // every reply is paid for, valid or not
                usage.input_tokens += reply.usage.input_tokens;
                usage.output_tokens += reply.usage.output_tokens;
                if answer::is_cut(&reply) && request.max_tokens < max_budget {
                    let larger = request.max_tokens.saturating_mul(2).min(max_budget);
                    tracing::warn!(
                        job,
                        from = request.max_tokens,
                        to = larger,
                        "answer cut at max_tokens; asking again with a larger budget"
                    );
                    last = format!("answer cut at max_tokens {}", request.max_tokens);
                    request.max_tokens = larger;
                    continue;
                }
                if answer::is_cut(&reply) {
                    Err(ModelError::Truncated {
                        model_id: model_id.to_string(),
                        max_tokens: request.max_tokens,
                    })
                } else {
                    answer::read_reply(model_id, &reply)
                }
            }
            Err(e) => Err(ModelError::Call(e)),
        };
        match result {
            // the answer is redacted where it arrives: nothing the model echoes goes further
            Ok(a) => break Ok(redacted_answer(ctx, &a)),
            Err(ModelError::InvalidAnswer { why, .. }) if !invalid_retried => {
                let why = ctx.redactor().redact(&why).into_owned();
                tracing::warn!(job, error = %why, "invalid model answer; asking once more");
                last = format!("invalid answer: {why}");
                invalid_retried = true;
                request.previous_error = Some(why);
            }
            Err(e) if e.is_retryable() && transient_retries < settings.max_retries => {
                let delay = retry::full_jitter(
                    settings.retry_delay_seconds,
                    transient_retries,
                    retry::jitter_unit(),
                );
                backoff = Some(delay);
                let shown = ctx.redactor().redact(&e.to_string()).into_owned();
                tracing::warn!(job, error = %shown, attempt = transient_retries + 1, delay_ms = delay.as_millis() as u64, "model call failed; retrying");
                last = shown;
                transient_retries += 1;
            }
            Err(e) => break Err(e),
        }
    };
    let mut metrics = vec![
        Metric::count("ModelRequests", f64::from(usage.requests)),
        Metric::count("ModelInputTokens", usage.input_tokens as f64),
        Metric::count("ModelOutputTokens", usage.output_tokens as f64),
    ];
    match &answer {
        Ok(a) => {
            if let Err(e) = stage.cache.put_answer(&key, a).await {
                tracing::warn!(job, error = %e, "could not cache the model answer");
            }
        }
        Err(e) => {
            let shown = ctx.redactor().redact(&e.to_string()).into_owned();
            tracing::error!(job, error = %shown, "lineage model failed");
            metrics.push(Metric::count("ModelFailures", 1.0));
        }
    }
    stage.metrics.record(job, &metrics);
    Asked {
        answer,
        usage,
        cached: false,
    }
}

/// The answer with every text the model wrote (names, quotes) passed through the run's
/// redactor: how it is used and cached.
pub fn redacted_answer(ctx: &RedactedRunContext, answer: &InferenceAnswer) -> InferenceAnswer {
    let redactor = ctx.redactor();
    let mut out = answer.clone();
    for d in &mut out.datasets {
        d.namespace = redactor.redact(&d.namespace).into_owned();
        d.name = redactor.redact(&d.name).into_owned();
        for q in &mut d.evidence {
            *q = redactor.redact(q).into_owned();
        }
    }
    out
}

/// The edges and findings after a model answer: grounded proposals that agree with a static
/// edge add `Model` evidence to it; grounded proposals of new datasets become model-only edges;
/// ungrounded ones are `grounding` findings and never lineage. A dataset only the model names
/// reaches the literal (accepted) weight only when the job's code or arguments name it and one
/// of the model's quotes appears there verbatim, names it and shows its direction
/// ([`grounding::code_quote`]); otherwise it stays a candidate, with a `grounding` finding. A
/// static edge the model places
/// only in the other direction counts one contradiction. Every edge is re-scored. On a run that
/// did not succeed, model evidence never counts as literally grounded (alone it stays a
/// candidate).
pub fn apply_answer(
    ctx: &RedactedRunContext,
    model_id: &str,
    mut edges: Vec<LineageEdge>,
    answer: &InferenceAnswer,
) -> (Vec<LineageEdge>, Vec<Finding>) {
    let redactor = ctx.redactor();
    let evidence = grounding::Evidence::of(ctx);
    let code = grounding::Evidence::code_of(ctx);
    let mut findings = Vec::new();
    let static_count = edges.len();
    let mut grounded: BTreeMap<(lineage_domain::Dataset, Direction), ()> = BTreeMap::new();
    let (mut accepted, mut rejected) = (0usize, 0usize);
    for p in &answer.datasets {
        let shown = redactor
            .redact(&format!("{} {}|{}", p.direction, p.namespace, p.name))
            .into_owned();
        let dataset = match grounding::normalise(p) {
            Ok(d) => d,
            Err(why) => {
                rejected += 1;
                findings.push(Finding {
                    check: "grounding".into(),
                    severity: "warning".into(),
                    message: redactor
                        .redact(&format!(
                            "model proposal {shown} rejected: not a dataset name: {why}"
                        ))
                        .into_owned(),
                });
                continue;
            }
        };
        let strength = match grounding::ground(&dataset, &evidence) {
            Ok(s) => s,
            Err(why) => {
                rejected += 1;
                findings.push(Finding {
                    check: "grounding".into(),
                    severity: "warning".into(),
                    message: redactor
                        .redact(&format!(
                            "model proposal {} {dataset} rejected: not grounded in the run's evidence: {why}",
                            p.direction
                        ))
                        .into_owned(),
                });
                continue;
            }
        };
        accepted += 1;
        // A run that did not succeed is recorded by what it did, not by what its script would
        // do: there a model's word alone never reaches the literal weight.
        let mut literal = strength == Grounding::Literal
            && p.confidence >= MIN_LITERAL_CONFIDENCE
            && ctx.event.state() == RunState::Succeeded;
        let mut quote = p.evidence.first().map(String::as_str).unwrap_or_default();
        // A dataset only the model names must be shown by the job's code, in its direction.
        let model_only = !edges[..static_count].iter().any(|e| e.dataset == dataset);
        if literal && model_only {
            match grounding::code_quote(ctx, &code, &dataset, p) {
                Ok(q) => quote = q,
                Err(why) => {
                    literal = false;
                    findings.push(Finding {
                        check: "grounding".into(),
                        severity: "warning".into(),
                        message: redactor
                            .redact(&format!(
                                "model proposal {} {dataset} kept as a candidate: {why}",
                                p.direction
                            ))
                            .into_owned(),
                    });
                }
            }
        }
        let ev = Evidence {
            kind: EvidenceKind::Model,
            locator: Locator::Model {
                model_id: model_id.to_string(),
            },
            rule: if literal {
                RULE_GROUNDED_LITERAL
            } else {
                RULE_GROUNDED_PIECES
            }
            .into(),
            detail: redactor
                .redact(&quote.chars().take(200).collect::<String>())
                .into_owned(),
        };
        grounded.insert((dataset.clone(), p.direction), ());
        match edges
            .iter_mut()
            .find(|e| e.dataset == dataset && e.direction == p.direction)
        {
            Some(edge) => edge.merge_evidence([ev]),
            None => edges.push(LineageEdge::new(dataset, p.direction, vec![ev])),
        }
    }
    for (i, edge) in edges.iter_mut().enumerate() {
        let other = match edge.direction {
            Direction::Input => Direction::Output,
            Direction::Output => Direction::Input,
        };
        let contradicted = i < static_count
            && !grounded.contains_key(&(edge.dataset.clone(), edge.direction))
            && grounded.contains_key(&(edge.dataset.clone(), other));
        if contradicted {
            findings.push(Finding {
                check: "model".into(),
                severity: "info".into(),
                message: format!(
                    "the model places {} as {other} only; static evidence says {}",
                    edge.dataset, edge.direction
                ),
            });
        }
        edge.confidence = score::confidence(edge, u32::from(contradicted));
    }
    findings.push(Finding {
        check: "model".into(),
        severity: "info".into(),
        message: format!(
            "{model_id} proposed {} dataset(s): {accepted} grounded, {rejected} rejected",
            answer.datasets.len()
        ),
    });
    (edges, findings)
}

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
