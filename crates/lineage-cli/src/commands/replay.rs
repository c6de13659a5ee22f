//! `lineage-agent replay`: backfill by replaying events — from a JSONL file, a folder of event
//! files, or generated from the captured job runs of given jobs — with bounded concurrency, a
//! progress bar and a summary table. Runs already recorded are skipped unless `--force`.

use crate::error::CliError;
use crate::local::{self, LocalOutput};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lineage_domain::ports::JobCatalog;
use lineage_domain::GlueJobStateChange;
use lineage_engine::replay::{event_for_run, replay, ReplayStatus};
use lineage_engine::{ProcessOptions, Settings};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Captured API responses to run against (one case folder or a folder of them).
    #[arg(long, value_name = "DIR")]
    pub fixtures: PathBuf,
    /// Events to replay: a JSONL file (one event a line) or a folder of event JSON files.
    #[arg(long, value_name = "PATH", conflicts_with = "jobs")]
    pub from: Option<PathBuf>,
    /// Generate the events from the job runs of these jobs (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "JOB,...")]
    pub jobs: Vec<String>,
    /// With --jobs: only runs started at or after this time (RFC 3339).
    #[arg(long)]
    pub since: Option<DateTime<Utc>>,
    /// With --jobs: only runs started at or before this time (RFC 3339).
    #[arg(long)]
    pub until: Option<DateTime<Utc>>,
    /// With --jobs: the account and region the generated events carry.
    #[arg(long, default_value = "000000000000")]
    pub account: String,
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    pub region: String,
    /// Events processed at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Process runs that are already recorded.
    #[arg(long)]
    pub force: bool,
    /// Analyse everything, write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where the embedded store and lineage documents go.
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Reads events from a JSONL file or a folder of JSON files; bad entries name their place.
pub fn read_events(path: &Path) -> Result<Vec<GlueJobStateChange>, CliError> {
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| CliError::input_at(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        return files.iter().map(|f| super::run::read_event(f)).collect();
    }
    let text = std::fs::read_to_string(path).map_err(|e| CliError::input_at(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            GlueJobStateChange::from_json(l)
                .map_err(|e| CliError::Input(format!("{}:{}: {e}", path.display(), i + 1)))
        })
        .collect()
}

pub async fn execute(args: ReplayArgs, settings: Settings) -> Result<(), CliError> {
    let fixtures = local::open_fixtures(&args.fixtures)?;
    let events = match (&args.from, args.jobs.is_empty()) {
        (Some(p), _) => read_events(p)?,
        (None, false) => {
            let mut events = Vec::new();
            for job in &args.jobs {
                let runs = fixtures
                    .job_runs(job, args.since, args.until)
                    .await
                    .map_err(|e| CliError::Input(e.to_string()))?;
                events.extend(runs.iter().filter_map(|r| event_for_run(r, &args.account, &args.region, "lineage-agent-backfill")));
            }
            events
        }
        (None, true) => return Err(CliError::Input("say what to replay: --from PATH or --jobs JOB,...".into())),
    };
    let output = LocalOutput::under(&args.out);
    let (pipeline, _metrics) = local::pipeline(fixtures, &output, settings, None)?;
    let bar = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new(events.len() as u64) };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = ProcessOptions { force: args.force, dry_run: args.dry_run };
    let summary = replay(&pipeline, events, args.concurrency, options, |item| {
        bar.inc(1);
        bar.set_message(item.job_name.clone());
    })
    .await;
    bar.finish_and_clear();

    println!("replayed {} events in {:.1}s ({} at a time)", summary.total(), summary.elapsed.as_secs_f64(), args.concurrency);
    println!("  {:<28} {:>6}", "processed", summary.processed);
    println!("  {:<28} {:>6}", "skipped (already recorded)", summary.skipped);
    if args.dry_run {
        println!("  {:<28} {:>6}", "dry run (nothing written)", summary.dry_run);
    }
    println!("  {:<28} {:>6}", "failed", summary.failed.len());
    for f in &summary.failed {
        if let ReplayStatus::Failed { reason, retryable } = &f.status {
            println!("    {} {}: {reason}{}", f.job_name, f.run_id, if *retryable { " (retryable)" } else { "" });
        }
    }
    if !args.dry_run {
        println!("store: {}  documents: {}", output.store.display(), output.documents.display());
    }
    if summary.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!("{} of {} events failed", summary.failed.len(), summary.total())))
    }
}
