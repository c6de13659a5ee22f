//! The Lambda function's logic, separate from the runtime loop in `main.rs` so tests call it
//! directly: which event shapes are accepted (an EventBridge "Glue Job State Change" event, an
//! SQS batch whose bodies are such events, `{"action": "health_check"}`), how each is
//! dispatched to a [`Backend`] within the invocation's deadline, and how failures become
//! Lambda error types (`Retryable` / `NonRetryable`).

pub mod backend;
pub mod wiring;

pub use backend::AwsBackend;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lineage_aws::HealthReport;
use lineage_domain::GlueJobStateChange;
pub use lineage_engine::infer::retry::Deadline;
use serde::Serialize;
use serde_json::{json, Value};

/// The version reported by the health check.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The event shapes the function accepts, for error messages.
pub const ACCEPTED_SHAPES: &str = "an EventBridge \"Glue Job State Change\" event (source \
    \"aws.glue\"), an SQS event whose Records[].body are such events, or \
    {\"action\": \"health_check\"}";

/// A failure of one invocation, typed for Lambda's `errorType`.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum HandlerError {
    /// The same event may succeed later (throttling, a timeout, a model outage).
    #[error("{0}")]
    Retryable(String),
    /// The same event will fail the same way (a malformed or unsupported event, bad config).
    #[error("{0}")]
    NonRetryable(String),
}

impl HandlerError {
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::Retryable(_) => "Retryable",
            HandlerError::NonRetryable(_) => "NonRetryable",
        }
    }
    pub fn is_retryable(&self) -> bool {
        matches!(self, HandlerError::Retryable(_))
    }
}

impl From<lineage_engine::EngineError> for HandlerError {
    fn from(e: lineage_engine::EngineError) -> Self {
        if e.is_retryable() {
            HandlerError::Retryable(e.to_string())
        } else {
            HandlerError::NonRetryable(e.to_string())
        }
    }
}

impl From<HandlerError> for lambda_runtime::Diagnostic {
    fn from(e: HandlerError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: e.error_type().to_string(),
            error_message: e.to_string(),
        }
    }
}

/// What processing one run produced, as the function returns it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunReport {
    pub job_name: String,
    pub job_run_id: String,
    /// `processed`, `already_recorded` or `dry_run`.
    pub status: String,
    pub processing_status: String,
    pub document_location: String,
    pub inputs: usize,
    pub outputs: usize,
    pub mappings_written: usize,
}

/// What the handler needs: processing one event, and the health of the dependencies.
#[async_trait]
pub trait Backend: Send + Sync {
    /// Processes one run; model attempts stop before `deadline` (the invocation's end).
    async fn process(
        &self,
        event: &GlueJobStateChange,
        deadline: Option<Deadline>,
    ) -> Result<RunReport, HandlerError>;
    async fn health(&self) -> HealthReport;
    fn environment(&self) -> &str;
}

/// The [`Deadline`] of an invocation from the Lambda context's `deadline` (epoch
/// milliseconds), measured against the wall clock now.
pub fn deadline_from_epoch_ms(deadline_ms: u64) -> Deadline {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Deadline::in_(std::time::Duration::from_millis(
        deadline_ms.saturating_sub(now_ms),
    ))
}

/// Handles one invocation payload with no deadline (tests, local runs).
pub async fn handle<B: Backend + ?Sized>(
    backend: &B,
    payload: Value,
) -> Result<Value, HandlerError> {
    handle_until(backend, payload, None).await
}

