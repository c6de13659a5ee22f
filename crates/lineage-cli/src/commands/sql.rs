//! `lineage-agent sql --dialect NAME [--columns]`: table lineage of SQL read on stdin, as
//! `{"inputs": [...], "outputs": [...]}`; with `--columns` also the column lineage of the
//! written tables, `"columns": [{"table", "column", "sources": [{"table", "column",
//! "transformation"}]}]`. A statement that does not parse is reported on stderr
//! with its line; when nothing in the text could be read as SQL the command fails (exit 2).

use crate::error::CliError;
use crate::output::say;
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::Args;
use lineage_extract::sql::{self, Dialect};
use std::io::Read;

/// Every dialect name `--dialect` accepts (the parser's names and their aliases).
pub const DIALECT_NAMES: &[&str] = &[
    "sparksql",
    "spark",
    "databricks",
    "hive",
    "athena",
    "impala",
    "ansi",
    "generic",
    "oracle",
    "db2",
    "exasol",
    "teradata",
    "trino",
    "presto",
    "mysql",
    "mariadb",
    "postgres",
    "postgresql",
    "greenplum",
    "materialize",
    "vertica",
    "snowflake",
    "bigquery",
    "tsql",
    "mssql",
    "sqlserver",
    "redshift",
    "duckdb",
];

fn dialect_parser() -> impl TypedValueParser<Value = Dialect> {
    PossibleValuesParser::new(DIALECT_NAMES).try_map(|name| name.parse::<Dialect>())
}

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// The SQL dialect.
    #[arg(long, default_value = "sparksql", ignore_case = true, value_parser = dialect_parser())]
    pub dialect: Dialect,
    /// Also print the column lineage: each written column and the input columns it is made from.
    #[arg(long)]
    pub columns: bool,
}

pub fn execute(args: SqlArgs) -> Result<(), CliError> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::Input(format!("stdin: {e}")))?;
    let lineage = sql::analyze(&text, args.dialect);
    let (inputs, outputs) = lineage.tables();
    let mut json = serde_json::json!({ "inputs": inputs, "outputs": outputs });
    if args.columns {
        json["columns"] = lineage
            .columns()
            .iter()
            .map(|c| {
                serde_json::json!({
                    "table": c.table,
                    "column": c.column,
                    "sources": c.sources.iter().map(|s| serde_json::json!({
                        "table": s.table,
                        "column": s.column,
                        "transformation": s.transformation.subtype(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
    }
    say!("{json}")?;
    for e in &lineage.errors {
        eprintln!("lineage-agent: stdin:{}: not parsed: {}", e.line, e.message);
    }
    let nothing_read = lineage.statements.is_empty() && inputs.is_empty() && outputs.is_empty();
    if nothing_read && !lineage.errors.is_empty() {
        return Err(CliError::Input(format!(
            "stdin: no SQL statement could be parsed ({} {})",
            lineage.errors.len(),
            if lineage.errors.len() == 1 {
                "error"
            } else {
                "errors"
            }
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_dialect_name_is_one_the_parser_knows() {
        let unknown: Vec<&str> = DIALECT_NAMES
            .iter()
            .copied()
            .filter(|n| n.parse::<Dialect>().is_err())
            .collect();
        assert_eq!(unknown, Vec::<&str>::new());
    }
}
