//! Test harness: builds a `RunContext` from a script and arguments, and summarises an
//! extraction as sorted `direction dataset [rules]` lines for snapshots.
#![allow(dead_code)]

use lineage_domain::{
    Connection, Direction, ExtraObject, GlueJobStateChange, JobDefinition, JobRun, LogEvent,
    RunContext, Script, ScriptLanguage, SourceModule,
};
use lineage_extract::{extract, ExtractSettings, Extraction};
use std::collections::BTreeMap;

pub struct Case {
    pub script: String,
    pub language: ScriptLanguage,
    pub defaults: Vec<(String, String)>,
    pub run_args: Vec<(String, String)>,
    pub connections: Vec<Connection>,
    /// Connections attached to the job (`Job.Connections.Connections`).
    pub attached: Vec<String>,
    pub extra: Vec<(String, String)>,
    pub modules: Vec<(String, String)>,
    pub logs: Vec<(i64, String)>,
    pub state: &'static str,
    pub error: Option<String>,
    pub region: &'static str,
}

impl Case {
    pub fn python(script: &str) -> Self {
        Self {
            script: script.to_string(),
            language: ScriptLanguage::Python,
            defaults: Vec::new(),
            run_args: Vec::new(),
            connections: Vec::new(),
            attached: Vec::new(),
            extra: Vec::new(),
            modules: Vec::new(),
            logs: Vec::new(),
            state: "SUCCEEDED",
            error: None,
            region: "us-east-1",
        }
    }
    pub fn fixture(name: &str) -> Self {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).expect("fixture");
        let mut c = Self::python(&text);
        if name.ends_with(".scala") {
            c.language = ScriptLanguage::Scala;
        }
        c
    }
    pub fn default_arg(mut self, k: &str, v: &str) -> Self {
        self.defaults.push((format!("--{k}"), v.to_string()));
        self
    }
    pub fn run_arg(mut self, k: &str, v: &str) -> Self {
        self.run_args.push((format!("--{k}"), v.to_string()));
        self
    }
    pub fn connection(mut self, name: &str, ctype: &str, props: &[(&str, &str)]) -> Self {
        self.connections.push(Connection {
            name: name.to_string(),
            connection_type: ctype.to_string(),
            connection_properties: props
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        });
        self
    }
    /// Attaches a connection to the job.
    pub fn attach(mut self, name: &str) -> Self {
        self.attached.push(name.to_string());
        self
    }
    pub fn extra(mut self, uri: &str, text: &str) -> Self {
        self.extra.push((uri.to_string(), text.to_string()));
        self
    }
    /// A log line `secs` seconds after the run started.
    /// A module shipped with the job (`--extra-py-files`), by import name.
    pub fn module(mut self, name: &str, text: &str) -> Self {
        self.modules.push((name.to_string(), text.to_string()));
        self
    }

    pub fn log(mut self, secs: i64, message: &str) -> Self {
        self.logs.push((secs, message.to_string()));
        self
    }
    pub fn failed(mut self, error: &str) -> Self {
        self.state = "FAILED";
        self.error = Some(error.to_string());
        self
    }

    pub fn context(&self) -> RunContext {
        let event = GlueJobStateChange::from_json(&format!(
            r#"{{"version":"0","id":"e","detail-type":"Glue Job State Change","source":"aws.glue",
               "account":"111122223333","time":"2024-03-02T10:10:00Z","region":"{}","resources":[],
               "detail":{{"jobName":"fixture-job","jobRunId":"jr_1","state":"{}","severity":"INFO","message":""}}}}"#,
            self.region, self.state
        ))
        .expect("event");
        let defaults: BTreeMap<String, String> = self.defaults.iter().cloned().collect();
        let job: JobDefinition = serde_json::from_value(serde_json::json!({
            "Name": "fixture-job",
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py"},
            "DefaultArguments": defaults,
            "Connections": {"Connections": self.attached},
        }))
        .expect("job");
        let args: BTreeMap<String, String> = self.run_args.iter().cloned().collect();
        let run: JobRun = serde_json::from_value(serde_json::json!({
            "Id": "jr_1", "JobName": "fixture-job", "Arguments": args,
            "StartedOn": "2024-03-02T10:00:00Z", "CompletedOn": "2024-03-02T10:09:00Z",
            "JobRunState": self.state, "ErrorMessage": self.error,
        }))
        .expect("run");
        let start = run.started_on.timestamp_millis();
        RunContext {
            event,
            job,
            run,
            connections: self.connections.clone(),
            script: Some(Script {
                location: "s3://scripts/job".into(),
                language: self.language,
                text: self.script.clone(),
            }),
            extra: self
                .extra
                .iter()
                .map(|(u, t)| {
                    (
                        u.clone(),
                        ExtraObject {
                            uri: u.clone(),
                            text: t.clone(),
                        },
                    )
                })
                .collect(),
            modules: self
                .modules
                .iter()
                .map(|(name, text)| SourceModule {
                    name: name.clone(),
                    uri: format!("s3://libs/{}.py", name.replace('.', "/")),
                    text: text.clone(),
                })
                .collect(),
            logs: self
                .logs
                .iter()
                .enumerate()
                .map(|(i, (s, m))| LogEvent {
                    log_stream_name: "jr_1".into(),
                    timestamp: start + s * 1000,
                    message: m.clone(),
                    event_id: format!("ev{i}"),
                })
                .collect(),
        }
    }

    pub fn extract(&self) -> Extraction {
        extract(&self.context().redact(), &ExtractSettings::default()).expect("extraction")
    }
}

/// `in|out dataset  rules...` lines, sorted.
pub fn summary(x: &Extraction) -> Vec<String> {
    let mut lines: Vec<String> = x
        .edges
        .iter()
        .map(|e| {
            let mut rules: Vec<String> = e.evidence.iter().map(|v| v.rule.clone()).collect();
            rules.sort();
            rules.dedup();
            let dir = match e.direction {
                Direction::Input => "in ",
                Direction::Output => "out",
            };
            format!("{dir} {} [{}]", e.dataset, rules.join(", "))
        })
        .collect();
    lines.sort();
    lines
}

/// The datasets of one direction as `Display` strings.
pub fn names(x: &Extraction, d: Direction) -> Vec<String> {
    let mut v: Vec<String> = x.datasets(d).into_iter().map(|d| d.to_string()).collect();
    v.sort();
    v
}
