//! The storage contract (`lineage-contract`) run against the DynamoDB store and the S3 sink on
//! moto.

mod support;

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
        2 * 5,
        "five mappings per scope"
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
