//! COPY / COPY INTO / UNLOAD / CREATE STAGE / LOAD DATA: locations reported as written.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn copy_from_file() {
    assert_eq!(
        lineage("COPY tab1 FROM 's3://bucket/path'", "postgres"),
        io(&["s3://bucket/path"], &["tab1"])
    );
}

#[test]
fn snowflake_copy_from_stage() {
    assert_eq!(
        lineage("COPY INTO a.b FROM @ns.stage/path", "snowflake"),
        io(&["@ns.stage/path"], &["a.b"])
    );
}

#[test]
fn snowflake_copy_into_location() {
    assert_eq!(
        lineage(
            "COPY INTO 's3://bucket/p' FROM (SELECT * FROM db.s.t)",
            "snowflake"
        ),
        io(&["db.s.t"], &["s3://bucket/p"])
    );
}

#[test]
fn redshift_unload() {
    assert_eq!(
        lineage(
            "UNLOAD ('select * from venue') TO 's3://b/v_' IAM_ROLE 'arn:x'",
            "redshift"
        ),
        io(&["venue"], &["s3://b/v_"])
    );
}

#[test]
fn spark_insert_overwrite_directory() {
    assert_eq!(
        lineage(
            "INSERT OVERWRITE DIRECTORY 's3://b/p' USING parquet SELECT * FROM db.s",
            "sparksql"
        ),
        io(&["db.s"], &["s3://b/p"])
    );
}

#[test]
fn hive_load_data() {
    assert_eq!(
        lineage(
            "LOAD DATA INPATH 's3://b/in/x.csv' OVERWRITE INTO TABLE db.t PARTITION (dt='2024')",
            "hive"
        ),
        io(&["s3://b/in/x.csv"], &["db.t"])
    );
    assert_eq!(
        lineage("LOAD DATA LOCAL INPATH '/tmp/x' INTO TABLE t", "sparksql"),
        io(&[], &["t"])
    );
}
