//! S3GlueDatasetStorage against moto: objects listed with their dates, bounded pages, catalog
//! tables and partitions, and a missing bucket or table as `NotFound`.

use crate::support;
use aws_sdk_glue::types::{Column, DatabaseInput, PartitionInput, StorageDescriptor, TableInput};
use lineage_aws::S3GlueDatasetStorage;
use lineage_domain::ports::{CatalogColumn, DatasetStorage};
use lineage_domain::ErrorKind;

/// A database and a table with the contract's columns, partitioned by `dt`, at `location`,
/// with one partition.
pub async fn create_table(c: &lineage_aws::AwsClients, location: &str) -> (String, String) {
    let db = support::unique("db").replace('-', "_");
    c.glue
        .create_database()
        .database_input(DatabaseInput::builder().name(&db).build().expect("db"))
        .send()
        .await
        .expect("create database");
    let dt = Column::builder()
        .name("dt")
        .r#type("string")
        .build()
        .expect("column");
    let columns = lineage_contract::STORAGE_COLUMNS
        .iter()
        .map(|(name, kind)| {
            Column::builder()
                .name(*name)
                .r#type(*kind)
                .build()
                .expect("column")
        })
        .collect();
    c.glue
        .create_table()
        .database_name(&db)
        .table_input(
            TableInput::builder()
                .name("orders")
                .partition_keys(dt)
                .storage_descriptor(
                    StorageDescriptor::builder()
                        .location(location)
                        .set_columns(Some(columns))
                        .build(),
                )
                .build()
                .expect("table"),
        )
        .send()
        .await
        .expect("create table");
    c.glue
        .create_partition()
        .database_name(&db)
        .table_name("orders")
        .partition_input(
            PartitionInput::builder()
                .values(lineage_contract::STORAGE_PARTITION)
                .storage_descriptor(
                    StorageDescriptor::builder()
                        .location(format!("{location}dt=2026-01-01/"))
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create partition");
    (db, "orders".into())
}

#[tokio::test]
async fn objects_tables_and_partitions_are_listed_with_their_dates() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    for key in ["out/orders/part-0", "out/orders/part-1", "out/other/part-0"] {
        support::put_object(&c, &bucket, key, b"x").await;
    }
    let storage = S3GlueDatasetStorage::new(c.s3.clone(), c.glue.clone());
    let listing = storage
        .list_objects(&bucket, "out/orders", 2)
        .await
        .expect("listing");
    assert!(!listing.truncated);
    let keys: Vec<&str> = listing.objects.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, vec!["out/orders/part-0", "out/orders/part-1"]);
    let later = chrono::Utc::now() + chrono::Duration::seconds(5);
    assert!(listing
        .objects
        .iter()
        .all(|o| o.last_modified >= before && o.last_modified <= later && o.size == 1));

    let e = storage
        .list_objects(&support::unique("no-bucket"), "x", 1)
        .await
        .expect_err("missing bucket");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");

    let (db, table) = create_table(&c, &format!("s3://{bucket}/out/orders/")).await;
    let t = storage.table(&db, &table).await.expect("table");
    assert_eq!(t.partition_key_names(), vec!["dt".to_string()]);
    let columns: Vec<(&str, Option<&str>)> = t
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_deref()))
        .collect();
    assert_eq!(
        columns,
        vec![("order_id", Some("bigint")), ("amount", Some("double"))]
    );
    assert_eq!(
        t.location.as_deref(),
        Some(format!("s3://{bucket}/out/orders/").as_str())
    );
    assert!(
        t.create_time.is_some_and(|ct| ct >= before && ct <= later),
        "{t:?}"
    );
    let p = storage
        .partitions(&db, &table, None, 1)
        .await
        .expect("partitions");
    assert_eq!(p.partitions.len(), 1);
    assert_eq!(p.partitions[0].values, vec!["2026-01-01".to_string()]);
    let e = storage
        .table(&db, "missing")
        .await
        .expect_err("missing table");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
}

#[tokio::test]
async fn s3_and_glue_keep_the_storage_contract() {
    let c = support::clients().await;
    let bucket = support::create_bucket(&c).await;
    for key in lineage_contract::STORAGE_KEYS {
        support::put_object(&c, &bucket, key, b"x").await;
    }
    let location = format!("s3://{bucket}/data/orders/");
    let (db, _) = create_table(&c, &location).await;
    let storage = S3GlueDatasetStorage::new(c.s3.clone(), c.glue.clone());
    lineage_contract::storage_contract(
        &storage,
        &bucket,
        &support::unique("no-such-bucket"),
        &db,
        &location,
    )
    .await;
}

#[tokio::test]
async fn get_table_gives_the_location_columns_and_partition_keys_and_a_missing_table_none() {
    let c = support::clients().await;
    let storage = S3GlueDatasetStorage::new(c.s3.clone(), c.glue.clone());
    let db = support::unique("facets").replace('-', "_");
    c.glue
        .create_database()
        .database_input(DatabaseInput::builder().name(&db).build().expect("db"))
        .send()
        .await
        .expect("create database");
    let column = |name: &str, kind: &str, comment: Option<&str>| {
        Column::builder()
            .name(name)
            .r#type(kind)
            .set_comment(comment.map(str::to_string))
            .build()
            .expect("column")
    };
    c.glue
        .create_table()
        .database_name(&db)
        .table_input(
            TableInput::builder()
                .name("daily_revenue")
                .partition_keys(column("order_date", "string", None))
                .storage_descriptor(
                    StorageDescriptor::builder()
                        .location("s3://acme-curated/daily_revenue/")
                        .columns(column("store_id", "string", None))
                        .columns(column(
                            "revenue",
                            "decimal(20,2)",
                            Some("the day's revenue"),
                        ))
                        .build(),
                )
                .build()
                .expect("table"),
        )
        .send()
        .await
        .expect("create table");
    let t = storage.table(&db, "daily_revenue").await.expect("table");
    assert_eq!(
        t.location.as_deref(),
        Some("s3://acme-curated/daily_revenue/")
    );
    assert_eq!(
        t.columns,
        vec![
            CatalogColumn::new("store_id", "string"),
            CatalogColumn {
                comment: Some("the day's revenue".into()),
                ..CatalogColumn::new("revenue", "decimal(20,2)")
            },
        ]
    );
    assert_eq!(
        t.partition_keys,
        vec![CatalogColumn::new("order_date", "string")]
    );
    // EntityNotFoundException: NotFound, which the catalog facts read as "no table"
    let e = storage
        .table(&db, "no_such_table")
        .await
        .expect_err("missing table");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    let e = storage
        .table(&format!("{db}_missing"), "daily_revenue")
        .await
        .expect_err("missing database");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
}
