//! The integration tests of `lineage-aws` in one test binary (one link, one process): each AWS
//! adapter against a moto server and the Bedrock Converse wire format, and the adapters' contract
//! suite.

#[path = "../support/mod.rs"]
mod support;

mod adapters;
mod bedrock_converse;
mod contract;
