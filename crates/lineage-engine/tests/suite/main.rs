//! The integration tests of `lineage-engine` in one test binary (one link, one process): the
//! pipeline with local adapters: documents, inference through the fake Converse server, injection,
//! model limits, storage checks, catalog facets, events sent to an OpenLineage endpoint.

mod infer_harness;
mod local_harness;

mod catalog_facets;
mod column_lineage;
mod document_snapshot;
mod infer_bedrock;
mod injection;
mod local_pipeline;
mod model_limits;
mod storage_checks;
mod transports;
