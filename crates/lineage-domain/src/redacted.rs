//! The trust boundary: a [`RedactedRunContext`] is a run context whose every text (arguments,
//! connection properties, script, extra objects, log messages, error messages, the Studio DAG)
//! has passed the run's [`Redactor`]. It is made once, where the gathered context enters the
//! pipeline; every later stage and sink takes this type, so none can be handed the raw one.

use crate::context::{ExtraObject, RunContext};
use crate::redact::{is_secret_key, Redactor, REDACTED};
use serde::Serialize;
use std::collections::BTreeMap;

/// A run context with its secrets redacted, and the redactor that did it (for texts that
/// arrive later: extra objects, model answers, port errors).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedactedRunContext {
    #[serde(flatten)]
    context: RunContext,
    #[serde(skip)]
    redactor: Redactor,
}

impl RunContext {
    /// This context with every secret redacted (see the module documentation).
    pub fn redact(self) -> RedactedRunContext {
        let redactor = Redactor::for_run(&self);
        let mut c = self;
        let args = |a: &BTreeMap<String, String>| redactor.redact_arguments(a);
        c.job.default_arguments = args(&c.job.default_arguments);
        c.run.arguments = args(&c.run.arguments);
        c.run.error_message = c
            .run
            .error_message
            .map(|m| redactor.redact(&m).into_owned());
        c.event.detail.message = redactor.redact(&c.event.detail.message).into_owned();
        if let Some(description) = c.job.description.take() {
            c.job.description = Some(redactor.redact(&description).into_owned());
        }
        if let Some(dag) = c.job.code_gen_configuration_nodes.as_mut() {
            redact_json(&redactor, dag);
        }
        for conn in &mut c.connections {
            conn.connection_properties = args(&conn.connection_properties);
        }
        if let Some(script) = c.script.as_mut() {
            script.text = match script.language {
                crate::ScriptLanguage::Sql => redactor.redact(&script.text).into_owned(),
                _ => redactor.redact_code(&script.text).into_owned(),
            };
        }
        for module in &mut c.modules {
            module.text = redactor.redact_code(&module.text).into_owned();
        }
        for extra in c.extra.values_mut() {
            extra.text = redactor.redact(&extra.text).into_owned();
        }
        for event in &mut c.logs {
            event.message = redactor.redact(&event.message).into_owned();
        }
        RedactedRunContext {
            context: c,
            redactor,
        }
    }
}

impl RedactedRunContext {
    /// The redactor of this run.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// Adds a Glue connection the script uses by name (redacted like the rest).
    pub fn add_connection(&mut self, mut connection: crate::job::Connection) {
        connection.connection_properties = self
            .redactor
            .redact_arguments(&connection.connection_properties);
        if self.context.connection(&connection.name).is_none() {
            self.context.connections.push(connection);
        }
    }

    /// Adds an S3 object the script reads (redacted like the rest).
    pub fn add_extra(&mut self, uri: &str, text: &str) {
        let uri = crate::context::normalise_s3_uri(uri);
        let text = self.redactor.redact(text).into_owned();
        self.context
            .extra
            .insert(uri.clone(), ExtraObject { uri, text });
    }
}

impl std::ops::Deref for RedactedRunContext {
    type Target = RunContext;
    fn deref(&self) -> &RunContext {
        &self.context
    }
}

/// Redacts every string of a JSON value; strings under secret-like keys are replaced whole.
fn redact_json(redactor: &Redactor, value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = redactor.redact(s).into_owned(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact_json(redactor, v)),
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if is_secret_key(k) && !s.is_empty() => {
                        *s = REDACTED.to_string();
                    }
                    _ => redact_json(redactor, v),
                }
            }
        }
        _ => {}
    }
}
