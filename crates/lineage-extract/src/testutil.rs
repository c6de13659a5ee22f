//! Test support for the crate's unit tests: a minimal run context around a script (one job,
//! one succeeded run, the job's default arguments), and what running a script left: its
//! variables and its findings as short lines.

use crate::emit::{Findings, Target};
use crate::interp::Scopes;
use crate::value::Value;
use lineage_domain::{
    Direction, GlueJobStateChange, JobDefinition, JobRun, RunContext, Script, ScriptLanguage,
};
use std::collections::BTreeMap;

/// A run context of job `unit-job` whose script is `text`; `args` are default arguments given
/// without their `--` (`[("bucket", "b1")]`).
pub(crate) fn context(language: ScriptLanguage, text: &str, args: &[(&str, &str)]) -> RunContext {
    let event = GlueJobStateChange::from_json(
        r#"{"version":"0","id":"e","detail-type":"Glue Job State Change","source":"aws.glue",
            "account":"111122223333","time":"2024-03-02T10:10:00Z","region":"us-east-1",
            "resources":[],"detail":{"jobName":"unit-job","jobRunId":"jr_1",
            "state":"SUCCEEDED","severity":"INFO","message":""}}"#,
    )
    .expect("event");
    let defaults: BTreeMap<String, String> = args
        .iter()
        .map(|(k, v)| (format!("--{k}"), v.to_string()))
        .collect();
    let job: JobDefinition = serde_json::from_value(serde_json::json!({
        "Name": "unit-job",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py"},
        "DefaultArguments": defaults,
    }))
    .expect("job");
    let run: JobRun = serde_json::from_value(serde_json::json!({
        "Id": "jr_1", "JobName": "unit-job", "Arguments": {},
        "StartedOn": "2024-03-02T10:00:00Z", "CompletedOn": "2024-03-02T10:09:00Z",
        "JobRunState": "SUCCEEDED",
    }))
    .expect("run");
    RunContext {
        event,
        job,
        run,
        connections: Vec::new(),
        script: Some(Script {
            location: "s3://scripts/job".into(),
            language,
            text: text.to_string(),
        }),
        extra: BTreeMap::new(),
        modules: Vec::new(),
        logs: Vec::new(),
    }
}

/// The I/O findings in execution order as `in|out dataset` lines (`in|out ?expression` for
/// targets that could not be named).
pub(crate) fn ios(found: &Findings) -> Vec<String> {
    found
        .ios
        .iter()
        .map(|io| {
            let dir = match io.direction {
                Direction::Input => "in",
                Direction::Output => "out",
            };
            match &io.target {
                Target::Dataset(d) => format!("{dir} {d}"),
                Target::Unresolved { expression, .. } => format!("{dir} ?{expression}"),
            }
        })
        .collect()
}

/// What an interpreter left after running a script: its variables and its findings.
pub(crate) struct Run {
    pub(crate) scopes: Scopes,
    pub(crate) found: Findings,
}

impl Run {
    /// The value of a variable (`Value::None` when it was never bound).
    pub(crate) fn value(&self, name: &str) -> Value {
        self.scopes.lookup(name).unwrap_or(Value::None)
    }

    /// Whether a variable holds an unknown value.
    pub(crate) fn is_unknown(&self, name: &str) -> bool {
        matches!(self.value(name), Value::Unknown(_))
    }

    /// The known text of a string variable.
    pub(crate) fn text(&self, name: &str) -> Option<String> {
        self.value(name).as_known_str()
    }

    /// A string variable with its unknown pieces shown as `{expression}`.
    pub(crate) fn described(&self, name: &str) -> String {
        self.value(name).to_pstr().describe()
    }

    /// The known texts of a list variable (unknown items in debug form).
    pub(crate) fn texts(&self, name: &str) -> Vec<String> {
        match self.value(name) {
            Value::List(l) => l
                .iter()
                .map(|v| v.as_known_str().unwrap_or_else(|| format!("{v:?}")))
                .collect(),
            v => panic!("{name} is not a list: {v:?}"),
        }
    }

    /// The I/O findings as `in|out dataset` lines, in execution order.
    pub(crate) fn ios(&self) -> Vec<String> {
        ios(&self.found)
    }
}
