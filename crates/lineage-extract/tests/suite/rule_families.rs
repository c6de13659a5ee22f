//! Snapshot tests of the connector, DynamoDB, S3 and database rule families: one fixture
//! script each (written from the API's documentation) and the datasets found with the rule
//! ids that found them.

use crate::common;

use common::{summary, Case};

fn snap(case: Case) -> Vec<String> {
    summary(&case.extract())
}

#[test]
fn connectors() {
    let c = Case::fixture("connectors.py")
        .default_arg("lake_bucket", "acme-lake")
        .connection(
            "snowflake-conn",
            "CUSTOM",
            &[
                ("CONNECTOR_TYPE", "Spark"),
                ("CONNECTOR_CLASS_NAME", "net.snowflake.spark.snowflake"),
                ("sfUrl", "xy98765.us-east-1.snowflakecomputing.com"),
            ],
        )
        .connection(
            "delta-conn",
            "MARKETPLACE",
            &[
                ("CONNECTOR_TYPE", "Spark"),
                (
                    "CONNECTOR_CLASS_NAME",
                    "org.apache.spark.sql.delta.sources.DeltaDataSource",
                ),
            ],
        )
        .connection(
            "iceberg-conn",
            "MARKETPLACE",
            &[
                ("CONNECTOR_TYPE", "Spark"),
                ("CONNECTOR_CLASS_NAME", "iceberg"),
            ],
        )
        .connection(
            "pg-custom-conn",
            "CUSTOM",
            &[
                ("CONNECTOR_TYPE", "Jdbc"),
                ("CONNECTOR_CLASS_NAME", "org.postgresql.Driver"),
                (
                    "JDBC_CONNECTION_URL",
                    "jdbc:postgresql://crm-db.internal:5432/crm",
                ),
            ],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn dynamodb_boto3() {
    let c = Case::fixture("dynamodb_boto3.py")
        .default_arg("job_key", "daily-load")
        .default_arg("state_table", "etl_watermarks");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn s3_locations() {
    let c = Case::fixture("s3_locations.py")
        .default_arg("TempDir", "s3://glue-tmp-bucket/jobs/tmp")
        .default_arg("src_bucket", "landing-zone");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn python_shell() {
    insta::assert_json_snapshot!(snap(Case::fixture("python_shell.py")));
}

#[test]
fn databases() {
    let c = Case::fixture("databases.py")
        .default_arg("run_date", "2024-05-13")
        .connection(
            "billing-pg",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:postgresql://billing.internal:5432/billing_old",
            )],
        )
        .connection(
            "rs-glue-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:redshift://ml-dw.q1w2e3.us-east-1.redshift.amazonaws.com:5439/ml",
            )],
        )
        .connection(
            "mysql-glue-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:mysql://catalog-db.internal:3306/pim",
            )],
        )
        .attach("billing-pg");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn wrangler_versions() {
    insta::assert_json_snapshot!(snap(Case::fixture("wrangler_versions.py")));
}

#[test]
fn delta_tables() {
    insta::assert_json_snapshot!(snap(Case::fixture("delta_tables.py")));
}

#[test]
fn jdbc_sql() {
    let c = Case::fixture("jdbc_sql.py")
        .default_arg("TempDir", "s3://glue-tmp-bucket/jobs/tmp")
        .default_arg("db_name", "support")
        .connection(
            "pg-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:postgresql://pg.internal:5432/shop",
            )],
        )
        .connection(
            "ms-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:sqlserver://ms.internal:1433;databaseName=erp",
            )],
        )
        .connection(
            "rs-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:redshift://fin-dw.a1b2c3.us-east-1.redshift.amazonaws.com:5439/dev",
            )],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn spark_sql_glue() {
    insta::assert_json_snapshot!(snap(Case::fixture("spark_sql_glue.py")));
}

#[test]
fn streams() {
    let c = Case::fixture("streams.py")
        .default_arg("TempDir", "s3://glue-tmp-bucket/jobs/tmp")
        .connection(
            "msk-conn",
            "KAFKA",
            &[(
                "KAFKA_BOOTSTRAP_SERVERS",
                "b-3.msk.internal:9094,b-4.msk.internal:9094",
            )],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn studio_connection_nodes() {
    let case = Case::python("")
        .connection(
            "pg-conn",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:postgresql://pg.internal:5432/shop",
            )],
        )
        .connection(
            "delta-conn",
            "MARKETPLACE",
            &[(
                "CONNECTOR_CLASS_NAME",
                "org.apache.spark.sql.delta.sources.DeltaDataSource",
            )],
        );
    let mut ctx = case.context();
    ctx.script = None;
    ctx.job.code_gen_configuration_nodes = Some(serde_json::json!({
        "n1": {"DirectJDBCSource": {"Name": "pg", "ConnectionName": "pg-conn",
               "ConnectionType": "postgresql", "Database": "shop", "Table": "sales.orders"}},
        "n2": {"DirectKinesisSource": {"Name": "k", "StreamingOptions": {
               "StreamArn": "arn:aws:kinesis:eu-west-1:111122223333:stream/clicks"}}},
        "n3": {"SparkConnectorTarget": {"Name": "d", "ConnectionName": "delta-conn",
               "ConnectionType": "marketplace.spark", "Inputs": ["n1"],
               "AdditionalOptions": {"path": "s3://lake/delta/orders/"}}}
    }));
    let x = lineage_extract::extract(&ctx.redact(), &lineage_extract::ExtractSettings::default())
        .expect("extraction");
    insta::assert_json_snapshot!(summary(&x));
}

#[test]
fn sql_unknowns_named_by_the_logs() {
    let c = Case::fixture("sql_unknowns.py")
        .log(5, "writing into database analytics")
        .log(6, "loading schema sales");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn sql_unknowns_without_logs_stay_open() {
    let x = Case::fixture("sql_unknowns.py").extract();
    assert!(
        common::names(&x, lineage_domain::Direction::Output).is_empty(),
        "{:?}",
        summary(&x)
    );
    assert!(x
        .diagnostics
        .iter()
        .any(|d| d.expression.contains("summary")));
}
