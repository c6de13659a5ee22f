//! The one error type of the AWS adapters, [`AwsError`], and how an SDK failure is classified
//! into the domain's [`ErrorKind`] (throttling, 5xx, timeouts and dispatch failures are
//! transient; access denied, not found, conditional-check failures and validation errors are
//! not), so the pipeline can decide whether to retry.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use lineage_domain::{ErrorKind, PortError};

/// A failure of an AWS adapter.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum AwsError {
    /// The service answered with an error (classified by its code and HTTP status).
    #[error("{operation}: {kind}: {code}: {message}")]
    Service {
        operation: String,
        kind: ErrorKind,
        code: String,
        message: String,
    },
    /// The request never got an answer (timeout, connection refused, I/O).
    #[error("{operation}: transient: {message}")]
    Transport { operation: String, message: String },
    /// An object larger than the caller accepts.
    #[error("{operation}: object is {size} bytes, larger than the limit of {max} bytes")]
    TooLarge {
        operation: String,
        size: u64,
        max: usize,
    },
    /// The request or the stored data is invalid (a bad URL, an item that does not decode).
    #[error("{operation}: invalid: {message}")]
    Invalid { operation: String, message: String },
    /// The thing asked for does not exist, said by us rather than by the service.
    #[error("{operation}: not found: {message}")]
    NotFound { operation: String, message: String },
}

impl AwsError {
    /// The domain kind of the failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AwsError::Service { kind, .. } => *kind,
            AwsError::Transport { .. } => ErrorKind::Transient,
            AwsError::TooLarge { .. } | AwsError::Invalid { .. } => ErrorKind::Invalid,
            AwsError::NotFound { .. } => ErrorKind::NotFound,
        }
    }

    /// The service error code, when the service answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn invalid(operation: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError::Invalid {
            operation: operation.into(),
            message: message.into(),
        }
    }

    pub fn not_found(operation: impl Into<String>, message: impl Into<String>) -> Self {
        AwsError::NotFound {
            operation: operation.into(),
            message: message.into(),
        }
    }

    /// Classifies an SDK error of `operation`.
    pub fn from_sdk<E>(operation: impl Into<String>, err: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let operation = operation.into();
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let status = service.raw().status().as_u16();
                let code = e.code().unwrap_or_default().to_string();
                let message = e
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| DisplayErrorContext(&err).to_string());
                AwsError::Service {
                    operation,
                    kind: classify(&code, Some(status)),
                    code: if code.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        code
                    },
                    message,
                }
            }
            SdkError::ResponseError(resp) => {
                let status = resp.raw().status().as_u16();
                AwsError::Service {
                    operation,
                    kind: classify("", Some(status)),
                    code: format!("HTTP {status}"),
                    message: DisplayErrorContext(&err).to_string(),
                }
            }
            SdkError::ConstructionFailure(_) => AwsError::Invalid {
                operation,
                message: DisplayErrorContext(&err).to_string(),
            },
            // timeouts, dispatch failures (connection refused, DNS, TLS) and anything newer
            _ => AwsError::Transport {
                operation,
                message: DisplayErrorContext(&err).to_string(),
            },
        }
    }

    /// Whether this is a DynamoDB conditional-check failure (a lost conditional write).
    pub fn is_conditional_check_failed(&self) -> bool {
        matches!(self.code(), Some(c) if c.contains("ConditionalCheckFailed"))
    }
}

