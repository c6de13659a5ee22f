//! The pipeline end to end on the local adapters, over the project's own fixtures.

use crate::local_harness::{event, repo, Local};
use lineage_domain::ports::{LineageSink, LineageStore};
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Disposition, ProcessOptions, Settings};

fn local() -> Local {
    Local::on(
        &repo().join("tests/fixtures"),
        Settings::default(),
        Vec::new(),
    )
}

#[tokio::test]
async fn every_sample_event_is_recorded_once_and_replays_are_skipped() {
    let l = local();
    for name in [
        "glue-job-succeeded.json",
        "glue-job-failed.json",
        "glue-job-stopped.json",
    ] {
        let e = event(name);
        let first = l
            .pipeline
            .process(&e, ProcessOptions::default())
            .await
            .expect("processed");
        assert_eq!(first.disposition, Disposition::Processed, "{name}");
        assert!(first.persist.context_written);
        let stored = l
            .sink
            .document(&first.document_key)
            .await
            .expect("read")
            .expect("document written");
        assert_eq!(stored, first.document);
        let ctx = l
            .store
            .execution_context(e.job_run_id())
            .await
            .expect("read")
            .expect("context written");
        assert_eq!(ctx.state, e.state());
        assert_eq!(ctx.lineage_key, first.document_key);

        let again = l
            .pipeline
            .process(&e, ProcessOptions::default())
            .await
            .expect("replayed");
        assert_eq!(again.disposition, Disposition::AlreadyRecorded, "{name}");
    }
    assert_eq!(l.metrics.total("RunsProcessed"), 3.0);
}

#[tokio::test]
async fn a_forced_replay_writes_byte_identical_documents() {
    let l = local();
    let e = event("glue-job-succeeded.json");
    let first = l
        .pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect("processed");
    let forced = l
        .pipeline
        .process(
            &e,
            ProcessOptions {
                force: true,
                dry_run: false,
            },
        )
        .await
        .expect("forced");
    assert_eq!(first.document, forced.document);
    assert!(
        !forced.persist.context_written,
        "an unchanged context is not rewritten"
    );
    assert_eq!(
        forced.persist.mappings_written, 0,
        "same run again changes no mapping"
    );
}

#[tokio::test]
async fn dry_run_writes_nothing() {
    let l = local();
    let e = event("glue-job-stopped.json");
    let out = l
        .pipeline
        .process(
            &e,
            ProcessOptions {
                force: false,
                dry_run: true,
            },
        )
        .await
        .expect("dry run");
    assert_eq!(out.disposition, Disposition::DryRun);
    assert!(l
        .sink
        .document(&out.document_key)
        .await
        .expect("read")
        .is_none());
    assert!(l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("read")
        .is_none());
}

#[tokio::test]
async fn planted_secrets_never_reach_documents_or_the_store() {
    let l = local();
    let e = event("glue-job-failed.json");
    let out = l
        .pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect("processed");
    let secret = "Tr0ub4dor&3-horse"; // --db_password of the payments-failed fixture
    let doc = String::from_utf8(out.document.clone()).expect("utf8");
    assert!(!doc.contains(secret));
    let ctx = l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("read")
        .expect("ctx");
    let stored = serde_json::to_string(&ctx).expect("json");
    assert!(!stored.contains(secret), "{stored}");
    assert_eq!(
        ctx.arguments.get("--db_password").map(String::as_str),
        Some(lineage_domain::redact::REDACTED)
    );
}

#[tokio::test]
async fn a_run_missing_from_the_fixtures_is_a_not_found_error() {
    let l = local();
    let text = std::fs::read_to_string(repo().join("events/glue-job-succeeded.json"))
        .expect("event")
        .replace("jr_5f1c", "jr_0000");
    let e = GlueJobStateChange::from_json(&text).expect("valid event");
    let err = l
        .pipeline
        .process(&e, ProcessOptions::default())
        .await
        .expect_err("unknown run");
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("jr_0000"), "{err}");
    assert!(l
        .store
        .execution_context(e.job_run_id())
        .await
        .expect("read")
        .is_none());
    assert_eq!(l.metrics.total("ErrorOccurrence"), 1.0);
}

#[tokio::test]
async fn datasets_resolved_through_arguments_must_agree_with_the_run_values() {
    use lineage_domain::{Dataset, Direction, Evidence, EvidenceKind, LineageEdge, Locator};
    use lineage_engine::validate::argument_agreement;
    let l = local();
    let e = event("glue-job-succeeded.json");
    let ctx = l.pipeline.gather(&e).await.expect("gathered");
    let analysis = l.pipeline.analyze(&ctx).await.expect("analysed");
    // the run overrides --target_bucket: the output is in the run's bucket, and agrees
    assert!(
        analysis
            .accepted
            .iter()
            .any(|e| e.dataset.namespace == "s3://acme-analytics"),
        "{:?}",
        analysis.accepted
    );
    assert!(
        !analysis.findings.iter().any(|f| f.check == "parameter"),
        "{:?}",
        analysis.findings
    );
    // an edge that claims --target_bucket but names another bucket is flagged
    let stale = LineageEdge::new(
        Dataset::s3_prefix("acme-archive", "orders_by_store").expect("ds"),
        Direction::Output,
        vec![Evidence {
            kind: EvidenceKind::Argument,
            locator: Locator::Argument {
                key: "--target_bucket".into(),
            },
            rule: "test".into(),
            detail: String::new(),
        }],
    );
    let findings = argument_agreement(&ctx.context, &[stale]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(
        findings[0].message.contains("acme-analytics"),
        "{findings:?}"
    );
    let missing = LineageEdge::new(
        Dataset::s3_prefix("b", "k").expect("ds"),
        Direction::Input,
        vec![Evidence {
            kind: EvidenceKind::Argument,
            locator: Locator::Argument {
                key: "--no_such_arg".into(),
            },
            rule: "test".into(),
            detail: String::new(),
        }],
    );
    assert!(argument_agreement(&ctx.context, &[missing])[0]
        .message
        .contains("does not supply"));
}
