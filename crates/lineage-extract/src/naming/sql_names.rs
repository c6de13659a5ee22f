//! How the table names of SQL text become datasets: on the Glue Data Catalog, on a JDBC
//! database, on Snowflake (`snowflake://{account of sfUrl}`, `{db}.{schema}.{table}`), or on a
//! database that could not be told.

use super::{qualified_table, JdbcUrl, HOLE};
use crate::emit::{Env, Unresolved};
use lineage_domain::Dataset;

/// A Snowflake database and schema on an account: `snowflake://{account}` (the account
/// identifier of `sfUrl`, without `.snowflakecomputing.com`), tables `{db}.{schema}.{table}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snowflake {
    pub account: String,
    pub database: Option<String>,
    /// The session schema (`sfSchema`); Snowflake's default is `public`.
    pub schema: String,
}

impl Snowflake {
    /// From an `sfUrl` (`acct.region.snowflakecomputing.com`, with or without `https://`).
    pub(crate) fn new(sf_url: &str, database: Option<&str>, schema: Option<&str>) -> Option<Self> {
        let host = sf_url
            .trim()
            .trim_start_matches("jdbc:snowflake://")
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let host = host.split(['/', '?', ':']).next().unwrap_or("");
        let account = host
            .to_ascii_lowercase()
            .trim_end_matches(".snowflakecomputing.com")
            .trim_end_matches(".privatelink")
            .to_string();
        if account.is_empty() || account.contains(HOLE) {
            return None;
        }
        let clean = |s: &str| s.trim().trim_matches('"').to_ascii_lowercase();
        Some(Self {
            account,
            database: database.map(clean).filter(|d| !d.is_empty()),
            schema: schema
                .map(clean)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "public".to_string()),
        })
    }

    /// The dataset of a table name (`t`, `schema.t` or `db.schema.t`).
    pub(crate) fn table(&self, table: &str) -> Result<Dataset, Unresolved> {
        let t = table.trim().replace('"', "").to_ascii_lowercase();
        let parts: Vec<&str> = t.split('.').collect();
        let name = match (parts.as_slice(), &self.database) {
            ([t], Some(d)) => format!("{d}.{}.{t}", self.schema),
            ([s, t], Some(d)) => format!("{d}.{s}.{t}"),
            ([d, s, t], _) => format!("{d}.{s}.{t}"),
            _ => {
                return Err(Unresolved::new(
                    table,
                    "Snowflake database or table could not be resolved",
                ))
            }
        };
        Dataset::new(format!("snowflake://{}", self.account), name)
            .map_err(|e| Unresolved::new(table, e.to_string()))
    }
}

/// How the table names of a SQL text become datasets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SqlNames<'a> {
    /// Glue Data Catalog tables (Spark SQL, Athena); unqualified names in this database
    /// (else `default`).
    Catalog(Option<&'a str>),
    /// Tables of the database a JDBC URL names.
    Jdbc(&'a JdbcUrl),
    /// Tables of a Snowflake database.
    Snowflake(&'a Snowflake),
    /// Tables of a database that could not be told (described): every table is unresolved.
    Unknown(&'a str),
}

impl SqlNames<'_> {
    /// The region the database is in (a Redshift endpoint's), else the run's.
    pub(crate) fn region<'b>(&'b self, env: &'b Env) -> &'b str {
        match self {
            SqlNames::Jdbc(url) => url.region(env.region()),
            _ => env.region(),
        }
    }

    /// The dataset of a table name as the SQL module reports it.
    pub(crate) fn dataset(&self, env: &Env, name: &str) -> Result<Dataset, Unresolved> {
        match self {
            SqlNames::Catalog(db) => qualified_table(env, name, *db),
            SqlNames::Jdbc(url) => url.table(name, env.region()),
            SqlNames::Snowflake(sf) => sf.table(name),
            SqlNames::Unknown(what) => Err(Unresolved::new(
                format!("{what}: {name}"),
                "the database the SQL runs on could not be resolved",
            )),
        }
    }
}
