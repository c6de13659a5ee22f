//! Tests of loading configuration files: overlays, environment overrides, every kind of problem.

use super::*;

fn repo_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config")
}

/// A config dir with the given base and overlay (`None`: no file).
fn dir_with(base: &str, env: &str, overlay: Option<&str>) -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    std::fs::write(d.path().join("config.yaml"), base).expect("write base");
    if let Some(o) = overlay {
        std::fs::write(d.path().join(format!("config-{env}.yaml")), o).expect("write");
    }
    d
}

fn kinds_at(c: &LoadedConfig) -> Vec<(ProblemKind, String)> {
    c.problems.iter().map(|p| (p.kind, p.key.clone())).collect()
}

#[test]
fn repository_config_is_valid_for_every_environment() {
    let expected = [
        ("dev", 0.5, 600, 5, true, "DEBUG"),
        ("test", 0.7, 300, 3, true, "INFO"),
        ("prod", 0.8, 180, 2, false, "WARNING"),
    ];
    for (env, score, tolerance, retries, fallback, level) in expected {
        let c = load_with(&repo_config(), env, &LoadOptions::default());
        assert!(c.is_valid(), "{env}: {:?}", c.problems);
        let s = &c.settings;
        assert_eq!(s.environment, env);
        assert_eq!(
            (
                s.min_confidence_score,
                s.time_tolerance_seconds,
                s.max_retries
            ),
            (score, tolerance, retries)
        );
        assert_eq!((s.enable_fallback, s.log_level.as_str()), (fallback, level));
        assert_eq!(
            s.job_mapping_table,
            format!("enhanced-lineage-agent-job-mappings-{env}")
        );
        assert_eq!((s.model.max_tokens, s.retry_delay_seconds), (4000, 5.0));
        assert_eq!(c.files.len(), 2);
    }
}

#[test]
fn account_placeholder_is_resolved_when_the_account_is_known() {
    let options = LoadOptions {
        account_id: Some("123456789012".into()),
        ..LoadOptions::default()
    };
    let c = load_with(&repo_config(), "prod", &options);
    assert_eq!(
        c.settings.lineage_bucket,
        "enhanced-lineage-agent-lineage-data-prod-123456789012"
    );
    let unresolved = load_with(&repo_config(), "prod", &LoadOptions::default());
    assert!(unresolved
        .settings
        .lineage_bucket
        .ends_with(ACCOUNT_PLACEHOLDER));
}

#[test]
fn unknown_keys_are_reported_with_file_and_dotted_key() {
    let d = dir_with(
        "bedrock:\n  model_idd: x\nvalidaton:\n  a: 1\nlogging:\n  level: INFO\n",
        "dev",
        Some("storage:\n  bucket: b\n"),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert_eq!(
        kinds_at(&c),
        vec![
            (ProblemKind::UnknownKey, "bedrock.model_idd".into()),
            (ProblemKind::UnknownKey, "validaton".into()),
            (ProblemKind::UnknownKey, "storage.bucket".into()),
        ]
    );
    assert!(c.problems[0].message.contains("did you mean model_id?"));
    assert!(c.problems[1].message.contains("did you mean validation?"));
    assert!(c.problems[0].source.ends_with("config.yaml"));
    assert!(c.problems[2].source.ends_with("config-dev.yaml"));
    assert_eq!(c.settings.log_level, "INFO", "good keys still apply");
}

#[test]
fn wrong_types_are_all_reported() {
    let d = dir_with(
        "validation:\n  enable_parameter_validation: \"yes\"\n  time_tolerance_seconds: 2.5\nerror_recovery: [1]\nbedrock:\n  model_id: 5\n",
        "dev",
        Some(""),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert_eq!(
        kinds_at(&c),
        vec![
            (
                ProblemKind::WrongType,
                "validation.enable_parameter_validation".into()
            ),
            (
                ProblemKind::WrongType,
                "validation.time_tolerance_seconds".into()
            ),
            (ProblemKind::WrongType, "error_recovery".into()),
            (ProblemKind::WrongType, "bedrock.model_id".into()),
        ]
    );
    assert!(
        c.problems[0].message.contains("found a string"),
        "{}",
        c.problems[0]
    );
    assert!(
        c.settings.enable_parameter_validation,
        "bad values are not applied"
    );
}

#[test]
fn out_of_range_values_are_all_reported() {
    let d = dir_with(
        "validation:\n  min_confidence_score: 1.5\nerror_recovery:\n  max_retries: 99\n  retry_delay_seconds: -1\nbedrock:\n  temperature: 3\nstorage:\n  job_mapping_table: \"a b\"\n  lineage_bucket: Not_A_Bucket\ninference:\n  policy: sometimes\n",
        "dev",
        Some(""),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    let keys: Vec<_> = c.problems.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "validation.min_confidence_score",
            "error_recovery.max_retries",
            "error_recovery.retry_delay_seconds",
            "bedrock.temperature",
            "storage.job_mapping_table",
            "storage.lineage_bucket",
            "inference.policy",
        ]
    );
    assert!(c.problems.iter().all(|p| p.kind == ProblemKind::Invalid));
    assert!(
        c.problems[0].message.contains("outside 0..=1"),
        "{}",
        c.problems[0]
    );
    assert_eq!(c.settings.min_confidence_score, 0.7, "defaults kept");
}

#[test]
fn lineage_bucket_is_required_outside_dev() {
    let base = "storage:\n  lineage_bucket: null\n";
    let dev = dir_with(base, "dev", Some(""));
    assert!(load_with(dev.path(), "dev", &LoadOptions::default()).is_valid());
    let prod = dir_with(base, "prod", Some("logging:\n  level: ERROR\n"));
    let c = load_with(prod.path(), "prod", &LoadOptions::default());
    assert_eq!(
        kinds_at(&c),
        vec![(ProblemKind::Missing, "storage.lineage_bucket".into())]
    );
    assert!(c.problems[0].source.ends_with("config-prod.yaml"));
    // the environment variable satisfies it
    let options = LoadOptions {
        env_vars: BTreeMap::from([("LINEAGE_BUCKET".into(), "my-bucket".into())]),
        ..LoadOptions::default()
    };
    assert!(load_with(prod.path(), "prod", &options).is_valid());
}

#[test]
fn missing_overlay_and_syntax_errors_are_reported_together() {
    let d = dir_with("bedrock:\n  model_id: [unclosed\n", "test", None);
    let c = load_with(d.path(), "test", &LoadOptions::default());
    let kinds: Vec<_> = c.problems.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        vec![
            ProblemKind::Syntax,
            ProblemKind::Missing,
            ProblemKind::Missing
        ]
    );
    assert!(c.problems[0].message.contains("line "), "{}", c.problems[0]);
    assert!(c.problems[1].source.ends_with("config-test.yaml"));
}

