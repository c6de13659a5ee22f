//! SELECT: joins, subqueries, set operations, lateral views, CTEs, quoting, SELECT INTO.
use crate::sql_common;
use sql_common::{io, lineage};

#[test]
fn plain_select() {
    assert_eq!(lineage("SELECT * FROM tab1", "ansi"), io(&["tab1"], &[]));
}

#[test]
fn no_table() {
    assert_eq!(
        lineage("SELECT trim(BOTH ' ' FROM 'a')", "ansi"),
        io(&[], &[])
    );
}

#[test]
fn joins_and_comma_lists() {
    assert_eq!(
        lineage(
            "SELECT * FROM a JOIN b ON a.x = b.x LEFT JOIN s.c ON 1=1, d",
            "ansi"
        ),
        io(&["a", "b", "d", "s.c"], &[])
    );
}

#[test]
fn subqueries_in_from_where_and_select_list() {
    assert_eq!(
        lineage(
            "SELECT (SELECT max(x) FROM a) FROM (SELECT * FROM b) t WHERE y IN (SELECT y FROM c)",
            "ansi"
        ),
        io(&["a", "b", "c"], &[])
    );
}

#[test]
fn set_operations() {
    assert_eq!(
        lineage(
            "SELECT id FROM a UNION ALL (SELECT id FROM b EXCEPT SELECT id FROM c)",
            "ansi"
        ),
        io(&["a", "b", "c"], &[])
    );
}

#[test]
fn lateral_view() {
    assert_eq!(
        lineage(
            "SELECT q.x FROM bar sc LATERAL VIEW json_tuple(sc.j, 'k') q AS x",
            "hive"
        ),
        io(&["bar"], &[])
    );
}

#[test]
fn cte_names_are_not_tables() {
    assert_eq!(
        lineage(
            "WITH c1 AS (SELECT * FROM t1), c2 AS (SELECT * FROM c1) SELECT * FROM c2",
            "ansi"
        ),
        io(&["t1"], &[])
    );
}

#[test]
fn unused_cte_is_not_read() {
    assert_eq!(
        lineage(
            "WITH unused AS (SELECT * FROM users) SELECT id FROM tab2",
            "postgres"
        ),
        io(&["tab2"], &[])
    );
}

#[test]
fn nested_cte() {
    assert_eq!(
        lineage(
            "WITH a AS (WITH b AS (SELECT id FROM t1) SELECT id FROM b) SELECT id FROM a",
            "ansi"
        ),
        io(&["t1"], &[])
    );
}

#[test]
fn cte_named_like_its_source() {
    assert_eq!(
        lineage(
            "WITH users AS (SELECT * FROM users) SELECT * FROM users",
            "ansi"
        ),
        io(&["users"], &[])
    );
}

#[test]
fn quoted_and_qualified_names_are_normalised() {
    assert_eq!(
        lineage(
            "SELECT * FROM `Proj`.`DataSet`.`Tbl` JOIN \"S\".\"T\" ON 1=1",
            "bigquery"
        ),
        io(&["proj.dataset.tbl", "s.t"], &[])
    );
}

#[test]
fn tsql_brackets_and_nolock() {
    assert_eq!(
        lineage(
            "SELECT * FROM [db].[dbo].[t1] JOIN db.dbo.t2(NOLOCK) ON 1=1",
            "tsql"
        ),
        io(&["db.dbo.t1", "db.dbo.t2"], &[])
    );
}

#[test]
fn table_functions_are_not_tables() {
    assert_eq!(
        lineage(
            "SELECT * FROM tests CROSS JOIN UNNEST(scores) AS t (score)",
            "ansi"
        ),
        io(&["tests"], &[])
    );
}

#[test]
fn select_into_creates_a_table() {
    assert_eq!(
        lineage("SELECT * INTO films_recent FROM films", "postgres"),
        io(&["films"], &["films_recent"])
    );
}

#[test]
fn select_into_variables_is_not_a_table() {
    assert_eq!(
        lineage("SELECT a, b INTO @x, @y FROM source", "mysql"),
        io(&["source"], &[])
    );
}

#[test]
fn select_into_several_tables() {
    assert_eq!(
        lineage("SELECT a, b INTO s.t0, t1 FROM source", "generic"),
        io(&["source"], &["s.t0", "t1"])
    );
}

#[test]
fn identifier_function() {
    assert_eq!(
        lineage(
            "SELECT * FROM identifier('db.t') JOIN IDENTIFIER($v) ON 1=1",
            "snowflake"
        ),
        io(&["db.t"], &[])
    );
}

#[test]
fn spark_file_tables_are_paths() {
    assert_eq!(
        lineage(
            "SELECT * FROM parquet.`s3://b/Users.parquet` JOIN delta.`/data/x` ON 1=1",
            "sparksql"
        ),
        io(&["/data/x", "s3://b/Users.parquet"], &[])
    );
}
