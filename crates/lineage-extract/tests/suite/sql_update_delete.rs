//! UPDATE ... FROM and DELETE ... USING / multi-table DELETE: targets written, the rest read.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn update_simple() {
    assert_eq!(
        lineage("UPDATE t SET a = 1 WHERE b = 2", "ansi"),
        io(&[], &["t"])
    );
}

#[test]
fn update_from() {
    assert_eq!(
        lineage(
            "UPDATE d.inv i SET q = n.q FROM d.arrivals n WHERE i.p = n.p",
            "postgres"
        ),
        io(&["d.arrivals"], &["d.inv"])
    );
}

#[test]
fn update_alias_of_from_item() {
    assert_eq!(
        lineage(
            "UPDATE sr SET sr.Name += 'x' FROM P.Scrap AS sr JOIN P.Work AS wo ON sr.id = wo.id",
            "tsql"
        ),
        io(&["p.work"], &["p.scrap"])
    );
}

#[test]
fn update_subqueries() {
    assert_eq!(
        lineage(
            "UPDATE t SET a = (SELECT a FROM s) WHERE b IN (SELECT b FROM u)",
            "postgres"
        ),
        io(&["s", "u"], &["t"])
    );
}

#[test]
fn update_with_cte() {
    assert_eq!(
        lineage(
            "WITH c AS (SELECT a FROM t1) UPDATE t2 SET x = c.a FROM c WHERE t2.a = c.a",
            "ansi"
        ),
        io(&["t1"], &["t2"])
    );
}

#[test]
fn delete_using() {
    assert_eq!(
        lineage(
            "DELETE FROM a.b AS t USING (SELECT col FROM b.c) AS d WHERE t.col = d.col",
            "postgres"
        ),
        io(&["b.c"], &["a.b"])
    );
}

#[test]
fn delete_multi_table() {
    assert_eq!(
        lineage(
            "DELETE t1, t2 FROM t1 JOIN t2 ON t1.id = t2.id JOIN lookup ON t1.id = lookup.id",
            "mysql"
        ),
        io(&["lookup"], &["t1", "t2"])
    );
}

#[test]
fn delete_alias_target() {
    assert_eq!(
        lineage(
            "DELETE target FROM foo AS target JOIN bar ON target.id = bar.id",
            "mysql"
        ),
        io(&["bar"], &["foo"])
    );
}

#[test]
fn delete_unknown_identifier() {
    assert_eq!(
        lineage("DELETE FROM identifier(:t) WHERE x = 1", "snowflake"),
        io(&[], &[])
    );
}
