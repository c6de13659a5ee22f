//! [`S3GlueDatasetStorage`]: the `DatasetStorage` port on S3 (`ListObjectsV2`, bounded pages)
//! and the Glue Data Catalog (`GetTable` with the table's location and columns, `GetPartitions` with an expression, bounded pages),
//! converting SDK output into the domain's listings.

use crate::error::{to_chrono, AwsError};
use async_trait::async_trait;
use lineage_domain::ports::{
    CatalogColumn, CatalogPartition, CatalogTable, DatasetStorage, ObjectListing, PartitionListing,
    StoredObject,
};
use lineage_domain::PortError;

/// A catalog column as the domain has it (an empty type or comment is none).
fn column(c: &aws_sdk_glue::types::Column) -> CatalogColumn {
    let text = |v: Option<&str>| v.filter(|t| !t.trim().is_empty()).map(str::to_string);
    CatalogColumn {
        name: c.name().to_string(),
        data_type: text(c.r#type()),
        comment: text(c.comment()),
    }
}

/// Keys in one `ListObjectsV2` page, partitions in one `GetPartitions` page.
pub const PAGE_SIZE: i32 = 1000;

/// What S3 and the Glue Data Catalog hold for a dataset.
#[derive(Debug, Clone)]
pub struct S3GlueDatasetStorage {
    s3: aws_sdk_s3::Client,
    glue: aws_sdk_glue::Client,
}

impl S3GlueDatasetStorage {
    pub fn new(s3: aws_sdk_s3::Client, glue: aws_sdk_glue::Client) -> Self {
        Self { s3, glue }
    }
}

#[async_trait]
impl DatasetStorage for S3GlueDatasetStorage {
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        max_pages: usize,
    ) -> Result<ObjectListing, PortError> {
        let op = format!("s3:ListObjectsV2 s3://{bucket}/{prefix}");
        let mut listing = ObjectListing::default();
        let mut token: Option<String> = None;
        for _ in 0..max_pages.max(1) {
            let out = self
                .s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .max_keys(PAGE_SIZE)
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(&op, e))?;
            listing
                .objects
                .extend(out.contents().iter().filter_map(|o| {
                    Some(StoredObject {
                        key: o.key()?.to_string(),
                        last_modified: o.last_modified().and_then(to_chrono)?,
                        size: o.size().unwrap_or_default(),
                    })
                }));
            token = out
                .next_continuation_token()
                .filter(|_| out.is_truncated().unwrap_or(false))
                .map(str::to_string);
            if token.is_none() {
                return Ok(listing);
            }
        }
        listing.truncated = true;
        Ok(listing)
    }

    async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError> {
        let op = format!("glue:GetTable {database}.{table}");
        let out = self
            .glue
            .get_table()
            .database_name(database)
            .name(table)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        let t = out
            .table()
            .ok_or_else(|| AwsError::not_found(&op, "no table in the answer"))?;
        Ok(CatalogTable {
            database: t.database_name().unwrap_or(database).to_string(),
            name: t.name().to_string(),
            create_time: t.create_time().and_then(to_chrono),
            update_time: t.update_time().and_then(to_chrono),
            partition_keys: t.partition_keys().iter().map(column).collect(),
            columns: t
                .storage_descriptor()
                .map(|s| s.columns().iter().map(column).collect())
                .unwrap_or_default(),
            location: t
                .storage_descriptor()
                .and_then(|s| s.location())
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        })
    }

    async fn partitions(
        &self,
        database: &str,
        table: &str,
        expression: Option<&str>,
        max_pages: usize,
    ) -> Result<PartitionListing, PortError> {
        let op = format!("glue:GetPartitions {database}.{table}");
        let mut listing = PartitionListing::default();
        let mut token: Option<String> = None;
        for _ in 0..max_pages.max(1) {
            let out = self
                .glue
                .get_partitions()
                .database_name(database)
                .table_name(table)
                .set_expression(expression.map(str::to_string))
                .max_results(PAGE_SIZE)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(&op, e))?;
            listing
                .partitions
                .extend(out.partitions().iter().map(|p| CatalogPartition {
                    values: p.values().to_vec(),
                    creation_time: p.creation_time().and_then(to_chrono),
                }));
            token = out
                .next_token()
                .filter(|t| !t.is_empty())
                .map(str::to_string);
            if token.is_none() {
                return Ok(listing);
            }
        }
        listing.truncated = true;
        Ok(listing)
    }
}
