//! `lineage-agent health`: checks the AWS dependencies the agent is configured for (tables
//! exist and are ACTIVE, the lineage bucket is reachable), like the Lambda's health check.

use crate::error::CliError;
use crate::output::say;
use clap::Args;
use lineage_aws::HealthStatus;
use lineage_engine::Settings;

#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

pub async fn execute(args: HealthArgs, settings: Settings) -> Result<(), CliError> {
    let clients = crate::aws::clients().await;
    let report = clients
        .health(
            &[&settings.job_mapping_table, &settings.context_table],
            &settings.lineage_bucket,
        )
        .await;
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
