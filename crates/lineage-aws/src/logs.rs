//! [`CloudWatchRunLogs`]: the `RunLogs` port on CloudWatch Logs `FilterLogEvents`. Each log
//! group is searched concurrently for the run's streams (prefix = run id, also enforced here
//! because some emulators ignore the prefix) inside the run window, page by page, until the
//! event or byte cap is reached. A missing log group is skipped, not an error.

use crate::error::AwsError;
use async_trait::async_trait;
use aws_sdk_cloudwatchlogs::Client;
use lineage_domain::ports::{LogQuery, RunLogEvents, RunLogs};
use lineage_domain::{ErrorKind, LogEvent, PortError};

/// Reads a run's log events from CloudWatch Logs.
#[derive(Debug, Clone)]
pub struct CloudWatchRunLogs {
    client: Client,
}

/// The most events one `FilterLogEvents` page may return.
const PAGE_LIMIT: usize = 10_000;

impl CloudWatchRunLogs {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The events of one log group, capped. `Ok(None)` when the group does not exist.
    async fn group_events(
        &self,
        group: &str,
        query: &LogQuery,
    ) -> Result<Option<RunLogEvents>, AwsError> {
        let op = format!("logs:FilterLogEvents {group} {}", query.run_id);
        let mut out = RunLogEvents::default();
        let mut bytes = 0usize;
        let mut token: Option<String> = None;
        loop {
            // one more than the cap, to know whether the cap cut the answer short
            let want = query.max_events.saturating_sub(out.events.len()) + 1;
            let page = self
                .client
                .filter_log_events()
                .log_group_name(group)
                .log_stream_name_prefix(&query.run_id)
                .start_time(query.window.start_millis())
                .end_time(query.window.end_millis())
                .limit(i32::try_from(want.min(PAGE_LIMIT)).unwrap_or(10_000))
                .set_next_token(token.clone())
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) => {
                    let e = AwsError::from_sdk(&op, e);
                    if e.kind() == ErrorKind::NotFound && out.events.is_empty() && token.is_none() {
                        return Ok(None);
                    }
                    return Err(e);
                }
            };
            for e in page.events() {
                let stream = e.log_stream_name().unwrap_or_default();
                if !stream.starts_with(query.run_id.as_str()) {
                    continue;
                }
                let Some(timestamp) = e.timestamp() else {
                    continue;
                };
                if !query.window.contains_millis(timestamp) {
                    continue;
                }
                let message = e.message().unwrap_or_default().to_string();
                if out.events.len() >= query.max_events || bytes + message.len() > query.max_bytes {
                    out.truncated = true;
                    return Ok(Some(out));
                }
                bytes += message.len();
                out.events.push(LogEvent {
                    log_stream_name: stream.to_string(),
                    timestamp,
                    message,
                    event_id: e.event_id().unwrap_or_default().to_string(),
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() && Some(t) != token.as_deref() => {
                    token = Some(t.to_string());
                }
                _ => break,
            }
        }
        Ok(Some(out))
    }
}

#[async_trait]
impl RunLogs for CloudWatchRunLogs {
    async fn events(&self, query: &LogQuery) -> Result<RunLogEvents, PortError> {
        let results =
            futures::future::join_all(query.log_groups.iter().map(|g| self.group_events(g, query)))
                .await;
        let mut all = RunLogEvents::default();
        for r in results {
            if let Some(group) = r? {
                all.truncated |= group.truncated;
                all.events.extend(group.events);
            }
        }
        all.events.sort_by(|a, b| {
            (a.timestamp, &a.event_id, &a.log_stream_name, &a.message).cmp(&(
                b.timestamp,
                &b.event_id,
                &b.log_stream_name,
                &b.message,
            ))
        });
        all.events.dedup();
        // the caps apply to the whole answer, not per group
        let mut bytes = 0usize;
        let mut keep = 0usize;
        for e in &all.events {
            if keep >= query.max_events || bytes + e.message.len() > query.max_bytes {
                all.truncated = true;
                break;
            }
            bytes += e.message.len();
            keep += 1;
        }
        all.events.truncate(keep);
        Ok(all)
    }
}
