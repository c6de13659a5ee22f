//! Column lineage of statement shapes: names, aliases, CTEs, subqueries, set operations,
//! views, MERGE and UPDATE.

use crate::sql::{analyze, Dialect};

/// `(source_table.column, target_table.column, subtype)` of a text, sorted.
fn pairs(sql: &str) -> Vec<(String, String, &'static str)> {
    let mut out: Vec<_> = analyze(sql, Dialect::SparkSql)
        .columns()
        .into_iter()
        .flat_map(|c| {
            c.sources.into_iter().map(move |s| {
                (
                    format!("{}.{}", s.table, s.column),
                    format!("{}.{}", c.table, c.column),
                    s.transformation.subtype(),
                )
            })
        })
        .collect();
    out.sort();
    out
}

fn p(src: &str, dst: &str, how: &'static str) -> (String, String, &'static str) {
    (src.to_string(), dst.to_string(), how)
}

#[test]
fn insert_select_names_and_aliases() {
    assert_eq!(
        pairs("INSERT INTO out SELECT a, t.b AS c, upper(d) AS e, max(f) FROM src t"),
        vec![
            p("src.a", "out.a", "IDENTITY"),
            p("src.b", "out.c", "IDENTITY"),
            p("src.d", "out.e", "TRANSFORMATION"),
            p("src.f", "out.max(f)", "AGGREGATION"),
        ]
    );
}

#[test]
fn an_insert_column_list_names_the_written_columns_by_position() {
    assert_eq!(
        pairs("INSERT INTO db.out (x, y) SELECT a, b + 1 FROM db.src"),
        vec![
            p("db.src.a", "db.out.x", "IDENTITY"),
            p("db.src.b", "db.out.y", "TRANSFORMATION"),
        ]
    );
}

#[test]
fn ctes_and_subqueries_are_resolved_to_their_tables() {
    let sql = "WITH c1 AS (SELECT a, b FROM t1), \
               c2 AS (SELECT a, max(b) AS b_max FROM c1 GROUP BY a) \
               INSERT INTO out SELECT s.a, s.b_max, z.k FROM c2 s JOIN (SELECT k FROM t2) z ON s.a = z.k";
    assert_eq!(
        pairs(sql),
        vec![
            p("t1.a", "out.a", "IDENTITY"),
            p("t1.b", "out.b_max", "AGGREGATION"),
            p("t2.k", "out.k", "IDENTITY"),
        ]
    );
}

#[test]
fn union_branches_feed_each_column_by_position() {
    assert_eq!(
        pairs("INSERT INTO out SELECT a AS x FROM t1 UNION ALL SELECT b FROM t2"),
        vec![
            p("t1.a", "out.x", "IDENTITY"),
            p("t2.b", "out.x", "IDENTITY")
        ]
    );
}

#[test]
fn star_over_a_table_and_through_a_derived_table() {
    assert_eq!(
        pairs("INSERT INTO out SELECT * FROM src"),
        vec![p("src.*", "out.*", "IDENTITY")]
    );
    assert_eq!(
        pairs("CREATE TABLE out AS SELECT s.id FROM (SELECT * FROM src) s"),
        vec![p("src.id", "out.id", "IDENTITY")]
    );
}

#[test]
fn temporary_views_are_resolved_and_never_written() {
    let sql = "CREATE TEMP VIEW v AS SELECT id, amount * 2 AS doubled FROM raw.sales;\n\
               INSERT OVERWRITE TABLE curated.sales SELECT id, doubled FROM v";
    assert_eq!(
        pairs(sql),
        vec![
            p(
                "raw.sales.amount",
                "curated.sales.doubled",
                "TRANSFORMATION"
            ),
            p("raw.sales.id", "curated.sales.id", "IDENTITY"),
        ]
    );
}

#[test]
fn merge_update_and_insert_clauses() {
    let sql = "MERGE INTO tgt t USING src s ON t.id = s.id \
               WHEN MATCHED THEN UPDATE SET t.v = s.v + 1 \
               WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)";
    assert_eq!(
        pairs(sql),
        vec![
            p("src.id", "tgt.id", "IDENTITY"),
            p("src.v", "tgt.v", "TRANSFORMATION"),
        ]
    );
}

#[test]
fn update_set_from_another_table() {
    assert_eq!(
        pairs("UPDATE tgt SET total = s.amount FROM src s WHERE tgt.id = s.id"),
        vec![p("src.amount", "tgt.total", "IDENTITY")]
    );
}

#[test]
fn lateral_alias_references_and_ambiguous_columns() {
    assert_eq!(
        pairs("INSERT INTO out SELECT name AS user_name, user_name || email AS id FROM src"),
        vec![
            p("src.email", "out.id", "TRANSFORMATION"),
            p("src.name", "out.id", "TRANSFORMATION"),
            p("src.name", "out.user_name", "IDENTITY"),
        ]
    );
    // two plain tables and no qualifier: which one holds `x` needs their schemas
    assert_eq!(
        pairs("INSERT INTO out SELECT a.id, x FROM t1 a JOIN t2 b ON a.id = b.id"),
        vec![p("t1.id", "out.id", "IDENTITY")]
    );
}

