//! One module per `lineage-agent` command.

pub mod config;
pub mod extract;
pub mod health;
pub mod lineage;
pub mod replay;
pub mod run;
pub mod sql;
