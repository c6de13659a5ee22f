//! INSERT INTO / OVERWRITE [TABLE], PARTITION, INSERT ... SELECT / VALUES, WITH before INSERT.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn insert_select() {
    assert_eq!(
        lineage(
            "INSERT INTO tab1 (a, b) SELECT * FROM tab2 UNION SELECT * FROM tab3",
            "ansi"
        ),
        io(&["tab2", "tab3"], &["tab1"])
    );
}

#[test]
fn insert_values() {
    assert_eq!(
        lineage("INSERT INTO db.t VALUES (1, 2)", "ansi"),
        io(&[], &["db.t"])
    );
}

#[test]
fn insert_values_with_subqueries() {
    assert_eq!(
        lineage("INSERT INTO t VALUES ((SELECT max(id) FROM a), 1)", "ansi"),
        io(&["a"], &["t"])
    );
}

#[test]
fn insert_overwrite_table_partition() {
    assert_eq!(
        lineage(
            "INSERT OVERWRITE TABLE s.dps PARTITION (ds = '2022-03-30') SELECT a FROM s.fpsm",
            "hive"
        ),
        io(&["s.fpsm"], &["s.dps"])
    );
}

#[test]
fn insert_into_table_dynamic_partition() {
    assert_eq!(
        lineage(
            "INSERT INTO TABLE t PARTITION (par1=1) SELECT * FROM s",
            "sparksql"
        ),
        io(&["s"], &["t"])
    );
}

#[test]
fn insert_without_into() {
    assert_eq!(
        lineage("INSERT tab1 SELECT * FROM tab2", "mysql"),
        io(&["tab2"], &["tab1"])
    );
}

#[test]
fn with_before_insert() {
    assert_eq!(
        lineage(
            "WITH c AS (SELECT * FROM tab2) INSERT INTO tab3 SELECT * FROM c",
            "ansi"
        ),
        io(&["tab2"], &["tab3"])
    );
}

#[test]
fn with_inside_insert() {
    assert_eq!(
        lineage(
            "INSERT INTO tab3 WITH c AS (SELECT * FROM tab2) SELECT * FROM c",
            "ansi"
        ),
        io(&["tab2"], &["tab3"])
    );
}

#[test]
fn self_read() {
    assert_eq!(
        lineage(
            "INSERT OVERWRITE TABLE foo SELECT col FROM foo WHERE x",
            "sparksql"
        ),
        io(&["foo"], &["foo"])
    );
}
