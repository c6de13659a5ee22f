//! CREATE TABLE [AS SELECT | LIKE | CLONE], CREATE VIEW, CREATE TEMP VIEW, CACHE TABLE.
use crate::sql_common;
use lineage_extract::sql::{analyze, Dialect};
use sql_common::{io, lineage};

#[test]
fn create_table_columns() {
    assert_eq!(lineage("CREATE TABLE t (a INT)", "ansi"), io(&[], &["t"]));
}

#[test]
fn ctas() {
    assert_eq!(
        lineage("CREATE TABLE db.t AS (SELECT * FROM db.s)", "ansi"),
        io(&["db.s"], &["db.t"])
    );
}

#[test]
fn create_like() {
    assert_eq!(
        lineage("CREATE TABLE new LIKE original", "postgres"),
        io(&["original"], &["new"])
    );
}

#[test]
fn create_clone() {
    assert_eq!(
        lineage("CREATE TABLE t2 CLONE t1", "snowflake"),
        io(&["t1"], &["t2"])
    );
}

#[test]
fn create_view_is_an_output() {
    assert_eq!(
        lineage(
            "CREATE OR REPLACE VIEW v.w AS SELECT * FROM s.t",
            "postgres"
        ),
        io(&["s.t"], &["v.w"])
    );
}

#[test]
fn temp_view_is_neither_input_nor_output() {
    assert_eq!(
        lineage(
            "CREATE OR REPLACE TEMP VIEW v AS SELECT * FROM s.t",
            "sparksql"
        ),
        io(&["s.t"], &[])
    );
}

#[test]
fn temp_view_statement_lineage() {
    let l = analyze(
        "CREATE TEMPORARY VIEW v AS SELECT * FROM s.t",
        Dialect::SparkSql,
    );
    assert_eq!(
        (
            l.statements[0].temp_view.clone(),
            l.statements[0].outputs.clone()
        ),
        (Some("v".to_string()), Vec::<String>::new())
    );
}

#[test]
fn global_temp_view_resolved() {
    assert_eq!(
        lineage(
            "CREATE GLOBAL TEMPORARY VIEW v AS SELECT * FROM s.t;\nINSERT INTO o SELECT * FROM global_temp.v",
            "sparksql"
        ),
        io(&["s.t"], &["o"])
    );
}

#[test]
fn cache_table_as_select_is_a_temp_view() {
    assert_eq!(
        lineage(
            "CACHE TABLE c AS SELECT * FROM s.t;\nINSERT INTO o SELECT * FROM c",
            "sparksql"
        ),
        io(&["s.t"], &["o"])
    );
}

#[test]
fn spark_table_options_before_as_select() {
    assert_eq!(
        lineage(
            "CREATE TABLE db.t USING delta PARTITIONED BY (a) TBLPROPERTIES ('k'='v') AS SELECT * FROM db.s",
            "databricks"
        ),
        io(&["db.s"], &["db.t"])
    );
}

#[test]
fn hive_serde_table() {
    assert_eq!(
        lineage(
            "CREATE TABLE a (h STRING) ROW FORMAT SERDE 'x' WITH SERDEPROPERTIES (\"k\" = \"v\") STORED AS TEXTFILE",
            "hive"
        ),
        io(&[], &["a"])
    );
}

#[test]
fn spark_temp_view_over_files_reads_its_path() {
    assert_eq!(
        lineage(
            "CREATE TEMPORARY VIEW raw USING parquet OPTIONS (path 's3://ev/events/', mergeSchema 'true');\n\
             INSERT OVERWRITE TABLE curated.events SELECT * FROM raw",
            "sparksql"
        ),
        io(&["s3://ev/events/"], &["curated.events"])
    );
    assert_eq!(
        lineage(
            "CREATE OR REPLACE TEMP VIEW v USING csv OPTIONS ('header' = 'true', 'path' = 's3://b/x.csv')",
            "sparksql"
        ),
        io(&["s3://b/x.csv"], &[])
    );
}
