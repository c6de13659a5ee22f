//! Deliver: sends a run's events (START, then the terminal one) to every configured transport
//! (an OpenLineage endpoint, ...) beside the documents, never instead of them. A transport that
//! fails after its retries does not fail the run: it becomes a `transport` warning finding in
//! the execution context and a `LineageTransportFailures` metric, the documents in the sink
//! stay the record, and replaying the run with `--force` sends the same events again.

use lineage_domain::ports::{LineageEvent, LineageTransport, Metric};
use lineage_domain::record::Finding;
use lineage_domain::redact::Redactor;
use lineage_domain::Secret;
use std::sync::Arc;

/// The finding's check name.
pub const CHECK: &str = "transport";

/// What delivering a run's events did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Events accepted by a transport (counted per transport).
    pub sent: usize,
    /// Transports that failed.
    pub failed: usize,
    /// One finding per failed transport.
    pub findings: Vec<Finding>,
}

impl Delivery {
    /// The metrics of this delivery (none when there was nothing to send).
    pub fn metrics(&self) -> Vec<Metric> {
        if self.sent == 0 && self.failed == 0 {
            return Vec::new();
        }
        vec![
            Metric::count("LineageEventsSent", self.sent as f64),
            Metric::count("LineageTransportFailures", self.failed as f64),
        ]
    }
}

/// Sends `events`, in order, to each transport (transports at once). A transport stops at its
/// first failure: the events after it would meet the same fate, and a receiver should not get a
/// terminal event without its START. Finding texts pass the run's `redactor` and never hold
/// `secrets` (the transports' credentials).
pub async fn deliver(
    transports: &[Arc<dyn LineageTransport>],
    events: &[LineageEvent<'_>],
    redactor: &Redactor,
    secrets: &[&Secret],
) -> Delivery {
    let sends = transports.iter().map(|t| async move {
        for (i, event) in events.iter().enumerate() {
            if let Err(e) = t.send(event).await {
                return (i, Some((t.destination(), event.event_type, e)));
            }
        }
        (events.len(), None)
    });
    let mut delivery = Delivery::default();
    for (sent, failure) in futures::future::join_all(sends).await {
        delivery.sent += sent;
        let Some((destination, event_type, error)) = failure else {
            continue;
        };
        delivery.failed += 1;
        let mut message = format!(
            "lineage events not sent to {destination} (the {event_type} event: {}); the documents are in the lineage store: replay the run with --force to send them again",
            error.message
        );
        for secret in secrets {
            if !secret.expose().is_empty() {
                message = message.replace(secret.expose(), lineage_domain::secret::MASK);
            }
        }
        tracing::warn!(destination = %destination, "{}", redactor.redact(&message));
        delivery.findings.push(Finding {
            check: CHECK.into(),
            severity: "warning".into(),
            message: redactor.redact(&message).into_owned(),
        });
    }
    delivery
}
