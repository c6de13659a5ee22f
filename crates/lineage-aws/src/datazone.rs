//! [`DataZoneLineageTransport`]: the `LineageTransport` port on Amazon DataZone (SageMaker
//! Unified Studio), `PostLineageEvent` with each OpenLineage RunEvent as the event blob. The
//! client token is made of the run id, the event type and a hash of the body, so DataZone takes
//! a resend of the same event once (a replay is idempotent) and a changed event (`--force`) anew.

use crate::error::AwsError;
use async_trait::async_trait;
use aws_sdk_datazone::primitives::Blob;
use aws_sdk_datazone::Client;
use lineage_domain::keys::stable_hash;
use lineage_domain::ports::{LineageEvent, LineageTransport};
use lineage_domain::PortError;

/// The largest event `PostLineageEvent` takes, in bytes.
pub const MAX_EVENT_BYTES: usize = 300_000;

/// A DataZone domain events are posted to.
#[derive(Debug, Clone)]
pub struct DataZoneLineageTransport {
    client: Client,
    domain_id: String,
}

impl DataZoneLineageTransport {
    pub fn new(client: Client, domain_id: impl Into<String>) -> Self {
        Self {
            client,
            domain_id: domain_id.into(),
        }
    }
}

/// The idempotency token of one event: at most 128 printable ASCII characters.
pub fn client_token(event: &LineageEvent<'_>) -> String {
    let run: String = event
        .run_id
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(96)
        .collect();
    let body = String::from_utf8_lossy(event.body);
    format!("{run}-{}-{:016x}", event.event_type, stable_hash(&body))
}

#[async_trait]
impl LineageTransport for DataZoneLineageTransport {
    async fn send(&self, event: &LineageEvent<'_>) -> Result<(), PortError> {
        let op = format!("datazone:PostLineageEvent {}", self.domain_id);
        if event.body.len() > MAX_EVENT_BYTES {
            return Err(AwsError::invalid(
                &op,
                format!(
                    "the {} event is {} bytes; DataZone takes at most {MAX_EVENT_BYTES}",
                    event.event_type,
                    event.body.len()
                ),
            )
            .into());
        }
        self.client
            .post_lineage_event()
            .domain_identifier(&self.domain_id)
            .event(Blob::new(event.body.to_vec()))
            .client_token(client_token(event))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        Ok(())
    }

    fn destination(&self) -> String {
        format!("Amazon DataZone domain {}", self.domain_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_printable_bounded_and_changes_with_the_event() {
        let long_run = format!("jr_{}", "a".repeat(300));
        let event = |body: &'static [u8]| LineageEvent {
            run_id: &long_run,
            event_type: "COMPLETE",
            body,
        };
        let token = client_token(&event(b"{\"a\":1}"));
        assert!(token.len() <= 128, "{}", token.len());
        assert!(token.chars().all(|c| c.is_ascii_graphic()));
        assert_eq!(token, client_token(&event(b"{\"a\":1}")), "stable");
        assert_ne!(token, client_token(&event(b"{\"a\":2}")), "per body");
    }
}
