//! The model check of the health report: one minimal Converse call through
//! [`BedrockLineageModel::probe`], cached for a few minutes ([`ModelCheck`]) so repeated health
//! checks of a warm Lambda do not each pay for a call. A failure is `unhealthy` with a one-line
//! reason that ends with the fix (enable model access, use an inference profile id, allow the
//! action to the role, ...). The model's answer never appears in the report.

use super::{millis, DependencyHealth, HealthStatus};
use crate::bedrock::BedrockLineageModel;
use crate::error::AwsError;
use lineage_domain::ErrorKind;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a healthy probe is reused: 5 minutes.
pub const MODEL_PROBE_TTL: Duration = Duration::from_secs(300);

/// The `kind` of the model dependency.
pub const MODEL_KIND: &str = "bedrock_model";

/// The longest Bedrock message quoted in a reason.
const MESSAGE_CHARS: usize = 200;

/// The model dependency when the probe is not made (the inference policy never asks the
/// model): healthy, with why it was skipped.
pub fn skipped(model_id: &str, why: &str) -> DependencyHealth {
    DependencyHealth {
        name: display_name(model_id),
        kind: MODEL_KIND.into(),
        status: HealthStatus::Healthy,
        latency_ms: 0,
        reason: Some(format!("probe skipped: {why}")),
    }
}

fn display_name(model_id: &str) -> String {
    let id = model_id.trim();
    if id.is_empty() {
        "(none)".into()
    } else {
        id.to_string()
    }
}

/// Probes the model once: healthy when Bedrock answers, else unhealthy with the reason and
/// the fix.
pub async fn check_model(model: &BedrockLineageModel) -> DependencyHealth {
    use lineage_domain::ports::LineageModel;
    let start = Instant::now();
    let res = model.probe().await;
    let latency_ms = millis(start);
    let (status, reason) = match res {
        Ok(_) => (HealthStatus::Healthy, None),
        Err(e) => (
            HealthStatus::Unhealthy,
            Some(diagnose(
                &e,
                model.model_id(),
                model.region().as_deref().unwrap_or("(no region)"),
            )),
        ),
    };
    DependencyHealth {
        name: display_name(model.model_id()),
        kind: MODEL_KIND.into(),
        status,
        latency_ms,
        reason,
    }
}

/// [`check_model`] with its healthy result reused for `ttl` (a failure is not cached, so a
/// fixed model access shows at once). Built once per warm Lambda.
#[derive(Debug)]
pub struct ModelCheck {
    model: BedrockLineageModel,
    ttl: Duration,
    last: Mutex<Option<(Instant, DependencyHealth)>>,
}

impl ModelCheck {
    pub fn new(model: BedrockLineageModel, ttl: Duration) -> Self {
        Self {
            model,
            ttl,
            last: Mutex::new(None),
        }
    }

    /// The cached healthy result if younger than the TTL (its reason says how old), else a
    /// new probe.
    pub async fn check(&self) -> DependencyHealth {
        if let Some((at, health)) = self.cached() {
            let age = at.elapsed().as_secs();
            return DependencyHealth {
                reason: Some(format!(
                    "probe answered {age} s ago (reused for {} s)",
                    self.ttl.as_secs()
                )),
                ..health
            };
        }
        let health = check_model(&self.model).await;
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = (health.status == HealthStatus::Healthy).then(|| (Instant::now(), health.clone()));
        health
    }

    fn cached(&self) -> Option<(Instant, DependencyHealth)> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|(at, _)| at.elapsed() < self.ttl)
            .cloned()
    }
}

/// The foundation model of an id: the inference profile's geography prefix removed
/// (`us.anthropic.claude-…` → `anthropic.claude-…`).
fn foundation_model(model_id: &str) -> &str {
    const PREFIXES: &[&str] = &["us-gov", "us", "eu", "apac", "jp", "au", "global"];
    match model_id.split_once('.') {
        Some((first, rest)) if PREFIXES.contains(&first) && !rest.is_empty() => rest,
        _ => model_id,
    }
}

/// The inference profile prefix that serves `region`.
fn profile_prefix_for(region: &str) -> &'static str {
    if region.starts_with("us-gov-") {
        "us-gov"
    } else if region.starts_with("eu-") {
        "eu"
    } else if region.starts_with("ap-") {
        "apac"
    } else {
        "us"
    }
}

