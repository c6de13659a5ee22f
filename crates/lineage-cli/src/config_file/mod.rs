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
            // nested groups (`auth.type`) as nested mappings, as the files write them
            let mut at = root
                .entry(section)
                .or_insert_with(|| serde_json::Value::Object(Default::default()));
            let mut parts: Vec<&str> = name.split('.').collect();
            let last = parts.pop().unwrap_or(name);
            for part in parts {
                let serde_json::Value::Object(m) = at else {
                    break;
                };
                at = m
                    .entry(part)
                    .or_insert_with(|| serde_json::Value::Object(Default::default()));
            }
            if let serde_json::Value::Object(m) = at {
                m.insert(last.to_string(), value);
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

mod apply;
#[cfg(test)]
mod tests;

use apply::State;
