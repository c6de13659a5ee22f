//! The `bootstrap` binary: initialises logging, builds the SDK clients and the pipeline once,
//! then serves invocations from the Lambda Runtime API with [`lineage_lambda::handle`].

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use lineage_lambda::{deadline_from_epoch_ms, handle_until, AwsBackend, HandlerError};
use serde_json::Value;

/// mimalloc for every allocation, the C code's (tree-sitter) included: see the workspace
/// `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let level = std::env::var("LOG_LEVEL").unwrap_or_else(|_| "info".into());
    let level = match level.to_ascii_lowercase().as_str() {
        "warning" => "warn".to_string(),
        l => l.to_string(),
    };
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::new(level))
        .with_writer(std::io::stderr)
        .with_current_span(false)
        .init();

    // a bad configuration fails every invocation with the reason, rather than the init
    let backend = AwsBackend::from_env().await;
    if let Err(e) = &backend {
        tracing::error!(error = %e, "configuration");
    }
    let backend = &backend;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let result: Result<Value, HandlerError> = match backend {
            // model retries stop before the invocation's deadline (less a margin)
            Ok(b) => {
                let deadline = deadline_from_epoch_ms(event.context.deadline);
                handle_until(b, event.payload, Some(deadline)).await
            }
            // a bad configuration still answers the health check, as unhealthy with the reason
            Err(e) if event.payload.get("action").and_then(Value::as_str) == Some("health_check") => {
                Ok(serde_json::json!({
                    "status": "unhealthy",
                    "version": env!("CARGO_PKG_VERSION"),
                    "environment": std::env::var("ENVIRONMENT").unwrap_or_default(),
                    "dependencies": [{"name": "configuration", "kind": "config", "status": "unhealthy", "latency_ms": 0, "reason": e.to_string()}],
                }))
            }
            Err(e) => Err(e.clone()),
        };
        result.map_err(Diagnostic::from)
    }))
    .await
}
