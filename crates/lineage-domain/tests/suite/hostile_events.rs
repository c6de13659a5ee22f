//! Hostile input for event parsing (property tests, bounded case count so they run in
//! `make test`; `make fuzz` runs them longer via PROPTEST_CASES): arbitrary bytes, arbitrary
//! JSON, and mutations of a real event never panic, and every rejection is a typed error that
//! names the problem.

use lineage_domain::{DomainError, GlueJobStateChange};
use proptest::prelude::*;

const EVENT: &str = include_str!("../../../../events/glue-job-succeeded.json");

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        ".{0,40}".prop_map(serde_json::Value::String),
        prop::sample::select(vec![
            "aws.glue",
            "Glue Job State Change",
            "SUCCEEDED",
            "RUNNING",
            ""
        ])
        .prop_map(|s| serde_json::Value::String(s.to_string())),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "source",
                    "detail-type",
                    "detail",
                    "jobName",
                    "jobRunId",
                    "state",
                    "x"
                ])
                .prop_map(str::to_string),
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// 256 cases in `make test`; `PROPTEST_CASES` raises it for `make fuzz`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn check(result: Result<GlueJobStateChange, DomainError>) {
    match result {
        Ok(e) => {
            assert!(!e.job_name().trim().is_empty());
            assert!(!e.job_run_id().trim().is_empty());
        }
        Err(err) => assert!(!err.to_string().is_empty(), "a rejection names the problem"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(GlueJobStateChange::from_json(&String::from_utf8_lossy(&bytes)));
    }

    #[test]
    fn arbitrary_json_never_panics(v in json_value()) {
        check(GlueJobStateChange::from_value(v));
    }

    #[test]
    fn mutated_real_events_never_panic(pos in 0usize..EVENT.len(), len in 0usize..40, insert in ".{0,8}") {
        let mut text = EVENT.to_string();
        let start = (0..=pos).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        let end = (start + len).min(text.len());
        let end = (end..=text.len()).find(|i| text.is_char_boundary(*i)).unwrap_or(text.len());
        text.replace_range(start..end, &insert);
        check(GlueJobStateChange::from_json(&text));
    }
}

#[test]
fn deeply_nested_json_is_rejected_not_overflowed() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = GlueJobStateChange::from_json(&deep).expect_err("not an event");
    assert!(
        err.to_string().contains("recursion limit") || matches!(err, DomainError::NotAGlueEvent(_)),
        "{err}"
    );
}

#[test]
fn a_huge_event_is_parsed_or_rejected_without_panicking() {
    let big = EVENT.replace("Job run succeeded", &"x".repeat(5 << 20));
    check(GlueJobStateChange::from_json(&big));
}
