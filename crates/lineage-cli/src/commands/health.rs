//! `lineage-agent health`: checks the AWS dependencies the agent is configured for (tables
//! exist and are ACTIVE, the lineage bucket is reachable, the model answers a minimal Converse
//! call unless the inference policy is `never`), like the Lambda's health check.

use crate::error::CliError;
use clap::Args;
use lineage_engine::Settings;

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(not(feature = "aws"))]
pub async fn execute(_: HealthArgs, _: Settings) -> Result<(), CliError> {
    Err(crate::aws::command_unavailable())
}

#[cfg(feature = "aws")]
pub async fn execute(args: HealthArgs, settings: Settings) -> Result<(), CliError> {
    use crate::aws::HealthStatus;
    use crate::output::say;
    let report = crate::aws::health(&settings).await?;
    if args.json {
        let v = serde_json::json!({
            "status": report.status,
            "version": env!("CARGO_PKG_VERSION"),
            "environment": settings.environment,
            "dependencies": report.dependencies,
        });
        crate::output::emit_json(&v)?;
    } else {
        say!(
            "environment {}  version {}",
            settings.environment,
            env!("CARGO_PKG_VERSION")
        )?;
        for d in &report.dependencies {
            say!(
                "  {:<9} {:<15} {:<50} {:>5} ms  {}",
                if d.status == HealthStatus::Healthy {
                    "healthy"
                } else {
                    "UNHEALTHY"
                },
                d.kind,
                d.name,
                d.latency_ms,
                d.reason.as_deref().unwrap_or("")
            )?;
        }
    }
    if report.is_healthy() {
        Ok(())
    } else {
        Err(CliError::Failed("unhealthy".into()))
    }
}
