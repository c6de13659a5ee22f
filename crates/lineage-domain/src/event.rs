//! The "Glue Job State Change" event as EventBridge delivers it: the envelope (including
//! `replay-name` on archive replays) and the Glue `detail`. Unknown fields are tolerated;
//! anything that is not a Glue job state change is rejected with the reason.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// The terminal states a Glue job run can announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunState {
    Succeeded,
    Failed,
    Timeout,
    Stopped,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Succeeded => "SUCCEEDED",
            RunState::Failed => "FAILED",
            RunState::Timeout => "TIMEOUT",
            RunState::Stopped => "STOPPED",
        }
    }

    /// Parses a Glue state name; non-terminal or unknown states are an error.
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        match s {
            "SUCCEEDED" => Ok(RunState::Succeeded),
            "FAILED" => Ok(RunState::Failed),
            "TIMEOUT" => Ok(RunState::Timeout),
            "STOPPED" => Ok(RunState::Stopped),
            other => Err(DomainError::UnknownState(other.to_string())),
        }
    }
}

impl std::fmt::Display for RunState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The EventBridge envelope fields we use. `replay_name` is set when the event comes from an
/// archive replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEnvelope {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(
        rename = "replay-name",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replay_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct RawDetail {
    #[serde(rename = "jobName")]
    job_name: Option<String>,
    #[serde(rename = "jobRunId")]
    job_run_id: Option<String>,
    state: Option<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    message: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RawEvent {
    #[serde(flatten)]
    envelope: EventEnvelope,
    detail: RawDetail,
}

/// A validated Glue job state change: the run it names is in a terminal state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GlueJobStateChange {
    #[serde(flatten)]
    pub envelope: EventEnvelope,
    pub detail: GlueJobStateDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlueJobStateDetail {
    #[serde(rename = "jobName")]
    pub job_name: String,
    #[serde(rename = "jobRunId")]
    pub job_run_id: String,
    pub state: RunState,
    pub severity: String,
    pub message: String,
}

impl GlueJobStateChange {
    pub const SOURCE: &'static str = "aws.glue";
    pub const DETAIL_TYPE: &'static str = "Glue Job State Change";

    /// Parses and validates an event from JSON text.
    pub fn from_json(text: &str) -> Result<Self, DomainError> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| DomainError::Json(e.to_string()))?;
        Self::from_value(value)
    }

    /// Parses and validates an event from an already decoded JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, DomainError> {
        if !value.is_object() {
            return Err(DomainError::NotAGlueEvent("expected a JSON object".into()));
        }
        let detail_type = value.get("detail-type").and_then(|v| v.as_str());
        let source = value.get("source").and_then(|v| v.as_str());
        match (source, detail_type) {
            (Some(Self::SOURCE), Some(Self::DETAIL_TYPE)) => {}
            (s, d) => {
                return Err(DomainError::NotAGlueEvent(format!(
                "source {:?} / detail-type {:?}, expected \"aws.glue\" / \"Glue Job State Change\"",
                s.unwrap_or("<missing>"),
                d.unwrap_or("<missing>")
            )))
            }
        }
        let raw: RawEvent =
            serde_json::from_value(value).map_err(|e| DomainError::NotAGlueEvent(e.to_string()))?;
        let job_name =
            non_empty(raw.detail.job_name).ok_or(DomainError::MissingField("detail.jobName"))?;
        let job_run_id =
            non_empty(raw.detail.job_run_id).ok_or(DomainError::MissingField("detail.jobRunId"))?;
        let state = RunState::parse(
            &raw.detail
                .state
                .ok_or(DomainError::MissingField("detail.state"))?,
        )?;
        Ok(Self {
            envelope: raw.envelope,
            detail: GlueJobStateDetail {
                job_name,
                job_run_id,
                state,
                severity: raw.detail.severity,
                message: raw.detail.message,
            },
        })
    }

    pub fn job_name(&self) -> &str {
        &self.detail.job_name
    }
    pub fn job_run_id(&self) -> &str {
        &self.detail.job_run_id
    }
    pub fn state(&self) -> RunState {
        self.detail.state
    }
    pub fn is_replay(&self) -> bool {
        self.envelope.replay_name.is_some()
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{
      "version": "0", "id": "abc", "detail-type": "Glue Job State Change", "source": "aws.glue",
      "account": "123456789012", "time": "2024-05-14T04:03:39Z", "region": "us-east-1",
      "resources": [], "future-field": {"x": 1},
      "detail": {"jobName": "j", "severity": "INFO", "state": "SUCCEEDED",
                 "jobRunId": "jr_1", "message": "ok", "notifyDelay": 5}
    }"#;

    #[test]
    fn parses_and_tolerates_unknown_fields() {
        let e = GlueJobStateChange::from_json(EVENT).expect("valid event");
        assert_eq!(e.job_name(), "j");
        assert_eq!(e.job_run_id(), "jr_1");
        assert_eq!(e.state(), RunState::Succeeded);
        assert_eq!(e.envelope.account, "123456789012");
        assert!(!e.is_replay());
    }

    #[test]
    fn replay_name_is_kept() {
        let text = EVENT.replace(
            "\"resources\": []",
            "\"resources\": [], \"replay-name\": \"backfill-1\"",
        );
        let e = GlueJobStateChange::from_json(&text).expect("valid event");
        assert_eq!(e.envelope.replay_name.as_deref(), Some("backfill-1"));
        assert!(e.is_replay());
    }

    #[test]
    fn rejects_other_sources_and_states() {
        let other = EVENT.replace("aws.glue", "aws.s3");
        assert!(matches!(
            GlueJobStateChange::from_json(&other),
            Err(DomainError::NotAGlueEvent(_))
        ));
        let running = EVENT.replace("SUCCEEDED", "RUNNING");
        assert_eq!(
            GlueJobStateChange::from_json(&running),
            Err(DomainError::UnknownState("RUNNING".into()))
        );
        let no_run = EVENT.replace("\"jobRunId\": \"jr_1\",", "");
        assert_eq!(
            GlueJobStateChange::from_json(&no_run),
            Err(DomainError::MissingField("detail.jobRunId"))
        );
        assert!(matches!(
            GlueJobStateChange::from_json("{"),
            Err(DomainError::Json(_))
        ));
        assert!(matches!(
            GlueJobStateChange::from_json("[1]"),
            Err(DomainError::NotAGlueEvent(_))
        ));
    }

    #[test]
    fn round_trips_through_serialisation() {
        let e = GlueJobStateChange::from_json(EVENT).expect("valid event");
        let text = serde_json::to_string(&e).expect("serialise");
        let back = GlueJobStateChange::from_json(&text).expect("reparse");
        assert_eq!(e, back);
    }
}
