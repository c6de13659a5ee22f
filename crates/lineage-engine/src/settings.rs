//! The agent's settings (the names and defaults of the original deployment guide) and
//! [`SETTINGS`], the one list that says where each is written (its key in the configuration
//! files, its environment variable), what it may hold, and how it is applied. The Lambda reads
//! the environment variables ([`Settings::from_env`]); the CLI also reads the files through the
//! same list. Bad values are reported with the variable that holds them.

use crate::error::EngineError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub mod transport;
pub use transport::TransportSettings;

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

impl InferencePolicy {
    /// The policy's name: `never`, `auto` or `always`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Auto => "auto",
            Self::Always => "always",
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

/// The model used when none is configured: the US cross-region inference profile of Claude
/// Sonnet 4.6 (`anthropic.claude-sonnet-4-6`). Current Claude models are invoked on demand only
/// through an inference profile; see [`PROFILE_PREFIXES`].
pub const DEFAULT_MODEL_ID: &str = "us.anthropic.claude-sonnet-4-6";

/// The geography prefixes of Bedrock cross-region inference profile ids (`us.anthropic.…`).
pub const PROFILE_PREFIXES: &[&str] = &["us", "eu", "apac", "jp", "au", "us-gov", "global"];

/// The most output tokens one answer may ask for (the output limit of current Claude models):
/// the ceiling of `bedrock.max_tokens` and of the budget a cut answer is retried with.
pub const MODEL_MAX_OUTPUT_TOKENS: u64 = 64_000;

/// The default prompt budget: 12,000 input tokens.
pub const DEFAULT_MAX_PROMPT_TOKENS: usize = 12_000;

fn default_max_prompt_tokens() -> usize {
    DEFAULT_MAX_PROMPT_TOKENS
}

fn default_metric_name() -> String {
    "ErrorOccurrence".into()
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
    /// The alarm's metric (`monitoring.metric_name`; the agent emits `ErrorOccurrence`).
    #[serde(default = "default_metric_name")]
    pub metric_name: String,
    /// `monitoring.metrics_batch_size`, kept for the record (EMF is flushed per invocation).
    #[serde(default)]
    pub metrics_batch_size: Option<u64>,
    pub alert_topic_arn: Option<String>,
    pub log_level: String,
    /// Caps on what is gathered per run.
    pub max_log_events: usize,
    pub max_log_bytes: usize,
    pub max_script_bytes: usize,
    pub max_extra_objects: usize,
    /// Caps on what one run records (`validation.max_datasets_per_run`,
    /// `validation.max_evidence_per_edge`): beyond them edges and evidence are dropped with a
    /// `limits` finding, so a run's items and document stay bounded.
    #[serde(default = "default_max_datasets_per_run")]
    pub max_datasets_per_run: usize,
    #[serde(default = "default_max_evidence_per_edge")]
    pub max_evidence_per_edge: usize,
    /// How long a delivery holds its claim on a run (`limits.claim_lease_seconds`,
    /// `CLAIM_LEASE_SECONDS`): another
    /// delivery of the run waits (a retryable error) until the claim ends or the lease runs
    /// out. Longer than the Lambda's timeout, so a crashed holder's run is taken over later.
    #[serde(default = "default_claim_lease_seconds")]
    pub claim_lease_seconds: u64,
    /// Check each edge against storage (`validation.storage_checks`, `STORAGE_CHECKS`): S3
    /// objects and catalog entries dated inside the run window (see `storage_check`). Off by
    /// default: with it off nothing is called.
    #[serde(default)]
    pub storage_checks: bool,
    /// Where events are sent beside the documents (`transport.*`; none by default).
    #[serde(default)]
    pub transport: TransportSettings,
}

fn default_claim_lease_seconds() -> u64 {
    360
}

fn default_max_datasets_per_run() -> usize {
    1000
}

fn default_max_evidence_per_edge() -> usize {
    20
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
                model_id: DEFAULT_MODEL_ID.into(),
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
            metric_name: default_metric_name(),
            metrics_batch_size: None,
            alert_topic_arn: None,
            log_level: "INFO".into(),
            max_log_events: 10_000,
            max_log_bytes: 8 * 1024 * 1024,
            max_script_bytes: 5 * 1024 * 1024,
            max_extra_objects: 16,
            max_datasets_per_run: default_max_datasets_per_run(),
            max_evidence_per_edge: default_max_evidence_per_edge(),
            claim_lease_seconds: default_claim_lease_seconds(),
            storage_checks: false,
            transport: TransportSettings::default(),
        }
    }
}

