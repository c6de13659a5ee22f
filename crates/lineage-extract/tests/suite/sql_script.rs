//! Multi-statement scripts: splitting, USE context, temp views, parse errors as data, lines.
use crate::sql_common;
use lineage_extract::sql::{analyze, Dialect};
use sql_common::{io, lineage};

#[test]
fn union_of_statements() {
    assert_eq!(
        lineage(
            "SELECT * FROM t1;\nDELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id;",
            "mysql"
        ),
        io(&["t1", "t2"], &["t1"])
    );
}

#[test]
fn use_qualifies_later_names() {
    assert_eq!(
        lineage(
            "USE db1;\nSELECT * FROM foo;\nUSE db2.s2;\nINSERT INTO c SELECT * FROM bar;\nUSE db3;\nSELECT * FROM w;",
            "generic"
        ),
        io(&["db1.foo", "db2.s2.bar", "db3.s2.w"], &["db2.s2.c"])
    );
}

#[test]
fn use_schema() {
    assert_eq!(
        lineage("USE SCHEMA sch;\nSELECT * FROM t;", "snowflake"),
        io(&["sch.t"], &[])
    );
}

#[test]
fn temp_view_resolved_to_sources() {
    assert_eq!(
        lineage(
            "CREATE TEMP VIEW v AS SELECT * FROM a JOIN b ON a.x = b.x;\nINSERT INTO c SELECT * FROM v",
            "sparksql"
        ),
        io(&["a", "b"], &["c"])
    );
}

#[test]
fn bad_statement_keeps_the_others() {
    assert_eq!(
        lineage(
            "FAILING STATEMENT;\nINSERT INTO p SELECT k FROM temp.tbl;\nINSERT ALSO FAILING;",
            "postgres"
        ),
        io(&["temp.tbl"], &["p"])
    );
}

#[test]
fn parse_errors_are_data_with_lines() {
    let l = analyze(
        "SELECT 1;\nFAILING STATEMENT;\nSELECT * FROM t;\nINSERT ALSO FAILING",
        Dialect::Postgres,
    );
    assert_eq!(
        l.errors.iter().map(|e| e.line).collect::<Vec<_>>(),
        vec![2, 4]
    );
}

#[test]
fn statement_lines() {
    let l = analyze("SELECT * FROM a;\n\n-- c\nSELECT * FROM b;", Dialect::Ansi);
    assert_eq!(
        l.statements.iter().map(|s| s.line).collect::<Vec<_>>(),
        vec![1, 4]
    );
}

#[test]
fn semicolons_in_strings_and_comments() {
    assert_eq!(
        lineage("SELECT ';' FROM a -- ; x\n/* ; */ JOIN b ON 1=1;", "ansi"),
        io(&["a", "b"], &[])
    );
}

#[test]
fn tsql_statements_without_semicolons() {
    assert_eq!(
        lineage("select id from foo group by id\nselect * from bar", "tsql"),
        io(&["bar", "foo"], &[])
    );
}

#[test]
fn variables_substituted() {
    assert_eq!(
        lineage(
            "INSERT OVERWRITE TABLE db.t PARTITION (dt='${ds}') SELECT a FROM ${src}.s",
            "sparksql"
        ),
        io(&["src.s"], &["db.t"])
    );
}

#[test]
fn unparsable_select_best_effort() {
    assert_eq!(
        lineage(
            "SELECT COUNT(* WHERE id IN (SELECT id FROM paid)) FROM orders",
            "postgres"
        ),
        io(&["orders", "paid"], &[])
    );
}
