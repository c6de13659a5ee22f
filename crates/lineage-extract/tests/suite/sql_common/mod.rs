//! Helpers shared by the `sql_*` tests: one call gives the script-level lineage to compare.
#![allow(dead_code)]

use lineage_extract::sql::{script_tables, Dialect};

/// Script-level `(inputs, outputs)` of `sql` in `dialect`.
pub fn lineage(sql: &str, dialect: &str) -> (Vec<String>, Vec<String>) {
    let d: Dialect = dialect.parse().expect("known dialect");
    script_tables(sql, d)
}

/// The expected `(inputs, outputs)`, sorted like `script_tables`.
pub fn io(inputs: &[&str], outputs: &[&str]) -> (Vec<String>, Vec<String>) {
    let mut i: Vec<String> = inputs.iter().map(|s| s.to_string()).collect();
    let mut o: Vec<String> = outputs.iter().map(|s| s.to_string()).collect();
    i.sort();
    o.sort();
    (i, o)
}
