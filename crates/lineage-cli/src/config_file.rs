//! Configuration files: `config.yaml` overlaid by `config-{environment}.yaml` (YAML, the keys of
//! the original deployment guide), mapped onto [`Settings`] through the engine's list of
//! settings ([`SETTINGS`]), with the environment variable overrides on top. Loading never stops
//! at the first problem: every unreadable file, syntax error, unknown key, wrong type, invalid
//! value and missing required setting is collected with its file and dotted key. [`resolve`]
//! gives the commands their settings; [`load_with`] checks a deployment for `config validate`.

pub use lineage_engine::settings::ACCOUNT_PLACEHOLDER;
use lineage_engine::settings::{Kind, Setting, Typed, ENV_VARS, SETTINGS};
use lineage_engine::Settings;
use serde::Serialize;
use serde_yaml_ng::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The `source` of problems that come from environment variables.
pub const ENVIRONMENT_SOURCE: &str = "environment";

/// What is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The file cannot be read.
    Unreadable,
    /// The file is not valid YAML.
    Syntax,
    /// A section or key the agent does not know (a typo, or a setting that does not exist).
    UnknownKey,
    /// A value of the wrong type (a string where a number is expected, ...).
    WrongType,
    /// A value of the right type outside its range or form (a score above 1, a bad bucket name).
    Invalid,
    /// A required setting or file is missing.
    Missing,
}

/// One problem, with where it is: the file (or [`ENVIRONMENT_SOURCE`]) and the dotted key.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    pub source: String,
    pub key: String,
    pub kind: ProblemKind,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.key.is_empty() {
            write!(f, "{}: {}", self.source, self.message)
        } else {
            write!(f, "{}: {}: {}", self.source, self.key, self.message)
        }
    }
}

/// What a load uses besides the files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `VARIABLE -> value` overrides (the names in [`ENV_VARS`]).
    pub env_vars: BTreeMap<String, String>,
    /// Replaces [`ACCOUNT_PLACEHOLDER`] in string values.
    pub account_id: Option<String>,
}

impl LoadOptions {
    /// From the process environment: the settings variables and `AWS_ACCOUNT_ID`.
    pub fn from_process() -> Self {
        Self {
            env_vars: std::env::vars()
                .filter(|(k, _)| ENV_VARS.contains(&k.as_str()))
                .collect(),
            account_id: std::env::var("AWS_ACCOUNT_ID")
                .ok()
                .filter(|v| !v.trim().is_empty()),
        }
    }
}

/// The result of a load: the effective settings and every problem found on the way.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub environment: String,
    /// The files read, base first.
    pub files: Vec<PathBuf>,
    pub settings: Settings,
    pub problems: Vec<Problem>,
}

impl LoadedConfig {
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }

    /// The effective configuration, in the files' layout (plus `environment`): every setting
    /// the files may hold, in [`SETTINGS`] order.
    pub fn effective(&self) -> serde_json::Value {
        let mut root = serde_json::Map::new();
        root.insert(
            "environment".into(),
            self.settings.environment.clone().into(),
        );
        for setting in SETTINGS {
            let Some((key, _)) = setting.file else {
                continue;
            };
            let (section, name) = key.split_once('.').unwrap_or((key, ""));
            let value = match (setting.read)(&self.settings) {
                Typed::Unset => serde_json::Value::Null,
                Typed::Text(t) => t.into(),
                Typed::Bool(b) => b.into(),
                Typed::Whole(n) => n.into(),
                Typed::Number(x) => x.into(),
            };
            if let serde_json::Value::Object(m) = root
                .entry(section)
                .or_insert_with(|| serde_json::Value::Object(Default::default()))
            {
                m.insert(name.to_string(), value);
            }
        }
        serde_json::Value::Object(root)
    }

    /// [`Self::effective`] as YAML.
    pub fn effective_yaml(&self) -> String {
        serde_yaml_ng::to_string(&self.effective()).unwrap_or_else(|e| format!("# {e}\n"))
    }
}

/// Where the CLI's commands take their configuration files from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// No files: the defaults and the environment variables.
    None,
    /// `DIR/config.yaml` (required) and `DIR/config-{environment}.yaml` (when present).
    Dir(PathBuf),
    /// One file (required).
    File(PathBuf),
}

/// The folder used when neither `--config` nor `--config-dir` says otherwise: `./config` when
/// it holds `config.yaml` (a clone of the repository), else none.
pub const DEFAULT_DIR: &str = "config";

