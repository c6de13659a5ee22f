//! The CLI's AWS mode: the same pipeline on the AWS adapters, with the CLI's settings (config
//! files, then the Lambda's environment variables) plus the AWS SDK's own variables, e.g.
//! `AWS_REGION`, `AWS_ENDPOINT_URL`.

use crate::config_file::ACCOUNT_PLACEHOLDER;
use crate::error::CliError;
use lineage_aws::AwsClients;
use lineage_engine::{Pipeline, Settings};

/// SDK clients from the environment.
pub async fn clients() -> AwsClients {
    AwsClients::from_env().await
}

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

/// The pipeline on AWS; the lineage bucket must be configured.
pub async fn pipeline(settings: Settings) -> Result<(Pipeline, AwsClients), CliError> {
    if settings.lineage_bucket.is_empty() {
        return Err(CliError::Input(
            "LINEAGE_BUCKET is not set: say where lineage documents go".into(),
        ));
    }
    resolved_bucket(&settings.lineage_bucket)?;
    let clients = clients().await;
    let ports = lineage_lambda::wiring::aws_ports(&clients, &settings, None);
    Ok((Pipeline::new(ports, settings), clients))
}