/// Handles one invocation payload; every run it carries is processed within `deadline`.
pub async fn handle_until<B: Backend + ?Sized>(
    backend: &B,
    payload: Value,
    deadline: Option<Deadline>,
) -> Result<Value, HandlerError> {
    if payload.get("action").is_some() {
        return match payload.get("action").and_then(Value::as_str) {
            Some("health_check") => Ok(health_response(backend).await),
            other => Err(HandlerError::NonRetryable(format!(
                "unknown action {other:?}; the function accepts {ACCEPTED_SHAPES}"
            ))),
        };
    }
    if payload.get("Records").is_some() {
        let batch = handle_sqs(backend, payload, deadline).await?;
        return serde_json::to_value(batch).map_err(|e| HandlerError::NonRetryable(e.to_string()));
    }
    if payload.get("source").is_some() || payload.get("detail-type").is_some() {
        let event = GlueJobStateChange::from_value(payload).map_err(|e| {
            HandlerError::NonRetryable(format!("{e}; the function accepts {ACCEPTED_SHAPES}"))
        })?;
        let report = backend.process(&event, deadline).await?;
        return serde_json::to_value(report).map_err(|e| HandlerError::NonRetryable(e.to_string()));
    }
    Err(HandlerError::NonRetryable(format!(
        "unsupported event; the function accepts {ACCEPTED_SHAPES}"
    )))
}

async fn health_response<B: Backend + ?Sized>(backend: &B) -> Value {
    let report = backend.health().await;
    json!({
        "status": report.status,
        "version": VERSION,
        "environment": backend.environment(),
        "dependencies": report.dependencies,
    })
}

