//! Validate: splits scored edges into accepted lineage and candidates under
//! `min_confidence_score`, and checks the run against its evidence — time tolerance,
//! parameters (arguments the script reads but the run lacks) and environment (a job of one
//! environment touching another environment's datasets).

use crate::settings::{EnvironmentPattern, Settings};
use lineage_domain::record::Finding;
use lineage_domain::{DiagnosticKind, Direction, LineageEdge, RedactedRunContext};
use lineage_extract::Extraction;

/// The outcome of validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validated {
    pub accepted: Vec<LineageEdge>,
    pub candidates: Vec<LineageEdge>,
    pub findings: Vec<Finding>,
}

fn finding(check: &str, severity: &str, message: String) -> Finding {
    Finding {
        check: check.into(),
        severity: severity.into(),
        message,
    }
}

/// Validates scored edges of a run.
pub fn validate(
    ctx: &RedactedRunContext,
    extraction: &Extraction,
    edges: Vec<LineageEdge>,
    settings: &Settings,
) -> Validated {
    let mut out = Validated::default();
    for edge in edges {
        if edge.confidence.value() + 1e-9 >= settings.min_confidence_score {
            out.accepted.push(edge);
        } else {
            out.findings.push(finding(
                "confidence",
                "info",
                format!(
                    "{} {} kept as a candidate: confidence {:.2} < {:.2}",
                    edge.direction,
                    edge.dataset,
                    edge.confidence.value(),
                    settings.min_confidence_score
                ),
            ));
            out.candidates.push(edge);
        }
    }
    out.findings.extend(time_tolerance(ctx, settings));
    if settings.enable_parameter_validation {
        out.findings.extend(parameters(extraction));
        out.findings.extend(argument_agreement(ctx, &out.accepted));
    }
    if settings.enable_environment_validation {
        out.findings.extend(environment(
            ctx,
            &out.accepted,
            &settings.environment_patterns,
        ));
    }
    out.findings.sort();
    out.findings.dedup();
    out
}

/// The event's time must agree with the run's end within the tolerance.
pub fn time_tolerance(ctx: &RedactedRunContext, settings: &Settings) -> Option<Finding> {
    let event_time = chrono::DateTime::parse_from_rfc3339(&ctx.event.envelope.time)
        .ok()?
        .to_utc();
    let ended = ctx.run.ended_on()?;
    let skew = (event_time - ended).num_seconds().abs();
    let tolerance = i64::try_from(settings.time_tolerance_seconds).unwrap_or(i64::MAX);
    (skew > tolerance).then(|| {
        finding(
            "time_tolerance",
            "warning",
            format!(
                "event time {} is {skew}s from the run's end {}: more than the {tolerance}s tolerance",
                ctx.event.envelope.time,
                ended.to_rfc3339()
            ),
        )
    })
}

/// Arguments the script reads but the run does not supply.
pub fn parameters(extraction: &Extraction) -> Vec<Finding> {
    extraction
        .diagnostics
        .iter()
        .filter(|d| d.kind == DiagnosticKind::MissingArgument)
        .map(|d| {
            finding(
                "parameter",
                "warning",
                format!("{}: {}", d.expression, d.message),
            )
        })
        .collect()
}

/// Name segments: split on the separators dataset names and namespaces use.
fn segments(text: &str) -> Vec<String> {
    text.to_ascii_lowercase()
        .split(['/', '|', ':', '.', '='])
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// What a dataset built from an argument value must contain, one alternative per element of
/// a comma-separated list: an S3 URL's bucket, an ARN's resource name, or every name segment
/// of any other value.
fn value_pieces(value: &str) -> Vec<Vec<String>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|part| match lineage_domain::S3Location::parse(part) {
            Some(loc) => vec![loc.bucket.to_ascii_lowercase()],
            None if part.starts_with("arn:") => {
                segments(part).into_iter().last().into_iter().collect()
            }
            None => segments(part),
        })
        .filter(|p| !p.is_empty())
        .collect()
}

