//! `lineage-agent run --fixtures DIR EVENT.json...`: the pipeline on local adapters; a summary
//! per run, or with `--json` one JSON object per run (JSON Lines).

use crate::error::CliError;
use crate::local::{self, LocalOutput};
use crate::output::{self, say};
use clap::Args;
use lineage_domain::GlueJobStateChange;
use lineage_engine::{Disposition, ProcessOptions, Settings};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// A folder of captured API responses: one case folder, or a folder of them.
    #[arg(long, value_name = "DIR")]
    pub fixtures: PathBuf,
    /// Where the embedded store and lineage documents go.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Process runs that are already recorded.
    #[arg(long)]
    pub force: bool,
    /// Analyse and print, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the OpenLineage RunEvent of each run too.
    #[arg(long)]
    pub print_document: bool,
    /// One JSON object per run on stdout (JSON Lines) instead of the summary.
    #[arg(long)]
    pub json: bool,
    /// Glue Job State Change event files (EventBridge JSON).
    #[arg(required = true, value_name = "EVENT.json")]
    pub events: Vec<PathBuf>,
}

/// Reads and validates an event file; every problem names the file.
pub fn read_event(path: &Path) -> Result<GlueJobStateChange, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::input_at(path, e))?;
    GlueJobStateChange::from_json(&text).map_err(|e| CliError::input_at(path, e))
}

pub async fn execute(args: RunArgs, settings: Settings) -> Result<(), CliError> {
    // Validate every input before anything is written.
    let events = args
        .events
        .iter()
        .map(|p| read_event(p))
        .collect::<Result<Vec<_>, _>>()?;
    let fixtures = local::open_fixtures(&args.fixtures)?;
    let output = LocalOutput::under(&args.out);
    let (pipeline, created) = local::pipeline(fixtures, &output, settings, None, args.dry_run)?;
    let options = ProcessOptions {
        force: args.force,
        dry_run: args.dry_run,
    };
    let mut wrote_a_run = false;
    for (path, event) in args.events.iter().zip(&events) {
        let outcome = match pipeline.process(event, options).await {
            Ok(outcome) => outcome,
            Err(e) => {
                if !wrote_a_run {
                    created.discard();
                }
                return Err(match CliError::from(e) {
                    CliError::Input(m) => CliError::Input(format!("{}: {m}", path.display())),
                    other => other,
                });
            }
        };
        wrote_a_run |= outcome.disposition == Disposition::Processed;
        if args.json {
            let line = serde_json::to_string(&output::outcome_json(&outcome, &output.store))
                .map_err(|e| CliError::Failed(e.to_string()))?;
            say!("{line}")?;
        } else {
            output::emit(&output::summary(
                &outcome,
                &output.store.display().to_string(),
            ))?;
        }
        if args.print_document && !outcome.document.is_empty() {
            say!("{}", String::from_utf8_lossy(&outcome.document))?;
        }
    }
    if !wrote_a_run {
        // e.g. every run already recorded in a store that did not exist: nothing to keep
        created.discard();
    }
    Ok(())
}
