//! [`AwsBackend`]: the production [`Backend`](crate::Backend): the engine's pipeline on the AWS
//! adapters, built once at Lambda init from the environment (engine `Settings::from_env` and
//! `AwsClients::from_env`). The health check's model probe is cached in the backend, so it
//! lives as long as the warm Lambda.

use crate::{Backend, Deadline, HandlerError, RunReport};
use async_trait::async_trait;
use lineage_aws::health::model::{self, MODEL_KIND, MODEL_PROBE_TTL};
use lineage_aws::{AwsClients, DependencyHealth, HealthReport, HealthStatus, ModelCheck};
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Disposition, InferencePolicy, Pipeline, ProcessOptions, Settings};
use std::sync::Arc;
use std::time::Duration;

/// The pipeline on AWS, and what the health check looks at.
#[derive(Debug, Clone)]
pub struct AwsBackend {
    pipeline: Pipeline,
    clients: AwsClients,
    settings: Settings,
    model_check: Option<Arc<ModelCheck>>,
}

impl AwsBackend {
    /// The pipeline on the AWS adapters ([`crate::wiring::aws_ports`]).
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        let ports = crate::wiring::aws_ports(&clients, &settings, None);
        Self {
            pipeline: Pipeline::new(ports, settings.clone()),
            model_check: model_check(&clients, &settings, MODEL_PROBE_TTL).map(Arc::new),
            clients,
            settings,
        }
    }

    /// The same backend with the model probe reused for `ttl` instead of
    /// [`MODEL_PROBE_TTL`] (a fresh cache).
    pub fn with_model_probe_ttl(mut self, ttl: Duration) -> Self {
        self.model_check = model_check(&self.clients, &self.settings, ttl).map(Arc::new);
        self
    }

    /// From the Lambda environment.
    pub async fn from_env() -> Result<Self, HandlerError> {
        let settings = Settings::from_env().map_err(HandlerError::from)?;
        if settings.lineage_bucket.is_empty() {
            return Err(HandlerError::NonRetryable(
                "invalid configuration: LINEAGE_BUCKET is not set".into(),
            ));
        }
        let clients = AwsClients::from_env().await;
        crate::wiring::transports(&settings, &clients).map_err(HandlerError::from)?;
        Ok(Self::new(clients, settings))
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
        let tables = [
            self.settings.job_mapping_table.as_str(),
            self.settings.context_table.as_str(),
        ];
        let resources = self.clients.health(&tables, &self.settings.lineage_bucket);
        let model = model_health(&self.settings, self.model_check.as_deref());
        let (mut report, model) = futures::join!(resources, model);
        report.push(model);
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

/// The health check's model probe for `settings`, its healthy answer reused for `ttl`; none
/// when the inference policy never asks the model or no model id is configured.
pub fn model_check(clients: &AwsClients, settings: &Settings, ttl: Duration) -> Option<ModelCheck> {
    let id = settings.model.model_id.trim();
    (settings.inference_policy != InferencePolicy::Never && !id.is_empty())
        .then(|| ModelCheck::new(clients.lineage_model(id), ttl))
}

/// The model dependency: skipped (healthy) when the inference policy is `never`, unhealthy
/// when no model id is configured, else the answer of `check` (a minimal Converse call, cached).
pub async fn model_health(settings: &Settings, check: Option<&ModelCheck>) -> DependencyHealth {
    let id = settings.model.model_id.trim();
    if settings.inference_policy == InferencePolicy::Never {
        return model::skipped(
            id,
            "the inference policy is never (static analysis only): the model is not asked",
        );
    }
    match check {
        Some(check) if !id.is_empty() => check.check().await,
        _ => DependencyHealth {
            name: if id.is_empty() {
                "(none)".into()
            } else {
                id.to_string()
            },
            kind: MODEL_KIND.into(),
            status: HealthStatus::Unhealthy,
            latency_ms: 0,
            reason: Some(
                "BEDROCK_MODEL_ID is empty; fix: set it to an inference profile id".into(),
            ),
        },
    }
}