impl ConfigSource {
    /// From `--config PATH` (wins) and `--config-dir DIR` (or `LINEAGE_CONFIG_DIR`), else
    /// [`DEFAULT_DIR`] when it holds `config.yaml`, else no files.
    pub fn choose(file: Option<&Path>, dir: Option<&Path>) -> Self {
        match (file, dir) {
            (Some(f), _) => Self::File(f.to_path_buf()),
            (None, Some(d)) => Self::Dir(d.to_path_buf()),
            (None, None) if Path::new(DEFAULT_DIR).join("config.yaml").is_file() => {
                Self::Dir(PathBuf::from(DEFAULT_DIR))
            }
            (None, None) => Self::None,
        }
    }
}

/// Whether a file must exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Unreadable when absent.
    Required,
    /// Reported as missing when absent (an environment's overlay, to `config validate`).
    Expected,
    /// Skipped when absent.
    Optional,
}

/// Loads `dir/config.yaml` and `dir/config-{environment}.yaml` with the process environment.
pub fn load(dir: &Path, environment: &str) -> LoadedConfig {
    load_with(dir, environment, &LoadOptions::from_process())
}

/// Loads `dir/config.yaml` and `dir/config-{environment}.yaml` with the given overrides, as a
/// deployment of `environment` needs them (the overlay and, outside dev, the bucket required).
pub fn load_with(dir: &Path, environment: &str, options: &LoadOptions) -> LoadedConfig {
    let base = dir.join("config.yaml");
    let overlay = dir.join(format!("config-{environment}.yaml"));
    load_deployment(
        environment,
        &[(base, Need::Required), (overlay, Need::Expected)],
        options,
    )
}

/// Loads one file with the given overrides, as a deployment of `environment` needs it.
pub fn load_file_with(path: &Path, environment: &str, options: &LoadOptions) -> LoadedConfig {
    load_deployment(
        environment,
        &[(path.to_path_buf(), Need::Required)],
        options,
    )
}

fn load_deployment(
    environment: &str,
    files: &[(PathBuf, Need)],
    options: &LoadOptions,
) -> LoadedConfig {
    let mut state = State::new(environment, options);
    if !is_environment_name(environment) {
        state.problem(
            "arguments",
            "environment",
            ProblemKind::Invalid,
            format!("{environment:?} is not an environment name (lowercase letters, digits, -)"),
        );
    }
    let read = state.read_files(files, environment);
    state.apply_env(&options.env_vars);
    if environment != "dev" && state.settings.lineage_bucket.is_empty() {
        let source = read
            .last()
            .or(files.last().map(|(p, _)| p))
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        state.problem(
            &source,
            "storage.lineage_bucket",
            ProblemKind::Missing,
            format!("required outside dev (or set LINEAGE_BUCKET); the {environment} stack's output LineageBucketName"),
        );
    }
    state.finish(environment, read)
}

/// The settings a command runs with: the defaults, then the files of `source` (the overlay of
/// `environment` when present), then the environment variables of `options` (`ENVIRONMENT`
/// itself is `environment`).
pub fn resolve(source: &ConfigSource, environment: &str, options: &LoadOptions) -> LoadedConfig {
    let mut state = State::new(environment, options);
    let files = match source {
        ConfigSource::None => Vec::new(),
        ConfigSource::File(path) => vec![(path.clone(), Need::Required)],
        ConfigSource::Dir(dir) if is_environment_name(environment) => vec![
            (dir.join("config.yaml"), Need::Required),
            (
                dir.join(format!("config-{environment}.yaml")),
                Need::Optional,
            ),
        ],
        ConfigSource::Dir(dir) => {
            state.problem(
                ENVIRONMENT_SOURCE,
                "ENVIRONMENT",
                ProblemKind::Invalid,
                format!(
                    "{environment:?} is not an environment name (lowercase letters, digits, -), so {} is not read",
                    dir.join(format!("config-{environment}.yaml")).display()
                ),
            );
            vec![(dir.join("config.yaml"), Need::Required)]
        }
    };
    let read = state.read_files(&files, environment);
    let mut vars = options.env_vars.clone();
    vars.remove("ENVIRONMENT");
    state.apply_env(&vars);
    state.finish(environment, read)
}

