//! [`AwsBackend`]: the production [`Backend`](crate::Backend): the engine's pipeline on the AWS
//! adapters, built once at Lambda init from the environment (engine `Settings::from_env` and
//! `AwsClients::from_env`).

use crate::{Backend, Deadline, HandlerError, RunReport};
use async_trait::async_trait;
use lineage_aws::{AwsClients, DependencyHealth, HealthReport, HealthStatus};
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Disposition, Pipeline, ProcessOptions, Settings};

/// The pipeline on AWS, and what the health check looks at.
#[derive(Debug, Clone)]
pub struct AwsBackend {
    pipeline: Pipeline,
    clients: AwsClients,
    settings: Settings,
}

impl AwsBackend {
    /// The pipeline on the AWS adapters ([`crate::wiring::aws_ports`]).
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        let ports = crate::wiring::aws_ports(&clients, &settings, None);
        Self {
            pipeline: Pipeline::new(ports, settings.clone()),
            clients,
            settings,
        }
    }

    /// From the Lambda environment.
    pub async fn from_env() -> Result<Self, HandlerError> {
        let settings = Settings::from_env().map_err(HandlerError::from)?;
        if settings.lineage_bucket.is_empty() {
            return Err(HandlerError::NonRetryable(
                "invalid configuration: LINEAGE_BUCKET is not set".into(),
            ));
        }
        Ok(Self::new(AwsClients::from_env().await, settings))
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }
}

#[async_trait]
impl Backend for AwsBackend {
    async fn process(
        &self,
        event: &GlueJobStateChange,
        deadline: Option<Deadline>,
    ) -> Result<RunReport, HandlerError> {
        let outcome = self
            .pipeline
            .process_until(event, ProcessOptions::default(), deadline)
            .await?;
        let status = match outcome.disposition {
            Disposition::Processed => "processed",
            Disposition::AlreadyRecorded => "already_recorded",
            Disposition::DryRun => "dry_run",
        };
        tracing::info!(
            job = %event.job_name(), run = %event.job_run_id(), status,
            document = %outcome.document_location, "run handled"
        );
        Ok(RunReport {
            job_name: event.job_name().to_string(),
            job_run_id: event.job_run_id().to_string(),
            status: status.to_string(),
            processing_status: outcome.context.processing_status.as_str().to_string(),
            document_location: outcome.document_location,
            inputs: outcome.context.summary.inputs.len(),
            outputs: outcome.context.summary.outputs.len(),
            mappings_written: outcome.persist.mappings_written,
        })
    }

    async fn health(&self) -> HealthReport {
        let mut report = self
            .clients
            .health(
                &[
                    &self.settings.job_mapping_table,
                    &self.settings.context_table,
                ],
                &self.settings.lineage_bucket,
            )
            .await;
        report.push(model_health(&self.settings));
        report.push(DependencyHealth {
            name: "configuration".into(),
            kind: "config".into(),
            status: HealthStatus::Healthy,
            latency_ms: 0,
            reason: None,
        });
        report
    }

    fn environment(&self) -> &str {
        &self.settings.environment
    }
}

/// The model dependency: a model id must be configured unless inference is off.
pub fn model_health(settings: &Settings) -> DependencyHealth {
    let off = settings.inference_policy == lineage_engine::InferencePolicy::Never;
    let id = settings.model.model_id.trim();
    DependencyHealth {
        name: if id.is_empty() {
            "(none)".into()
        } else {
            id.to_string()
        },
        kind: "bedrock_model".into(),
        status: if off || !id.is_empty() {
            HealthStatus::Healthy
        } else {
            HealthStatus::Unhealthy
        },
        latency_ms: 0,
        reason: if off {
            Some("inference policy is never: the model is not called".into())
        } else if id.is_empty() {
            Some("BEDROCK_MODEL_ID is empty".into())
        } else {
            None
        },
    }
}
