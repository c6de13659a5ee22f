//! The storage contract (`lineage-contract`) run against the DynamoDB store and the S3 sink on
//! moto.

use crate::support;

use lineage_aws::{DynamoDbLineageStore, S3LineageSink};

#[tokio::test]
async fn dynamodb_store_keeps_the_contract() {
    let c = support::clients().await;
    let (mappings, contexts) = support::create_tables(&c).await;
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), mappings, contexts);
    lineage_contract::store_contract(&store, "ddb").await;
}

#[tokio::test]
async fn dynamodb_store_contract_checks_can_share_a_store() {
    let c = support::clients().await;
    let (mappings, contexts) = support::create_tables(&c).await;
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), mappings, contexts);
    tokio::join!(
        lineage_contract::store_contract(&store, "one"),
        lineage_contract::store_contract(&store, "two")
    );
    assert_eq!(
        lineage_domain::ports::LineageStore::all_mappings(&store)
            .await
            .expect("all")
            .len(),
        2 * 7,
        "seven mappings per scope"
    );
}

#[tokio::test]
async fn s3_sink_keeps_the_contract() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    let sink = S3LineageSink::new(c.s3.clone(), &bucket).with_prefix("lineage/");
    lineage_contract::sink_contract(&sink, "s3").await;
    let plain = S3LineageSink::new(c.s3.clone(), &bucket);
    lineage_contract::sink_contract(&plain, "plain").await;
}

#[tokio::test]
async fn sqs_queue_keeps_the_queue_contract() {
    let c = support::clients().await;
    let name = format!("contract-{}", std::process::id());
    let url = c
        .sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .expect("create queue")
        .queue_url()
        .expect("url")
        .to_string();
    let queue = lineage_aws::SqsEventQueue::new(c.sqs.clone(), &url);
    lineage_contract::queue_contract(&queue, "sqs", None).await;
    // what reached the queue: the full batch, once (an SQS queue does not keep the order)
    let mut received = Vec::new();
    for _ in 0..5 {
        let out = c
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        received.extend(
            out.messages()
                .iter()
                .filter_map(|m| m.body().map(str::to_string)),
        );
        if received.len() >= 10 {
            break;
        }
    }
    received.sort();
    let mut sent: Vec<String> = (0..10)
        .map(|i| format!(r#"{{"scope":"sqs","n":{i}}}"#))
        .collect();
    sent.sort();
    assert_eq!(
        received, sent,
        "the full batch arrived, and nothing of the refused one"
    );
}
