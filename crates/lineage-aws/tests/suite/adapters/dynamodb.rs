//! DynamoDbLineageStore and DynamoDbAnswerCache against moto, beyond the shared contract: the
//! item layout, the ordering rule, and error mapping.

use crate::support;
use aws_sdk_dynamodb::types::AttributeValue;
use lineage_aws::dynamodb::TTL_ATTRIBUTE;
use lineage_aws::{DynamoDbAnswerCache, DynamoDbLineageStore};
use lineage_contract::{at, dataset, execution_context, mapping};
use lineage_domain::ports::{AnswerCache, InferenceAnswer, LineageStore, ProposedDataset};
use lineage_domain::{Direction, ErrorKind, WriteOutcome};

#[tokio::test]
async fn older_run_after_newer_keeps_the_newer_and_same_run_is_unchanged() {
    let c = support::clients().await;
    let (m, x) = support::create_tables(&c).await;
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), &m, &x);
    let ds = dataset("order", "orders");
    let newer = mapping("job", &ds, Direction::Output, "jr_b", at(30, 0), 0.9);
    let older = mapping("job", &ds, Direction::Output, "jr_a", at(10, 0), 0.4);
    assert_eq!(
        store.merge_mapping(&newer).await.expect("merge"),
        WriteOutcome::Written
    );
    assert_eq!(
        store.merge_mapping(&newer).await.expect("merge"),
        WriteOutcome::Unchanged
    );
    assert_eq!(
        store.merge_mapping(&older).await.expect("merge"),
        WriteOutcome::Written
    );
    assert_eq!(
        store.merge_mapping(&older).await.expect("merge"),
        WriteOutcome::Unchanged
    );
    let got = store.mappings_for_job("job").await.expect("query");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].last_seen_run, "jr_b");
    assert_eq!(got[0].confidence.value(), 0.9);
    assert_eq!(got[0].first_seen_run, "jr_a");

    // the raw item: keys, GSI key, and order strings that sort like runs
    let item = c
        .dynamodb
        .get_item()
        .table_name(&m)
        .key(
            "job_name",
            aws_sdk_dynamodb::types::AttributeValue::S("job".into()),
        )
        .key(
            "mapping_key",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("output#{}", ds.key())),
        )
        .send()
        .await
        .expect("get item")
        .item
        .expect("item");
    let s = |k: &str| item[k].as_s().expect(k).clone();
    assert_eq!(s("dataset_key"), ds.key());
    assert_eq!(s("direction"), "output");
    assert_eq!(s("first_seen_order"), "2024-05-14T04:10:00.000000000Z#jr_a");
    assert_eq!(s("last_seen_order"), "2024-05-14T04:30:00.000000000Z#jr_b");
    assert_eq!(item["confidence"].as_n().expect("n"), "0.9");
}

/// Merges in any order end at the merge of all runs. (Sequential: moto evaluates a condition
/// and applies the update in two steps, so concurrent merges into one item can lose an update
/// there; DynamoDB applies conditional writes atomically.)
#[tokio::test]
async fn merges_in_any_order_end_at_the_merge_of_all_runs() {
    let c = support::clients().await;
    let (m, x) = support::create_tables(&c).await;
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), &m, &x);
    let ds = dataset("race", "t");
    let runs: Vec<_> = (0..8u32)
        .map(|i| {
            mapping(
                "race",
                &ds,
                Direction::Input,
                &format!("jr_{i}"),
                at(i, 0),
                f64::from(i) / 10.0,
            )
        })
        .collect();
    // newest first, then the rest interleaved: every merge moves one half or the other
    for i in [7usize, 3, 5, 0, 6, 1, 4, 2] {
        store.merge_mapping(&runs[i]).await.expect("merge");
    }
    let got = store.mappings_for_job("race").await.expect("query");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].first_seen_run, "jr_0");
    assert_eq!(got[0].last_seen_run, "jr_7");
    assert_eq!(got[0].confidence.value(), 0.7);
}