/// Datasets resolved through arguments must agree with the run's actual argument values: a
/// name-like value (one with a letter; counts and dates shape partitions, not names) whose
/// segments do not all appear inside the dataset's segments (values are often prefixes or
/// suffixes of a name, so inside, not equal) is flagged, as is a value the run lacks.
pub fn argument_agreement(ctx: &RedactedRunContext, accepted: &[LineageEdge]) -> Vec<Finding> {
    let args = ctx.effective_arguments();
    let mut out = Vec::new();
    for edge in accepted {
        let have = segments(&format!("{}/{}", edge.dataset.namespace, edge.dataset.name));
        for ev in &edge.evidence {
            let lineage_domain::Locator::Argument { key } = &ev.locator else {
                continue;
            };
            let Some(value) = args.get(key) else {
                out.push(finding(
                    "parameter",
                    "warning",
                    format!(
                        "{} {} was resolved through {key}, which the run does not supply",
                        edge.direction, edge.dataset
                    ),
                ));
                continue;
            };
            if lineage_domain::redact::is_secret_key(key)
                || !value.chars().any(|c| c.is_ascii_alphabetic())
            {
                continue;
            }
            let inside = |n: &String| have.iter().any(|h| h.contains(n.as_str()));
            if !value_pieces(value)
                .iter()
                .any(|need| need.iter().all(inside))
            {
                out.push(finding(
                    "parameter",
                    "warning",
                    format!("{} {} was resolved through {key}, but the run's value {value:?} does not appear in it", edge.direction, edge.dataset),
                ));
            }
        }
    }
    out
}

/// The environment a name belongs to: the first pattern one of whose tokens is a whole token
/// of the name (tokens are delimited by `-`, `_`, `.`, `/` and `:`).
pub fn environment_of<'p>(name: &str, patterns: &'p [EnvironmentPattern]) -> Option<&'p str> {
    let lower = name.to_ascii_lowercase();
    let tokens: Vec<&str> = lower.split(['-', '_', '.', '/', ':']).collect();
    patterns
        .iter()
        .find(|p| p.tokens.iter().any(|t| tokens.contains(&t.as_str())))
        .map(|p| p.environment.as_str())
}

/// A run of a job in one environment that writes (or reads) another environment's datasets.
pub fn environment(
    ctx: &RedactedRunContext,
    accepted: &[LineageEdge],
    patterns: &[EnvironmentPattern],
) -> Vec<Finding> {
    let args = ctx.effective_arguments();
    let job_env = environment_of(&ctx.job.name, patterns).or_else(|| {
        ["--env", "--environment", "--ENV", "--stage"]
            .iter()
            .find_map(|k| args.get(*k))
            .and_then(|v| environment_of(v, patterns))
    });
    let Some(job_env) = job_env else {
        return Vec::new();
    };
    accepted
        .iter()
        .filter_map(|e| {
            let ds_env = environment_of(&e.dataset.namespace, patterns)
                .or_else(|| environment_of(&e.dataset.name, patterns))?;
            (ds_env != job_env).then(|| {
                finding(
                    "environment",
                    if e.direction == Direction::Output {
                        "error"
                    } else {
                        "warning"
                    },
                    format!(
                        "{job_env} job {} {} {}, a {ds_env} dataset",
                        ctx.job.name,
                        if e.direction == Direction::Output {
                            "writes"
                        } else {
                            "reads"
                        },
                        e.dataset
                    ),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_values_split_into_pieces() {
        assert_eq!(
            value_pieces("s3://Bucket-A/raw/orders/"),
            vec![vec!["bucket-a"]]
        );
        assert_eq!(
            value_pieces("accounts, sales.Contacts"),
            vec![vec!["accounts"], vec!["sales", "contacts"]]
        );
        assert_eq!(
            value_pieces("arn:aws:kinesis:us-east-1:1:stream/iot"),
            vec![vec!["iot"]]
        );
    }

    #[test]
    fn environment_tokens() {
        let p = crate::settings::default_environment_patterns();
        let environment_of = |n: &str| environment_of(n, &p).map(str::to_string);
        assert_eq!(
            environment_of("acme-inventory-raw-prod").as_deref(),
            Some("prod")
        );
        assert_eq!(
            environment_of("s3://acme-dev-bucket").as_deref(),
            Some("dev")
        );
        assert_eq!(
            environment_of("table/inventory_prod/stock").as_deref(),
            Some("prod")
        );
        assert_eq!(environment_of("orders-production").as_deref(), Some("prod"));
        let custom = crate::settings::parse_environment_patterns("prod=live").expect("valid");
        assert_eq!(
            super::environment_of("s3://acme-live-data", &custom),
            Some("prod")
        );
        assert_eq!(
            environment_of("product_catalog"),
            None,
            "a token, not a substring"
        );
        assert_eq!(environment_of("devices"), None);
    }
}
