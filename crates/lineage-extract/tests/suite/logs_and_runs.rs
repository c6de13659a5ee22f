//! Logs resolve what the script left open and corroborate what it shows (inside the run
//! window only); failed runs keep only what happened before the failing statement.

use crate::common;

use common::{names, Case};
use lineage_domain::{Direction, EvidenceKind};

const SCRIPT: &str = r#"
import boto3
from awsglue.context import GlueContext
g = GlueContext(None)
bucket = boto3.client("ssm").get_parameter(Name="/b")["Parameter"]["Value"]
g.create_dynamic_frame.from_catalog(database="s", table_name="t")
spark.table("s.u").write.csv(f"s3://{bucket}/exports/sum/")
"#;

#[test]
fn logs_resolve_unresolved_writes_by_shape() {
    let x = Case::python(SCRIPT)
        .log(5, "INFO GlueContext: getCatalogSource: catalogId: null, nameSpace: s, tableName: t, isGoverned: false")
        .log(9, "INFO app: writing summary to s3://real-bkt-9/exports/sum/")
        .log(10, "INFO app: writing other to s3://noise/elsewhere/")
        .extract();
    assert_eq!(
        names(&x, Direction::Output),
        ["s3://real-bkt-9/exports/sum"]
    );
    let input = x
        .edges
        .iter()
        .find(|e| e.dataset.name == "table/s/t")
        .expect("t");
    assert!(input.has_evidence_of(EvidenceKind::Log));
}

#[test]
fn logs_outside_the_window_are_ignored() {
    let x = Case::python(SCRIPT)
        .log(
            -4000,
            "INFO app: writing summary to s3://old-bkt/exports/sum/",
        )
        .extract();
    assert!(names(&x, Direction::Output).is_empty());
}

#[test]
fn failed_run_drops_what_came_after_the_failing_statement() {
    let script = "from awsglue.context import GlueContext\ng = GlueContext(None)\na = g.create_dynamic_frame.from_catalog(database=\"d\", table_name=\"ok\")\nb = g.create_dynamic_frame.from_catalog(database=\"d\", table_name=\"missing\")\ng.write_dynamic_frame.from_catalog(frame=a, database=\"d\", table_name=\"out\")\n";
    let x = Case::python(script)
        .failed("EntityNotFoundException")
        .log(30, "Traceback (most recent call last):\n  File \"/tmp/job.py\", line 4, in <module>\n    b = g.create...")
        .extract();
    assert_eq!(
        names(&x, Direction::Input),
        ["arn:aws:glue:us-east-1:111122223333|table/d/ok"]
    );
    assert!(names(&x, Direction::Output).is_empty());
}

#[test]
fn studio_dag_yields_edges_without_a_script() {
    let mut ctx = Case::python("").context();
    ctx.script = None;
    ctx.job.code_gen_configuration_nodes = Some(serde_json::json!({
        "node-1": {"S3CatalogSource": {"Name": "src", "Database": "yard", "Table": "cranes"}},
        "node-2": {"ApplyMapping": {"Name": "map", "Inputs": ["node-1"]}},
        "node-3": {"S3DirectTarget": {"Name": "dst", "Path": "s3://yard-lake/cranes/", "Inputs": ["node-2"]}}
    }));
    let x = lineage_extract::extract(&ctx.redact(), &lineage_extract::ExtractSettings::default())
        .expect("extraction");
    assert_eq!(
        names(&x, Direction::Input),
        ["arn:aws:glue:us-east-1:111122223333|table/yard/cranes"]
    );
    assert_eq!(names(&x, Direction::Output), ["s3://yard-lake/cranes"]);
    assert!(x
        .edges
        .iter()
        .all(|e| e.has_evidence_of(EvidenceKind::StudioDag)));
}

#[test]
fn the_scripts_own_prints_tell_what_it_left_unknown() {
    let case = Case::fixture("log_resolved.py")
        .default_arg("target_path", "s3://lake/flat/")
        .default_arg("staging", "s3://tmp/staging/")
        .log(10, "Writing table orders")
        .log(11, "Writing table orders_items")
        .log(12, "2024-03-02 10:00:12,001 INFO [main] glue.GlueLogger: export prefix is s3://exports/v2/")
        .log(13, "Reading location: s3://clicks-raw/clicks/")
        .log(14, "rows seen: 1234")
        .log(15, "Writing table customers");
    insta::assert_json_snapshot!(common::summary(&case.extract()));
}

#[test]
fn without_the_lines_the_names_stay_unresolved() {
    let x = Case::fixture("log_resolved.py")
        .default_arg("target_path", "s3://lake/flat/")
        .default_arg("staging", "s3://tmp/staging/")
        .extract();
    let outputs = names(&x, Direction::Output);
    assert!(outputs.is_empty(), "nothing guessed: {outputs:?}");
    assert!(
        x.diagnostics
            .iter()
            .any(|d| d.expression.contains("s3://lake/flat/{name.replace(")),
        "the open write is a diagnostic: {:?}",
        x.diagnostics
    );
}
