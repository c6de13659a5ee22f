//! `lineage-agent sql --dialect NAME`: table lineage of SQL read on stdin, as
//! `{"inputs": [...], "outputs": [...]}`.

use crate::error::CliError;
use clap::Args;
use lineage_extract::sql::{self, Dialect};
use std::io::Read;

#[derive(Debug, Args)]
pub struct SqlArgs {
    /// sparksql, hive, databricks, ansi, generic, mysql, postgres, snowflake, bigquery, tsql,
    /// redshift, ...
    #[arg(long, default_value = "sparksql")]
    pub dialect: String,
}

pub fn execute(args: SqlArgs) -> Result<(), CliError> {
    let dialect: Dialect = args.dialect.parse().map_err(CliError::Input)?;
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| CliError::Input(format!("stdin: {e}")))?;
    let (inputs, outputs) = sql::script_tables(&text, dialect);
    let json = serde_json::json!({ "inputs": inputs, "outputs": outputs });
    println!("{json}");
    Ok(())
}
