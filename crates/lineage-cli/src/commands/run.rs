//! `lineage-agent run --fixtures DIR EVENT.json...`: the pipeline on local adapters.

use crate::error::CliError;
use crate::local::{self, LocalOutput};
use crate::output;
use clap::Args;
use lineage_domain::GlueJobStateChange;
use lineage_engine::{ProcessOptions, Settings};
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
    let before = output.existing();
    let result = process_all(&args, &events, fixtures, &output, settings).await;
    if let Err((_, wrote)) = &result {
        if !wrote {
            // a failed run that wrote nothing leaves nothing behind (no empty store)
            output.remove_created(before);
        }
    }
    result.map_err(|(e, _)| e)
}

/// Processes the events in order; on failure, the error and whether anything was written.
async fn process_all(
    args: &RunArgs,
    events: &[GlueJobStateChange],
    fixtures: lineage_local::FsFixtures,
    output: &LocalOutput,
    settings: Settings,
) -> Result<(), (CliError, bool)> {
    let mut wrote = false;
    let (pipeline, _metrics) =
        local::pipeline(fixtures, output, settings, None).map_err(|e| (e, false))?;
    let options = ProcessOptions {
        force: args.force,
        dry_run: args.dry_run,
    };
    for (path, event) in args.events.iter().zip(events) {
        let outcome = pipeline.process(event, options).await.map_err(|e| {
            let e = match CliError::from(e) {
                CliError::Input(m) => CliError::Input(format!("{}: {m}", path.display())),
                other => other,
            };
            (e, wrote)
        })?;
        wrote |= outcome.disposition == lineage_engine::pipeline::Disposition::Processed;
        print!(
            "{}",
            output::summary(&outcome, &output.store.display().to_string())
        );
        if args.print_document && !outcome.document.is_empty() {
            println!("{}", String::from_utf8_lossy(&outcome.document));
        }
    }
    Ok(())
}