fn is_environment_name(environment: &str) -> bool {
    !environment.is_empty()
        && environment
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

struct State {
    settings: Settings,
    problems: Vec<Problem>,
    account_id: Option<String>,
}

/// The keys of the files in [`SETTINGS`] order: section, name, and the setting.
fn file_keys() -> impl Iterator<Item = (&'static str, &'static str, &'static Setting)> {
    SETTINGS.iter().filter_map(|s| {
        let (key, _) = s.file?;
        let (section, name) = key.split_once('.')?;
        Some((section, name, s))
    })
}

impl State {
    fn new(environment: &str, options: &LoadOptions) -> Self {
        Self {
            settings: Settings {
                environment: environment.to_string(),
                ..Settings::default()
            },
            problems: Vec::new(),
            account_id: options.account_id.clone(),
        }
    }

    /// Reads and applies the files in order; returns those read.
    fn read_files(&mut self, files: &[(PathBuf, Need)], environment: &str) -> Vec<PathBuf> {
        let mut read = Vec::new();
        for (path, need) in files {
            let source = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    read.push(path.clone());
                    self.apply_text(&source, &text);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && *need == Need::Optional => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && *need == Need::Expected => {
                    self.problem(
                        &source,
                        "",
                        ProblemKind::Missing,
                        format!("no overlay for environment {environment:?}"),
                    )
                }
                Err(e) => self.problem(
                    &source,
                    "",
                    ProblemKind::Unreadable,
                    format!("cannot read: {e}"),
                ),
            }
        }
        read
    }

    fn finish(self, environment: &str, files: Vec<PathBuf>) -> LoadedConfig {
        LoadedConfig {
            environment: environment.to_string(),
            files,
            settings: self.settings,
            problems: self.problems,
        }
    }

    fn problem(&mut self, source: &str, key: &str, kind: ProblemKind, message: impl Into<String>) {
        self.problems.push(Problem {
            source: source.to_string(),
            key: key.to_string(),
            kind,
            message: message.into(),
        });
    }

    fn apply_text(&mut self, source: &str, text: &str) {
        let doc: Value = match serde_yaml_ng::from_str(text) {
            Ok(v) => v,
            Err(e) => {
                let at = e
                    .location()
                    .map(|l| format!("line {}, column {}: ", l.line(), l.column()))
                    .unwrap_or_default();
                let msg = e.to_string();
                return self.problem(source, "", ProblemKind::Syntax, format!("{at}{msg}"));
            }
        };
        let sections = match doc {
            Value::Null => return,
            Value::Mapping(m) => m,
            other => {
                return self.problem(
                    source,
                    "",
                    ProblemKind::WrongType,
                    format!(
                        "expected a mapping of sections, found {}",
                        type_name(&other)
                    ),
                )
            }
        };
        for (name, body) in sections {
            let Some(section) = name.as_str().map(str::to_string) else {
                self.problem(
                    source,
                    &key_text(&name),
                    ProblemKind::UnknownKey,
                    "section names are strings",
                );
                continue;
            };
            if !file_keys().any(|(s, _, _)| s == section) {
                let hint = suggest(&section, file_keys().map(|(s, _, _)| s.to_string()));
                self.problem(
                    source,
                    &section,
                    ProblemKind::UnknownKey,
                    format!("unknown section{hint}"),
                );
                continue;
            }
            let entries = match body {
                Value::Null => continue,
                Value::Mapping(m) => m,
                other => {
                    self.problem(
                        source,
                        &section,
                        ProblemKind::WrongType,
                        format!("expected a mapping of keys, found {}", type_name(&other)),
                    );
                    continue;
                }
            };
            for (k, v) in entries {
                let key = k
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| key_text(&k));
                let dotted = format!("{section}.{key}");
                let Some((_, _, setting)) =
                    file_keys().find(|(s, n, _)| *s == section && *n == key)
                else {
                    let hint = suggest(
                        &key,
                        file_keys().map(|(s, n, _)| {
                            if s == section {
                                n.to_string()
                            } else {
                                format!("{s}.{n}")
                            }
                        }),
                    );
                    self.problem(
                        source,
                        &dotted,
                        ProblemKind::UnknownKey,
                        format!("unknown key{hint}"),
                    );
                    continue;
                };
                if let Err((kind, why)) = self.set(setting, &v) {
                    self.problem(source, &dotted, kind, why);
                }
            }
        }
    }

    /// Checks one value against its setting (type and range, then the files' own checks) and
    /// applies it.
    fn set(&mut self, setting: &Setting, v: &Value) -> Result<(), (ProblemKind, String)> {
        let Some((_, kind)) = setting.file else {
            return Err((ProblemKind::UnknownKey, "not a file setting".into()));
        };
        let typed = self.check(kind, v)?;
        (setting.file_check)(&typed).map_err(|why| (ProblemKind::Invalid, why))?;
        (setting.apply)(&mut self.settings, typed).map_err(|why| (ProblemKind::Invalid, why))
    }

    /// Type and range check of one value.
    fn check(&self, ty: Kind, v: &Value) -> Result<Typed, (ProblemKind, String)> {
        let wrong = |expected: &str| {
            (
                ProblemKind::WrongType,
                format!("expected {expected}, found {}", type_name(v)),
            )
        };
        match ty {
            Kind::Text => match v {
                Value::String(s) if s.trim().is_empty() => {
                    Err((ProblemKind::Invalid, "must not be empty".into()))
                }
                Value::String(s) => Ok(Typed::Text(self.resolve(s.trim()))),
                _ => Err(wrong("a string")),
            },
            Kind::OptText => match v {
                Value::Null => Ok(Typed::Unset),
                Value::String(s) if s.trim().is_empty() => Ok(Typed::Unset),
                Value::String(s) => Ok(Typed::Text(self.resolve(s.trim()))),
                _ => Err(wrong("a string or null")),
            },
            Kind::Bool => match v {
                Value::Bool(b) => Ok(Typed::Bool(*b)),
                _ => Err(wrong("true or false")),
            },
            Kind::Whole(min, max) => match v {
                Value::Number(n) if n.is_u64() || n.is_i64() => {
                    let out = (
                        ProblemKind::Invalid,
                        format!("{n} is outside {min}..={max}"),
                    );
                    let x = n.as_u64().ok_or_else(|| out.clone())?;
                    if (min..=max).contains(&x) {
                        Ok(Typed::Whole(x))
                    } else {
                        Err(out)
                    }
                }
                _ => Err(wrong("a whole number")),
            },
            Kind::Number(min, max) => match v {
                Value::Number(n) => {
                    let x = n.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                        (ProblemKind::Invalid, format!("{n} is not a finite number"))
                    })?;
                    if (min..=max).contains(&x) {
                        Ok(Typed::Number(x))
                    } else {
                        Err((
                            ProblemKind::Invalid,
                            format!("{x} is outside {min}..={max}"),
                        ))
                    }
                }
                _ => Err(wrong("a number")),
            },
            Kind::Choice(options) => match v {
                Value::String(s) => options
                    .iter()
                    .find(|o| o.eq_ignore_ascii_case(s.trim()))
                    .map(|o| Typed::Text(o.to_string()))
                    .ok_or_else(|| {
                        (
                            ProblemKind::Invalid,
                            format!("{s:?} is not one of {}", options.join(", ")),
                        )
                    }),
                _ => Err(wrong(&format!("one of {}", options.join(", ")))),
            },
        }
    }

    /// Replaces the account placeholder when the account is known.
    fn resolve(&self, s: &str) -> String {
        match &self.account_id {
            Some(acct) => s.replace(ACCOUNT_PLACEHOLDER, acct),
            None => s.to_string(),
        }
    }

    /// The environment variable overrides, one at a time so that every bad one is reported.
    fn apply_env(&mut self, vars: &BTreeMap<String, String>) {
        for (name, value) in vars {
            let Some(setting) = Setting::by_var(name) else {
                continue;
            };
            if name == "ENVIRONMENT" {
                if value.trim() != self.settings.environment {
                    let msg = format!(
                        "{:?} contradicts the environment being loaded ({:?})",
                        value.trim(),
                        self.settings.environment
                    );
                    self.problem(ENVIRONMENT_SOURCE, name, ProblemKind::Invalid, msg);
                }
                continue;
            }
            if let Err(why) = setting.apply_var(&mut self.settings, value) {
                self.problem(ENVIRONMENT_SOURCE, name, ProblemKind::Invalid, why);
            }
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a decimal number",
        Value::Number(_) => "a whole number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

fn key_text(v: &Value) -> String {
    serde_yaml_ng::to_string(v)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// `" (did you mean X?)"` for the closest known name within two edits, else `""`.
fn suggest(name: &str, known: impl Iterator<Item = String>) -> String {
    known
        .map(|k| {
            let short = k.rsplit('.').next().unwrap_or(&k).to_string();
            (edit_distance(name, &short).min(edit_distance(name, &k)), k)
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!(" (did you mean {k}?)"))
        .unwrap_or_default()
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_config() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
    }

    /// A config dir with the given base and overlay (`None`: no file).
    fn dir_with(base: &str, env: &str, overlay: Option<&str>) -> tempfile::TempDir {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("config.yaml"), base).expect("write base");
        if let Some(o) = overlay {
            std::fs::write(d.path().join(format!("config-{env}.yaml")), o).expect("write");
        }
        d
    }

    fn kinds_at(c: &LoadedConfig) -> Vec<(ProblemKind, String)> {
        c.problems.iter().map(|p| (p.kind, p.key.clone())).collect()
    }

    #[test]
    fn repository_config_is_valid_for_every_environment() {
        let expected = [
            ("dev", 0.5, 600, 5, true, "DEBUG"),
            ("test", 0.7, 300, 3, true, "INFO"),
            ("prod", 0.8, 180, 2, false, "WARNING"),
        ];
        for (env, score, tolerance, retries, fallback, level) in expected {
            let c = load_with(&repo_config(), env, &LoadOptions::default());
            assert!(c.is_valid(), "{env}: {:?}", c.problems);
            let s = &c.settings;
            assert_eq!(s.environment, env);
            assert_eq!(
                (
                    s.min_confidence_score,
                    s.time_tolerance_seconds,
                    s.max_retries
                ),
                (score, tolerance, retries)
            );
            assert_eq!((s.enable_fallback, s.log_level.as_str()), (fallback, level));
            assert_eq!(
                s.job_mapping_table,
                format!("enhanced-lineage-agent-job-mappings-{env}")
            );
            assert_eq!((s.model.max_tokens, s.retry_delay_seconds), (4000, 5.0));
            assert_eq!(c.files.len(), 2);
        }
    }

    #[test]
    fn account_placeholder_is_resolved_when_the_account_is_known() {
        let options = LoadOptions {
            account_id: Some("123456789012".into()),
            ..LoadOptions::default()
        };
        let c = load_with(&repo_config(), "prod", &options);
        assert_eq!(
            c.settings.lineage_bucket,
            "enhanced-lineage-agent-lineage-data-prod-123456789012"
        );
        let unresolved = load_with(&repo_config(), "prod", &LoadOptions::default());
        assert!(unresolved
            .settings
            .lineage_bucket
            .ends_with(ACCOUNT_PLACEHOLDER));
    }

    #[test]
    fn unknown_keys_are_reported_with_file_and_dotted_key() {
        let d = dir_with(
            "bedrock:\n  model_idd: x\nvalidaton:\n  a: 1\nlogging:\n  level: INFO\n",
            "dev",
            Some("storage:\n  bucket: b\n"),
        );
        let c = load_with(d.path(), "dev", &LoadOptions::default());
        assert_eq!(
            kinds_at(&c),
            vec![
                (ProblemKind::UnknownKey, "bedrock.model_idd".into()),
                (ProblemKind::UnknownKey, "validaton".into()),
                (ProblemKind::UnknownKey, "storage.bucket".into()),
            ]
        );
        assert!(c.problems[0].message.contains("did you mean model_id?"));
        assert!(c.problems[1].message.contains("did you mean validation?"));
        assert!(c.problems[0].source.ends_with("config.yaml"));
        assert!(c.problems[2].source.ends_with("config-dev.yaml"));
        assert_eq!(c.settings.log_level, "INFO", "good keys still apply");
    }

    #[test]
    fn wrong_types_are_all_reported() {
        let d = dir_with(
            "validation:\n  enable_parameter_validation: \"yes\"\n  time_tolerance_seconds: 2.5\nerror_recovery: [1]\nbedrock:\n  model_id: 5\n",
            "dev",
            Some(""),
        );
        let c = load_with(d.path(), "dev", &LoadOptions::default());
        assert_eq!(
            kinds_at(&c),
            vec![
                (
                    ProblemKind::WrongType,
                    "validation.enable_parameter_validation".into()
                ),
                (
                    ProblemKind::WrongType,
                    "validation.time_tolerance_seconds".into()
                ),
                (ProblemKind::WrongType, "error_recovery".into()),
                (ProblemKind::WrongType, "bedrock.model_id".into()),
            ]
        );
        assert!(
            c.problems[0].message.contains("found a string"),
            "{}",
            c.problems[0]
        );
        assert!(
            c.settings.enable_parameter_validation,
            "bad values are not applied"
        );
    }

    #[test]
    fn out_of_range_values_are_all_reported() {
        let d = dir_with(
            "validation:\n  min_confidence_score: 1.5\nerror_recovery:\n  max_retries: 99\n  retry_delay_seconds: -1\nbedrock:\n  temperature: 3\nstorage:\n  job_mapping_table: \"a b\"\n  lineage_bucket: Not_A_Bucket\ninference:\n  policy: sometimes\n",
            "dev",
            Some(""),
        );
        let c = load_with(d.path(), "dev", &LoadOptions::default());
        let keys: Vec<_> = c.problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "validation.min_confidence_score",
                "error_recovery.max_retries",
                "error_recovery.retry_delay_seconds",
                "bedrock.temperature",
                "storage.job_mapping_table",
                "storage.lineage_bucket",
                "inference.policy",
            ]
        );
        assert!(c.problems.iter().all(|p| p.kind == ProblemKind::Invalid));
        assert!(
            c.problems[0].message.contains("outside 0..=1"),
            "{}",
            c.problems[0]
        );
        assert_eq!(c.settings.min_confidence_score, 0.7, "defaults kept");
    }

    #[test]
    fn lineage_bucket_is_required_outside_dev() {
        let base = "storage:\n  lineage_bucket: null\n";
        let dev = dir_with(base, "dev", Some(""));
        assert!(load_with(dev.path(), "dev", &LoadOptions::default()).is_valid());
        let prod = dir_with(base, "prod", Some("logging:\n  level: ERROR\n"));
        let c = load_with(prod.path(), "prod", &LoadOptions::default());
        assert_eq!(
            kinds_at(&c),
            vec![(ProblemKind::Missing, "storage.lineage_bucket".into())]
        );
        assert!(c.problems[0].source.ends_with("config-prod.yaml"));
        // the environment variable satisfies it
        let options = LoadOptions {
            env_vars: BTreeMap::from([("LINEAGE_BUCKET".into(), "my-bucket".into())]),
            ..LoadOptions::default()
        };
        assert!(load_with(prod.path(), "prod", &options).is_valid());
    }

    #[test]
    fn missing_overlay_and_syntax_errors_are_reported_together() {
        let d = dir_with("bedrock:\n  model_id: [unclosed\n", "test", None);
        let c = load_with(d.path(), "test", &LoadOptions::default());
        let kinds: Vec<_> = c.problems.iter().map(|p| p.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ProblemKind::Syntax,
                ProblemKind::Missing,
                ProblemKind::Missing
            ]
        );
        assert!(c.problems[0].message.contains("line "), "{}", c.problems[0]);
        assert!(c.problems[1].source.ends_with("config-test.yaml"));
    }

    #[test]
    fn environment_variables_override_files_and_bad_ones_name_their_variable() {
        let d = dir_with(
            "validation:\n  min_confidence_score: 0.6\n",
            "dev",
            Some(""),
        );
        let options = LoadOptions {
            env_vars: BTreeMap::from([
                ("MIN_CONFIDENCE_SCORE".into(), "0.9".into()),
                ("MAX_RETRIES".into(), "many".into()),
                ("ENABLE_FALLBACK".into(), "perhaps".into()),
                ("ENVIRONMENT".into(), "prod".into()),
            ]),
            ..LoadOptions::default()
        };
        let c = load_with(d.path(), "dev", &options);
        assert_eq!(c.settings.min_confidence_score, 0.9);
        let at: Vec<_> = c
            .problems
            .iter()
            .map(|p| (p.source.as_str(), p.key.as_str()))
            .collect();
        assert_eq!(
            at,
            vec![
                (ENVIRONMENT_SOURCE, "ENABLE_FALLBACK"),
                (ENVIRONMENT_SOURCE, "ENVIRONMENT"),
                (ENVIRONMENT_SOURCE, "MAX_RETRIES"),
            ]
        );
    }

    #[test]
    fn overlay_wins_over_base_and_effective_config_has_the_file_layout() {
        let d = dir_with(
            "error_recovery:\n  max_retries: 3\nmonitoring:\n  alert_topic_arn: arn:aws:sns:us-east-1:1:t\n",
            "dev",
            Some("error_recovery:\n  max_retries: 7\n"),
        );
        let c = load_with(d.path(), "dev", &LoadOptions::default());
        assert!(c.is_valid(), "{:?}", c.problems);
        let e = c.effective();
        assert_eq!(e["error_recovery"]["max_retries"], 7);
        assert_eq!(
            e["monitoring"]["alert_topic_arn"],
            "arn:aws:sns:us-east-1:1:t"
        );
        assert_eq!(e["environment"], "dev");
        assert_eq!(e["bedrock"]["temperature"], 0.1);
        let yaml = c.effective_yaml();
        assert!(yaml.contains("max_retries: 7"), "{yaml}");
    }

    #[test]
    fn resolve_reads_the_folder_or_one_file_then_the_variables() {
        let d = dir_with(
            "validation:\n  min_confidence_score: 0.6\n",
            "dev",
            Some("validation:\n  min_confidence_score: 0.55\n"),
        );
        let dir = ConfigSource::Dir(d.path().to_path_buf());
        let options = LoadOptions {
            env_vars: BTreeMap::from([
                ("MAX_RETRIES".into(), "7".into()),
                ("ENVIRONMENT".into(), " ".into()),
            ]),
            ..LoadOptions::default()
        };
        let c = resolve(&dir, "dev", &options);
        assert!(c.is_valid(), "{:?}", c.problems);
        let s = &c.settings;
        assert_eq!((s.min_confidence_score, s.max_retries), (0.55, 7));
        assert_eq!((s.environment.as_str(), c.files.len()), ("dev", 2));
        // an environment without an overlay gets the base (config validate reports it)
        let qa = resolve(&dir, "qa", &LoadOptions::default());
        assert!(qa.is_valid(), "{:?}", qa.problems);
        assert_eq!((qa.settings.min_confidence_score, qa.files.len()), (0.6, 1));
        // one file, and no deployment checks (the bucket is not required outside dev)
        let one = ConfigSource::File(d.path().join("config.yaml"));
        let prod = resolve(&one, "prod", &LoadOptions::default());
        assert!(prod.is_valid(), "{:?}", prod.problems);
        assert_eq!(prod.settings.min_confidence_score, 0.6);
        // no files: the defaults and the variables, as the Lambda reads them
        let none = resolve(&ConfigSource::None, "dev", &options);
        let lambda = Settings::default()
            .with_overrides(&BTreeMap::from([("MAX_RETRIES".into(), "7".into())]))
            .expect("valid");
        assert_eq!(none.settings, lambda);
        assert!(none.files.is_empty());
    }

    #[test]
    fn resolve_reports_missing_files_and_environment_names_without_a_file() {
        let d = tempfile::tempdir().expect("tempdir");
        let missing = resolve(
            &ConfigSource::File(d.path().join("nope.yaml")),
            "dev",
            &LoadOptions::default(),
        );
        assert_eq!(
            kinds_at(&missing),
            vec![(ProblemKind::Unreadable, "".into())]
        );
        assert!(missing.problems[0].source.ends_with("nope.yaml"));
        let empty_dir = resolve(
            &ConfigSource::Dir(d.path().to_path_buf()),
            "dev",
            &LoadOptions::default(),
        );
        assert_eq!(
            kinds_at(&empty_dir),
            vec![(ProblemKind::Unreadable, "".into())]
        );
        let named = dir_with("", "dev", None);
        let bad = resolve(
            &ConfigSource::Dir(named.path().to_path_buf()),
            "../dev",
            &LoadOptions::default(),
        );
        assert_eq!(
            kinds_at(&bad),
            vec![(ProblemKind::Invalid, "ENVIRONMENT".into())]
        );
        assert_eq!(bad.problems[0].source, ENVIRONMENT_SOURCE);
    }

    #[test]
    fn config_source_prefers_the_file_then_the_folder_then_none() {
        let (f, d) = (Path::new("f.yaml"), Path::new("d"));
        assert_eq!(
            ConfigSource::choose(Some(f), Some(d)),
            ConfigSource::File(f.into())
        );
        assert_eq!(
            ConfigSource::choose(None, Some(d)),
            ConfigSource::Dir(d.into())
        );
        // tests run in the crate's folder, which has no config/config.yaml
        assert_eq!(ConfigSource::choose(None, None), ConfigSource::None);
    }
}
