//! [`SqsEventQueue`]: the `EventQueue` port on Amazon SQS (the Lambda's backfill queue), ten
//! messages per `SendMessageBatch`; the entries SQS refuses are returned with their reason.

use crate::error::AwsError;
use async_trait::async_trait;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;
use lineage_domain::ports::{EventQueue, QueueFailure};
use lineage_domain::PortError;

/// Most entries one `SendMessageBatch` takes.
pub const SQS_MAX_BATCH: usize = 10;

/// An SQS queue, by URL.
#[derive(Debug, Clone)]
pub struct SqsEventQueue {
    client: Client,
    queue_url: String,
}

impl SqsEventQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }
}

#[async_trait]
impl EventQueue for SqsEventQueue {
    fn max_batch(&self) -> usize {
        SQS_MAX_BATCH
    }

    async fn send(&self, bodies: &[String]) -> Result<Vec<QueueFailure>, PortError> {
        let op = format!("sqs:SendMessageBatch {}", self.queue_url);
        if bodies.len() > SQS_MAX_BATCH {
            return Err(AwsError::invalid(
                &op,
                format!(
                    "{} messages; a batch holds at most {SQS_MAX_BATCH}",
                    bodies.len()
                ),
            )
            .into());
        }
        if bodies.is_empty() {
            return Ok(Vec::new());
        }
        let entries = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                SendMessageBatchRequestEntry::builder()
                    .id(format!("m{i}"))
                    .message_body(body)
                    .build()
                    .map_err(|e| AwsError::invalid(&op, e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        Ok(out
            .failed()
            .iter()
            .map(|f| QueueFailure {
                index: f.id().trim_start_matches('m').parse().unwrap_or(0),
                reason: format!("{} {}", f.code(), f.message().unwrap_or("")),
            })
            .collect())
    }

    fn location(&self) -> String {
        self.queue_url.clone()
    }
}
