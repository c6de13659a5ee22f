//! The agent's settings (the names and defaults of the original deployment guide), read from
//! the Lambda's environment variables. Bad values are reported with the variable that holds them.

use crate::error::EngineError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// When the lineage model is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InferencePolicy {
    /// Static analysis and logs only.
    Never,
    /// Only when static analysis left something unsettled.
    Auto,
    /// On every run.
    Always,
}

impl std::str::FromStr for InferencePolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "never" => Ok(Self::Never),
            "auto" => Ok(Self::Auto),
            "always" => Ok(Self::Always),
            other => Err(format!("{other:?} is not one of never, auto, always")),
        }
    }
}

/// Model settings (`bedrock.*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSettings {
    pub model_id: String,
    pub max_tokens: u32,
    pub temperature: f32,
    /// The budget of one prompt (system prompt and user message), in estimated tokens
    /// (characters / 4).
    #[serde(default = "default_max_prompt_tokens")]
    pub max_prompt_tokens: usize,
}

/// The default prompt budget: 12,000 input tokens.
pub const DEFAULT_MAX_PROMPT_TOKENS: usize = 12_000;

fn default_max_prompt_tokens() -> usize {
    DEFAULT_MAX_PROMPT_TOKENS
}

/// All settings of one deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub environment: String,
    pub job_mapping_table: String,
    pub context_table: String,
    pub lineage_bucket: String,
    pub lineage_prefix: String,
    pub model: ModelSettings,
    pub inference_policy: InferencePolicy,
    pub min_confidence_score: f64,
    pub time_tolerance_seconds: u64,
    pub enable_parameter_validation: bool,
    pub enable_environment_validation: bool,
    /// How environment validation recognises an environment in a name:
    /// `env=token|token,...` (see [`parse_environment_patterns`]).
    pub environment_patterns: Vec<EnvironmentPattern>,
    pub max_retries: u32,
    pub retry_delay_seconds: f64,
    pub enable_fallback: bool,
    pub metrics_namespace: String,
    pub alert_topic_arn: Option<String>,
    pub log_level: String,
    /// Caps on what is gathered per run.
    pub max_log_events: usize,
    pub max_log_bytes: usize,
    pub max_script_bytes: usize,
    pub max_extra_objects: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            environment: "dev".into(),
            job_mapping_table: "job-mappings".into(),
            context_table: "execution-contexts".into(),
            lineage_bucket: String::new(),
            lineage_prefix: "lineage".into(),
            model: ModelSettings {
                model_id: "anthropic.claude-3-5-sonnet-20241022-v2:0".into(),
                max_tokens: 4000,
                temperature: 0.1,
                max_prompt_tokens: DEFAULT_MAX_PROMPT_TOKENS,
            },
            inference_policy: InferencePolicy::Auto,
            min_confidence_score: 0.7,
            time_tolerance_seconds: 300,
            enable_parameter_validation: true,
            enable_environment_validation: true,
            environment_patterns: default_environment_patterns(),
            max_retries: 3,
            retry_delay_seconds: 5.0,
            enable_fallback: true,
            metrics_namespace: "EnhancedLineageAgent".into(),
            alert_topic_arn: None,
            log_level: "INFO".into(),
            max_log_events: 10_000,
            max_log_bytes: 8 * 1024 * 1024,
            max_script_bytes: 5 * 1024 * 1024,
            max_extra_objects: 16,
        }
    }
}

/// The environment variables the settings are read from, with the setting each one sets.
pub const ENV_VARS: &[&str] = &[
    "ENVIRONMENT",
    "JOB_MAPPING_TABLE",
    "CONTEXT_TABLE",
    "LINEAGE_BUCKET",
    "LINEAGE_PREFIX",
    "BEDROCK_MODEL_ID",
    "BEDROCK_MAX_PROMPT_TOKENS",
    "INFERENCE_POLICY",
    "MIN_CONFIDENCE_SCORE",
    "TIME_TOLERANCE_SECONDS",
    "ENABLE_PARAMETER_VALIDATION",
    "ENABLE_ENVIRONMENT_VALIDATION",
    "ENVIRONMENT_PATTERNS",
    "MAX_RETRIES",
    "RETRY_DELAY_SECONDS",
    "ENABLE_FALLBACK",
    "METRICS_NAMESPACE",
    "ALERT_TOPIC_ARN",
    "LOG_LEVEL",
    "MAX_LOG_EVENTS",
    "MAX_LOG_BYTES",
];

