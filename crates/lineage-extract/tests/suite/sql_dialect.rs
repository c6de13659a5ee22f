//! Dialect names accepted by `Dialect::from_str`.
use lineage_extract::sql::Dialect;

#[test]
fn all_listed_names_parse() {
    let names = [
        "ansi",
        "generic",
        "postgres",
        "mysql",
        "mariadb",
        "tsql",
        "snowflake",
        "bigquery",
        "redshift",
        "hive",
        "sparksql",
        "databricks",
        "athena",
        "oracle",
        "db2",
        "duckdb",
        "exasol",
        "greenplum",
        "materialize",
        "teradata",
        "vertica",
    ];
    assert_eq!(
        names
            .iter()
            .filter(|n| n.parse::<Dialect>().is_err())
            .count(),
        0
    );
}

#[test]
fn closest_dialects() {
    assert_eq!(
        ["mariadb", "greenplum", "tsql", "SparkSQL"].map(|n| n.parse::<Dialect>().ok()),
        [
            Some(Dialect::MySql),
            Some(Dialect::Postgres),
            Some(Dialect::MsSql),
            Some(Dialect::SparkSql)
        ]
    );
}

#[test]
fn unknown_name_is_an_error() {
    assert!("cobol".parse::<Dialect>().is_err());
}