/// The placeholder the stack's names use for the account (`${AWS::AccountId}`). The
/// configuration files may hold it; an unresolved one counts as twelve digits in a bucket name.
pub const ACCOUNT_PLACEHOLDER: &str = "${AWS::AccountId}";

/// The type and allowed values of a setting, as a file or an environment variable writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A non-empty string.
    Text,
    /// A string; empty (or null in a file) leaves the setting unset.
    OptText,
    /// true or false (a variable may also say 1/0, yes/no, on/off).
    Bool,
    /// A whole number in `min..=max`.
    Whole(u64, u64),
    /// A finite number in `min..=max`.
    Number(f64, f64),
    /// One of these words, in any case; the value is the word as listed.
    Choice(&'static [&'static str]),
}

/// A value that passed its [`Kind`]'s check.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    /// An empty or null [`Kind::OptText`].
    Unset,
    Text(String),
    Bool(bool),
    Whole(u64),
    Number(f64),
}

impl Typed {
    fn text(self) -> Result<String, String> {
        match self {
            Typed::Text(t) => Ok(t),
            Typed::Unset => Ok(String::new()),
            other => Err(format!("internal: {other:?} is not text")),
        }
    }

    fn opt_text(self) -> Result<Option<String>, String> {
        self.text().map(|t| (!t.is_empty()).then_some(t))
    }

    fn flag(self) -> Result<bool, String> {
        match self {
            Typed::Bool(b) => Ok(b),
            other => Err(format!("internal: {other:?} is not true or false")),
        }
    }

    fn whole(self) -> Result<u64, String> {
        match self {
            Typed::Whole(n) => Ok(n),
            other => Err(format!("internal: {other:?} is not a whole number")),
        }
    }

    fn whole_u32(self) -> Result<u32, String> {
        let n = self.whole()?;
        u32::try_from(n).map_err(|_| format!("{n} is too large"))
    }

    fn whole_usize(self) -> Result<usize, String> {
        let n = self.whole()?;
        usize::try_from(n).map_err(|_| format!("{n} is too large"))
    }

    fn number(self) -> Result<f64, String> {
        match self {
            Typed::Number(x) => Ok(x),
            other => Err(format!("internal: {other:?} is not a number")),
        }
    }

    /// A text value, [`Typed::Unset`] when it is empty.
    fn opt(text: &str) -> Self {
        if text.is_empty() {
            Typed::Unset
        } else {
            Typed::Text(text.to_string())
        }
    }
}

/// One setting: where it is written (its key in the configuration files, its environment
/// variable), the type and range each may hold, and how a checked value is applied to and read
/// back from [`Settings`]. [`SETTINGS`] lists them all; the environment variables
/// ([`Settings::with_overrides`], [`ENV_VARS`]) and the configuration files (the CLI) are read
/// through it, so a new setting is one entry there.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// `section.key` in the configuration files with its type and range; `None`: not in files.
    pub file: Option<(&'static str, Kind)>,
    /// The environment variable with its type and range; `None`: the files only. A variable is
    /// checked only as far as its type needs (as the Lambda always has); the files' ranges are
    /// the deployment guide's.
    pub var: Option<(&'static str, Kind)>,
    /// The checks only the files make (a DynamoDB table name, an SNS topic ARN, ...).
    pub file_check: fn(&Typed) -> Result<(), String>,
    /// Sets a checked value; what both sources share (patterns parsed, the prefix trimmed).
    pub apply: fn(&mut Settings, Typed) -> Result<(), String>,
    /// The current value, as a file would write it.
    pub read: fn(&Settings) -> Typed,
}

impl Setting {
    /// The setting an environment variable sets.
    pub fn by_var(name: &str) -> Option<&'static Setting> {
        SETTINGS
            .iter()
            .find(|s| s.var.is_some_and(|(v, _)| v == name))
    }

    /// Applies the text of its environment variable (trimmed, checked against its kind).
    pub fn apply_var(&self, settings: &mut Settings, raw: &str) -> Result<(), String> {
        let Some((_, kind)) = self.var else {
            return Err("internal: no environment variable sets this".into());
        };
        let value = parse_var(kind, raw.trim())?;
        (self.apply)(settings, value)
    }
}

