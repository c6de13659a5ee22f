//! Datasets named by the OpenLineage naming spec (namespace + name): S3 prefixes cut at the
//! table root, Glue Data Catalog tables, JDBC, Redshift, Kafka, Kinesis and DynamoDB tables.
//! Constructors normalise, so two spellings of one dataset compare equal.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A dataset: OpenLineage namespace and name. Ordered so outputs are stable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Dataset {
    pub namespace: String,
    pub name: String,
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.starts_with("s3://") {
            write!(f, "{}/{}", self.namespace, self.name)
        } else {
            write!(f, "{}|{}", self.namespace, self.name)
        }
    }
}

impl Dataset {
    /// A dataset from a namespace and name as given (lower-cased schemes, no trailing `/`).
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Result<Self, DomainError> {
        let namespace = namespace.into().trim().trim_end_matches('/').to_string();
        let name = name.into().trim().trim_matches('/').to_string();
        if namespace.is_empty() || name.is_empty() {
            return Err(DomainError::InvalidDataset(format!(
                "namespace {namespace:?} and name {name:?} must both be non-empty"
            )));
        }
        let namespace = crate::context::normalise_s3_uri(&namespace);
        Ok(Self { namespace, name })
    }

    /// An S3 prefix (a table root): the key is cut at its first partition segment.
    pub fn s3_prefix(bucket: &str, key: &str) -> Result<Self, DomainError> {
        Self::new(format!("s3://{bucket}"), table_root(key))
    }

    /// One S3 object read or written by its key: the full key is kept.
    pub fn s3_object(bucket: &str, key: &str) -> Result<Self, DomainError> {
        Self::new(format!("s3://{bucket}"), key)
    }

    /// A Glue Data Catalog table.
    pub fn glue_table(
        region: &str,
        account: &str,
        database: &str,
        table: &str,
    ) -> Result<Self, DomainError> {
        Self::new(
            format!("arn:aws:glue:{region}:{account}"),
            format!(
                "table/{}/{}",
                database.to_ascii_lowercase(),
                table.to_ascii_lowercase()
            ),
        )
    }

    /// A DynamoDB table.
    pub fn dynamodb_table(region: &str, account: &str, table: &str) -> Result<Self, DomainError> {
        Self::new(
            format!("arn:aws:dynamodb:{region}:{account}"),
            format!("table/{table}"),
        )
    }

    /// A Kinesis stream.
    pub fn kinesis_stream(region: &str, stream: &str) -> Result<Self, DomainError> {
        Self::new(format!("kinesis://{region}"), stream)
    }

    /// A Kafka topic on the first bootstrap broker.
    pub fn kafka_topic(broker: &str, topic: &str) -> Result<Self, DomainError> {
        Self::new(format!("kafka://{broker}"), topic)
    }

    /// The database and table of a Glue Data Catalog table (`arn:aws:glue:…` + `table/db/t`).
    pub fn catalog_table(&self) -> Option<(&str, &str)> {
        if !self
            .namespace
            .to_ascii_lowercase()
            .starts_with("arn:aws:glue:")
        {
            return None;
        }
        let mut parts = self.name.splitn(3, '/');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("table"), Some(db), Some(t)) if !db.is_empty() && !t.is_empty() => Some((db, t)),
            _ => None,
        }
    }

    /// The S3 dataset stored at a storage location (`s3://bucket/prefix/`, as a catalog
    /// table's `StorageDescriptor.Location`): its table root. `None` for other locations.
    pub fn at_location(location: &str) -> Option<Self> {
        let loc = S3Location::parse(location.trim())?;
        Self::s3_prefix(&loc.bucket, &loc.key).ok()
    }

    /// The dataset's S3 location, if it is an S3 dataset.
    pub fn s3_location(&self) -> Option<S3Location> {
        let bucket = self.namespace.strip_prefix("s3://")?;
        Some(S3Location {
            bucket: bucket.to_string(),
            key: self.name.clone(),
        })
    }

    /// `namespace|name`, lower case: the key under which mappings are stored and compared. At
    /// most [`DATASET_KEY_BYTES`] long (a longer one keeps its prefix and a stable hash of the
    /// whole, [`crate::keys::bounded`]), so it and the mapping key built on it fit a DynamoDB key.
    pub fn key(&self) -> String {
        crate::keys::bounded(
            format!("{}|{}", self.namespace, self.name).to_ascii_lowercase(),
            DATASET_KEY_BYTES,
        )
    }

    /// Parses `namespace|name` or an `s3://bucket/key` URL (as the CLI accepts datasets).
    pub fn parse(text: &str) -> Result<Self, DomainError> {
        if let Some((ns, name)) = text.split_once('|') {
            return Self::new(ns, name);
        }
        if let Some(loc) = S3Location::parse(text) {
            return Self::new(format!("s3://{}", loc.bucket), loc.key);
        }
        Err(DomainError::InvalidDataset(format!(
            "{text:?}: expected `namespace|name` or `s3://bucket/key`"
        )))
    }
}

