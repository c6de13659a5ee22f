//! Tests of the settings: defaults, variables and their ranges, the file checks.

use super::*;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_are_the_seed_defaults() {
    let s = Settings::default();
    assert_eq!((s.model.max_tokens, s.model.temperature), (4000, 0.1));
    assert_eq!(
        (s.min_confidence_score, s.time_tolerance_seconds),
        (0.7, 300)
    );
    assert_eq!(
        (s.max_retries, s.retry_delay_seconds, s.enable_fallback),
        (3, 5.0, true)
    );
    assert_eq!(s.metrics_namespace, "EnhancedLineageAgent");
    assert_eq!(s.lineage_prefix, "lineage");
}

#[test]
fn overrides_apply_and_bad_values_name_their_variable() {
    let s = Settings::default()
        .with_overrides(&vars(&[
            ("MIN_CONFIDENCE_SCORE", "0.8"),
            ("ENABLE_FALLBACK", "false"),
        ]))
        .expect("valid");
    assert_eq!((s.min_confidence_score, s.enable_fallback), (0.8, false));
    let err = Settings::default()
        .with_overrides(&vars(&[
            ("MIN_CONFIDENCE_SCORE", "1.5"),
            ("MAX_RETRIES", "-1"),
        ]))
        .expect_err("invalid");
    let text = err.to_string();
    assert!(
        text.contains("MIN_CONFIDENCE_SCORE") && text.contains("MAX_RETRIES"),
        "{text}"
    );
}

#[test]
fn environment_patterns_parse_and_reject_bad_ones() {
    let p = parse_environment_patterns("dev=dev|sandbox, prod = prod|live").expect("valid");
    assert_eq!(
        p[1],
        EnvironmentPattern {
            environment: "prod".into(),
            tokens: vec!["prod".into(), "live".into()]
        }
    );
    assert!(parse_environment_patterns("dev=").is_err());
    assert!(parse_environment_patterns("dev=my-dev").is_err());
    assert_eq!(default_environment_patterns().len(), 5);
    let s = Settings::default()
        .with_overrides(&vars(&[("ENVIRONMENT_PATTERNS", "prod=live")]))
        .expect("valid");
    assert_eq!(s.environment_patterns.len(), 1);
}

#[test]
fn the_variables_are_those_the_lambda_has_always_read() {
    let mut names = ENV_VARS.to_vec();
    names.sort_unstable();
    let mut expected = vec![
        "ENVIRONMENT",
        "JOB_MAPPING_TABLE",
        "CONTEXT_TABLE",
        "LINEAGE_BUCKET",
        "LINEAGE_PREFIX",
        "BEDROCK_MODEL_ID",
        "BEDROCK_MAX_PROMPT_TOKENS",
        "BEDROCK_MAX_TOKENS",
        "BEDROCK_TEMPERATURE",
        "INFERENCE_POLICY",
        "MIN_CONFIDENCE_SCORE",
        "TIME_TOLERANCE_SECONDS",
        "ENABLE_PARAMETER_VALIDATION",
        "ENABLE_ENVIRONMENT_VALIDATION",
        "STORAGE_CHECKS",
        "ENVIRONMENT_PATTERNS",
        "MAX_RETRIES",
        "RETRY_DELAY_SECONDS",
        "ENABLE_FALLBACK",
        "CLAIM_LEASE_SECONDS",
        "METRICS_NAMESPACE",
        "ALERT_TOPIC_ARN",
        "LOG_LEVEL",
        "MAX_LOG_EVENTS",
        "MAX_LOG_BYTES",
        // the OpenLineage client's own variables (transport.*)
        "OPENLINEAGE_URL",
        "OPENLINEAGE_API_KEY",
        "OPENLINEAGE_ENDPOINT",
        "OPENLINEAGE__TRANSPORT__TYPE",
        "OPENLINEAGE__TRANSPORT__TIMEOUT",
        "OPENLINEAGE__TRANSPORT__AUTH__TYPE",
        "OPENLINEAGE__TRANSPORT__RETRY__TOTAL",
        "OPENLINEAGE__TRANSPORT__RETRY__BACKOFF_FACTOR",
    ];
    expected.sort_unstable();
    assert_eq!(names, expected);
}

