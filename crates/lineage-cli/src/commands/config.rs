//! `lineage-agent config validate --environment ENV [--config-dir DIR | --config PATH]
//! [--format yaml|json]`: loads `config.yaml` + `config-{ENV}.yaml` (or the one `--config`
//! file) with the environment variable overrides on top, prints the effective configuration on
//! stdout and every problem on stderr; exit 0 when valid, 2 when not.

use crate::config_file::{self, LoadOptions};
use crate::error::CliError;
use clap::{Args, Subcommand, ValueEnum};
use std::path::Path;

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
    /// dev, test or prod (reads config-{ENV}.yaml over config.yaml from --config-dir, default
    /// ./config).
    #[arg(long, short = 'e')]
    pub environment: String,
    /// How the effective configuration is printed.
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
}

/// `file` and `dir` are the global `--config` and `--config-dir`.
pub fn execute(args: ConfigArgs, file: Option<&Path>, dir: Option<&Path>) -> Result<(), CliError> {
    match args.command {
        ConfigCommand::Validate(a) => validate(a, file, dir),
    }
}

fn validate(args: ValidateArgs, file: Option<&Path>, dir: Option<&Path>) -> Result<(), CliError> {
    let loaded = match file {
        Some(f) => config_file::load_file_with(f, &args.environment, &LoadOptions::from_process()),
        None => config_file::load(
            dir.unwrap_or(Path::new(config_file::DEFAULT_DIR)),
            &args.environment,
        ),
    };
    let effective = loaded.effective();
    match args.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&effective)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            crate::output::say!("{text}")?;
        }
        Format::Yaml => crate::output::emit(&loaded.effective_yaml())?,
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
