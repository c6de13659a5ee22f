//! EmfMetrics: the EMF lines it writes.

use lineage_aws::EmfMetrics;
use lineage_domain::ports::{Metric, Metrics};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn writes_one_emf_line_per_record() {
    let captured = Captured::default();
    let metrics = EmfMetrics::with_writer("LineageAgent", "dev", Box::new(captured.clone()));
    let before = chrono::Utc::now().timestamp_millis();
    metrics.record(
        "retail-orders",
        &[
            Metric::count("EdgesWritten", 3.0),
            Metric::millis("ProcessingTime", 1234.5),
        ],
    );
    metrics.record("other-job", &[Metric::count("Failures", 1.0)]);
    metrics.record("nothing", &[]);
    let text = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");

    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("json line");
    let aws = &v["_aws"];
    let ts = aws["Timestamp"].as_i64().expect("timestamp");
    assert!(ts >= before && ts <= chrono::Utc::now().timestamp_millis());
    let directive = &aws["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "LineageAgent");
    assert_eq!(
        directive["Dimensions"],
        serde_json::json!([["Environment"], ["Environment", "JobName"]])
    );
    assert_eq!(
        directive["Metrics"],
        serde_json::json!([
            {"Name": "EdgesWritten", "Unit": "Count"},
            {"Name": "ProcessingTime", "Unit": "Milliseconds"}
        ])
    );
    assert_eq!(v["Environment"], "dev");
    assert_eq!(v["JobName"], "retail-orders");
    assert_eq!(v["EdgesWritten"], 3.0);
    assert_eq!(v["ProcessingTime"], 1234.5);

    let v: serde_json::Value = serde_json::from_str(lines[1]).expect("json line");
    assert_eq!(v["JobName"], "other-job");
    assert_eq!(v["Failures"], 1.0);
}