#[test]
fn use_qualifies_column_lineage_tables() {
    assert_eq!(
        pairs("USE sales; INSERT INTO out SELECT a FROM src"),
        vec![p("sales.src.a", "sales.out.a", "IDENTITY")]
    );
}

#[test]
fn literals_give_no_column_lineage_and_a_query_writes_to_no_table() {
    assert!(pairs("INSERT INTO out SELECT 1 AS one, current_date() AS d FROM src").is_empty());
    assert_eq!(
        pairs("SELECT a AS b FROM src"),
        vec![p("src.a", ".b", "IDENTITY")]
    );
}

#[test]
fn lateral_aliases_only_where_the_dialect_has_them() {
    let sql = "INSERT INTO out SELECT a AS x, x + 1 AS y FROM src";
    let lateral = analyze(sql, Dialect::SparkSql).columns();
    assert_eq!(lateral[1].sources[0].column, "a");
    let plain = analyze(sql, Dialect::Postgres).columns();
    assert_eq!(plain[1].sources[0].column, "x");
}

#[test]
fn count_star_wildcard_exclusions_and_correlated_subqueries() {
    assert_eq!(
        pairs("INSERT INTO out SELECT count(*) AS n FROM src"),
        vec![p("src.*", "out.n", "AGGREGATION")]
    );
    assert_eq!(
        pairs("INSERT INTO out SELECT * EXCEPT (b) FROM (SELECT a, b FROM src) s"),
        vec![p("src.a", "out.a", "IDENTITY")]
    );
    assert_eq!(
        pairs("INSERT INTO out SELECT (SELECT x + y AS r) AS s FROM src"),
        vec![
            p("src.x", "out.s", "TRANSFORMATION"),
            p("src.y", "out.s", "TRANSFORMATION"),
        ]
    );
}

#[test]
fn statements_inside_a_procedure_body() {
    let sql = "CREATE PROCEDURE p() BEGIN INSERT INTO t2 (c) SELECT c FROM t1; END";
    let columns = analyze(sql, Dialect::BigQuery).columns();
    assert_eq!(columns.len(), 1);
    assert_eq!(
        (
            columns[0].table.as_str(),
            columns[0].sources[0].table.as_str()
        ),
        ("t2", "t1")
    );
}

#[test]
fn snowflake_wildcard_options_rename_replace_and_filter() {
    let cols = |sql: &str| -> Vec<(String, Vec<String>)> {
        analyze(sql, Dialect::Snowflake)
            .columns()
            .into_iter()
            .map(|c| (c.column, c.sources.into_iter().map(|s| s.column).collect()))
            .collect()
    };
    assert_eq!(
        cols("WITH d AS (SELECT id, x FROM t) SELECT * RENAME (x AS y) FROM d"),
        vec![
            ("id".into(), vec!["id".into()]),
            ("y".into(), vec!["x".into()])
        ]
    );
    assert_eq!(
        cols("WITH d AS (SELECT id, secret FROM t) SELECT * ILIKE '%i_' FROM d"),
        vec![("id".into(), vec!["id".into()])]
    );
    assert_eq!(
        cols("WITH d AS (SELECT id, x FROM t) SELECT * REPLACE (id * 2 AS x) FROM d"),
        vec![
            ("id".into(), vec!["id".into()]),
            ("x".into(), vec!["id".into()])
        ]
    );
    // a hostile pattern costs no more than its length times the name's
    let many = format!(
        "SELECT * ILIKE '{}z' FROM (SELECT a FROM t) s",
        "%".repeat(5_000)
    );
    assert!(cols(&many).is_empty());
}

#[test]
fn long_cte_chains_resolve_and_hostile_ones_are_bounded() {
    // 300 CTEs of 20 columns, each reading the one before: every column reaches the base
    let cols: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
    let list = cols.join(", ");
    let mut ctes = vec![format!("t0 AS (SELECT {list} FROM raw.base)")];
    ctes.extend((1..300).map(|i| format!("t{i} AS (SELECT {list} FROM t{})", i - 1)));
    let sql = format!(
        "WITH {} INSERT INTO out SELECT * FROM t299",
        ctes.join(",\n")
    );
    let columns = analyze(&sql, Dialect::SparkSql).columns();
    assert_eq!(columns.len(), 20);
    assert!(columns.iter().all(|c| c.sources.len() == 1
        && c.sources[0].table == "raw.base"
        && c.sources[0].column == c.column));
    // 3,000 CTEs each widening the one before: past the work budget, no column lineage, and
    // the tables stay right
    let mut ctes = vec!["t0 AS (SELECT * FROM raw.base)".to_string()];
    ctes.extend((1..3000).map(|i| format!("t{i} AS (SELECT *, c{i} FROM t{})", i - 1)));
    let sql = format!(
        "WITH {} INSERT INTO out SELECT * FROM t2999",
        ctes.join(",\n")
    );
    let lineage = analyze(&sql, Dialect::SparkSql);
    assert!(lineage.columns().is_empty());
    assert_eq!(
        lineage.tables(),
        (vec!["raw.base".to_string()], vec!["out".to_string()])
    );
}
