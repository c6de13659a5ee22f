//! `lineage-agent replay`: backfill by replaying events — from a JSONL file, a folder of event
//! files, or generated from the job runs of given jobs (`glue:GetJobRuns`, or the captured
//! runs with `--fixtures`) — either processed in-process with bounded concurrency, a progress
//! bar and a summary table (`--json`: one JSON object), or sent to the SQS queue the Lambda consumes (`--to-queue`). Runs
//! already recorded are skipped unless `--force`.

use crate::error::CliError;
use crate::event_files::{read_events, ReadEvents, Unreadable};
use crate::local::{self, CreatedOutput, LocalOutput};
use crate::output::{emit_json, say};
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lineage_domain::ports::{EventQueue, JobCatalog};
use lineage_domain::GlueJobStateChange;
use lineage_engine::replay::{event_for_run, replay, ReplayItem, ReplayStatus, ReplaySummary};
use lineage_engine::{ProcessOptions, Settings};
use std::path::PathBuf;

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
    /// The summary as one JSON object on stdout (no progress bar).
    #[arg(long)]
    pub json: bool,
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

/// Where the replayed runs went, for the summary.
fn destination(output: Option<&LocalOutput>, settings: &Settings) -> serde_json::Value {
    match output {
        Some(o) => serde_json::json!({
            "store": o.store.display().to_string(),
            "documents": o.documents.display().to_string(),
        }),
        None => serde_json::json!({
            "tables": [settings.job_mapping_table, settings.context_table],
            "documents": format!("s3://{}/{}", settings.lineage_bucket, settings.lineage_prefix),
        }),
    }
}

/// The AWS settings a replay on AWS needs; when missing, the error points at local mode.
fn require_aws_settings(settings: &Settings) -> Result<(), CliError> {
    if settings.lineage_bucket.is_empty() {
        return Err(CliError::Input(
            "LINEAGE_BUCKET is not set (storage.lineage_bucket): without --fixtures the replay runs \
             on AWS and writes documents there; to replay locally on captured runs, pass \
             --fixtures DIR"
                .into(),
        ));
    }
    crate::aws::resolved_bucket(&settings.lineage_bucket)
}

pub async fn execute(args: ReplayArgs, settings: Settings) -> Result<(), CliError> {
    if args.from.is_none() && args.jobs.is_empty() {
        return Err(CliError::Input(
            "say what to replay: --from PATH or --jobs JOB,...".into(),
        ));
    }
    let on_aws = args.fixtures.is_none() && args.to_queue.is_none();
    if on_aws && !args.dry_run {
        require_aws_settings(&settings)?;
    }
    let fixtures = args
        .fixtures
        .as_deref()
        .map(local::open_fixtures)
        .transpose()?;
    let read = match (&args.from, &fixtures) {
        (Some(p), _) => read_events(p)?,
        (None, Some(f)) => ReadEvents {
            events: generate(f, &args).await?,
            unreadable: Vec::new(),
        },
        (None, None) => ReadEvents {
            events: generate(crate::aws::job_catalog().await?.as_ref(), &args).await?,
            unreadable: Vec::new(),
        },
    };
    if let Some(queue) = &args.to_queue {
        let sent = send_to_queue(queue, &read.events, args.dry_run, args.quiet).await;
        report_unreadable(&read.unreadable)?;
        sent?;
        return unreadable_failure(&read.unreadable, read.events.len());
    }
    let output = fixtures.is_some().then(|| LocalOutput::under(&args.out));
    let destination = destination(output.as_ref(), &settings);
    let (pipeline, created) = match (fixtures, &output) {
        (Some(f), Some(o)) => {
            let (p, created) = local::pipeline(f, o, settings, None, args.dry_run)?;
            (p, created)
        }
        _ => (
            crate::aws::pipeline(settings).await?,
            CreatedOutput::default(),
        ),
    };
    let bar = progress(read.events.len(), args.quiet || args.json);
    let options = ProcessOptions {
        force: args.force,
        dry_run: args.dry_run,
    };
    let summary = replay(&pipeline, read.events, args.concurrency, options, |item| {
        bar.inc(1);
        bar.set_message(item.job_name.clone());
    })
    .await;
    bar.finish_and_clear();
    if summary.processed == 0 {
        created.discard();
    }
    let failed = summary.failed.len() + read.unreadable.len();
    let total = summary.total() + read.unreadable.len();
    if args.json {
        emit_json(&serde_json::json!({
            "total": total,
            "processed": summary.processed,
            "skipped": summary.skipped,
            "dry_run": summary.dry_run,
            "failed": failed,
            "failures": failures_json(&summary.failed, &read.unreadable),
            "elapsed_seconds": summary.elapsed.as_secs_f64(),
            "concurrency": args.concurrency,
            "written_to": (!args.dry_run).then_some(destination),
        }))?;
    } else {
        print_summary(&summary, &read.unreadable, &args, &destination)?;
    }
    if failed == 0 {
        Ok(())
    } else {
        Err(CliError::Failed(format!(
            "{failed} of {total} events failed"
        )))
    }
}

