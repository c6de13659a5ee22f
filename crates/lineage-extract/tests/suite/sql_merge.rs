//! MERGE INTO: the target written, the USING source read.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn merge_table_source() {
    assert_eq!(
        lineage(
            "MERGE INTO target USING src ON target.k = src.k WHEN NOT MATCHED THEN INSERT VALUES (src.k)",
            "ansi"
        ),
        io(&["src"], &["target"])
    );
}

#[test]
fn merge_subquery_source() {
    assert_eq!(
        lineage(
            "MERGE INTO s.bar AS d USING (SELECT * FROM s.foo) AS stg ON d.a = stg.a WHEN MATCHED THEN UPDATE SET d.b = stg.b",
            "postgres"
        ),
        io(&["s.foo"], &["s.bar"])
    );
}

#[test]
fn merge_star_actions() {
    assert_eq!(
        lineage(
            "MERGE INTO db.t USING db.s ON t.id = s.id WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
            "databricks"
        ),
        io(&["db.s"], &["db.t"])
    );
}

#[test]
fn merge_identifier() {
    assert_eq!(
        lineage(
            "MERGE INTO IDENTIFIER(target) USING identifier('source') ON target.id = source.id WHEN MATCHED THEN UPDATE SET target.d = source.d",
            "snowflake"
        ),
        io(&["source"], &["target"])
    );
}
