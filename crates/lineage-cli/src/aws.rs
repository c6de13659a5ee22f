//! The CLI's AWS mode: the same pipeline on the AWS adapters, configured like the Lambda (the
//! settings' environment variables plus the AWS SDK's own, e.g. `AWS_REGION`,
//! `AWS_ENDPOINT_URL`).

use crate::error::CliError;
use lineage_aws::AwsClients;
use lineage_engine::{Pipeline, Settings};

/// SDK clients from the environment.
pub async fn clients() -> AwsClients {
    AwsClients::from_env().await
}

/// The pipeline on AWS; the lineage bucket must be configured.
pub async fn pipeline(settings: Settings) -> Result<(Pipeline, AwsClients), CliError> {
    if settings.lineage_bucket.is_empty() {
        return Err(CliError::Input(
            "LINEAGE_BUCKET is not set: say where lineage documents go".into(),
        ));
    }
    let clients = clients().await;
    let ports = lineage_lambda::wiring::aws_ports(&clients, &settings, None);
    Ok((Pipeline::new(ports, settings), clients))
}