/// The reason of a failed probe on one line: what Bedrock said, then the fix.
pub fn diagnose(err: &AwsError, model_id: &str, region: &str) -> String {
    let foundation = foundation_model(model_id);
    let (said, fix) = match err {
        AwsError::Service { code, message, .. } => {
            let said = format!("{code}: {}", short(message));
            let c = code.trim_end_matches("Exception");
            let m = message.to_ascii_lowercase();
            let fix = if c == "AccessDenied" && m.contains("not authorized to perform") {
                format!(
                    "allow bedrock:InvokeModel on {model_id} (and, for an inference profile, its \
                     foundation model in every region the profile routes to) to the function's \
                     role"
                )
            } else if c == "AccessDenied" {
                format!(
                    "enable model access in the Bedrock console (Model access) for {foundation} \
                     in {region}"
                )
            } else if c == "Validation"
                && (m.contains("on-demand throughput") || m.contains("inference profile"))
            {
                format!(
                    "use an inference profile id such as {}.{foundation} as BEDROCK_MODEL_ID",
                    profile_prefix_for(region)
                )
            } else if c == "ResourceNotFound" && m.contains("use case") {
                format!(
                    "submit the Anthropic use case details in the Bedrock console (Model access) \
                     in {region}"
                )
            } else if c == "ResourceNotFound" || c == "Validation" {
                format!(
                    "check BEDROCK_MODEL_ID: {model_id} must be a model or inference profile id \
                     offered in {region} (aws bedrock list-inference-profiles --region {region})"
                )
            } else if err.kind() == ErrorKind::Transient {
                "transient: try the health check again".to_string()
            } else if err.kind() == ErrorKind::AccessDenied {
                "check the function's credentials".to_string()
            } else {
                "see docs/operations.md#model-access".to_string()
            };
            (said, fix)
        }
        AwsError::Transport { message, .. } => (
            format!("no answer: {}", short(message)),
            format!("check the network path to bedrock-runtime in {region} (VPC endpoint, NAT)"),
        ),
        // the setup error already says what is missing and how to set it
        other => return short(&other.to_string()),
    };
    format!("{said}; fix: {fix}")
}

/// One line of at most [`MESSAGE_CHARS`] characters.
fn short(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    lineage_domain::text::cut(&line, MESSAGE_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, message: &str) -> AwsError {
        AwsError::Service {
            operation: "bedrock:Converse m".into(),
            kind: crate::error::classify(code, Some(400)),
            code: code.into(),
            message: message.into(),
        }
    }

    const PROFILE: &str = "us.anthropic.claude-sonnet-4-6";

    #[test]
    fn model_access_not_enabled_says_where_to_enable_it() {
        let r = diagnose(
            &service(
                "AccessDeniedException",
                "You don't have access to the model with the specified model ID.",
            ),
            PROFILE,
            "us-east-1",
        );
        assert_eq!(
            r,
            "AccessDeniedException: You don't have access to the model with the specified model \
             ID.; fix: enable model access in the Bedrock console (Model access) for \
             anthropic.claude-sonnet-4-6 in us-east-1"
        );
    }

    #[test]
    fn an_iam_denial_names_the_action_to_allow() {
        let r = diagnose(
            &service(
                "AccessDeniedException",
                "User: arn:aws:sts::1:assumed-role/r/f is not authorized to perform: \
                 bedrock:InvokeModel on resource: arn:aws:bedrock:us-east-1::foundation-model/x",
            ),
            PROFILE,
            "us-east-1",
        );
        assert!(
            r.contains("fix: allow bedrock:InvokeModel on us.anthropic"),
            "{r}"
        );
    }

    #[test]
    fn on_demand_throughput_asks_for_an_inference_profile_of_the_region() {
        let msg = "Invocation of model ID anthropic.claude-3-5-sonnet-20241022-v2:0 with \
                   on-demand throughput isn't supported. Retry your request with the ID or ARN \
                   of an inference profile that contains this model.";
        let r = diagnose(
            &service("ValidationException", msg),
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "eu-west-1",
        );
        assert!(
            r.ends_with(
                "fix: use an inference profile id such as \
                 eu.anthropic.claude-3-5-sonnet-20241022-v2:0 as BEDROCK_MODEL_ID"
            ),
            "{r}"
        );
    }

    #[test]
    fn not_found_and_invalid_ids_say_to_check_the_id() {
        for (code, msg) in [
            ("ResourceNotFoundException", "Model not found."),
            (
                "ValidationException",
                "The provided model identifier is invalid.",
            ),
        ] {
            let r = diagnose(&service(code, msg), "us.nope", "us-west-2");
            assert!(r.starts_with(code), "{r}");
            assert!(r.contains("fix: check BEDROCK_MODEL_ID: us.nope"), "{r}");
            assert!(r.contains("--region us-west-2"), "{r}");
        }
        let r = diagnose(
            &service(
                "ResourceNotFoundException",
                "Model use case details have not been submitted for this account.",
            ),
            PROFILE,
            "us-east-1",
        );
        assert!(
            r.contains("fix: submit the Anthropic use case details"),
            "{r}"
        );
    }

    #[test]
    fn reasons_are_one_short_line() {
        let long = format!("line one\nline two {}", "x".repeat(500));
        let r = diagnose(&service("ThrottlingException", &long), PROFILE, "us-east-1");
        assert!(!r.contains('\n'), "{r}");
        assert!(r.len() < 320, "{}", r.len());
        assert!(
            r.ends_with("fix: transient: try the health check again"),
            "{r}"
        );
    }
}