/// The most bytes of a dataset key: a mapping's sort key (`{direction}#{dataset key}`) stays
/// within [`crate::keys::MAX_KEY_BYTES`].
pub const DATASET_KEY_BYTES: usize = 1000;

/// A bucket and key, parsed from an `s3://`, `s3a://` or `s3n://` URL.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct S3Location {
    pub bucket: String,
    pub key: String,
}

impl S3Location {
    pub fn parse(url: &str) -> Option<Self> {
        let rest = ["s3://", "s3a://", "s3n://"]
            .iter()
            .find_map(|p| url.strip_prefix(p))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some(Self {
            bucket: bucket.to_string(),
            key: key.trim_start_matches('/').to_string(),
        })
    }
    pub fn url(&self) -> String {
        format!("s3://{}/{}", self.bucket, self.key)
    }
}

/// Whether a path segment starts a partition: a glob, a Hive-style `key=value`, or a date
/// folder (`2024`, `2024-06`, `2024-06-03`, `20240603`).
pub fn is_partition_segment(segment: &str) -> bool {
    if segment.contains(['*', '?', '[', '{']) || segment.contains('=') {
        return true;
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let parts: Vec<&str> = segment.split('-').collect();
    match parts.as_slice() {
        [y] => {
            (y.len() == 4 && digits(y) && plausible_year(y))
                || (y.len() == 8 && digits(y) && plausible_year(&y[..4]))
        }
        [y, m] => y.len() == 4 && digits(y) && m.len() == 2 && digits(m),
        [y, m, d] => {
            y.len() == 4 && digits(y) && m.len() == 2 && digits(m) && d.len() == 2 && digits(d)
        }
        _ => false,
    }
}

fn plausible_year(y: &str) -> bool {
    y.parse::<u32>().is_ok_and(|y| (1900..=2199).contains(&y))
}

/// The table root of a key: everything before the first partition segment, without slashes at
/// either end.
pub fn table_root(key: &str) -> String {
    let mut kept = Vec::new();
    for seg in key.split('/').filter(|s| !s.is_empty()) {
        if is_partition_segment(seg) {
            break;
        }
        kept.push(seg);
    }
    kept.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_prefix_is_cut_at_the_table_root() {
        let d = |k| Dataset::s3_prefix("b", k).map(|d| d.name);
        assert_eq!(d("orders/").as_deref(), Ok("orders"));
        assert_eq!(d("/events/year=2024/month=05/").as_deref(), Ok("events"));
        assert_eq!(d("logs/2024/06/03/13/").as_deref(), Ok("logs"));
        assert_eq!(d("a/b/2024-06-03/x.json").as_deref(), Ok("a/b"));
        assert_eq!(d("raw/*/part-*.json").as_deref(), Ok("raw"));
        assert_eq!(d("raw/v2024/x").as_deref(), Ok("raw/v2024/x"));
        assert!(
            Dataset::s3_prefix("b", "2024/").is_err(),
            "a bucket root is not a table"
        );
    }

    #[test]
    fn s3_object_keeps_its_key_and_parse_accepts_both_forms() {
        let o = Dataset::s3_object("b", "in/2024-05-13/settlement.csv").expect("object");
        assert_eq!(o.name, "in/2024-05-13/settlement.csv");
        assert_eq!(
            Dataset::parse("s3a://b/x/y/").expect("url"),
            Dataset::new("s3://b", "x/y").expect("ds")
        );
        assert_eq!(
            Dataset::parse("arn:aws:glue:us-east-1:1|table/db/t")
                .expect("pipe")
                .name,
            "table/db/t"
        );
        assert!(Dataset::parse("orders").is_err());
    }

    #[test]
    fn glue_tables_are_lower_case() {
        let t = Dataset::glue_table("us-east-1", "123456789012", "Sales", "Orders").expect("table");
        assert_eq!(t.namespace, "arn:aws:glue:us-east-1:123456789012");
        assert_eq!(t.name, "table/sales/orders");
    }

    #[test]
    fn catalog_tables_and_locations_are_recognised() {
        let t = Dataset::glue_table("us-east-1", "1", "sales", "orders").expect("table");
        assert_eq!(t.catalog_table(), Some(("sales", "orders")));
        assert_eq!(
            Dataset::s3_prefix("b", "orders")
                .expect("s3")
                .catalog_table(),
            None
        );
        assert_eq!(
            Dataset::at_location("s3://b/warehouse/orders/"),
            Some(Dataset::s3_prefix("b", "warehouse/orders").expect("s3"))
        );
        assert_eq!(Dataset::at_location("hdfs://nn/warehouse/orders"), None);
        assert_eq!(
            Dataset::at_location("s3://b/"),
            None,
            "a bucket is no table root"
        );
    }
}
