//! The integration tests of `lineage-cli` in one test binary (one link, one process): the `lineage-
//! agent` binary: local commands, AWS commands against moto, the graph page in headless
//! Chromium, and planted secrets that reach no output.

#[cfg(feature = "aws")]
#[path = "../../../lineage-aws/tests/support/mod.rs"]
mod support;

mod aws_cli;
mod catalog;
mod cli;
mod common;
mod graph_page;
mod reliability;
mod secrets;