/// The log levels the agent knows (`WARN` and `WARNING` are the same).
pub const LOG_LEVELS: &[&str] = &["TRACE", "DEBUG", "INFO", "WARN", "WARNING", "ERROR"];
const POLICIES: &[&str] = &["never", "auto", "always"];
const U32_MAX: u64 = u32::MAX as u64;
const USIZE_MAX: u64 = usize::MAX as u64;
const MIB: u64 = 1024 * 1024;

use Kind::{Bool, Choice, Number, OptText, Text, Whole};

/// Every setting, once: in the files' layout (section by section), with the variable-only ones
/// beside their relatives.
pub const SETTINGS: &[Setting] = &[
    Setting {
        file: None,
        var: Some(("ENVIRONMENT", OptText)),
        file_check: no_check,
        apply: |s, v| set(&mut s.environment, v.text()),
        read: |s| Typed::Text(s.environment.clone()),
    },
    Setting {
        file: Some(("bedrock.model_id", Text)),
        var: Some(("BEDROCK_MODEL_ID", Text)),
        file_check: model_id,
        apply: |s, v| set(&mut s.model.model_id, v.text()),
        read: |s| Typed::Text(s.model.model_id.clone()),
    },
    Setting {
        file: Some(("bedrock.max_tokens", Whole(256, MODEL_MAX_OUTPUT_TOKENS))),
        var: Some(("BEDROCK_MAX_TOKENS", Whole(256, MODEL_MAX_OUTPUT_TOKENS))),
        file_check: no_check,
        apply: |s, v| set(&mut s.model.max_tokens, v.whole_u32()),
        read: |s| Typed::Whole(u64::from(s.model.max_tokens)),
    },
    Setting {
        file: Some(("bedrock.temperature", Number(0.0, 1.0))),
        var: Some(("BEDROCK_TEMPERATURE", Number(0.0, 1.0))),
        file_check: no_check,
        apply: |s, v| set(&mut s.model.temperature, v.number().map(|x| x as f32)),
        // through its shortest decimal form, so 0.1f32 reads as 0.1
        read: |s| Typed::Number(s.model.temperature.to_string().parse().unwrap_or_default()),
    },
    Setting {
        file: None,
        var: Some(("BEDROCK_MAX_PROMPT_TOKENS", Whole(1000, USIZE_MAX))),
        file_check: no_check,
        apply: |s, v| set(&mut s.model.max_prompt_tokens, v.whole_usize()),
        read: |s| Typed::Whole(s.model.max_prompt_tokens as u64),
    },
    Setting {
        file: Some(("validation.min_confidence_score", Number(0.0, 1.0))),
        var: Some(("MIN_CONFIDENCE_SCORE", Number(0.0, 1.0))),
        file_check: no_check,
        apply: |s, v| set(&mut s.min_confidence_score, v.number()),
        read: |s| Typed::Number(s.min_confidence_score),
    },
    Setting {
        file: Some(("validation.time_tolerance_seconds", Whole(0, 86_400))),
        var: Some(("TIME_TOLERANCE_SECONDS", Whole(0, u64::MAX))),
        file_check: no_check,
        apply: |s, v| set(&mut s.time_tolerance_seconds, v.whole()),
        read: |s| Typed::Whole(s.time_tolerance_seconds),
    },
    Setting {
        file: Some(("validation.enable_parameter_validation", Bool)),
        var: Some(("ENABLE_PARAMETER_VALIDATION", Bool)),
        file_check: no_check,
        apply: |s, v| set(&mut s.enable_parameter_validation, v.flag()),
        read: |s| Typed::Bool(s.enable_parameter_validation),
    },
    Setting {
        file: Some(("validation.enable_environment_validation", Bool)),
        var: Some(("ENABLE_ENVIRONMENT_VALIDATION", Bool)),
        file_check: no_check,
        apply: |s, v| set(&mut s.enable_environment_validation, v.flag()),
        read: |s| Typed::Bool(s.enable_environment_validation),
    },
    Setting {
        file: Some(("validation.environment_patterns", Text)),
        // empty: "no environment patterns", from the parser
        var: Some(("ENVIRONMENT_PATTERNS", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.environment_patterns,
                v.text().and_then(|t| parse_environment_patterns(&t)),
            )
        },
        read: |s| {
            Typed::Text(
                s.environment_patterns
                    .iter()
                    .map(|p| format!("{}={}", p.environment, p.tokens.join("|")))
                    .collect::<Vec<_>>()
                    .join(","),
            )
        },
    },
    Setting {
        file: Some(("validation.storage_checks", Bool)),
        var: Some(("STORAGE_CHECKS", Bool)),
        file_check: no_check,
        apply: |s, v| set(&mut s.storage_checks, v.flag()),
        read: |s| Typed::Bool(s.storage_checks),
    },
    Setting {
        file: Some(("error_recovery.max_retries", Whole(0, 10))),
        var: Some(("MAX_RETRIES", Whole(0, U32_MAX))),
        file_check: no_check,
        apply: |s, v| set(&mut s.max_retries, v.whole_u32()),
        read: |s| Typed::Whole(u64::from(s.max_retries)),
    },
    Setting {
        file: Some(("error_recovery.retry_delay_seconds", Number(0.0, 900.0))),
        var: Some(("RETRY_DELAY_SECONDS", Number(0.0, f64::INFINITY))),
        file_check: no_check,
        apply: |s, v| set(&mut s.retry_delay_seconds, v.number()),
        read: |s| Typed::Number(s.retry_delay_seconds),
    },
    Setting {
        file: Some(("error_recovery.enable_fallback", Bool)),
        var: Some(("ENABLE_FALLBACK", Bool)),
        file_check: no_check,
        apply: |s, v| set(&mut s.enable_fallback, v.flag()),
        read: |s| Typed::Bool(s.enable_fallback),
    },
    Setting {
        file: Some(("monitoring.namespace", Text)),
        var: Some(("METRICS_NAMESPACE", Text)),
        file_check: metrics_namespace,
        apply: |s, v| set(&mut s.metrics_namespace, v.text()),
        read: |s| Typed::Text(s.metrics_namespace.clone()),
    },
    Setting {
        file: Some(("monitoring.metric_name", Text)),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.metric_name, v.text()),
        read: |s| Typed::Text(s.metric_name.clone()),
    },
    Setting {
        file: Some(("monitoring.alert_topic_arn", OptText)),
        var: Some(("ALERT_TOPIC_ARN", OptText)),
        file_check: sns_topic_arn,
        apply: |s, v| set(&mut s.alert_topic_arn, v.opt_text()),
        read: |s| s.alert_topic_arn.clone().map_or(Typed::Unset, Typed::Text),
    },
    Setting {
        file: Some(("monitoring.metrics_batch_size", Whole(1, 100))),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.metrics_batch_size, v.whole().map(Some)),
        read: |s| s.metrics_batch_size.map_or(Typed::Unset, Typed::Whole),
    },
    Setting {
        file: Some(("storage.job_mapping_table", Text)),
        var: Some(("JOB_MAPPING_TABLE", Text)),
        file_check: table_name,
        apply: |s, v| set(&mut s.job_mapping_table, v.text()),
        read: |s| Typed::Text(s.job_mapping_table.clone()),
    },
    Setting {
        file: Some(("storage.context_table", Text)),
        var: Some(("CONTEXT_TABLE", Text)),
        file_check: table_name,
        apply: |s, v| set(&mut s.context_table, v.text()),
        read: |s| Typed::Text(s.context_table.clone()),
    },
    Setting {
        file: Some(("storage.lineage_bucket", OptText)),
        var: Some(("LINEAGE_BUCKET", OptText)),
        file_check: bucket_name,
        apply: |s, v| set(&mut s.lineage_bucket, v.text()),
        read: |s| Typed::opt(&s.lineage_bucket),
    },
    Setting {
        file: Some(("storage.lineage_prefix", OptText)),
        var: Some(("LINEAGE_PREFIX", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.lineage_prefix,
                v.text().map(|t| t.trim_matches('/').to_string()),
            )
        },
        read: |s| Typed::Text(s.lineage_prefix.clone()),
    },
    Setting {
        file: Some(("inference.policy", Choice(POLICIES))),
        // the policy's own parser checks the variable (and words its message)
        var: Some(("INFERENCE_POLICY", OptText)),
        file_check: no_check,
        apply: |s, v| set(&mut s.inference_policy, v.text().and_then(|t| t.parse())),
        read: |s| Typed::Text(s.inference_policy.as_str().to_string()),
    },
    Setting {
        file: Some(("logging.level", Choice(LOG_LEVELS))),
        // checked by `log_level` (and worded as the Lambda always has)
        var: Some(("LOG_LEVEL", OptText)),
        file_check: no_check,
        apply: |s, v| set(&mut s.log_level, v.text().and_then(log_level)),
        read: |s| Typed::Text(s.log_level.clone()),
    },
    Setting {
        file: Some(("limits.max_log_events", Whole(1, 1_000_000))),
        var: Some(("MAX_LOG_EVENTS", Whole(0, USIZE_MAX))),
        file_check: no_check,
        apply: |s, v| set(&mut s.max_log_events, v.whole_usize()),
        read: |s| Typed::Whole(s.max_log_events as u64),
    },
    Setting {
        file: Some(("limits.max_log_bytes", Whole(1024, 64 * MIB))),
        var: Some(("MAX_LOG_BYTES", Whole(0, USIZE_MAX))),
        file_check: no_check,
        apply: |s, v| set(&mut s.max_log_bytes, v.whole_usize()),
        read: |s| Typed::Whole(s.max_log_bytes as u64),
    },
    Setting {
        file: Some(("limits.max_script_bytes", Whole(1024, 64 * MIB))),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.max_script_bytes, v.whole_usize()),
        read: |s| Typed::Whole(s.max_script_bytes as u64),
    },
    Setting {
        file: Some(("limits.max_extra_objects", Whole(0, 256))),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.max_extra_objects, v.whole_usize()),
        read: |s| Typed::Whole(s.max_extra_objects as u64),
    },
    Setting {
        file: Some(("validation.max_datasets_per_run", Whole(1, 5_000))),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.max_datasets_per_run, v.whole_usize()),
        read: |s| Typed::Whole(s.max_datasets_per_run as u64),
    },
    Setting {
        file: Some(("validation.max_evidence_per_edge", Whole(1, 200))),
        var: None,
        file_check: no_check,
        apply: |s, v| set(&mut s.max_evidence_per_edge, v.whole_usize()),
        read: |s| Typed::Whole(s.max_evidence_per_edge as u64),
    },
    Setting {
        file: Some(("limits.claim_lease_seconds", Whole(0, 86_400))),
        var: Some(("CLAIM_LEASE_SECONDS", Whole(0, 86_400))),
        file_check: no_check,
        apply: |s, v| set(&mut s.claim_lease_seconds, v.whole()),
        read: |s| Typed::Whole(s.claim_lease_seconds),
    },
    Setting {
        file: Some(("transport.type", OptText)),
        var: Some(("OPENLINEAGE__TRANSPORT__TYPE", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.transport.kind,
                transport::choice(v, transport::TRANSPORT_TYPES),
            )
        },
        read: |s| s.transport.kind.clone().map_or(Typed::Unset, Typed::Text),
    },
    Setting {
        file: Some(("transport.url", OptText)),
        var: Some(("OPENLINEAGE_URL", OptText)),
        file_check: transport::check_url,
        apply: |s, v| set(&mut s.transport.url, transport::url(v)),
        read: |s| s.transport.url.clone().map_or(Typed::Unset, Typed::Text),
    },
    Setting {
        file: Some(("transport.endpoint", OptText)),
        var: Some(("OPENLINEAGE_ENDPOINT", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.transport.endpoint,
                v.opt_text()
                    .map(|t| t.unwrap_or_else(|| transport::DEFAULT_ENDPOINT.into())),
            )
        },
        read: |s| Typed::Text(s.transport.endpoint.clone()),
    },
    Setting {
        file: Some(("transport.timeout", Number(0.1, 300.0))),
        var: Some(("OPENLINEAGE__TRANSPORT__TIMEOUT", Number(0.1, 300.0))),
        file_check: no_check,
        apply: |s, v| set(&mut s.transport.timeout_seconds, v.number()),
        read: |s| Typed::Number(s.transport.timeout_seconds),
    },
    Setting {
        file: Some(("transport.auth.type", OptText)),
        var: Some(("OPENLINEAGE__TRANSPORT__AUTH__TYPE", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.transport.auth_type,
                transport::choice(v, transport::AUTH_TYPES),
            )
        },
        read: |s| {
            s.transport
                .auth_type
                .clone()
                .map_or(Typed::Unset, Typed::Text)
        },
    },
    Setting {
        // a secret: read back as its mask; better given as the variable than in a file
        file: Some(("transport.auth.apiKey", OptText)),
        var: Some(("OPENLINEAGE_API_KEY", OptText)),
        file_check: no_check,
        apply: |s, v| {
            set(
                &mut s.transport.api_key,
                v.opt_text().map(|t| t.map(lineage_domain::Secret::new)),
            )
        },
        read: |s| transport::read_key(&s.transport.api_key),
    },
    Setting {
        file: Some(("transport.retry.total", Whole(0, 10))),
        var: Some(("OPENLINEAGE__TRANSPORT__RETRY__TOTAL", Whole(0, 10))),
        file_check: no_check,
        apply: |s, v| set(&mut s.transport.retry_total, v.whole_u32()),
        read: |s| Typed::Whole(u64::from(s.transport.retry_total)),
    },
    Setting {
        file: Some(("transport.retry.backoff_factor", Number(0.0, 60.0))),
        var: Some((
            "OPENLINEAGE__TRANSPORT__RETRY__BACKOFF_FACTOR",
            Number(0.0, 60.0),
        )),
        file_check: no_check,
        apply: |s, v| set(&mut s.transport.retry_backoff_factor, v.number()),
        read: |s| Typed::Number(s.transport.retry_backoff_factor),
    },
    Setting {
        file: Some(("transport.domainId", OptText)),
        var: Some(("OPENLINEAGE__TRANSPORT__DOMAIN_ID", OptText)),
        file_check: transport::check_domain_id,
        apply: |s, v| set(&mut s.transport.domain_id, transport::domain_id(v)),
        read: |s| {
            s.transport
                .domain_id
                .clone()
                .map_or(Typed::Unset, Typed::Text)
        },
    },
];

