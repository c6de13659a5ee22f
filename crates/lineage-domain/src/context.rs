//! The run context: everything gathered about one job run before lineage is inferred (the
//! event, job definition, job run, connections, script, extra S3 objects the script reads, and
//! the run's log events). Extraction is a pure function of it.

use crate::event::GlueJobStateChange;
use crate::job::{Connection, JobDefinition};
use crate::run::JobRun;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The language of a job script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScriptLanguage {
    Python,
    Scala,
    Sql,
}

impl ScriptLanguage {
    /// From the script's file name, falling back to Glue's `--job-language` argument.
    pub fn detect(location: &str, job_language_arg: Option<&str>) -> Self {
        let lower = location.to_ascii_lowercase();
        if lower.ends_with(".scala") {
            ScriptLanguage::Scala
        } else if lower.ends_with(".sql") {
            ScriptLanguage::Sql
        } else if lower.ends_with(".py") {
            ScriptLanguage::Python
        } else if job_language_arg.is_some_and(|l| l.eq_ignore_ascii_case("scala")) {
            ScriptLanguage::Scala
        } else {
            ScriptLanguage::Python
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptLanguage::Python => "python",
            ScriptLanguage::Scala => "scala",
            ScriptLanguage::Sql => "sql",
        }
    }
}

/// The job script as stored at `Command.ScriptLocation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub location: String,
    pub language: ScriptLanguage,
    pub text: String,
}

/// Another S3 object the script reads at run time (a JSON config, a SQL file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtraObject {
    /// `s3://bucket/key`.
    pub uri: String,
    pub text: String,
}

/// A Python module shipped with the job (`--extra-py-files`: a `.py` file, or a `.py` member
/// of a `.zip` archive), importable by its dotted name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceModule {
    /// The import name (`helpers`, `pkg.sub`; a package's `__init__` is the package).
    pub name: String,
    /// Where it came from: `s3://bucket/key` (and `!member.py` inside an archive).
    pub uri: String,
    pub text: String,
}

/// One CloudWatch Logs event of the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogEvent {
    #[serde(default)]
    pub log_stream_name: String,
    pub timestamp: i64,
    pub message: String,
    #[serde(default)]
    pub event_id: String,
}

/// Everything known about one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunContext {
    pub event: GlueJobStateChange,
    pub job: JobDefinition,
    pub run: JobRun,
    /// The connections of the job (and of the run), as `glue:GetConnection` returns them.
    pub connections: Vec<Connection>,
    pub script: Option<Script>,
    /// Extra S3 objects keyed by `s3://bucket/key`.
    pub extra: BTreeMap<String, ExtraObject>,
    /// Python modules shipped with the job (`--extra-py-files`).
    pub modules: Vec<SourceModule>,
    pub logs: Vec<LogEvent>,
}

impl RunContext {
    /// The AWS account of the run (from the event envelope).
    pub fn account(&self) -> &str {
        &self.event.envelope.account
    }
    /// The AWS region of the run (from the event envelope).
    pub fn region(&self) -> &str {
        &self.event.envelope.region
    }

    /// The run's effective arguments: job `DefaultArguments` overridden by run `Arguments`.
    pub fn effective_arguments(&self) -> BTreeMap<String, String> {
        let mut args = self.job.default_arguments.clone();
        for (k, v) in &self.run.arguments {
            args.insert(k.clone(), v.clone());
        }
        args
    }

    pub fn connection(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }

    /// The extra object stored at `s3://bucket/key`, if gathered.
    pub fn extra_object(&self, uri: &str) -> Option<&ExtraObject> {
        let normal = normalise_s3_uri(uri);
        self.extra.get(&normal)
    }
}

/// `s3a://` and `s3n://` become `s3://`.
pub fn normalise_s3_uri(uri: &str) -> String {
    for scheme in ["s3a://", "s3n://"] {
        if let Some(rest) = uri.strip_prefix(scheme) {
            return format!("s3://{rest}");
        }
    }
    uri.to_string()
}
