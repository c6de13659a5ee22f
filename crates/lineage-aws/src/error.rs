//! The one error type of the AWS adapters, [`AwsError`], and how an SDK failure is classified
//! into the domain's [`ErrorKind`] (throttling, 5xx, timeouts and dispatch failures are
//! transient; access denied, not found, conditional-check failures and validation errors are
//! not), so the pipeline can decide whether to retry. A request that could not be sent for want
//! of setup (no credentials, no region) is its own kind with the fix in one line; no message
//! carries the SDK's debug dump.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
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
    /// The request could not be sent: the SDK is not set up (no credentials: access denied;
    /// no region: invalid). `problem` says what is missing and how to fix it.
    #[error("{operation}: {problem}")]
    Setup {
        operation: String,
        kind: ErrorKind,
        problem: String,
    },
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
            AwsError::Service { kind, .. } | AwsError::Setup { kind, .. } => *kind,
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
        let answered = matches!(err, SdkError::ServiceError(_) | SdkError::ResponseError(_));
        if let Some((kind, problem)) = setup_problem(&err).filter(|_| !answered) {
            return AwsError::Setup {
                operation,
                kind,
                problem,
            };
        }
        match &err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                let status = service.raw().status().as_u16();
                let code = e.code().unwrap_or_default().to_string();
                let message = e
                    .message()
                    .map(str::to_string)
                    .unwrap_or_else(|| one_line(&err));
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
                    message: one_line(&err),
                }
            }
            SdkError::ConstructionFailure(_) => AwsError::Invalid {
                operation,
                message: one_line(&err),
            },
            // timeouts, dispatch failures (connection refused, DNS, TLS) and anything newer
            _ => AwsError::Transport {
                operation,
                message: one_line(&err),
            },
        }
    }

    /// Whether this is a DynamoDB conditional-check failure (a lost conditional write).
    pub fn is_conditional_check_failed(&self) -> bool {
        matches!(self.code(), Some(c) if c.contains("ConditionalCheckFailed"))
    }
}

/// The longest one-line message of an error that never reached the service.
const MESSAGE_CHARS: usize = 300;

/// An error and its sources, each said once, on one line (never the `Debug` dump the SDK's
/// `DisplayErrorContext` appends).
pub fn one_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = String::new();
    let mut at: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = at {
        let text = e
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() && !line.contains(&text) {
            if !line.is_empty() {
                line.push_str(": ");
            }
            line.push_str(&text);
        }
        at = e.source();
    }
    lineage_domain::text::cut(&line, MESSAGE_CHARS)
}

/// What is missing when a request could not be sent for want of setup, and its fix.
fn setup_problem(err: &(dyn std::error::Error + 'static)) -> Option<(ErrorKind, String)> {
    let line = one_line(err);
    let text = line.to_ascii_lowercase();
    if text.contains("no credentials") || text.contains("credentials not loaded") {
        return Some((
            ErrorKind::AccessDenied,
            "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
             AWS_PROFILE (after `aws configure` or `aws sso login`)"
                .into(),
        ));
    }
    if let Some(at) = text.find("invalid peer certificate") {
        // the endpoint answered with a certificate this machine does not trust (an emulator's
        // own, a TLS-inspecting proxy, a wrong host): no retry changes that
        let reason = lineage_domain::text::cut(&line[at..], 120);
        return Some((
            ErrorKind::Invalid,
            format!(
                "the endpoint's TLS certificate is not trusted ({reason}): check the endpoint \
                 (AWS_ENDPOINT_URL), or set SSL_CERT_FILE to the CA bundle that signed it"
            ),
        ));
    }
    if text.contains("missing signing region") || text.contains("region must be set") {
        return Some((
            ErrorKind::Invalid,
            "no AWS region: set AWS_REGION (or `region` in ~/.aws/config)".into(),
        ));
    }
    None
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
            } if kind == ErrorKind::AccessDenied => {
                let action = operation.split_whitespace().next().unwrap_or_default();
                let fix = format!("allow {action} to the caller's IAM identity");
                PortError::new(kind, operation, format!("{code}: {message} ({fix})"))
            }
            AwsError::Service {
                operation,
                code,
                message,
                ..
            } => PortError::new(kind, operation, format!("{code}: {message}")),
            AwsError::Setup {
                operation, problem, ..
            } => PortError::new(kind, operation, problem),
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
    fn access_denied_names_the_action_to_allow() {
        let p: PortError = AwsError::Service {
            operation: "glue:GetJobRun nightly/jr_1".into(),
            kind: ErrorKind::AccessDenied,
            code: "AccessDeniedException".into(),
            message: "User: arn:aws:iam::1:user/u is not authorized".into(),
        }
        .into();
        assert_eq!(p.kind, ErrorKind::AccessDenied);
        assert!(
            p.message
                .ends_with("(allow glue:GetJobRun to the caller's IAM identity)"),
            "{p}"
        );
    }

    #[derive(Debug, thiserror::Error)]
    #[error("{0}")]
    struct Chain(&'static str, #[source] Option<Box<Chain>>);

    #[test]
    fn a_chain_is_one_line_each_part_once() {
        let inner = Chain(
            "no credentials found in chain.\n  Attempted: Environment",
            None,
        );
        let outer = Chain(
            "dispatch failure",
            Some(Box::new(Chain("other", Some(Box::new(inner))))),
        );
        assert_eq!(
            one_line(&outer),
            "dispatch failure: other: no credentials found in chain. Attempted: Environment"
        );
        let (kind, problem) = setup_problem(&outer).expect("a setup problem");
        assert_eq!(kind, ErrorKind::AccessDenied);
        assert!(problem.contains("AWS_ACCESS_KEY_ID"), "{problem}");
    }

    #[test]
    fn an_untrusted_certificate_is_a_setup_problem_with_its_fix() {
        let outer = Chain(
            "dispatch failure",
            Some(Box::new(Chain(
                "io error",
                Some(Box::new(Chain(
                    "client error (Connect): TLS handshake failed: invalid peer certificate: UnknownIssuer",
                    None,
                ))),
            ))),
        );
        let (kind, problem) = setup_problem(&outer).expect("a setup problem");
        assert_eq!(kind, ErrorKind::Invalid);
        assert!(!kind.is_retryable());
        assert!(
            problem.contains("invalid peer certificate: UnknownIssuer"),
            "{problem}"
        );
        assert!(problem.contains("SSL_CERT_FILE"), "{problem}");
        // a handshake cut by the network is still transient
        let reset = Chain(
            "dispatch failure: TLS handshake failed: connection reset by peer",
            None,
        );
        assert_eq!(setup_problem(&reset), None);
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
