//! Backfill by replay: many events through the pipeline with bounded concurrency, a progress
//! callback per event, and a summary (processed, skipped as already recorded, failed with
//! reasons). Also turns job runs into the events Glue would have sent, for backfills generated
//! from `GetJobRuns`.

use crate::pipeline::{Disposition, Pipeline, ProcessOptions};
use futures::StreamExt;
use lineage_domain::event::GlueJobStateDetail;
use lineage_domain::{EventEnvelope, GlueJobStateChange, JobRun};
use std::time::{Duration, Instant};

/// What happened to one replayed event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplayStatus {
    Processed,
    Skipped,
    DryRun,
    Failed { reason: String, retryable: bool },
}

/// One replayed event's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayItem {
    pub job_name: String,
    pub run_id: String,
    pub status: ReplayStatus,
}

/// The tally of a replay.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReplaySummary {
    pub processed: usize,
    pub skipped: usize,
    pub dry_run: usize,
    pub failed: Vec<ReplayItem>,
    pub elapsed: Duration,
}

impl ReplaySummary {
    pub fn total(&self) -> usize {
        self.processed + self.skipped + self.dry_run + self.failed.len()
    }
    fn add(&mut self, item: ReplayItem) {
        match item.status {
            ReplayStatus::Processed => self.processed += 1,
            ReplayStatus::Skipped => self.skipped += 1,
            ReplayStatus::DryRun => self.dry_run += 1,
            ReplayStatus::Failed { .. } => self.failed.push(item),
        }
    }
}

/// Replays events through the pipeline, at most `concurrency` at a time. Each event runs as a
/// task of its own on the runtime, so events that block a thread (local adapters, extraction)
/// still use every core.
pub async fn replay(
    pipeline: &Pipeline,
    events: Vec<GlueJobStateChange>,
    concurrency: usize,
    options: ProcessOptions,
    mut on_item: impl FnMut(&ReplayItem),
) -> ReplaySummary {
    let started = Instant::now();
    let mut summary = ReplaySummary::default();
    let mut results = futures::stream::iter(events)
        .map(|event| {
            let pipeline = pipeline.clone();
            let (job_name, run_id) = (event.job_name().to_string(), event.job_run_id().to_string());
            let task = tokio::spawn(async move { pipeline.process(&event, options).await });
            async move {
                let status = match task.await {
                    Ok(Ok(o)) => match o.disposition {
                        Disposition::Processed => ReplayStatus::Processed,
                        Disposition::AlreadyRecorded => ReplayStatus::Skipped,
                        Disposition::DryRun => ReplayStatus::DryRun,
                    },
                    Ok(Err(e)) => ReplayStatus::Failed {
                        reason: e.to_string(),
                        retryable: e.is_retryable(),
                    },
                    Err(join) => ReplayStatus::Failed {
                        reason: format!("processing stopped: {join}"),
                        retryable: true,
                    },
                };
                ReplayItem {
                    job_name,
                    run_id,
                    status,
                }
            }
        })
        .buffer_unordered(concurrency.max(1));
    while let Some(item) = results.next().await {
        on_item(&item);
        summary.add(item);
    }
    summary.elapsed = started.elapsed();
    summary
}

/// The event Glue sent (or would have sent) for a finished run; `None` for a run that has not
/// finished.
pub fn event_for_run(
    run: &JobRun,
    account: &str,
    region: &str,
    replay_name: &str,
) -> Option<GlueJobStateChange> {
    let state = run.terminal_state()?;
    let time = run
        .ended_on()
        .unwrap_or(run.started_on)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    Some(GlueJobStateChange {
        envelope: EventEnvelope {
            version: "0".into(),
            id: format!("backfill-{}", run.id),
            detail_type: GlueJobStateChange::DETAIL_TYPE.into(),
            source: GlueJobStateChange::SOURCE.into(),
            account: account.into(),
            time,
            region: region.into(),
            resources: Vec::new(),
            replay_name: Some(replay_name.into()),
        },
        detail: GlueJobStateDetail {
            job_name: run.job_name.clone(),
            job_run_id: run.id.clone(),
            state,
            severity: if state == lineage_domain::RunState::Succeeded {
                "INFO"
            } else {
                "ERROR"
            }
            .into(),
            message: run
                .error_message
                .clone()
                .unwrap_or_else(|| format!("Job run {}", state.as_str().to_ascii_lowercase())),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_made_for_finished_runs_only() {
        let mut run: JobRun = serde_json::from_str(
            r#"{"Id":"jr_1","JobName":"j","StartedOn":"2025-03-01T00:00:00Z","CompletedOn":"2025-03-01T00:10:00Z","JobRunState":"FAILED","ErrorMessage":"boom"}"#,
        )
        .expect("run");
        let e = event_for_run(&run, "111122223333", "us-east-1", "backfill").expect("finished");
        assert_eq!(
            (e.job_name(), e.job_run_id(), e.state()),
            ("j", "jr_1", lineage_domain::RunState::Failed)
        );
        assert_eq!(e.envelope.time, "2025-03-01T00:10:00Z");
        assert!(e.is_replay());
        // it parses back as a valid event
        let text = serde_json::to_string(&e).expect("json");
        assert_eq!(GlueJobStateChange::from_json(&text).expect("valid"), e);
        run.job_run_state = Some("RUNNING".into());
        assert!(event_for_run(&run, "1", "r", "b").is_none());
    }
}
