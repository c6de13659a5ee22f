//! Redshift loading and unloading as Redshift's documentation writes them, options sqlparser
//! does not read included: `COPY ... FROM 's3://...'` with credentials and format options,
//! `UNLOAD ('query') TO 's3://...'` with escaped quotes, and definitions that write no rows.
use crate::sql_common;
use lineage_extract::sql::{analyze, Dialect};
use sql_common::{io, lineage};

#[test]
fn copy_with_credentials_and_json() {
    assert_eq!(
        lineage(
            "COPY sales.orders (id, amount) FROM 's3://landing/orders/2024/' \
             CREDENTIALS 'aws_iam_role=arn:aws:iam::1:role/r' FORMAT AS JSON 'auto' GZIP",
            "redshift"
        ),
        io(&["s3://landing/orders/2024/"], &["sales.orders"])
    );
}

#[test]
fn copy_with_keys_and_csv_options() {
    assert_eq!(
        lineage(
            "copy public.events from 's3://b/events/' access_key_id 'a' secret_access_key 'b' \
             csv quote as '\"' acceptinvchars truncatecolumns maxerror 10",
            "redshift"
        ),
        io(&["s3://b/events/"], &["public.events"])
    );
}

#[test]
fn unload_with_escaped_quotes() {
    assert_eq!(
        lineage(
            "UNLOAD ('SELECT * FROM stl_query q JOIN stl_querytext t ON q.query = t.query \
             WHERE q.starttime > \\'2024-01-01\\'') TO 's3://audit/querylogs/' \
             CREDENTIALS 'aws_access_key_id=x' DELIMITER '|' ESCAPE ALLOWOVERWRITE",
            "redshift"
        ),
        io(&["stl_query", "stl_querytext"], &["s3://audit/querylogs/"])
    );
    assert_eq!(
        lineage(
            "UNLOAD ('SELECT * FROM a WHERE d = ''x''') TO 's3://b/u/' IAM_ROLE 'r' PARQUET",
            "redshift"
        ),
        io(&["a"], &["s3://b/u/"])
    );
}

#[test]
fn definitions_write_no_rows() {
    let l = analyze(
        "CREATE TABLE s.t (id INT);\nCREATE TABLE s.u AS SELECT * FROM s.t;\n\
         ALTER TABLE s.u ADD COLUMN x INT;\nCREATE TABLE s.v (LIKE s.u);",
        Dialect::Redshift,
    );
    let flags: Vec<bool> = l.statements.iter().map(|s| s.schema_only).collect();
    assert_eq!(flags, vec![true, false, true, true]);
}
