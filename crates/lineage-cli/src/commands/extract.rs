//! `lineage-agent extract CASE_DIR`: the OpenLineage RunEvent of one captured run, on stdout.
//! Nothing is written.

use crate::error::CliError;
use crate::local;
use clap::Args;
use lineage_engine::Settings;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A case folder (job.json, run.json, event.json, script, extra/, logs.json).
    #[arg(value_name = "CASE_DIR")]
    pub case: PathBuf,
}

pub async fn execute(args: ExtractArgs, settings: Settings) -> Result<(), CliError> {
    let fixtures = local::open_fixtures(&args.case)?;
    let [case] = fixtures.cases() else {
        return Err(CliError::input_at(
            &args.case,
            "holds several case folders; name one",
        ));
    };
    let event = case
        .event
        .clone()
        .ok_or_else(|| CliError::input_at(&args.case.join("event.json"), "missing"))?;
    let pipeline = local::read_only_pipeline(fixtures, settings)?;
    let ctx = pipeline.gather(&event).await?;
    let analysis = pipeline.analyze(&ctx).await?;
    let bytes = pipeline.document_bytes(&ctx, &analysis)?;
    std::io::stdout()
        .write_all(&bytes)
        .map_err(|e| CliError::Failed(format!("stdout: {e}")))?;
    Ok(())
}