impl Settings {
    /// Settings from the process environment over the defaults.
    pub fn from_env() -> Result<Self, EngineError> {
        let vars: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| ENV_VARS.contains(&k.as_str()))
            .collect();
        Self::default().with_overrides(&vars)
    }

    /// These settings with `VARIABLE -> value` overrides applied; every bad value is reported.
    pub fn with_overrides(mut self, vars: &BTreeMap<String, String>) -> Result<Self, EngineError> {
        let mut problems = Vec::new();
        for (key, raw) in vars {
            let value = raw.trim();
            let r: Result<(), String> = match key.as_str() {
                "ENVIRONMENT" => {
                    self.environment = value.to_string();
                    Ok(())
                }
                "JOB_MAPPING_TABLE" => set_string(&mut self.job_mapping_table, value),
                "CONTEXT_TABLE" => set_string(&mut self.context_table, value),
                "LINEAGE_BUCKET" => {
                    self.lineage_bucket = value.to_string();
                    Ok(())
                }
                "LINEAGE_PREFIX" => {
                    self.lineage_prefix = value.trim_matches('/').to_string();
                    Ok(())
                }
                "BEDROCK_MODEL_ID" => set_string(&mut self.model.model_id, value),
                "BEDROCK_MAX_PROMPT_TOKENS" => parse_num(value)
                    .and_then(|v: usize| {
                        (v >= 1000)
                            .then_some(v)
                            .ok_or_else(|| format!("{v} is under the minimum of 1000"))
                    })
                    .map(|v| self.model.max_prompt_tokens = v),
                "INFERENCE_POLICY" => value.parse().map(|p| self.inference_policy = p),
                "MIN_CONFIDENCE_SCORE" => parse_unit(value).map(|v| self.min_confidence_score = v),
                "TIME_TOLERANCE_SECONDS" => {
                    parse_num(value).map(|v| self.time_tolerance_seconds = v)
                }
                "ENABLE_PARAMETER_VALIDATION" => {
                    parse_bool(value).map(|v| self.enable_parameter_validation = v)
                }
                "ENABLE_ENVIRONMENT_VALIDATION" => {
                    parse_bool(value).map(|v| self.enable_environment_validation = v)
                }
                "MAX_RETRIES" => parse_num(value).map(|v| self.max_retries = v),
                "RETRY_DELAY_SECONDS" => value
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .map(|v| self.retry_delay_seconds = v)
                    .ok_or_else(|| format!("{value:?} is not a non-negative number")),
                "ENABLE_FALLBACK" => parse_bool(value).map(|v| self.enable_fallback = v),
                "METRICS_NAMESPACE" => set_string(&mut self.metrics_namespace, value),
                "ALERT_TOPIC_ARN" => {
                    self.alert_topic_arn = (!value.is_empty()).then(|| value.to_string());
                    Ok(())
                }
                "LOG_LEVEL" => match value.to_ascii_uppercase().as_str() {
                    "TRACE" | "DEBUG" | "INFO" | "WARN" | "WARNING" | "ERROR" => {
                        self.log_level = value.to_ascii_uppercase();
                        Ok(())
                    }
                    _ => Err(format!(
                        "{value:?} is not one of DEBUG, INFO, WARNING, ERROR"
                    )),
                },
                "ENVIRONMENT_PATTERNS" => {
                    parse_environment_patterns(value).map(|p| self.environment_patterns = p)
                }
                "MAX_LOG_EVENTS" => parse_num(value).map(|v| self.max_log_events = v),
                "MAX_LOG_BYTES" => parse_num(value).map(|v| self.max_log_bytes = v),
                _ => Ok(()),
            };
            if let Err(why) = r {
                problems.push(format!("{key}: {why}"));
            }
        }
        if problems.is_empty() {
            Ok(self)
        } else {
            Err(EngineError::Config(problems.join("; ")))
        }
    }

    /// The S3 key of a run's lineage document: `{prefix}/{job}/{yyyy}/{mm}/{dd}/{run}.json`,
    /// dated by the run's start.
    pub fn lineage_key(
        &self,
        job_name: &str,
        run_id: &str,
        started_on: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let date = started_on.format("%Y/%m/%d");
        let job = sanitise_key_part(job_name);
        let run = sanitise_key_part(run_id);
        if self.lineage_prefix.is_empty() {
            format!("{job}/{date}/{run}.json")
        } else {
            format!("{}/{job}/{date}/{run}.json", self.lineage_prefix)
        }
    }
}

/// One environment and the name tokens that mark it (`prod`: `prod`, `production`, `prd`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentPattern {
    pub environment: String,
    pub tokens: Vec<String>,
}

