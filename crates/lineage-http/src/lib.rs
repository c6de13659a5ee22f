//! The OpenLineage HTTP transport: each RunEvent posted as JSON to an OpenLineage endpoint
//! (Marquez, DataHub, OpenMetadata, any `/api/v1/lineage` receiver), with an optional API key
//! sent as `Authorization: Bearer`, a timeout per attempt and retries with backoff on 5xx, 429,
//! timeouts and refused connections. It implements the domain's `LineageTransport` port; the
//! binaries wire it from the `transport.*` settings.

mod error;
mod transport;

pub use error::HttpTransportError;
pub use lineage_domain::ports::HttpEndpoint;
pub use transport::HttpLineageTransport;
