//! Local metrics: kept in memory so the CLI can summarise them and tests can assert them.

use lineage_domain::ports::{Metric, Metrics};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct RecordingMetrics {
    records: Mutex<Vec<(String, Metric)>>,
}

impl RecordingMetrics {
    /// Every (job, metric) recorded so far.
    pub fn records(&self) -> Vec<(String, Metric)> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
    /// The sum of one metric over all jobs.
    pub fn total(&self, name: &str) -> f64 {
        self.records()
            .iter()
            .filter(|(_, m)| m.name == name)
            .map(|(_, m)| m.value)
            .sum()
    }
}

impl Metrics for RecordingMetrics {
    fn record(&self, job_name: &str, metrics: &[Metric]) {
        if let Ok(mut r) = self.records.lock() {
            r.extend(metrics.iter().map(|m| (job_name.to_string(), m.clone())));
        }
    }
}
