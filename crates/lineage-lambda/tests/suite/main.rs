//! The integration tests of `lineage-lambda` in one test binary (one link, one process): the
//! Lambda: the bootstrap binary through a Runtime API emulator, the health check, storage checks on
//! moto.

mod runtime_api;
#[path = "../../../lineage-aws/tests/support/mod.rs"]
mod support;

mod bootstrap;
mod health_model;
mod storage_checks_moto;
