//! DROP / TRUNCATE / ALTER (openlineage's convention: the table is an output) and statements
//! without lineage.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn drop_tables() {
    assert_eq!(
        lineage("DROP TABLE IF EXISTS a.b, c.d", "postgres"),
        io(&[], &["a.b", "c.d"])
    );
}

#[test]
fn truncate() {
    assert_eq!(lineage("TRUNCATE TABLE a.b", "postgres"), io(&[], &["a.b"]));
}

#[test]
fn alter_add_column() {
    assert_eq!(
        lineage("ALTER TABLE t ADD COLUMN b int", "postgres"),
        io(&[], &["t"])
    );
}

#[test]
fn alter_rename() {
    assert_eq!(
        lineage("ALTER TABLE t1 RENAME TO t2", "postgres"),
        io(&["t1"], &["t2"])
    );
}

#[test]
fn statements_without_lineage() {
    assert_eq!(
        lineage(
            "SET x=1; SHOW FUNCTIONS trim; UNCACHE TABLE t; REFRESH TABLE t",
            "sparksql"
        ),
        io(&[], &[])
    );
}

#[test]
fn procedure_body() {
    assert_eq!(
        lineage(
            "CREATE PROCEDURE p()\nAS\nBEGIN\nINSERT INTO t2 (c) SELECT c FROM t1;\nEND",
            "tsql"
        ),
        io(&["t1"], &["t2"])
    );
}
