//! [`EmfMetrics`]: the `Metrics` port as CloudWatch Embedded Metric Format. Each `record` call
//! writes one JSON line (per 100 metrics) to stdout, or to an injected writer in tests; Lambda
//! ships stdout to CloudWatch Logs, which extracts the metrics. No API call is made.
//!
//! Every metric is published under two dimension sets, `[Environment]` (what the alarms and
//! the dashboard read) and `[Environment, JobName]` (per job); CloudWatch treats each set as a
//! metric of its own, so an alarm must name exactly one of them (`infra/tests` checks it).

use lineage_domain::ports::{Metric, Metrics};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::sync::Mutex;

/// The most metrics one EMF directive may carry.
const MAX_METRICS_PER_LINE: usize = 100;

/// The dimension sets every metric is published under.
pub const DIMENSION_SETS: &[&[&str]] = &[&["Environment"], &["Environment", "JobName"]];

/// Metrics as EMF JSON lines, under the [`DIMENSION_SETS`].
pub struct EmfMetrics {
    namespace: String,
    environment: String,
    writer: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for EmfMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmfMetrics")
            .field("namespace", &self.namespace)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl EmfMetrics {
    /// Writes to stdout.
    pub fn new(namespace: impl Into<String>, environment: impl Into<String>) -> Self {
        Self::with_writer(namespace, environment, Box::new(std::io::stdout()))
    }

    /// Writes to `writer` (a test captures the lines).
    pub fn with_writer(
        namespace: impl Into<String>,
        environment: impl Into<String>,
        writer: Box<dyn Write + Send>,
    ) -> Self {
        Self {
            namespace: namespace.into(),
            environment: environment.into(),
            writer: Mutex::new(writer),
        }
    }

    /// The EMF lines of one `record` call, at `timestamp_ms`.
    pub fn lines(&self, job_name: &str, metrics: &[Metric], timestamp_ms: i64) -> Vec<String> {
        // one entry per metric name; repeated names become a list of values
        let mut names: Vec<(&str, &str, Vec<f64>)> = Vec::new();
        for m in metrics.iter().filter(|m| m.value.is_finite()) {
            match names.iter_mut().find(|(n, _, _)| *n == m.name) {
                Some((_, _, values)) => values.push(m.value),
                None => names.push((&m.name, &m.unit, vec![m.value])),
            }
        }
        names
            .chunks(MAX_METRICS_PER_LINE)
            .map(|chunk| {
                let definitions: Vec<Value> = chunk
                    .iter()
                    .map(|(n, u, _)| json!({"Name": n, "Unit": u}))
                    .collect();
                let mut root = Map::new();
                root.insert(
                    "_aws".into(),
                    json!({
                        "Timestamp": timestamp_ms,
                        "CloudWatchMetrics": [{
                            "Namespace": self.namespace,
                            "Dimensions": DIMENSION_SETS,
                            "Metrics": definitions,
                        }],
                    }),
                );
                root.insert("Environment".into(), json!(self.environment));
                root.insert("JobName".into(), json!(job_name));
                for (n, _, values) in chunk {
                    let v = match values.as_slice() {
                        [one] => json!(one),
                        many => json!(many),
                    };
                    root.insert((*n).to_string(), v);
                }
                Value::Object(root).to_string()
            })
            .collect()
    }
}

impl Metrics for EmfMetrics {
    fn record(&self, job_name: &str, metrics: &[Metric]) {
        if metrics.is_empty() {
            return;
        }
        let lines = self.lines(job_name, metrics, chrono::Utc::now().timestamp_millis());
        let mut w = match self.writer.lock() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        };
        for line in lines {
            // metrics must never fail the pipeline
            if let Err(e) = writeln!(w, "{line}") {
                tracing::warn!(error = %e, "could not write an EMF line");
            }
        }
        let _ = w.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_become_lists() {
        let m = EmfMetrics::with_writer("NS", "dev", Box::new(std::io::sink()));
        let lines = m.lines(
            "j",
            &[
                Metric::count("A", 1.0),
                Metric::count("A", 2.0),
                Metric::millis("B", 3.0),
            ],
            7,
        );
        assert_eq!(lines.len(), 1);
        let v: Value = serde_json::from_str(&lines[0]).expect("json");
        assert_eq!(v["A"], json!([1.0, 2.0]));
        assert_eq!(v["B"], json!(3.0));
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Environment"], ["Environment", "JobName"]])
        );
        assert_eq!(
            (v["Environment"].as_str(), v["JobName"].as_str()),
            (Some("dev"), Some("j"))
        );
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );
    }
}
