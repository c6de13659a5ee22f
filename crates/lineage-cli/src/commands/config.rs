//! `lineage-agent config validate --environment ENV [--config-dir DIR] [--format yaml|json]`:
//! loads `config.yaml` + `config-{ENV}.yaml` with the environment variable overrides on top,
//! prints the effective configuration on stdout and every problem on stderr; exit 0 when valid,
//! 2 when not.

use crate::config_file;
use crate::error::CliError;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check the configuration files of one environment and print the effective settings.
    Validate(ValidateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// dev, test or prod (reads config-{ENV}.yaml over config.yaml).
    #[arg(long, short = 'e')]
    pub environment: String,
    /// The folder holding config.yaml and the overlays.
    #[arg(long, value_name = "DIR", default_value = "config")]
    pub config_dir: PathBuf,
    /// How the effective configuration is printed.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
}

pub fn execute(args: ConfigArgs) -> Result<(), CliError> {
    match args.command {
        ConfigCommand::Validate(a) => validate(a),
    }
}

fn validate(args: ValidateArgs) -> Result<(), CliError> {
    let loaded = config_file::load(&args.config_dir, &args.environment);
    let effective = loaded.effective();
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&effective)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            println!("{text}");
        }
        Format::Yaml => print!("{}", loaded.effective_yaml()),
    }
    for p in &loaded.problems {
        eprintln!("problem: {p}");
    }
    if loaded.is_valid() {
        eprintln!(
            "{} configuration is valid ({})",
            loaded.environment,
            loaded
                .files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        );
        Ok(())
    } else {
        Err(CliError::Input(format!(
            "{} problem(s) in the {} configuration",
            loaded.problems.len(),
            loaded.environment
        )))
    }
}