/// The domain kind of an AWS error code, falling back to the HTTP status.
pub fn classify(code: &str, status: Option<u16>) -> ErrorKind {
    let c = code.trim_end_matches("Exception");
    const TRANSIENT: &[&str] = &[
        "Throttling",
        "Throttled",
        "ThrottledException",
        "TooManyRequests",
        "RequestLimitExceeded",
        "RequestThrottled",
        "ProvisionedThroughputExceeded",
        "SlowDown",
        "LimitExceeded",
        "InternalServerError",
        "InternalServer",
        "InternalFailure",
        "InternalError",
        "InternalService",
        "ServiceUnavailable",
        "OperationTimeout",
        "RequestTimeout",
        "TransactionInProgress",
        "TransactionConflict",
        "ConcurrentModification",
    ];
    const ACCESS: &[&str] = &[
        "AccessDenied",
        "UnrecognizedClient",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
        "MissingAuthenticationToken",
        "IncompleteSignature",
        "NotAuthorized",
        "Forbidden",
    ];
    const NOT_FOUND: &[&str] = &[
        "NotFound",
        "EntityNotFound",
        "NoSuchKey",
        "NoSuchBucket",
        "NoSuchEntity",
        "ResourceNotFound",
        "TableNotFound",
    ];
    const CONFLICT: &[&str] = &["ConditionalCheckFailed", "TransactionCanceled"];
    if TRANSIENT.contains(&c) {
        return ErrorKind::Transient;
    }
    if ACCESS.contains(&c) {
        return ErrorKind::AccessDenied;
    }
    if NOT_FOUND.contains(&c) {
        return ErrorKind::NotFound;
    }
    if CONFLICT.contains(&c) {
        return ErrorKind::Conflict;
    }
    match status {
        Some(429) | Some(408) => ErrorKind::Transient,
        Some(s) if s >= 500 => ErrorKind::Transient,
        Some(401) | Some(403) => ErrorKind::AccessDenied,
        Some(404) => ErrorKind::NotFound,
        Some(409) => ErrorKind::Conflict,
        // validation errors and any other client error
        Some(_) => ErrorKind::Invalid,
        None if c.contains("Validation") || c.starts_with("Invalid") => ErrorKind::Invalid,
        None => ErrorKind::Transient,
    }
}

impl From<AwsError> for PortError {
    fn from(e: AwsError) -> Self {
        let kind = e.kind();
        match e {
            AwsError::Service {
                operation,
                code,
                message,
                ..
            } => PortError::new(kind, operation, format!("{code}: {message}")),
            AwsError::Transport { operation, message }
            | AwsError::Invalid { operation, message }
            | AwsError::NotFound { operation, message } => PortError::new(kind, operation, message),
            AwsError::TooLarge {
                operation,
                size,
                max,
            } => PortError::new(
                kind,
                operation,
                format!("object is {size} bytes, larger than the limit of {max} bytes"),
            ),
        }
    }
}

/// Converts an SDK timestamp to chrono.
pub(crate) fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::<chrono::Utc>::from_timestamp(t.secs(), t.subsec_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(
            classify("ThrottlingException", Some(400)),
            ErrorKind::Transient
        );
        assert_eq!(
            classify("ProvisionedThroughputExceededException", Some(400)),
            ErrorKind::Transient
        );
        assert_eq!(
            classify("AccessDeniedException", Some(400)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify("UnrecognizedClientException", Some(400)),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            classify("EntityNotFoundException", Some(400)),
            ErrorKind::NotFound
        );
        assert_eq!(classify("NoSuchKey", Some(404)), ErrorKind::NotFound);
        assert_eq!(
            classify("ResourceNotFoundException", Some(400)),
            ErrorKind::NotFound
        );
        assert_eq!(
            classify("ConditionalCheckFailedException", Some(400)),
            ErrorKind::Conflict
        );
        assert_eq!(
            classify("ValidationException", Some(400)),
            ErrorKind::Invalid
        );
        assert_eq!(classify("", Some(503)), ErrorKind::Transient);
        assert_eq!(classify("", Some(404)), ErrorKind::NotFound);
        assert_eq!(classify("", Some(403)), ErrorKind::AccessDenied);
    }

    #[test]
    fn too_large_names_the_size() {
        let p: PortError = AwsError::TooLarge {
            operation: "s3:GetObject s3://b/k".into(),
            size: 2048,
            max: 1024,
        }
        .into();
        assert_eq!(p.kind, ErrorKind::Invalid);
        assert!(p.message.contains("2048"), "{p}");
    }
}
