//! The sample events shipped in `events/` parse, round-trip, and carry what the fixtures expect.

use lineage_domain::{GlueJobStateChange, RunState};
use std::path::Path;

fn events_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

#[test]
fn glue_sample_events_round_trip() {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(events_dir()).expect("events/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        if !name.starts_with("glue-job-") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let event = GlueJobStateChange::from_json(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = GlueJobStateChange::from_json(&serde_json::to_string(&event).expect("json"))
            .expect("reparse");
        assert_eq!(event, again, "{name}");
        seen.push(event.state());
    }
    seen.sort();
    assert_eq!(
        seen,
        vec![RunState::Succeeded, RunState::Failed, RunState::Stopped]
    );
}

#[test]
fn health_check_payload_is_not_a_glue_event() {
    let text = std::fs::read_to_string(events_dir().join("health-check.json")).expect("read");
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["action"], "health_check");
    assert!(GlueJobStateChange::from_json(&text).is_err());
}
