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
fn literals_and_select_only_statements_give_no_column_lineage() {
    assert!(pairs("INSERT INTO out SELECT 1 AS one, current_date() AS d FROM src").is_empty());
    assert!(pairs("SELECT a FROM src").is_empty());
}