const fn var_count() -> usize {
    let (mut i, mut n) = (0, 0);
    while i < SETTINGS.len() {
        if SETTINGS[i].var.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

const VAR_NAMES: [&str; var_count()] = {
    let mut out = [""; var_count()];
    let (mut i, mut n) = (0, 0);
    while i < SETTINGS.len() {
        if let Some((name, _)) = SETTINGS[i].var {
            out[n] = name;
            n += 1;
        }
        i += 1;
    }
    out
};

/// The environment variables the settings are read from (those of [`SETTINGS`]).
pub const ENV_VARS: &[&str] = &VAR_NAMES;

impl Settings {
    /// Settings from the process environment over the defaults.
    pub fn from_env() -> Result<Self, EngineError> {
        let vars: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| ENV_VARS.contains(&k.as_str()))
            .collect();
        Self::default().with_overrides(&vars)
    }

    /// These settings with `VARIABLE -> value` overrides applied; every bad value is reported.
    /// Names that are not in [`ENV_VARS`] are ignored.
    pub fn with_overrides(mut self, vars: &BTreeMap<String, String>) -> Result<Self, EngineError> {
        let mut problems = Vec::new();
        for (name, raw) in vars {
            let Some(setting) = Setting::by_var(name) else {
                continue;
            };
            if let Err(why) = setting.apply_var(&mut self, raw) {
                problems.push(format!("{name}: {why}"));
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
        let job = lineage_domain::keys::key_part(job_name);
        let run = lineage_domain::keys::key_part(run_id);
        if self.lineage_prefix.is_empty() {
            format!("{job}/{date}/{run}.json")
        } else {
            format!("{}/{job}/{date}/{run}.json", self.lineage_prefix)
        }
    }

    /// The S3 key of a run's START event: beside its document (the terminal event), as
    /// `{run}.start.json`.
    pub fn start_key(
        &self,
        job_name: &str,
        run_id: &str,
        started_on: chrono::DateTime<chrono::Utc>,
    ) -> String {
        let key = self.lineage_key(job_name, run_id, started_on);
        format!("{}.start.json", key.trim_end_matches(".json"))
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

/// Sets `field` to an applied value.
fn set<T>(field: &mut T, value: Result<T, String>) -> Result<(), String> {
    *field = value?;
    Ok(())
}

/// An environment variable's text (trimmed) checked against its kind.
fn parse_var(kind: Kind, value: &str) -> Result<Typed, String> {
    match kind {
        Kind::Text if value.is_empty() => Err("must not be empty".into()),
        Kind::Text => Ok(Typed::Text(value.to_string())),
        Kind::OptText => Ok(Typed::opt(value)),
        Kind::Bool => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Typed::Bool(true)),
            "false" | "0" | "no" | "off" => Ok(Typed::Bool(false)),
            _ => Err(format!("{value:?} is not true or false")),
        },
        Kind::Whole(min, max) => match value.parse::<u64>() {
            Ok(n) if n > max => Err(format!("{value:?} is not a non-negative whole number")),
            Ok(n) if n < min => Err(format!("{n} is under the minimum of {min}")),
            Ok(n) => Ok(Typed::Whole(n)),
            Err(_) => Err(format!("{value:?} is not a non-negative whole number")),
        },
        Kind::Number(min, max) => value
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && (min..=max).contains(x))
            .map(Typed::Number)
            .ok_or_else(|| {
                if max.is_finite() {
                    format!("{value:?} is not a number between {min} and {max}")
                } else if min == 0.0 {
                    format!("{value:?} is not a non-negative number")
                } else {
                    format!("{value:?} is not a number of at least {min}")
                }
            }),
        Kind::Choice(options) => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(value))
            .map(|o| Typed::Text(o.to_string()))
            .ok_or_else(|| format!("{value:?} is not one of {}", options.join(", "))),
    }
}

/// One of [`LOG_LEVELS`], in capitals.
fn log_level(text: String) -> Result<String, String> {
    let level = text.to_ascii_uppercase();
    if LOG_LEVELS.contains(&level.as_str()) {
        Ok(level)
    } else {
        Err(format!(
            "{text:?} is not one of DEBUG, INFO, WARNING, ERROR"
        ))
    }
}

fn no_check(_: &Typed) -> Result<(), String> {
    Ok(())
}

/// Model ids have no spaces, and a bare foundation model id (`anthropic.claude-…`, no
/// geography prefix) is explained: current models are invoked on demand only through a
/// cross-region inference profile. ARNs (provisioned throughput, application profiles) pass.
fn model_id(v: &Typed) -> Result<(), String> {
    match v {
        Typed::Text(t) if t.chars().any(char::is_whitespace) => {
            Err("a model id has no spaces".into())
        }
        Typed::Text(t) if !t.starts_with("arn:") && profile_prefix(t).is_none() => Err(format!(
            "{t} is a foundation model id; Bedrock invokes current models on demand only through \
             a cross-region inference profile (ValidationException \"on-demand throughput isn't \
             supported\"): use {} (or the eu., apac., jp., au., us-gov. or global. profile \
             of your region), see docs/operations.md#model-access",
            format_args!("us.{t}")
        )),
        _ => Ok(()),
    }
}

/// The geography prefix of an inference profile id (`us` of `us.anthropic.claude-…`).
pub fn profile_prefix(model_id: &str) -> Option<&'static str> {
    let (first, rest) = model_id.split_once('.')?;
    (!rest.is_empty())
        .then(|| PROFILE_PREFIXES.iter().copied().find(|p| *p == first))
        .flatten()
}

