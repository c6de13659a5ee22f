//! Applying the files' keys to [`Settings`]: each key checked against the engine's list of
//! settings, with its type, its value and its file, and every problem collected.

use super::*;

pub(super) struct State {
    pub(super) settings: Settings,
    pub(super) problems: Vec<Problem>,
    pub(super) account_id: Option<String>,
}

/// A section's entries with nested groups (`transport.auth.type`, `transport.retry.total`, as
/// the OpenLineage client's `transport` section nests them) as dotted keys (`auth.type`).
fn flatten(section: &str, entries: serde_yaml_ng::Mapping) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (k, v) in entries {
        let key = k
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| key_text(&k));
        let group = format!("{key}.");
        let nested = file_keys().any(|(s, n, _)| s == section && n.starts_with(&group));
        match v {
            Value::Mapping(inner) if nested => {
                for (sub, value) in flatten(section, inner) {
                    out.push((format!("{key}.{sub}"), value));
                }
            }
            v => out.push((key, v)),
        }
    }
    out
}

/// The keys of the files in [`SETTINGS`] order: section, name, and the setting.
pub(super) fn file_keys() -> impl Iterator<Item = (&'static str, &'static str, &'static Setting)> {
    SETTINGS.iter().filter_map(|s| {
        let (key, _) = s.file?;
        let (section, name) = key.split_once('.')?;
        Some((section, name, s))
    })
}

impl State {
    pub(super) fn new(environment: &str, options: &LoadOptions) -> Self {
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
    pub(super) fn read_files(
        &mut self,
        files: &[(PathBuf, Need)],
        environment: &str,
    ) -> Vec<PathBuf> {
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

    pub(super) fn finish(mut self, environment: &str, files: Vec<PathBuf>) -> LoadedConfig {
        // settings that are only complete together: a transport type and what it needs
        let transport = &self.settings.transport;
        let incomplete = [transport.http().err(), transport.datazone().err()];
        for why in incomplete.into_iter().flatten() {
            self.problem("the configuration", "transport", ProblemKind::Missing, why);
        }
        LoadedConfig {
            environment: environment.to_string(),
            files,
            settings: self.settings,
            problems: self.problems,
        }
    }

    pub(super) fn problem(
        &mut self,
        source: &str,
        key: &str,
        kind: ProblemKind,
        message: impl Into<String>,
    ) {
        self.problems.push(Problem {
            source: source.to_string(),
            key: key.to_string(),
            kind,
            message: message.into(),
        });
    }

    pub(super) fn apply_text(&mut self, source: &str, text: &str) {
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
            for (key, v) in flatten(&section, entries) {
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
    pub(super) fn set(
        &mut self,
        setting: &Setting,
        v: &Value,
    ) -> Result<(), (ProblemKind, String)> {
        let Some((_, kind)) = setting.file else {
            return Err((ProblemKind::UnknownKey, "not a file setting".into()));
        };
        let typed = self.check(kind, v)?;
        (setting.file_check)(&typed).map_err(|why| (ProblemKind::Invalid, why))?;
        (setting.apply)(&mut self.settings, typed).map_err(|why| (ProblemKind::Invalid, why))
    }

    /// Type and range check of one value.
    pub(super) fn check(&self, ty: Kind, v: &Value) -> Result<Typed, (ProblemKind, String)> {
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
    pub(super) fn resolve(&self, s: &str) -> String {
        match &self.account_id {
            Some(acct) => s.replace(ACCOUNT_PLACEHOLDER, acct),
            None => s.to_string(),
        }
    }

    /// The environment variable overrides, one at a time so that every bad one is reported.
    pub(super) fn apply_env(&mut self, vars: &BTreeMap<String, String>) {
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

pub(super) fn type_name(v: &Value) -> &'static str {
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

pub(super) fn key_text(v: &Value) -> String {
    serde_yaml_ng::to_string(v)
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

/// `" (did you mean X?)"` for the closest known name within two edits, else `""`.
pub(super) fn suggest(name: &str, known: impl Iterator<Item = String>) -> String {
    known
        .map(|k| {
            let short = k.rsplit('.').next().unwrap_or(&k).to_string();
            (
                strsim::levenshtein(name, &short).min(strsim::levenshtein(name, &k)),
                k,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!(" (did you mean {k}?)"))
        .unwrap_or_default()
}
