//! `lineage-agent`: the Enhanced Lineage Agent on the command line — run the pipeline on
//! captured runs, print a run's OpenLineage event, analyse SQL. Here the settings are resolved
//! (defaults, then `config.yaml` and `config-{ENVIRONMENT}.yaml`, then environment variables)
//! and logging to stderr is set up (`LINEAGE_LOG`, else `LOG_LEVEL`, else errors only).

mod aws;
mod commands;
mod config_file;
mod error;
mod event_files;
mod graph_page;
mod graph_svg;
mod local;
mod output;

use clap::{Parser, Subcommand};
use config_file::{ConfigSource, LoadOptions};
use error::CliError;
use lineage_engine::Settings;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "lineage-agent",
    version,
    about = "Data lineage for AWS Glue job runs"
)]
struct Cli {
    /// The folder holding config.yaml and config-{ENVIRONMENT}.yaml [default: ./config when it
    /// holds config.yaml, else no files].
    #[arg(long, global = true, env = "LINEAGE_CONFIG_DIR", value_name = "DIR")]
    config_dir: Option<PathBuf>,
    /// One YAML configuration file, read instead of the folder's pair.
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Log more on stderr: -v info, -vv debug, -vvv trace (over LOG_LEVEL; LINEAGE_LOG wins).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
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

/// The settings of a command: the defaults, then the configuration files of `source`, then the
/// environment variables. Any problem is bad input naming its file (or variable) and key.
fn settings(source: &ConfigSource) -> Result<Settings, CliError> {
    let environment = std::env::var("ENVIRONMENT")
        .ok()
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .unwrap_or_else(|| "dev".into());
    let loaded = config_file::resolve(source, &environment, &LoadOptions::from_process());
    if !loaded.is_valid() {
        let problems: Vec<String> = loaded.problems.iter().map(ToString::to_string).collect();
        return Err(CliError::Input(format!(
            "invalid configuration: {}",
            problems.join("; ")
        )));
    }
    tracing::debug!(
        environment = %loaded.environment,
        files = ?loaded.files,
        "settings: the defaults, then these files, then the environment variables"
    );
    Ok(loaded.settings)
}

async fn dispatch(cli: Cli) -> Result<(), CliError> {
    let source = ConfigSource::choose(cli.config.as_deref(), cli.config_dir.as_deref());
    let settings = || settings(&source);
    match cli.command {
        Command::Run(a) => commands::run::execute(a, settings()?).await,
        Command::Extract(a) => commands::extract::execute(a, settings()?).await,
        Command::Sql(a) => commands::sql::execute(a),
        Command::Replay(a) => commands::replay::execute(a, settings()?).await,
        Command::Lineage(a) => commands::lineage::execute_lineage(a, settings()?).await,
        Command::Graph(a) => commands::lineage::execute_graph(a, settings()?).await,
        Command::Health(a) => commands::health::execute(a, settings()?).await,
        Command::Config(a) => {
            commands::config::execute(a, cli.config.as_deref(), cli.config_dir.as_deref())
        }
    }
}

/// What is logged on stderr: the `LINEAGE_LOG` filter when set, else `-v` (info), `-vv`
/// (debug), `-vvv` (trace), else the `LOG_LEVEL` variable (TRACE, DEBUG, INFO, WARN or WARNING,
/// ERROR), else errors only. `logging.level` in the configuration files is the Lambda's:
/// config-dev.yaml's DEBUG would bury a terminal.
fn log_filter(verbose: u8) -> tracing_subscriber::EnvFilter {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("LINEAGE_LOG") {
        return filter;
    }
    match verbose {
        0 => {}
        1 => return tracing_subscriber::EnvFilter::new("info"),
        2 => return tracing_subscriber::EnvFilter::new("debug"),
        _ => return tracing_subscriber::EnvFilter::new("trace"),
    }
    let level = std::env::var("LOG_LEVEL").unwrap_or_default();
    let level = match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "INFO" => "info",
        "WARN" | "WARNING" => "warn",
        // ERROR, unset, or a bad value (which settings report as bad input)
        _ => "error",
    };
    tracing_subscriber::EnvFilter::new(level)
}

/// Colour on stderr only when it is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// mimalloc for every allocation, the C code's (tree-sitter) included: see the workspace
/// `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter(cli.verbose))
        .with_writer(std::io::stderr)
        .with_ansi(stderr_colour())
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
    match runtime.block_on(dispatch(cli)) {
        Ok(()) | Err(CliError::OutputClosed) => {}
        Err(e) => {
            eprintln!("lineage-agent: {e}");
            std::process::exit(e.exit_code());
        }
    }
}