/// CloudWatch reserves the `AWS/` namespaces.
fn metrics_namespace(v: &Typed) -> Result<(), String> {
    match v {
        Typed::Text(t) if t.starts_with("AWS/") => {
            Err("the AWS/ namespaces are reserved for AWS services".into())
        }
        _ => Ok(()),
    }
}

/// `arn:<partition>:sns:...`.
fn sns_topic_arn(v: &Typed) -> Result<(), String> {
    match v {
        Typed::Text(arn) if !(arn.starts_with("arn:") && arn.split(':').nth(2) == Some("sns")) => {
            Err(format!("{arn:?} is not an SNS topic ARN"))
        }
        _ => Ok(()),
    }
}

/// DynamoDB table names: 3-255 of `A-Za-z0-9_.-`.
fn table_name(v: &Typed) -> Result<(), String> {
    let Typed::Text(t) = v else { return Ok(()) };
    let ok = (3..=255).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{t:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)"
        ))
    }
}

/// S3 bucket names: 3-63 of lowercase letters, digits, `.` and `-`, starting and ending with a
/// letter or digit. An unresolved [`ACCOUNT_PLACEHOLDER`] counts as twelve digits.
fn bucket_name(v: &Typed) -> Result<(), String> {
    let Typed::Text(b) = v else { return Ok(()) };
    let n = b.replace(ACCOUNT_PLACEHOLDER, "000000000000");
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let ok = (3..=63).contains(&n.len())
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        && edge(n.chars().next())
        && edge(n.chars().last())
        && !n.contains("..");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{b:?} is not an S3 bucket name (3-63 of a-z 0-9 . -, starting and ending with a letter or digit)"
        ))
    }
}

#[cfg(test)]
mod tests;
