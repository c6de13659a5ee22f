//! The HTTP transport's errors: what went wrong with the endpoint, in words a user can act on,
//! and the domain's error kind of each. No message ever holds the API key.

use lineage_domain::{ErrorKind, PortError};

#[derive(Debug, thiserror::Error)]
pub enum HttpTransportError {
    #[error("{url} is not an http:// or https:// URL: check transport.url / OPENLINEAGE_URL and transport.endpoint")]
    InvalidUrl { url: String },
    #[error(
        "the system's TLS root certificates could not be loaded ({0}): install ca-certificates"
    )]
    Tls(String),
    #[error("{url}: https:// needs TLS, which this build leaves out (the local build `make demo` makes, --no-default-features): use the default build, `cargo build -p lineage-cli`")]
    NoTls { url: String },
    #[error("the API key cannot be sent in an HTTP header (it holds control characters): check OPENLINEAGE_API_KEY")]
    InvalidKey,
    #[error("HTTP {status} after {attempts} attempt(s){hint}: {body}")]
    Status {
        status: u16,
        attempts: u32,
        hint: &'static str,
        body: String,
    },
    #[error("no answer within {timeout_ms} ms after {attempts} attempt(s): raise transport.timeout or check the endpoint")]
    Timeout { timeout_ms: u128, attempts: u32 },
    #[error("could not connect after {attempts} attempt(s) ({message}): check the URL and the network path to the endpoint")]
    Connect { attempts: u32, message: String },
}

impl HttpTransportError {
    /// The domain's kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidUrl { .. } | Self::NoTls { .. } | Self::InvalidKey | Self::Tls(_) => {
                ErrorKind::Invalid
            }
            Self::Status {
                status: 401 | 403, ..
            } => ErrorKind::AccessDenied,
            Self::Status {
                status: 404 | 410, ..
            } => ErrorKind::NotFound,
            Self::Status { status, .. } if *status == 429 || *status >= 500 => ErrorKind::Transient,
            Self::Status { .. } => ErrorKind::Invalid,
            Self::Timeout { .. } | Self::Connect { .. } => ErrorKind::Transient,
        }
    }

    /// As the domain's port error, for `operation`.
    pub fn into_port_error(self, operation: String) -> PortError {
        PortError::new(self.kind(), operation, self.to_string())
    }
}

/// The hint of a status a user can fix.
pub(crate) fn status_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (check OPENLINEAGE_API_KEY and transport.auth)",
        404 => " (check transport.endpoint: OpenLineage receivers take api/v1/lineage)",
        413 => " (the event is larger than the endpoint accepts)",
        _ => "",
    }
}