fn failures_json(failed: &[ReplayItem], unreadable: &[Unreadable]) -> Vec<serde_json::Value> {
    let runs = failed.iter().filter_map(|f| match &f.status {
        ReplayStatus::Failed { reason, retryable } => Some(serde_json::json!({
            "job_name": f.job_name,
            "job_run_id": f.run_id,
            "reason": reason,
            "retryable": retryable,
        })),
        _ => None,
    });
    let entries = unreadable
        .iter()
        .map(|u| serde_json::json!({ "place": u.place, "reason": u.reason, "retryable": false }));
    entries.chain(runs).collect()
}

/// The summary table: processed, skipped, dry run, failed with each reason, where it went.
fn print_summary(
    summary: &ReplaySummary,
    unreadable: &[Unreadable],
    args: &ReplayArgs,
    destination: &serde_json::Value,
) -> Result<(), CliError> {
    say!(
        "replayed {} events in {:.1}s ({} at a time)",
        summary.total() + unreadable.len(),
        summary.elapsed.as_secs_f64(),
        args.concurrency
    )?;
    say!("  {:<28} {:>6}", "processed", summary.processed)?;
    say!(
        "  {:<28} {:>6}",
        "skipped (already recorded)",
        summary.skipped
    )?;
    if args.dry_run {
        say!(
            "  {:<28} {:>6}",
            "dry run (nothing written)",
            summary.dry_run
        )?;
    }
    say!(
        "  {:<28} {:>6}",
        "failed",
        summary.failed.len() + unreadable.len()
    )?;
    for u in unreadable {
        say!("    {}: {}", u.place, u.reason)?;
    }
    for f in &summary.failed {
        if let ReplayStatus::Failed { reason, retryable } = &f.status {
            say!(
                "    {} {}: {reason}{}",
                f.job_name,
                f.run_id,
                if *retryable { " (retryable)" } else { "" }
            )?;
        }
    }
    if !args.dry_run && summary.processed > 0 {
        let line = destination
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| match v {
                        serde_json::Value::String(s) => format!("{k}: {s}"),
                        other => format!("{k}: {other}"),
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
            })
            .unwrap_or_default();
        say!("{line}")?;
    }
    Ok(())
}

/// Entries of the input that are not events, listed after a send to a queue.
fn report_unreadable(unreadable: &[Unreadable]) -> Result<(), CliError> {
    for u in unreadable {
        say!("  not sent {}: {}", u.place, u.reason)?;
    }
    Ok(())
}

fn unreadable_failure(unreadable: &[Unreadable], events: usize) -> Result<(), CliError> {
    if unreadable.is_empty() {
        return Ok(());
    }
    Err(CliError::Failed(format!(
        "{} of {} entries are not valid events",
        unreadable.len(),
        unreadable.len() + events
    )))
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
        say!("dry run: would send {} events to {queue}", events.len())?;
        return Ok(());
    }
    if queue.starts_with("https://") || queue.starts_with("http://") {
        let queue = crate::aws::event_queue(queue).await?;
        send_events(queue.as_ref(), events, quiet).await
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
    say!(
        "sent {sent} of {} events to {}",
        events.len(),
        queue.location()
    )?;
    for f in &failed {
        say!("  failed {f}")?;
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
