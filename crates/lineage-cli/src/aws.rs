//! The CLI's AWS mode: the same pipeline on the AWS adapters, with the CLI's settings (config
//! files, then the Lambda's environment variables) plus the AWS SDK's own variables, e.g.
//! `AWS_REGION`, `AWS_ENDPOINT_URL`. The only module that knows the AWS crates: built with the
//! `aws` feature (the default); without it (`make demo` builds the local pipeline alone) every
//! AWS entry point says how to get it.

use crate::config_file::ACCOUNT_PLACEHOLDER;
use crate::error::CliError;
use lineage_domain::ports::{EventQueue, JobCatalog, LineageModel, LineageStore};
use lineage_engine::{Pipeline, Settings};
use std::sync::Arc;

#[cfg(feature = "aws")]
pub use with_sdk::*;
#[cfg(not(feature = "aws"))]
pub use without_sdk::*;

/// An error when a bucket name from the configuration files still holds the account
/// placeholder (`AWS_ACCOUNT_ID` was not set).
pub fn resolved_bucket(bucket: &str) -> Result<(), CliError> {
    if bucket.contains(ACCOUNT_PLACEHOLDER) {
        return Err(CliError::Input(format!(
            "the lineage bucket {bucket:?} needs the account: set AWS_ACCOUNT_ID (or LINEAGE_BUCKET)"
        )));
    }
    Ok(())
}

/// Checks the AWS pipeline's settings: the lineage bucket must be configured.
fn require_bucket(settings: &Settings) -> Result<(), CliError> {
    if settings.lineage_bucket.is_empty() {
        return Err(CliError::Input(
            "LINEAGE_BUCKET is not set: say where lineage documents go".into(),
        ));
    }
    resolved_bucket(&settings.lineage_bucket)
}

#[cfg(feature = "aws")]
mod with_sdk {
    use super::*;
    pub use lineage_aws::{AwsClients, HealthReport, HealthStatus};

    /// SDK clients from the environment.
    pub async fn clients() -> Result<AwsClients, CliError> {
        Ok(AwsClients::from_env().await)
    }

    /// The pipeline on AWS; the lineage bucket must be configured.
    pub async fn pipeline(settings: Settings) -> Result<Pipeline, CliError> {
        require_bucket(&settings)?;
        let clients = clients().await?;
        lineage_lambda::wiring::transports(&settings, &clients)
            .map_err(|e| CliError::Input(e.to_string()))?;
        let ports = lineage_lambda::wiring::aws_ports(&clients, &settings, None);
        Ok(Pipeline::new(ports, settings))
    }

    /// The Glue job catalog (`glue:GetJobRuns`, ...).
    pub async fn job_catalog() -> Result<Box<dyn JobCatalog>, CliError> {
        Ok(Box::new(clients().await?.job_catalog()))
    }

    /// The DynamoDB tables the settings name, as a lineage store.
    pub async fn lineage_store(settings: &Settings) -> Result<Box<dyn LineageStore>, CliError> {
        let clients = clients().await?;
        Ok(Box::new(clients.lineage_store(
            &settings.job_mapping_table,
            &settings.context_table,
        )))
    }

    /// The SQS queue at `url`.
    pub async fn event_queue(url: &str) -> Result<Box<dyn EventQueue>, CliError> {
        Ok(Box::new(clients().await?.event_queue(url)))
    }

    /// The Bedrock lineage model.
    pub async fn lineage_model(model_id: &str) -> Result<Arc<dyn LineageModel>, CliError> {
        Ok(Arc::new(
            lineage_aws::bedrock::BedrockLineageModel::from_env(model_id.to_string()).await,
        ))
    }

    /// The health of the tables and the bucket the settings name, and of the model (a
    /// minimal Converse call, skipped when the inference policy is `never`), as the Lambda
    /// checks them.
    pub async fn health(settings: &Settings) -> Result<HealthReport, CliError> {
        use lineage_lambda::backend::{model_check, model_health};
        let clients = clients().await?;
        let check = model_check(
            &clients,
            settings,
            lineage_aws::health::model::MODEL_PROBE_TTL,
        );
        let tables = [
            settings.job_mapping_table.as_str(),
            settings.context_table.as_str(),
        ];
        let resources = clients.health(&tables, &settings.lineage_bucket);
        let (mut report, model) = futures::join!(resources, model_health(settings, check.as_ref()));
        report.push(model);
        Ok(report)
    }
}

#[cfg(not(feature = "aws"))]
mod without_sdk {
    use super::*;

    /// The error of every AWS entry point in a build without the `aws` feature.
    fn unavailable() -> CliError {
        CliError::Input(
            "this lineage-agent was built without AWS support (cargo feature `aws`); build it \
             with `cargo build -p lineage-cli`, or run locally with --fixtures DIR / --store PATH"
                .into(),
        )
    }

    pub async fn pipeline(settings: Settings) -> Result<Pipeline, CliError> {
        require_bucket(&settings)?;
        Err(unavailable())
    }

    pub async fn job_catalog() -> Result<Box<dyn JobCatalog>, CliError> {
        Err(unavailable())
    }

    pub async fn lineage_store(_: &Settings) -> Result<Box<dyn LineageStore>, CliError> {
        Err(unavailable())
    }

    pub async fn event_queue(_: &str) -> Result<Box<dyn EventQueue>, CliError> {
        Err(unavailable())
    }

    pub async fn lineage_model(_: &str) -> Result<Arc<dyn LineageModel>, CliError> {
        Err(unavailable())
    }

    /// `health` and `extract --job-name`: nothing to do without the SDK.
    pub fn command_unavailable() -> CliError {
        unavailable()
    }
}
