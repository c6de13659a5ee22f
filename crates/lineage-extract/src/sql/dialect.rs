//! SQL dialect names accepted by the CLI and the sqlparser dialects tried, in order, for each
//! statement (the requested one first, then related ones, then the permissive generic one).

use std::str::FromStr;

use sqlparser::dialect::{
    AnsiDialect, BigQueryDialect, DatabricksDialect, Dialect as ParserDialect, DuckDbDialect,
    GenericDialect, HiveDialect, MsSqlDialect, MySqlDialect, PostgreSqlDialect, RedshiftSqlDialect,
    SnowflakeDialect,
};

/// A SQL dialect, by the names the CLI accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Generic,
    Ansi,
    Hive,
    SparkSql,
    Databricks,
    MySql,
    Postgres,
    Snowflake,
    BigQuery,
    MsSql,
    Redshift,
    DuckDb,
}

impl FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "generic" | "oracle" | "db2" | "exasol" | "teradata" | "trino" | "presto" => {
                Dialect::Generic
            }
            "ansi" => Dialect::Ansi,
            "hive" | "athena" | "impala" => Dialect::Hive,
            "sparksql" | "spark" => Dialect::SparkSql,
            "databricks" => Dialect::Databricks,
            "mysql" | "mariadb" => Dialect::MySql,
            "postgres" | "postgresql" | "greenplum" | "materialize" | "vertica" => {
                Dialect::Postgres
            }
            "snowflake" => Dialect::Snowflake,
            "bigquery" => Dialect::BigQuery,
            "tsql" | "mssql" | "sqlserver" => Dialect::MsSql,
            "redshift" => Dialect::Redshift,
            "duckdb" => Dialect::DuckDb,
            other => return Err(format!("unknown SQL dialect {other:?}")),
        })
    }
}

impl Dialect {
    /// Whether a select item may name an alias defined before it in the same select list
    /// (`a + b AS x, x * 2 AS y`).
    pub(crate) fn lateral_column_aliases(self) -> bool {
        matches!(
            self,
            Dialect::SparkSql
                | Dialect::Databricks
                | Dialect::Snowflake
                | Dialect::Redshift
                | Dialect::DuckDb
        )
    }

    /// The dialect's name as the OpenLineage `sql` job facet gives it (`spark`, `redshift`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Generic => "generic",
            Dialect::Ansi => "ansi",
            Dialect::Hive => "hive",
            Dialect::SparkSql => "spark",
            Dialect::Databricks => "databricks",
            Dialect::MySql => "mysql",
            Dialect::Postgres => "postgres",
            Dialect::Snowflake => "snowflake",
            Dialect::BigQuery => "bigquery",
            Dialect::MsSql => "mssql",
            Dialect::Redshift => "redshift",
            Dialect::DuckDb => "duckdb",
        }
    }

    /// The sqlparser dialects to try for a statement, best first, without repeats.
    pub(crate) fn parser_chain(self) -> Vec<Box<dyn ParserDialect>> {
        let first: Vec<Box<dyn ParserDialect>> = match self {
            Dialect::Generic => vec![Box::new(GenericDialect {})],
            Dialect::Ansi => vec![Box::new(AnsiDialect {}), Box::new(GenericDialect {})],
            Dialect::Hive => vec![
                Box::new(HiveDialect {}),
                Box::new(DatabricksDialect {}),
                Box::new(GenericDialect {}),
            ],
            Dialect::SparkSql | Dialect::Databricks => vec![
                Box::new(DatabricksDialect {}),
                Box::new(HiveDialect {}),
                Box::new(GenericDialect {}),
            ],
            Dialect::MySql => vec![Box::new(MySqlDialect {}), Box::new(GenericDialect {})],
            Dialect::Postgres => vec![Box::new(PostgreSqlDialect {}), Box::new(GenericDialect {})],
            Dialect::Snowflake => vec![Box::new(SnowflakeDialect {}), Box::new(GenericDialect {})],
            Dialect::BigQuery => vec![Box::new(BigQueryDialect {}), Box::new(GenericDialect {})],
            Dialect::MsSql => vec![Box::new(MsSqlDialect {}), Box::new(GenericDialect {})],
            Dialect::Redshift => vec![
                Box::new(RedshiftSqlDialect {}),
                Box::new(PostgreSqlDialect {}),
                Box::new(GenericDialect {}),
            ],
            Dialect::DuckDb => vec![Box::new(DuckDbDialect {}), Box::new(GenericDialect {})],
        };
        let mut chain = first;
        // Last resorts: dialects with syntax the requested one may lack.
        let extra: Vec<Box<dyn ParserDialect>> = vec![
            Box::new(SnowflakeDialect {}),
            Box::new(DatabricksDialect {}),
            Box::new(MsSqlDialect {}),
            Box::new(PostgreSqlDialect {}),
            Box::new(MySqlDialect {}),
            Box::new(HiveDialect {}),
            Box::new(BigQueryDialect {}),
        ];
        for d in extra {
            let id = d.dialect();
            if !chain.iter().any(|c| c.dialect() == id) {
                chain.push(d);
            }
        }
        chain
    }

    /// True where `SELECT ... INTO x` stores into variables, not a new table.
    pub(crate) fn select_into_is_variables(self) -> bool {
        matches!(self, Dialect::MySql)
    }
}