#[test]
fn environment_variables_override_files_and_bad_ones_name_their_variable() {
    let d = dir_with(
        "validation:\n  min_confidence_score: 0.6\n",
        "dev",
        Some(""),
    );
    let options = LoadOptions {
        env_vars: BTreeMap::from([
            ("MIN_CONFIDENCE_SCORE".into(), "0.9".into()),
            ("MAX_RETRIES".into(), "many".into()),
            ("ENABLE_FALLBACK".into(), "perhaps".into()),
            ("ENVIRONMENT".into(), "prod".into()),
        ]),
        ..LoadOptions::default()
    };
    let c = load_with(d.path(), "dev", &options);
    assert_eq!(c.settings.min_confidence_score, 0.9);
    let at: Vec<_> = c
        .problems
        .iter()
        .map(|p| (p.source.as_str(), p.key.as_str()))
        .collect();
    assert_eq!(
        at,
        vec![
            (ENVIRONMENT_SOURCE, "ENABLE_FALLBACK"),
            (ENVIRONMENT_SOURCE, "ENVIRONMENT"),
            (ENVIRONMENT_SOURCE, "MAX_RETRIES"),
        ]
    );
}

#[test]
fn overlay_wins_over_base_and_effective_config_has_the_file_layout() {
    let d = dir_with(
        "error_recovery:\n  max_retries: 3\nmonitoring:\n  alert_topic_arn: arn:aws:sns:us-east-1:1:t\n",
        "dev",
        Some("error_recovery:\n  max_retries: 7\n"),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert!(c.is_valid(), "{:?}", c.problems);
    let e = c.effective();
    assert_eq!(e["error_recovery"]["max_retries"], 7);
    assert_eq!(
        e["monitoring"]["alert_topic_arn"],
        "arn:aws:sns:us-east-1:1:t"
    );
    assert_eq!(e["environment"], "dev");
    assert_eq!(e["bedrock"]["temperature"], 0.1);
    let yaml = c.effective_yaml();
    assert!(yaml.contains("max_retries: 7"), "{yaml}");
}

#[test]
fn resolve_reads_the_folder_or_one_file_then_the_variables() {
    let d = dir_with(
        "validation:\n  min_confidence_score: 0.6\n",
        "dev",
        Some("validation:\n  min_confidence_score: 0.55\n"),
    );
    let dir = ConfigSource::Dir(d.path().to_path_buf());
    let options = LoadOptions {
        env_vars: BTreeMap::from([
            ("MAX_RETRIES".into(), "7".into()),
            ("ENVIRONMENT".into(), " ".into()),
        ]),
        ..LoadOptions::default()
    };
    let c = resolve(&dir, "dev", &options);
    assert!(c.is_valid(), "{:?}", c.problems);
    let s = &c.settings;
    assert_eq!((s.min_confidence_score, s.max_retries), (0.55, 7));
    assert_eq!((s.environment.as_str(), c.files.len()), ("dev", 2));
    // an environment without an overlay gets the base (config validate reports it)
    let qa = resolve(&dir, "qa", &LoadOptions::default());
    assert!(qa.is_valid(), "{:?}", qa.problems);
    assert_eq!((qa.settings.min_confidence_score, qa.files.len()), (0.6, 1));
    // one file, and no deployment checks (the bucket is not required outside dev)
    let one = ConfigSource::File(d.path().join("config.yaml"));
    let prod = resolve(&one, "prod", &LoadOptions::default());
    assert!(prod.is_valid(), "{:?}", prod.problems);
    assert_eq!(prod.settings.min_confidence_score, 0.6);
    // no files: the defaults and the variables, as the Lambda reads them
    let none = resolve(&ConfigSource::None, "dev", &options);
    let lambda = Settings::default()
        .with_overrides(&BTreeMap::from([("MAX_RETRIES".into(), "7".into())]))
        .expect("valid");
    assert_eq!(none.settings, lambda);
    assert!(none.files.is_empty());
}

#[test]
fn resolve_reports_missing_files_and_environment_names_without_a_file() {
    let d = tempfile::tempdir().expect("tempdir");
    let missing = resolve(
        &ConfigSource::File(d.path().join("nope.yaml")),
        "dev",
        &LoadOptions::default(),
    );
    assert_eq!(
        kinds_at(&missing),
        vec![(ProblemKind::Unreadable, "".into())]
    );
    assert!(missing.problems[0].source.ends_with("nope.yaml"));
    let empty_dir = resolve(
        &ConfigSource::Dir(d.path().to_path_buf()),
        "dev",
        &LoadOptions::default(),
    );
    assert_eq!(
        kinds_at(&empty_dir),
        vec![(ProblemKind::Unreadable, "".into())]
    );
    let named = dir_with("", "dev", None);
    let bad = resolve(
        &ConfigSource::Dir(named.path().to_path_buf()),
        "../dev",
        &LoadOptions::default(),
    );
    assert_eq!(
        kinds_at(&bad),
        vec![(ProblemKind::Invalid, "ENVIRONMENT".into())]
    );
    assert_eq!(bad.problems[0].source, ENVIRONMENT_SOURCE);
}

#[test]
fn config_source_prefers_the_file_then_the_folder_then_none() {
    let (f, d) = (Path::new("f.yaml"), Path::new("d"));
    assert_eq!(
        ConfigSource::choose(Some(f), Some(d)),
        ConfigSource::File(f.into())
    );
    assert_eq!(
        ConfigSource::choose(None, Some(d)),
        ConfigSource::Dir(d.into())
    );
    // tests run in the crate's folder, which has no config/config.yaml
    assert_eq!(ConfigSource::choose(None, None), ConfigSource::None);
}

#[test]
fn the_transport_section_nests_as_the_openlineage_client_writes_it_and_masks_the_key() {
    let d = dir_with(
        "transport:\n  type: http\n  url: http://marquez:5000\n  timeout: 2\n  auth:\n    type: api_key\n    apiKey: k-secret-1\n  retry:\n    total: 5\n",
        "dev",
        Some(""),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert!(c.is_valid(), "{:?}", c.problems);
    let http = c
        .settings
        .transport
        .http()
        .expect("complete")
        .expect("http");
    assert_eq!(http.url, "http://marquez:5000/api/v1/lineage");
    assert_eq!(
        http.api_key.as_ref().map(|k| k.expose()),
        Some("k-secret-1")
    );
    assert_eq!(http.retries, 5);
    let e = c.effective();
    assert_eq!(e["transport"]["auth"]["type"], "api_key");
    assert_eq!(e["transport"]["auth"]["apiKey"], "***");
    assert_eq!(e["transport"]["retry"]["total"], 5);
    assert!(!c.effective_yaml().contains("k-secret-1"));
    // a wrong nested key is named with its full dotted path
    let d = dir_with("transport:\n  auth:\n    kind: api_key\n", "dev", Some(""));
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert_eq!(
        kinds_at(&c),
        vec![(ProblemKind::UnknownKey, "transport.auth.kind".to_string())]
    );
}

#[test]
fn a_transport_type_without_what_it_needs_is_a_problem_and_datazone_reads_its_domain() {
    let d = dir_with(
        "transport:\n  type: amazon_datazone_api\n  domainId: dzd_abc123\n",
        "dev",
        Some(""),
    );
    let c = load_with(d.path(), "dev", &LoadOptions::default());
    assert!(c.is_valid(), "{:?}", c.problems);
    assert_eq!(
        c.settings.transport.datazone(),
        Ok(Some("dzd_abc123".to_string()))
    );
    assert_eq!(c.effective()["transport"]["domainId"], "dzd_abc123");
    for (base, says) in [
        (
            "transport:\n  type: amazon_datazone_api\n",
            "OPENLINEAGE__TRANSPORT__DOMAIN_ID",
        ),
        ("transport:\n  type: http\n", "OPENLINEAGE_URL"),
        (
            "transport:\n  type: amazon_datazone_api\n  domainId: nope\n",
            "not a DataZone domain id",
        ),
    ] {
        let d = dir_with(base, "dev", Some(""));
        let c = load_with(d.path(), "dev", &LoadOptions::default());
        assert!(!c.is_valid(), "{base}");
        assert!(
            c.problems.iter().any(|p| p.to_string().contains(says)),
            "{base}: {:?}",
            c.problems
        );
    }
}
