//! Scoring harness with the `lineage-agent sql` contract: `sql_lineage --dialect NAME` reads
//! SQL on stdin and prints `{"inputs": [...], "outputs": [...]}` (unknown dialects: generic).

use std::io::Read;
use std::str::FromStr;

use lineage_extract::sql::{script_tables, Dialect};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dialect = args
        .iter()
        .position(|a| a == "--dialect")
        .and_then(|i| args.get(i + 1))
        .and_then(|d| Dialect::from_str(d).ok())
        .unwrap_or(Dialect::Generic);
    let mut sql = String::new();
    if std::io::stdin().read_to_string(&mut sql).is_err() {
        std::process::exit(2);
    }
    let (inputs, outputs) = script_tables(&sql, dialect);
    println!(
        "{}",
        serde_json::json!({ "inputs": inputs, "outputs": outputs })
    );
}
