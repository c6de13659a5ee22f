//! The integration tests of `lineage-local` in one test binary (one link, one process): the local
//! adapters: the contract suite and the embedded store.

mod contract;
mod store;
