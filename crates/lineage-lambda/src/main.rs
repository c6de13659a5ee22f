//! The `bootstrap` binary: initialises logging, builds the SDK clients and the pipeline once,
//! then serves invocations from the Lambda Runtime API with [`lineage_lambda::handle`].

use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use lineage_lambda::{handle, AwsBackend, HandlerError};
use serde_json::Value;

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
            Ok(b) => handle(b, event.payload).await,
            Err(e) => Err(e.clone()),
        };
        result.map_err(Diagnostic::from)
    }))
    .await
}
