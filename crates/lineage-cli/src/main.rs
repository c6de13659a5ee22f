//! `lineage-agent`: the Enhanced Lineage Agent on the command line — run the pipeline on
//! captured runs, print a run's OpenLineage event, analyse SQL.

mod aws;
mod commands;
mod config_file;
mod error;
mod local;
mod output;

use clap::{Parser, Subcommand};
use error::CliError;
use lineage_engine::Settings;

#[derive(Debug, Parser)]
#[command(
    name = "lineage-agent",
    version,
    about = "Data lineage for AWS Glue job runs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the pipeline on Glue job state change events, over captured API responses.
    Run(commands::run::RunArgs),
    /// Print the OpenLineage RunEvent of one captured run (writes nothing).
    Extract(commands::extract::ExtractArgs),
    /// Table lineage of SQL statements read on stdin.
    Sql(commands::sql::SqlArgs),
    /// Backfill: replay many events (from a file, a folder, or generated from job runs).
    Replay(commands::replay::ReplayArgs),
    /// Impact query: what is upstream or downstream of a dataset.
    Lineage(commands::lineage::LineageArgs),
    /// All job mappings merged into one table-level lineage graph.
    Graph(commands::lineage::GraphArgs),
    /// Check the AWS dependencies (tables, bucket) the agent is configured for.
    Health(commands::health::HealthArgs),
    /// Check the configuration files of an environment; print the effective settings.
    Config(commands::config::ConfigArgs),
}

async fn dispatch(cli: Cli) -> Result<(), CliError> {
    let settings = || Settings::from_env().map_err(|e| CliError::Input(e.to_string()));
    match cli.command {
        Command::Run(a) => commands::run::execute(a, settings()?).await,
        Command::Extract(a) => commands::extract::execute(a, settings()?).await,
        Command::Sql(a) => commands::sql::execute(a),
        Command::Replay(a) => commands::replay::execute(a, settings()?).await,
        Command::Lineage(a) => commands::lineage::execute_lineage(a, settings()?).await,
        Command::Graph(a) => commands::lineage::execute_graph(a, settings()?).await,
        Command::Health(a) => commands::health::execute(a, settings()?).await,
        Command::Config(a) => commands::config::execute(a),
    }
}

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LINEAGE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("lineage-agent: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(dispatch(cli)) {
        eprintln!("lineage-agent: {e}");
        std::process::exit(e.exit_code());
    }
}
