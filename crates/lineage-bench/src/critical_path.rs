//! The critical path of one run from the calls the proxy recorded: each call is put in the stage
//! of the pipeline it belongs to (the stages must follow one another: a later one needs what an
//! earlier one returned), the calls of a stage may all run at once except the pages of one log
//! group (each needs the previous page's token) and the writes of one DynamoDB item (a
//! conditional put, then the conditional updates when the item exists), so the critical path is
//! the sum over stages of the stage's longest chain. The run's wall time against it says how much the pipeline waits
//! on itself rather than on AWS.

use lineage_fakes::proxy::Call;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// The stages, in the order they must follow one another.
pub const STAGES: [&str; 7] = [
    "check (recorded run?)",
    "job run ‖ job",
    "connections ‖ script ‖ modules ‖ logs",
    "objects the script reads",
    "claim ‖ catalog tables",
    "document ‖ mappings",
    "execution context (done marker)",
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The stage index of each call (see [`STAGES`]); `context_table` names the execution contexts.
pub fn stages(calls: &[Call], context_table: &str) -> Vec<usize> {
    let script_end = calls
        .iter()
        .find(|c| c.operation == "S3.GET")
        .map(|c| c.end);
    let mut written = false;
    calls
        .iter()
        .map(|c| {
            let op = c.operation.as_str();
            let on_context = c.resource == context_table;
            if op.starts_with("AWSGlue.GetJob") {
                1
            } else if op == "AWSGlue.GetTable" || op == "AWSGlue.GetPartitions" {
                // started beside the claim (the tables the script names), awaited before the
                // writes beside the storage checks
                4
            } else if op == "AWSGlue.GetConnection" || op == "S3.GET" {
                match script_end {
                    Some(end) if c.start >= end => 3,
                    _ => 2,
                }
            } else if op.starts_with("Logs_") {
                2
            } else if op.ends_with(".GetItem") && on_context && !written {
                0
            } else if op.ends_with(".UpdateItem") && on_context && !written {
                4
            } else if on_context {
                6
            } else {
                written = true;
                5
            }
        })
        .collect()
}

/// A chain's length: its calls one after another, except calls sent together (one starting
/// before the one before it ended: the two conditional updates of an item) count once, as the
/// longest of them.
fn chain_ms(calls: &[&Call]) -> f64 {
    let mut total = 0.0;
    let mut wave: Option<(Duration, Duration)> = None; // (start, end) of the current wave
    for c in calls {
        match wave {
            Some((start, end)) if c.start < end => wave = Some((start, end.max(c.end))),
            _ => {
                if let Some((start, end)) = wave {
                    total += ms(end - start);
                }
                wave = Some((c.start, c.end));
            }
        }
    }
    if let Some((start, end)) = wave {
        total += ms(end - start);
    }
    total
}

/// The run's critical path and its stages: `{ "critical_path_ms", "stages": [{name, ms, calls}] }`.
pub fn critical_path(calls: &[Call], context_table: &str) -> Value {
    let idx = stages(calls, context_table);
    let mut total = 0.0;
    let mut out = Vec::new();
    for (s, name) in STAGES.iter().enumerate() {
        // chains: the pages of one log group follow one another; every other call is its own
        let mut chains: BTreeMap<String, Vec<&Call>> = BTreeMap::new();
        let mut n = 0;
        for (i, c) in calls.iter().enumerate().filter(|(i, _)| idx[*i] == s) {
            n += 1;
            let key = if c.operation.ends_with("FilterLogEvents") {
                format!("logs {}", c.resource)
            } else if !c.key.is_empty() {
                format!("item {} {}", c.resource, c.key)
            } else {
                format!("#{i}")
            };
            chains.entry(key).or_default().push(c);
        }
        let longest = chains.values().map(|c| chain_ms(c)).fold(0.0, f64::max);
        total += longest;
        if n > 0 {
            out.push(json!({ "stage": name, "ms": longest, "calls": n }));
        }
    }
    json!({ "critical_path_ms": total, "stages": out })
}

/// The calls with offsets from `origin` (the run's start), for the call graph.
pub fn call_graph(calls: &[Call], origin: Duration, context_table: &str) -> Value {
    let idx = stages(calls, context_table);
    calls
        .iter()
        .zip(idx)
        .map(|(c, s)| {
            json!({
                "start_ms": ms(c.start.saturating_sub(origin)),
                "end_ms": ms(c.end.saturating_sub(origin)),
                "operation": c.operation,
                "resource": c.resource,
                "stage": STAGES[s],
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(op: &str, resource: &str, start: u64, end: u64) -> Call {
        Call {
            operation: op.into(),
            resource: resource.into(),
            key: String::new(),
            start: Duration::from_millis(start),
            end: Duration::from_millis(end),
        }
    }

    #[test]
    fn stages_sum_their_longest_chain() {
        let calls = vec![
            call("DynamoDB_20120810.GetItem", "ctx", 0, 30),
            call("AWSGlue.GetJobRun", "", 30, 60),
            call("AWSGlue.GetJob", "", 30, 62),
            call("S3.GET", "/b/script.py", 62, 90),
            call("Logs_20140328.FilterLogEvents", "/g", 62, 90),
            call("Logs_20140328.FilterLogEvents", "/g", 90, 120),
            call("Logs_20140328.FilterLogEvents", "/h", 62, 92),
            call("DynamoDB_20120810.UpdateItem", "ctx", 121, 150),
            call("AWSGlue.GetTable", "", 121, 140),
            call("S3.PUT", "/lineage/x.json", 150, 180),
            call("DynamoDB_20120810.PutItem", "maps", 150, 181),
            call("DynamoDB_20120810.PutItem", "ctx", 181, 210),
        ];
        let cp = critical_path(&calls, "ctx");
        // 30 + 32 + (30 + 28 log pages) + 29 + 31 + 29
        assert!((cp["critical_path_ms"].as_f64().unwrap_or(0.0) - 209.0).abs() < 1e-6);
        assert_eq!(
            stages(&calls, "ctx"),
            vec![0, 1, 1, 2, 2, 2, 2, 4, 4, 5, 5, 6],
            "a table looked up beside the claim"
        );
    }
}
