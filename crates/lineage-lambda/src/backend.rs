//! [`AwsBackend`]: the production [`Backend`](crate::Backend): the engine's pipeline on the AWS
//! adapters, built once at Lambda init from the environment (engine `Settings::from_env` and
//! `AwsClients::from_env`).

use crate::{Backend, HandlerError, RunReport};
use async_trait::async_trait;
use lineage_aws::bedrock::BedrockLineageModel;
use lineage_aws::{AwsClients, HealthReport};
use lineage_domain::ports::LineageModel;
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Disposition, InferencePolicy, Pipeline, Ports, ProcessOptions, Settings};
use std::sync::Arc;

/// The pipeline on AWS, and what the health check looks at.
#[derive(Debug, Clone)]
pub struct AwsBackend {
    pipeline: Pipeline,
    clients: AwsClients,
    settings: Settings,
}

impl AwsBackend {
    /// Builds the ports from the clients and settings. The lineage model (Bedrock, model id
    /// `BEDROCK_MODEL_ID`) is wired unless `INFERENCE_POLICY=never`.
    pub fn new(clients: AwsClients, settings: Settings) -> Self {
        let model: Option<Arc<dyn LineageModel>> =
            (settings.inference_policy != InferencePolicy::Never).then(|| {
                Arc::new(BedrockLineageModel::new(
                    clients.bedrock.clone(),
                    settings.model.model_id.clone(),
                )) as Arc<dyn LineageModel>
            });
        let ports = Ports {
            catalog: Arc::new(clients.job_catalog()),
            scripts: Arc::new(clients.script_store()),
            logs: Arc::new(clients.run_logs()),
            model,
            cache: Arc::new(clients.answer_cache(&settings.context_table)),
            store: Arc::new(
                clients.lineage_store(&settings.job_mapping_table, &settings.context_table),
            ),
            // the engine's document keys already carry LINEAGE_PREFIX
            sink: Arc::new(clients.lineage_sink(&settings.lineage_bucket, "")),
            metrics: Arc::new(lineage_aws::EmfMetrics::new(
                settings.metrics_namespace.clone(),
                settings.environment.clone(),
            )),
        };
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
    async fn process(&self, event: &GlueJobStateChange) -> Result<RunReport, HandlerError> {
        let outcome = self
            .pipeline
            .process(event, ProcessOptions::default())
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
        self.clients
            .health(
                &[
                    &self.settings.job_mapping_table,
                    &self.settings.context_table,
                ],
                &self.settings.lineage_bucket,
            )
            .await
    }

    fn environment(&self) -> &str {
        &self.settings.environment
    }
}
