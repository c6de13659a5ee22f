//! The RunEvent serialisation, pinned by a snapshot over a fixed context and fixed edges (so it
//! tests the document format, not extraction).

use lineage_domain::ports::{JobCatalog, ScriptStore};
use lineage_domain::{
    Confidence, Dataset, Direction, Evidence, EvidenceKind, GlueJobStateChange, LineageEdge,
    Locator,
};
use lineage_domain::{RunContext, Script, ScriptLanguage};
use lineage_engine::openlineage::{run_event, run_uuid, DocumentInput};
use lineage_local::FsFixtures;
use std::path::Path;

async fn context(case: &str) -> RunContext {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(case);
    let fx = FsFixtures::open(&dir).expect("fixtures");
    let c = &fx.cases()[0];
    let event: GlueJobStateChange = c.event.clone().expect("event");
    let job = fx.job(event.job_name()).await.expect("job");
    let text = fx
        .object_text(&job.command.script_location, 1 << 20)
        .await
        .expect("script");
    RunContext {
        script: Some(Script {
            location: job.command.script_location.clone(),
            language: ScriptLanguage::Python,
            text,
        }),
        run: c.run.clone(),
        connections: c.connections.clone(),
        job,
        event,
        extra: Default::default(),
        modules: Vec::new(),
        logs: vec![],
    }
}

fn edge(
    ds: Dataset,
    dir: Direction,
    kind: EvidenceKind,
    locator: Locator,
    conf: f64,
) -> LineageEdge {
    let mut e = LineageEdge::new(
        ds,
        dir,
        vec![Evidence {
            kind,
            locator,
            rule: "test.rule".into(),
            detail: "quote".into(),
        }],
    );
    e.confidence = Confidence::clamped(conf);
    e
}

#[tokio::test]
async fn run_event_snapshot_failed_run() {
    let ctx = context("payments-failed").await.redact();
    let accepted = vec![
        edge(
            Dataset::glue_table("us-east-1", "111122223333", "finance", "ledger_entries")
                .expect("ds"),
            Direction::Input,
            EvidenceKind::Argument,
            Locator::ScriptLine { line: 9 },
            0.85,
        ),
        edge(
            Dataset::s3_prefix("acme-finance-curated", "reconciled_payments/").expect("ds"),
            Direction::Output,
            EvidenceKind::Script,
            Locator::ScriptLine { line: 15 },
            0.9,
        ),
    ];
    let doc = run_event(
        &ctx,
        &DocumentInput {
            accepted: &accepted,
            findings: &[],
            candidates_below_threshold: 1,
            diagnostics: &[],
            min_confidence_score: 0.7,
            sql: &[],
            columns: &[],
            catalog: &Default::default(),
        },
    );
    let bytes = doc.to_bytes().expect("json");
    let text = String::from_utf8(bytes.clone()).expect("utf8");
    insta::assert_snapshot!(text);
    // the run was started by a Glue workflow: the workflow run is its parent
    let v: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
    let parent = &v["run"]["facets"]["parent"];
    assert_eq!(parent["job"]["name"], "workflow/finance-nightly");
    assert_eq!(
        parent["run"]["runId"],
        run_uuid("workflow/finance-nightly/wr_7d3f0c2a9b1e4f6a8c5d2e0b1a3c4d5e").to_string()
    );
    // deterministic: the same input gives the same bytes
    let again = run_event(
        &ctx,
        &DocumentInput {
            accepted: &accepted,
            findings: &[],
            candidates_below_threshold: 1,
            diagnostics: &[],
            min_confidence_score: 0.7,
            sql: &[],
            columns: &[],
            catalog: &Default::default(),
        },
    )
    .to_bytes()
    .expect("json");
    assert_eq!(bytes, again);
}

#[test]
fn run_uuid_is_pinned() {
    // Cross-checked with Python: uuid5(uuid5(NAMESPACE_URL, project URL), "jr_abc").
    // Changing the UUID namespace would silently re-key every document already written.
    assert_eq!(
        run_uuid("jr_abc").to_string(),
        "75e3ccb7-c6ed-5a8d-9728-c2d6af940a11"
    );
}