#[test]
fn a_bare_model_id_is_explained_as_needing_an_inference_profile() {
    let bare = model_id(&Typed::Text("anthropic.claude-sonnet-4-6".into())).expect_err("bare id");
    assert!(bare.contains("us.anthropic.claude-sonnet-4-6"), "{bare}");
    assert!(bare.contains("inference profile"), "{bare}");
    for ok in [
        DEFAULT_MODEL_ID,
        "eu.anthropic.claude-sonnet-4-6",
        "us-gov.anthropic.claude-sonnet-4-6",
        "global.anthropic.claude-sonnet-4-6",
        "arn:aws:bedrock:us-east-1:1:application-inference-profile/x",
    ] {
        assert_eq!(model_id(&Typed::Text(ok.into())), Ok(()), "{ok}");
    }
    assert_eq!(profile_prefix("us-gov.anthropic.x"), Some("us-gov"));
    assert_eq!(profile_prefix("usa.anthropic.x"), None);
    assert_eq!(profile_prefix("us."), None);
}

#[test]
fn model_budget_and_temperature_reach_the_lambda_range_checked() {
    let s = Settings::default()
        .with_overrides(&vars(&[
            ("BEDROCK_MAX_TOKENS", "8000"),
            ("BEDROCK_TEMPERATURE", "0.3"),
        ]))
        .expect("valid");
    assert_eq!((s.model.max_tokens, s.model.temperature), (8000, 0.3));
    for (name, value) in [
        ("BEDROCK_MAX_TOKENS", "100"),
        ("BEDROCK_MAX_TOKENS", "64001"),
        ("BEDROCK_TEMPERATURE", "1.5"),
        ("BEDROCK_TEMPERATURE", "-0.1"),
    ] {
        let e = Settings::default()
            .with_overrides(&vars(&[(name, value)]))
            .expect_err("out of range")
            .to_string();
        assert!(e.contains(name), "{e}");
    }
}

#[test]
fn every_key_and_variable_is_listed_once() {
    let keys: Vec<_> = SETTINGS
        .iter()
        .filter_map(|s| s.file)
        .map(|f| f.0)
        .collect();
    let vars: Vec<_> = SETTINGS.iter().filter_map(|s| s.var).map(|v| v.0).collect();
    for names in [&keys, &vars] {
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
    }
    assert!(SETTINGS.iter().all(|s| s.file.is_some() || s.var.is_some()));
    assert!(keys.iter().all(|k| k
        .split_once('.')
        .is_some_and(|(a, b)| !a.is_empty() && !b.is_empty())));
    assert_eq!(keys.len(), 37);
}

#[test]
fn every_setting_reads_back_what_it_applies() {
    let d = Settings::default();
    let changed = Settings::default()
        .with_overrides(&vars(&[
            ("ALERT_TOPIC_ARN", "arn:aws:sns:us-east-1:1:t"),
            ("LINEAGE_BUCKET", "b-1"),
            ("INFERENCE_POLICY", "always"),
            ("RETRY_DELAY_SECONDS", "2.5"),
        ]))
        .expect("valid");
    for start in [d, changed] {
        for setting in SETTINGS {
            let value = (setting.read)(&start);
            if value == Typed::Unset && setting.file.is_some_and(|f| f.1 != Kind::OptText) {
                continue;
            }
            let mut again = start.clone();
            (setting.apply)(&mut again, value.clone()).expect("applies");
            assert_eq!(again, start, "{setting:?} read {value:?}");
        }
    }
}

