//! One module per `lineage-agent` command.

pub mod extract;
pub mod run;
pub mod sql;
