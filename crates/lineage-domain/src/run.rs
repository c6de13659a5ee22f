//! A Glue job run (what `glue:GetJobRun` returns) and its time window.

use crate::event::RunState;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A Glue job run, in the field names of the Glue API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct JobRun {
    pub id: String,
    pub job_name: String,
    #[serde(default)]
    pub attempt: i64,
    #[serde(default)]
    pub arguments: BTreeMap<String, String>,
    pub started_on: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_run_state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_group_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub glue_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_workers: Option<i64>,
}

impl JobRun {
    /// The run's terminal state, if its `JobRunState` is one.
    pub fn terminal_state(&self) -> Option<RunState> {
        self.job_run_state
            .as_deref()
            .and_then(|s| RunState::parse(s).ok())
    }

    /// When the run ended: `CompletedOn`, else start + `ExecutionTime`.
    pub fn ended_on(&self) -> Option<DateTime<Utc>> {
        self.completed_on.or_else(|| {
            self.execution_time
                .map(|secs| self.started_on + Duration::seconds(secs))
        })
    }

    /// The run's window widened by a tolerance on both sides.
    pub fn window(&self, tolerance_seconds: u64) -> RunWindow {
        let tol = Duration::seconds(i64::try_from(tolerance_seconds).unwrap_or(i64::MAX / 2));
        let end = self.ended_on().unwrap_or(self.started_on);
        RunWindow {
            start: self.started_on - tol,
            end: end + tol,
        }
    }
}

/// A closed time interval; evidence outside it does not belong to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunWindow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl RunWindow {
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        t >= self.start && t <= self.end
    }
    pub fn contains_millis(&self, ms: i64) -> bool {
        DateTime::<Utc>::from_timestamp_millis(ms).is_some_and(|t| self.contains(t))
    }
    pub fn start_millis(&self) -> i64 {
        self.start.timestamp_millis()
    }
    pub fn end_millis(&self) -> i64 {
        self.end.timestamp_millis()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_widens_by_tolerance() {
        let run: JobRun = serde_json::from_str(
            r#"{"Id":"jr_1","JobName":"j","StartedOn":"2024-05-14T04:00:07.482000+00:00",
                "CompletedOn":"2024-05-14T04:03:39.482000+00:00","JobRunState":"SUCCEEDED"}"#,
        )
        .expect("run");
        let w = run.window(300);
        assert!(w.contains(run.started_on - Duration::seconds(299)));
        assert!(!w.contains(run.started_on - Duration::seconds(301)));
        assert_eq!(run.terminal_state(), Some(RunState::Succeeded));
    }
}
