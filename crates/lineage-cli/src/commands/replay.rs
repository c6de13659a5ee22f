//! `lineage-agent replay`: backfill by replaying events — from a JSONL file, a folder of event
//! files, or generated from the job runs of given jobs (`glue:GetJobRuns`, or the captured
//! runs with `--fixtures`) — either processed in-process with bounded concurrency, a progress
//! bar and a summary table, or sent to the SQS queue the Lambda consumes (`--to-queue`). Runs
//! already recorded are skipped unless `--force`.

use crate::error::CliError;
use crate::local::{self, LocalOutput};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lineage_domain::ports::{EventQueue, JobCatalog};
use lineage_domain::GlueJobStateChange;
use lineage_engine::replay::{event_for_run, replay, ReplayStatus};
use lineage_engine::{ProcessOptions, Settings};
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Captured API responses to run against (one case folder or a folder of them). Without
    /// it the agent runs against AWS, with the settings (config files, environment variables).
    #[arg(long, value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
    /// Send the events to a queue instead of processing them here: an SQS queue URL (the
    /// Lambda's backfill queue), or a local JSON Lines file that `--from` can replay later.
    #[arg(long, value_name = "URL|FILE")]
    pub to_queue: Option<String>,
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
    /// With --jobs: the AWS account the generated events carry (dataset names use it).
    #[arg(long, env = "AWS_ACCOUNT_ID")]
    pub account: Option<String>,
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

async fn generate(
    catalog: &dyn JobCatalog,
    args: &ReplayArgs,
) -> Result<Vec<GlueJobStateChange>, CliError> {
    let account = args.account.clone().ok_or_else(|| {
        CliError::Input(
            "--jobs needs --account (or AWS_ACCOUNT_ID): generated events carry it".into(),
        )
    })?;
    let mut events = Vec::new();
    for job in &args.jobs {
        let runs = catalog
            .job_runs(job, args.since, args.until)
            .await
            .map_err(|e| CliError::Input(e.to_string()))?;
        events
            .extend(runs.iter().filter_map(|r| {
                event_for_run(r, &account, &args.region, "lineage-agent-backfill")
            }));
    }
    // oldest first, as they happened
    events.reverse();
    Ok(events)
}

pub async fn execute(args: ReplayArgs, settings: Settings) -> Result<(), CliError> {
    if args.from.is_none() && args.jobs.is_empty() {
        return Err(CliError::Input(
            "say what to replay: --from PATH or --jobs JOB,...".into(),
        ));
    }
    let fixtures = args
        .fixtures
        .as_deref()
        .map(local::open_fixtures)
        .transpose()?;
    let aws = if fixtures.is_none() {
        Some(crate::aws::clients().await)
    } else {
        None
    };
    let events = match (&args.from, &fixtures, &aws) {
        (Some(p), _, _) => read_events(p)?,
        (None, Some(f), _) => generate(f, &args).await?,
        (None, None, Some(c)) => generate(&c.job_catalog(), &args).await?,
        (None, None, None) => Vec::new(),
    };
    if let Some(queue) = &args.to_queue {
        return send_to_queue(queue, &events, args.dry_run, args.quiet).await;
    }
    let (pipeline, where_to) = match fixtures {
        Some(f) => {
            let output = LocalOutput::under(&args.out);
            let (p, _metrics) = local::pipeline(f, &output, settings, None)?;
            (
                p,
                format!(
                    "store: {}  documents: {}",
                    output.store.display(),
                    output.documents.display()
                ),
            )
        }
        None => {
            let bucket = settings.lineage_bucket.clone();
            let tables = format!(
                "{} and {}",
                settings.job_mapping_table, settings.context_table
            );
            let (p, _clients) = crate::aws::pipeline(settings).await?;
            (p, format!("tables: {tables}  documents: s3://{bucket}"))
        }
    };
    let bar = progress(events.len(), args.quiet);
    let options = ProcessOptions {
        force: args.force,
        dry_run: args.dry_run,
    };
    let summary = replay(&pipeline, events, args.concurrency, options, |item| {
        bar.inc(1);
        bar.set_message(item.job_name.clone());
    })
    .await;
    bar.finish_and_clear();

    println!(
        "replayed {} events in {:.1}s ({} at a time)",
        summary.total(),
        summary.elapsed.as_secs_f64(),
        args.concurrency
    );
    println!("  {:<28} {:>6}", "processed", summary.processed);
    println!(
        "  {:<28} {:>6}",
        "skipped (already recorded)", summary.skipped
    );
    if args.dry_run {
        println!(
            "  {:<28} {:>6}",
            "dry run (nothing written)", summary.dry_run
        );
    }
    println!("  {:<28} {:>6}", "failed", summary.failed.len());
    for f in &summary.failed {
        if let ReplayStatus::Failed { reason, retryable } = &f.status {
            println!(
                "    {} {}: {reason}{}",
                f.job_name,
                f.run_id,
                if *retryable { " (retryable)" } else { "" }
            );
        }
    }
    if !args.dry_run {
        println!("{where_to}");
    }
    if summary.failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{} of {} events failed",
            summary.failed.len(),
            summary.total()
        )))
    }
}

fn progress(len: usize, quiet: bool) -> ProgressBar {
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(len as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs  {per_sec}  eta {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Sends events to the backfill queue (the `EventQueue` port on SQS), a batch at a time;
/// failed entries are reported.
async fn send_to_queue(
    queue: &str,
    events: &[GlueJobStateChange],
    dry_run: bool,
    quiet: bool,
) -> Result<(), CliError> {
    if dry_run {
        println!("dry run: would send {} events to {queue}", events.len());
        return Ok(());
    }
    if queue.starts_with("https://") || queue.starts_with("http://") {
        let queue = crate::aws::clients().await.event_queue(queue);
        send_events(&queue, events, quiet).await
    } else {
        send_events(&lineage_local::FsEventQueue::new(queue), events, quiet).await
    }
}

/// Sends events through an event queue; every event not queued is listed with its reason.
pub async fn send_events(
    queue: &dyn EventQueue,
    events: &[GlueJobStateChange],
    quiet: bool,
) -> Result<(), CliError> {
    let bar = progress(events.len(), quiet);
    let (mut sent, mut failed) = (0usize, Vec::new());
    for chunk in events.chunks(queue.max_batch().max(1)) {
        let bodies = chunk
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|err| CliError::Failed(err.to_string()))?;
        let failures = queue
            .send(&bodies)
            .await
            .map_err(|e| CliError::Failed(e.to_string()))?;
        sent += chunk.len() - failures.len();
        for f in failures {
            let run = chunk
                .get(f.index)
                .map(|e| e.job_run_id().to_string())
                .unwrap_or_default();
            failed.push(format!("{run}: {}", f.reason));
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    println!(
        "sent {sent} of {} events to {}",
        events.len(),
        queue.location()
    );
    for f in &failed {
        println!("  failed {f}");
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{} events not sent",
            failed.len()
        )))
    }
}