#[tokio::test]
async fn execution_context_item_has_queryable_attributes() {
    let c = support::clients().await;
    let (m, x) = support::create_tables(&c).await;
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), &m, &x);
    let ctx = execution_context("retail", "jr_ctx", at(0, 7));
    assert_eq!(
        store.put_execution_context(&ctx).await.expect("put"),
        WriteOutcome::Written
    );
    let item = c
        .dynamodb
        .get_item()
        .table_name(&x)
        .key(
            "job_run_id",
            aws_sdk_dynamodb::types::AttributeValue::S("jr_ctx".into()),
        )
        .send()
        .await
        .expect("get")
        .item
        .expect("item");
    let s = |k: &str| item[k].as_s().expect(k).clone();
    assert_eq!(s("job_name"), "retail");
    assert_eq!(s("state"), "SUCCEEDED");
    assert_eq!(s("processing_status"), "completed");
    assert_eq!(s("lineage_key"), ctx.lineage_key);
    assert_eq!(s("started_on"), "2024-05-14T04:00:00.007000000Z");
    let back: lineage_domain::ExecutionContext = serde_json::from_str(&s("context")).expect("json");
    assert_eq!(back, ctx);
}

#[tokio::test]
async fn missing_tables_are_not_found() {
    let c = support::clients().await;
    let store = DynamoDbLineageStore::new(
        c.dynamodb.clone(),
        support::unique("no-mappings"),
        support::unique("no-contexts"),
    );
    let e = store.all_mappings().await.expect_err("no table");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let e = store.execution_context("jr_1").await.expect_err("no table");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let ds = dataset("nf", "t");
    let e = store
        .merge_mapping(&mapping("j", &ds, Direction::Input, "jr", at(0, 0), 0.5))
        .await
        .expect_err("no table");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn answer_cache_round_trips_in_the_context_table() {
    let c = support::clients().await;
    let (_, x) = support::create_tables(&c).await;
    let cache = DynamoDbAnswerCache::new(c.dynamodb.clone(), &x);
    assert_eq!(cache.cached_answer("k1").await.expect("get"), None);
    let answer = InferenceAnswer {
        datasets: vec![ProposedDataset {
            namespace: "s3://b".into(),
            name: "orders".into(),
            direction: Direction::Output,
            confidence: 0.8,
            evidence: vec!["df.write.parquet(out)".into()],
        }],
        usage: Default::default(),
    };
    cache.put_answer("k1", &answer).await.expect("put");
    assert_eq!(
        cache.cached_answer("k1").await.expect("get"),
        Some(answer.clone())
    );
    cache.put_answer("k1", &answer).await.expect("put again");
    let item = c
        .dynamodb
        .get_item()
        .table_name(&x)
        .key("job_run_id", AttributeValue::S("cache#k1".into()))
        .send()
        .await
        .expect("raw item");
    let expires: i64 = item
        .item()
        .and_then(|i| i.get(TTL_ATTRIBUTE))
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .expect("a TTL attribute in epoch seconds");
    let in_days = (expires - chrono::Utc::now().timestamp()) / 86_400;
    assert!((29..=30).contains(&in_days), "{in_days} days");
    // an item past its TTL that DynamoDB has not deleted yet is not an answer
    c.dynamodb
        .update_item()
        .table_name(&x)
        .key("job_run_id", AttributeValue::S("cache#k1".into()))
        .update_expression("SET expires_at = :t")
        .expression_attribute_values(":t", AttributeValue::N("1000".into()))
        .send()
        .await
        .expect("expire");
    assert_eq!(cache.cached_answer("k1").await.expect("get"), None);
    let store = DynamoDbLineageStore::new(c.dynamodb.clone(), "unused", &x);
    assert_eq!(
        store.execution_context("k1").await.expect("get"),
        None,
        "cache keys do not collide with runs"
    );
}
