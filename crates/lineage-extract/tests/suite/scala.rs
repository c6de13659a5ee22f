//! Scala Glue jobs: one fixture script per family of Scala APIs and language features, and an
//! insta snapshot of the datasets found and the rule ids that found them.

use crate::common;

use common::{summary, Case};

fn snap(case: Case) -> Vec<String> {
    summary(&case.extract())
}

#[test]
fn scala_glue_connections() {
    let c = Case::fixture("scala_glue_connections.scala")
        .default_arg("landing", "fixture-landing")
        .default_arg("TempDir", "s3://fixture-tmp/glue/")
        .connection(
            "pg-fixture",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:postgresql://pg.fixture.internal:5432/postgres",
            )],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn scala_spark_sql() {
    insta::assert_json_snapshot!(snap(Case::fixture("scala_spark_sql.scala")));
}

#[test]
fn scala_streaming() {
    let c = Case::fixture("scala_streaming.scala")
        .default_arg("brokers", "b-1.fixture.kafka:9092,b-2.fixture.kafka:9092")
        .default_arg("checkpoint", "s3://fixture-checkpoints/stream")
        .connection(
            "msk-fixture",
            "KAFKA",
            &[(
                "KAFKA_BOOTSTRAP_SERVERS",
                "b-1.msk.fixture:9094,b-2.msk.fixture:9094",
            )],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn scala_language() {
    let c = Case::fixture("scala_language.scala")
        .default_arg("ENV", "dev")
        .run_arg("ENV", "prod")
        .run_arg("AUDIT_PATH", " S3://Fixture-Audit/Runs/ ");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn scala_deltastreamer() {
    let c = Case::fixture("scala_deltastreamer.scala")
        .default_arg("lake_bucket", "fixture-iot-lake")
        .connection(
            "msk-fixture",
            "KAFKA",
            &[("KAFKA_BOOTSTRAP_SERVERS", "b-3.msk.fixture:9094")],
        );
    insta::assert_json_snapshot!(snap(c));
}
