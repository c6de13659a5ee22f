//! The integration tests of `lineage-cli` in one test binary (one link, one process): the `lineage-
//! agent` binary: local commands, AWS commands against moto, and the graph page in headless
//! Chromium.

#[cfg(feature = "aws")]
#[path = "../../../lineage-aws/tests/support/mod.rs"]
mod support;

mod aws_cli;
mod catalog;
mod cli;
mod graph_page;
