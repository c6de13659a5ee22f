//! One fixture script and one snapshot per recognised API family: the datasets found and the
//! rule ids that found them.

use crate::common;

use common::{summary, Case};

fn snap(case: Case) -> Vec<String> {
    summary(&case.extract())
}

#[test]
fn glue_catalog() {
    let c = Case::fixture("glue_catalog.py").default_arg("stage_db", "plant_stage");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn glue_options_s3() {
    insta::assert_json_snapshot!(snap(Case::fixture("glue_options_s3.py")));
}

#[test]
fn glue_sink_catalog() {
    insta::assert_json_snapshot!(snap(Case::fixture("glue_sink_catalog.py")));
}

#[test]
fn jdbc_connections() {
    let c = Case::fixture("jdbc_connections.py")
        .default_arg("warehouse_conn", "rs-dw")
        .connection(
            "pg-support",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:postgresql://pg.internal:5433/support",
            )],
        )
        .connection(
            "mssql-billing",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:sqlserver://ms.internal:1433;databaseName=Old",
            )],
        )
        .connection(
            "rs-dw",
            "JDBC",
            &[(
                "JDBC_CONNECTION_URL",
                "jdbc:redshift://dw-main.abc123.us-west-2.redshift.amazonaws.com:5439/dev",
            )],
        )
        .connection(
            "mysql-crm",
            "JDBC",
            &[("JDBC_CONNECTION_URL", "jdbc:mysql://crm.internal:3306/crm")],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn spark_read_write() {
    insta::assert_json_snapshot!(snap(Case::fixture("spark_read_write.py")));
}

#[test]
fn spark_sql() {
    insta::assert_json_snapshot!(snap(Case::fixture("spark_sql.py")));
}

#[test]
fn lakehouse() {
    insta::assert_json_snapshot!(snap(Case::fixture("lakehouse.py")));
}

#[test]
fn streaming() {
    let c = Case::fixture("streaming.py")
        .default_arg(
            "stream",
            "arn:aws:kinesis:eu-central-1:111122223333:stream/meters",
        )
        .default_arg("out", "s3://stream-out/meters/")
        .connection(
            "msk-fixture",
            "KAFKA",
            &[(
                "KAFKA_BOOTSTRAP_SERVERS",
                "b-1.msk.local:9094,b-2.msk.local:9094",
            )],
        );
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn dynamodb() {
    insta::assert_json_snapshot!(snap(Case::fixture("dynamodb.py")));
}

#[test]
fn wrangler() {
    insta::assert_json_snapshot!(snap(Case::fixture("wrangler.py")));
}

#[test]
fn boto3_s3() {
    insta::assert_json_snapshot!(snap(Case::fixture("boto3_s3.py")));
}

#[test]
fn scala_job() {
    let c = Case::fixture("scala_job.scala")
        .default_arg("db", "mill")
        .default_arg("out", "s3://mill-curated/lines/");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn python_semantics() {
    let c = Case::fixture("python_semantics.py")
        .default_arg("env", "prod")
        .default_arg("source_uri", "s3://landing/feeds/partner.json");
    insta::assert_json_snapshot!(snap(c));
}

#[test]
fn modules_shipped_with_the_job() {
    let c = Case::python(
        r#"
import sys
from awsglue.utils import getResolvedOptions
import etl_lib.io as lib_io
from etl_lib.naming import table_path
args = getResolvedOptions(sys.argv, ["bucket"])
df = lib_io.read(spark, table_path(args["bucket"], "orders"))
lib_io.write(df, table_path(args["bucket"], "orders_clean"))
"#,
    )
    .default_arg("bucket", "lake")
    .module(
        "etl_lib.naming",
        "ZONE = 'curated'\ndef table_path(bucket, table):\n    return f's3://{bucket}/{ZONE}/{table}/'\n",
    )
    .module(
        "etl_lib.io",
        "def read(spark, path):\n    return spark.read.parquet(path)\ndef write(df, path):\n    df.write.mode('overwrite').parquet(path)\n",
    );
    insta::assert_json_snapshot!(snap(c));
}