/// Processes every record of an SQS batch; the response lists only the failed message ids.
pub async fn handle_sqs<B: Backend + ?Sized>(
    backend: &B,
    payload: Value,
    deadline: Option<Deadline>,
) -> Result<SqsBatchResponse, HandlerError> {
    let batch: SqsEvent = serde_json::from_value(payload).map_err(|e| {
        HandlerError::NonRetryable(format!(
            "not an SQS event ({e}); the function accepts {ACCEPTED_SHAPES}"
        ))
    })?;
    let results = futures::future::join_all(batch.records.iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = async {
            let body = record
                .body
                .as_deref()
                .ok_or_else(|| HandlerError::NonRetryable("message without a body".into()))?;
            let event = GlueJobStateChange::from_json(body)
                .map_err(|e| HandlerError::NonRetryable(e.to_string()))?;
            backend.process(&event, deadline).await
        }
        .await;
        (id, outcome)
    }))
    .await;
    let mut response = SqsBatchResponse::default();
    for (id, outcome) in results {
        if let Err(e) = outcome {
            tracing::error!(message_id = %id, error = %e, error_type = e.error_type(), "SQS message failed");
            response.add_failure(id);
        }
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineage_aws::{DependencyHealth, HealthStatus};
    use std::sync::Mutex;

    #[derive(Default)]
    struct Fake {
        seen: Mutex<Vec<String>>,
        deadlines: Mutex<Vec<Option<Deadline>>>,
    }

    #[async_trait]
    impl Backend for Fake {
        async fn process(
            &self,
            event: &GlueJobStateChange,
            deadline: Option<Deadline>,
        ) -> Result<RunReport, HandlerError> {
            self.deadlines.lock().expect("lock").push(deadline);
            self.seen
                .lock()
                .expect("lock")
                .push(event.job_run_id().to_string());
            if event.job_name() == "throttled" {
                return Err(HandlerError::Retryable("glue:GetJobRun: transient".into()));
            }
            Ok(RunReport {
                job_name: event.job_name().into(),
                job_run_id: event.job_run_id().into(),
                status: "processed".into(),
                processing_status: "completed".into(),
                document_location: "s3://b/k.json".into(),
                inputs: 1,
                outputs: 1,
                mappings_written: 2,
            })
        }
        async fn health(&self) -> HealthReport {
            HealthReport {
                status: HealthStatus::Unhealthy,
                dependencies: vec![DependencyHealth {
                    name: "t".into(),
                    kind: "dynamodb_table".into(),
                    status: HealthStatus::Unhealthy,
                    latency_ms: 3,
                    reason: Some("ResourceNotFoundException".into()),
                }],
            }
        }
        fn environment(&self) -> &str {
            "test"
        }
    }

    fn event(job: &str, run: &str) -> Value {
        json!({
            "version": "0", "id": "e1", "detail-type": "Glue Job State Change", "source": "aws.glue",
            "account": "123456789012", "time": "2024-05-14T04:03:39Z", "region": "us-east-1",
            "resources": [],
            "detail": {"jobName": job, "severity": "INFO", "state": "SUCCEEDED", "jobRunId": run, "message": "ok"}
        })
    }

    #[tokio::test]
    async fn eventbridge_event_is_processed() {
        let fake = Fake::default();
        let out = handle(&fake, event("j", "jr_1")).await.expect("processed");
        assert_eq!(out["status"], "processed");
        assert_eq!(out["job_run_id"], "jr_1");
        assert_eq!(*fake.seen.lock().expect("lock"), ["jr_1"]);
        let e = handle(&fake, event("throttled", "jr_2"))
            .await
            .expect_err("retryable");
        assert_eq!(e.error_type(), "Retryable");
        let mut running = event("j", "jr_3");
        running["detail"]["state"] = json!("RUNNING");
        let e = handle(&fake, running).await.expect_err("not terminal");
        assert_eq!(e.error_type(), "NonRetryable");
    }

    #[tokio::test]
    async fn sqs_batch_reports_only_failed_messages() {
        let fake = Fake::default();
        let record = |id: &str, body: String| json!({"messageId": id, "body": body, "eventSource": "aws:sqs"});
        let batch = json!({"Records": [
            record("m1", event("j", "jr_1").to_string()),
            record("m2", "{not json".into()),
            record("m3", event("throttled", "jr_3").to_string()),
            record("m4", event("j", "jr_4").to_string()),
        ]});
        let out = handle(&fake, batch).await.expect("batch response");
        assert_eq!(
            out,
            json!({"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]})
        );
        let mut seen = fake.seen.lock().expect("lock").clone();
        seen.sort();
        assert_eq!(seen, ["jr_1", "jr_3", "jr_4"]);
    }

    #[tokio::test]
    async fn the_invocation_deadline_reaches_every_run() {
        let fake = Fake::default();
        let deadline = deadline_from_epoch_ms(
            u64::try_from(chrono::Utc::now().timestamp_millis()).expect("ms") + 300_000,
        );
        let left = deadline.at - std::time::Instant::now();
        assert!(
            left > std::time::Duration::from_secs(298)
                && left <= std::time::Duration::from_secs(300),
            "{left:?}"
        );
        handle_until(&fake, event("j", "jr_1"), Some(deadline))
            .await
            .expect("processed");
        let record = |id: &str, body: String| json!({"messageId": id, "body": body});
        let batch = json!({"Records": [record("m1", event("j", "jr_2").to_string())]});
        handle_until(&fake, batch, Some(deadline))
            .await
            .expect("batch");
        assert_eq!(
            *fake.deadlines.lock().expect("lock"),
            [Some(deadline), Some(deadline)]
        );
        let past = deadline_from_epoch_ms(1_000);
        assert!(!past.allows_attempt_after(std::time::Duration::ZERO));
    }

    #[tokio::test]
    async fn health_check_reports_dependencies_version_and_environment() {
        let out = handle(&Fake::default(), json!({"action": "health_check"}))
            .await
            .expect("health");
        assert_eq!(out["status"], "unhealthy");
        assert_eq!(out["version"], VERSION);
        assert_eq!(out["environment"], "test");
        assert_eq!(out["dependencies"][0]["latency_ms"], 3);
    }

    #[tokio::test]
    async fn anything_else_names_the_accepted_shapes() {
        for payload in [
            json!({"hello": 1}),
            json!([1, 2]),
            json!({"action": "reboot"}),
        ] {
            let e = handle(&Fake::default(), payload)
                .await
                .expect_err("unsupported");
            assert_eq!(e.error_type(), "NonRetryable");
            assert!(e.to_string().contains("health_check"), "{e}");
            assert!(e.to_string().contains("Glue Job State Change"), "{e}");
        }
        let d = lambda_runtime::Diagnostic::from(HandlerError::Retryable("x".into()));
        assert_eq!(
            (d.error_type.as_str(), d.error_message.as_str()),
            ("Retryable", "x")
        );
    }
}
