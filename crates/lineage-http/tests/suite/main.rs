//! The integration tests of `lineage-http` in one test binary (one link, one process): the
//! OpenLineage HTTP transport against the fake receiver.

mod transport;
