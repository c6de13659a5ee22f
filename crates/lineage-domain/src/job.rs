//! A Glue job definition (what `glue:GetJob` returns) and the Glue connections it uses (what
//! `glue:GetConnection` returns), in the field names of the Glue API so a captured response
//! deserialises as it is.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The kind of Glue job, from `Command.Name`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum JobCommand {
    /// `glueetl`: Spark batch.
    Etl,
    /// `gluestreaming`: Spark structured streaming.
    Streaming,
    /// `pythonshell`: plain Python.
    PythonShell,
    /// `glueray` or anything newer.
    Other(String),
}

impl From<String> for JobCommand {
    fn from(s: String) -> Self {
        match s.as_str() {
            "glueetl" => JobCommand::Etl,
            "gluestreaming" => JobCommand::Streaming,
            "pythonshell" => JobCommand::PythonShell,
            _ => JobCommand::Other(s),
        }
    }
}

impl From<JobCommand> for String {
    fn from(c: JobCommand) -> Self {
        c.as_str().to_string()
    }
}

impl JobCommand {
    pub fn as_str(&self) -> &str {
        match self {
            JobCommand::Etl => "glueetl",
            JobCommand::Streaming => "gluestreaming",
            JobCommand::PythonShell => "pythonshell",
            JobCommand::Other(s) => s,
        }
    }
    pub fn is_streaming(&self) -> bool {
        matches!(self, JobCommand::Streaming)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Command {
    pub name: JobCommand,
    #[serde(default)]
    pub script_location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_version: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConnectionList {
    #[serde(default)]
    pub connections: Vec<String>,
}

/// A Glue job definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobDefinition {
    pub name: String,
    pub command: Command,
    #[serde(default)]
    pub default_arguments: BTreeMap<String, String>,
    #[serde(default)]
    pub connections: ConnectionList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glue_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_workers: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Glue Studio's visual DAG, when the job was built in Studio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_gen_configuration_nodes: Option<serde_json::Value>,
}

impl JobDefinition {
    pub fn connection_names(&self) -> &[String] {
        &self.connections.connections
    }
}

/// A Glue connection: its type and properties (`JDBC_CONNECTION_URL`,
/// `KAFKA_BOOTSTRAP_SERVERS`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Connection {
    pub name: String,
    #[serde(default)]
    pub connection_type: String,
    #[serde(default)]
    pub connection_properties: BTreeMap<String, String>,
}

impl Connection {
    pub fn property(&self, key: &str) -> Option<&str> {
        self.connection_properties.get(key).map(String::as_str)
    }
}