#[test]
fn variables_keep_their_messages_and_ranges() {
    let one = |name: &str, value: &str| {
        Settings::default()
            .with_overrides(&vars(&[(name, value)]))
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    let cases = [
        (
            "BEDROCK_MAX_PROMPT_TOKENS",
            "5",
            "5 is under the minimum of 1000",
        ),
        (
            "BEDROCK_MAX_PROMPT_TOKENS",
            "x",
            "\"x\" is not a non-negative whole number",
        ),
        (
            "MAX_RETRIES",
            "-1",
            "\"-1\" is not a non-negative whole number",
        ),
        (
            "MAX_RETRIES",
            "4294967296",
            "\"4294967296\" is not a non-negative whole number",
        ),
        (
            "MIN_CONFIDENCE_SCORE",
            "1.5",
            "\"1.5\" is not a number between 0 and 1",
        ),
        (
            "RETRY_DELAY_SECONDS",
            "-2",
            "\"-2\" is not a non-negative number",
        ),
        (
            "RETRY_DELAY_SECONDS",
            "inf",
            "\"inf\" is not a non-negative number",
        ),
        (
            "ENABLE_FALLBACK",
            "perhaps",
            "\"perhaps\" is not true or false",
        ),
        ("JOB_MAPPING_TABLE", " ", "must not be empty"),
        ("ENVIRONMENT_PATTERNS", "", "no environment patterns"),
        (
            "INFERENCE_POLICY",
            "Sometimes",
            "\"sometimes\" is not one of never, auto, always",
        ),
        (
            "LOG_LEVEL",
            "verbose",
            "\"verbose\" is not one of DEBUG, INFO, WARNING, ERROR",
        ),
    ];
    for (name, value, message) in cases {
        assert_eq!(
            one(name, value),
            Err(format!("invalid configuration: {name}: {message}")),
            "{name}={value}"
        );
    }
    // variables are checked by their type, not by the files' ranges
    for (name, value) in [
        ("MAX_RETRIES", "50"),
        ("TIME_TOLERANCE_SECONDS", "100000"),
        ("RETRY_DELAY_SECONDS", "1000"),
        ("MAX_LOG_EVENTS", "0"),
        ("MAX_LOG_BYTES", "10"),
        ("JOB_MAPPING_TABLE", "a b"),
        ("ALERT_TOPIC_ARN", "not-an-arn"),
        ("NOT_A_SETTING", "anything"),
    ] {
        assert_eq!(one(name, value), Ok(()), "{name}={value}");
    }
    let s = Settings::default()
        .with_overrides(&vars(&[
            ("LOG_LEVEL", "warn"),
            ("INFERENCE_POLICY", " Always "),
            ("LINEAGE_PREFIX", "/p/q/"),
            ("ALERT_TOPIC_ARN", ""),
            ("ENVIRONMENT", "staging"),
        ]))
        .expect("valid");
    assert_eq!(
        (
            s.log_level.as_str(),
            s.inference_policy,
            s.lineage_prefix.as_str(),
            s.alert_topic_arn,
            s.environment.as_str()
        ),
        ("WARN", InferencePolicy::Always, "p/q", None, "staging")
    );
}

#[test]
fn lineage_key_is_dated_by_run_start() {
    let s = Settings::default();
    let t = chrono::DateTime::parse_from_rfc3339("2024-05-14T04:00:07Z")
        .expect("t")
        .to_utc();
    assert_eq!(
        s.lineage_key("my-job", "jr_1", t),
        "lineage/my-job/2024/05/14/jr_1.json"
    );
    assert_ne!(
        s.lineage_key("my job", "jr_1", t),
        s.lineage_key("my_job", "jr_1", t),
        "names that sanitise alike get distinct keys"
    );
}

#[test]
fn the_openlineage_variables_configure_the_http_transport_and_the_key_stays_masked() {
    let s = Settings::default()
        .with_overrides(&vars(&[
            ("OPENLINEAGE_URL", "https://marquez.example.com"),
            ("OPENLINEAGE_API_KEY", "k-123"),
            ("OPENLINEAGE_ENDPOINT", "/custom/lineage"),
            ("OPENLINEAGE__TRANSPORT__TIMEOUT", "2.5"),
            ("OPENLINEAGE__TRANSPORT__RETRY__TOTAL", "5"),
        ]))
        .expect("valid");
    let http = s.transport.http().expect("complete").expect("http");
    assert_eq!(http.url, "https://marquez.example.com/custom/lineage");
    assert_eq!(http.api_key.as_ref().map(|k| k.expose()), Some("k-123"));
    assert_eq!(http.timeout, std::time::Duration::from_millis(2500));
    assert_eq!(http.retries, 5);
    assert!(!format!("{s:?}").contains("k-123"));
    assert!(!serde_json::to_string(&s).expect("ok").contains("k-123"));
    let bad = Settings::default()
        .with_overrides(&vars(&[("OPENLINEAGE_URL", "https://user:pw@x")]))
        .expect_err("an error")
        .to_string();
    assert!(
        bad.contains("OPENLINEAGE_URL") && !bad.contains("pw"),
        "{bad}"
    );
    let none = Settings::default()
        .with_overrides(&vars(&[
            ("OPENLINEAGE_URL", "http://x"),
            ("OPENLINEAGE__TRANSPORT__TYPE", "none"),
        ]))
        .expect("ok");
    assert_eq!(none.transport.http(), Ok(None));
}