/// dev, test, qa, staging and prod with their usual spellings.
pub fn default_environment_patterns() -> Vec<EnvironmentPattern> {
    parse_environment_patterns(
        "dev=dev|development,test=test|tst,qa=qa,staging=staging|stage|stg,prod=prod|production|prd",
    )
    .unwrap_or_default()
}

/// Parses `env=token|token,env=token`: each environment and the lower-case name tokens (between
/// `-`, `_`, `.`, `/`, `:`) that mark a job or dataset as belonging to it.
pub fn parse_environment_patterns(text: &str) -> Result<Vec<EnvironmentPattern>, String> {
    let mut out = Vec::new();
    for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (env, tokens) = item.split_once('=').unwrap_or((item, item));
        let env = env.trim().to_ascii_lowercase();
        let tokens: Vec<String> = tokens
            .split('|')
            .map(|t| t.trim().to_ascii_lowercase())
            .filter(|t| !t.is_empty())
            .collect();
        if env.is_empty()
            || tokens.is_empty()
            || tokens.iter().any(|t| t.contains(['-', '_', '.', '/', ':']))
        {
            return Err(format!(
                "{item:?} is not `environment=token|token` (tokens without - _ . / :)"
            ));
        }
        out.push(EnvironmentPattern {
            environment: env,
            tokens,
        });
    }
    if out.is_empty() {
        return Err("no environment patterns".into());
    }
    Ok(out)
}

/// Keeps a key segment to characters safe in S3 keys and file names.
fn sanitise_key_part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn set_string(field: &mut String, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    *field = value.to_string();
    Ok(())
}

fn parse_bool(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(format!("{value:?} is not true or false")),
    }
}

fn parse_num<T: std::str::FromStr>(value: &str) -> Result<T, String> {
    value
        .parse::<T>()
        .map_err(|_| format!("{value:?} is not a non-negative whole number"))
}

fn parse_unit(value: &str) -> Result<f64, String> {
    value
        .parse::<f64>()
        .ok()
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| format!("{value:?} is not a number between 0 and 1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_are_the_seed_defaults() {
        let s = Settings::default();
        assert_eq!((s.model.max_tokens, s.model.temperature), (4000, 0.1));
        assert_eq!(
            (s.min_confidence_score, s.time_tolerance_seconds),
            (0.7, 300)
        );
        assert_eq!(
            (s.max_retries, s.retry_delay_seconds, s.enable_fallback),
            (3, 5.0, true)
        );
        assert_eq!(s.metrics_namespace, "EnhancedLineageAgent");
        assert_eq!(s.lineage_prefix, "lineage");
    }

    #[test]
    fn overrides_apply_and_bad_values_name_their_variable() {
        let s = Settings::default()
            .with_overrides(&vars(&[
                ("MIN_CONFIDENCE_SCORE", "0.8"),
                ("ENABLE_FALLBACK", "false"),
            ]))
            .expect("valid");
        assert_eq!((s.min_confidence_score, s.enable_fallback), (0.8, false));
        let err = Settings::default()
            .with_overrides(&vars(&[
                ("MIN_CONFIDENCE_SCORE", "1.5"),
                ("MAX_RETRIES", "-1"),
            ]))
            .expect_err("invalid");
        let text = err.to_string();
        assert!(
            text.contains("MIN_CONFIDENCE_SCORE") && text.contains("MAX_RETRIES"),
            "{text}"
        );
    }

    #[test]
    fn environment_patterns_parse_and_reject_bad_ones() {
        let p = parse_environment_patterns("dev=dev|sandbox, prod = prod|live").expect("valid");
        assert_eq!(
            p[1],
            EnvironmentPattern {
                environment: "prod".into(),
                tokens: vec!["prod".into(), "live".into()]
            }
        );
        assert!(parse_environment_patterns("dev=").is_err());
        assert!(parse_environment_patterns("dev=my-dev").is_err());
        assert_eq!(default_environment_patterns().len(), 5);
        let s = Settings::default()
            .with_overrides(&vars(&[("ENVIRONMENT_PATTERNS", "prod=live")]))
            .expect("valid");
        assert_eq!(s.environment_patterns.len(), 1);
    }

    #[test]
    fn lineage_key_is_dated_by_run_start() {
        let s = Settings::default();
        let t = chrono::DateTime::parse_from_rfc3339("2024-05-14T04:00:07Z")
            .expect("t")
            .to_utc();
        assert_eq!(
            s.lineage_key("my job", "jr_1", t),
            "lineage/my_job/2024/05/14/jr_1.json"
        );
    }
}
