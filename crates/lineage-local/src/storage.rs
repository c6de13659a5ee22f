//! What storage holds, from captured responses beside the runs: a case folder may hold
//! `objects.json` (`aws s3api list-objects-v2` output: one response or a JSON array of them,
//! each naming its bucket in `Name`) and `tables.json` (`aws glue get-table` and
//! `aws glue get-partitions` outputs, one or an array: a table's dates, partition keys, location
//! and columns). Implements `DatasetStorage` for
//! [`FsFixtures`] over every case of the folder; without a capture a call is `NotFound` ("no
//! storage capture"), so the storage checks say "not checkable".

use crate::error::LocalError;
use crate::fixtures::FsFixtures;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lineage_domain::ports::{
    CatalogColumn, CatalogPartition, CatalogTable, DatasetStorage, ObjectListing, PartitionListing,
    StoredObject,
};
use lineage_domain::PortError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::path::Path;
use std::sync::OnceLock;

/// Keys in one `ListObjectsV2` page (and partitions in one `GetPartitions` page), as AWS.
pub const PAGE_SIZE: usize = 1000;

/// The captured responses of every case, each file kind read and parsed once: a storage
/// call is then a search in memory, not a look into every case folder (a replay folder holds
/// thousands).
#[derive(Debug, Default)]
pub(crate) struct Captures {
    objects: CaptureCell<ListObjectsResponse>,
    tables: CaptureCell<TablesResponse>,
}

/// One kind of capture over every case, once read (`None`: no case has the file).
type CaptureCell<T> = OnceLock<Result<Option<Vec<T>>, PortError>>;

/// One response, or a JSON array of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> OneOrMany<T> {
    fn into_vec(self) -> Vec<T> {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => vec![t],
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListObjectsResponse {
    name: String,
    #[serde(default)]
    contents: Vec<ObjectEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ObjectEntry {
    key: String,
    last_modified: DateTime<Utc>,
    #[serde(default)]
    size: i64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TablesResponse {
    table: Option<TableEntry>,
    partitions: Option<Vec<PartitionEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableEntry {
    name: String,
    database_name: String,
    create_time: Option<DateTime<Utc>>,
    update_time: Option<DateTime<Utc>>,
    #[serde(default)]
    partition_keys: Vec<Column>,
    storage_descriptor: Option<StorageDescriptor>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Column {
    name: String,
    #[serde(rename = "Type")]
    data_type: Option<String>,
    comment: Option<String>,
}

impl Column {
    fn to_domain(&self) -> CatalogColumn {
        let text = |v: &Option<String>| v.clone().filter(|t| !t.trim().is_empty());
        CatalogColumn {
            name: self.name.clone(),
            data_type: text(&self.data_type),
            comment: text(&self.comment),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StorageDescriptor {
    location: Option<String>,
    #[serde(default)]
    columns: Vec<Column>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PartitionEntry {
    #[serde(default)]
    values: Vec<String>,
    database_name: String,
    table_name: String,
    creation_time: Option<DateTime<Utc>>,
}

/// The captured responses of one kind (`objects.json` or `tables.json`) over every case;
/// `None` when no case has the file.
fn captured<T: DeserializeOwned>(
    fixtures: &FsFixtures,
    file: &str,
    op: &str,
) -> Result<Option<Vec<T>>, PortError> {
    let mut found = None;
    for case in fixtures.cases() {
        let path = case.dir.join(file);
        if !path.is_file() {
            continue;
        }
        let more = read(&path).map_err(|e| e.into_port(op))?;
        found.get_or_insert_with(Vec::new).extend(more);
    }
    Ok(found)
}

fn read<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, LocalError> {
    let text = std::fs::read_to_string(path).map_err(|e| LocalError::io(path, e))?;
    serde_json::from_str::<OneOrMany<T>>(&text)
        .map(OneOrMany::into_vec)
        .map_err(|e| LocalError::Json {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

impl FsFixtures {
    /// The captured responses in `file` over every case, read on first use into `cell`; a
    /// `NotFound` naming `op` when no case has the file.
    fn captures<'a, T: DeserializeOwned>(
        &self,
        cell: &'a CaptureCell<T>,
        file: &str,
        op: &str,
    ) -> Result<&'a [T], PortError> {
        match cell.get_or_init(|| captured(self, file, &format!("reading {file}"))) {
            Ok(Some(responses)) => Ok(responses),
            Ok(None) => Err(no_capture(op, file)),
            Err(e) => Err(e.clone()),
        }
    }
}

fn no_capture(op: &str, what: &str) -> PortError {
    PortError::not_found(op, format!("no storage capture ({what})"))
}

#[async_trait]
impl DatasetStorage for FsFixtures {
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        max_pages: usize,
    ) -> Result<ObjectListing, PortError> {
        let op = format!("ListObjectsV2 s3://{bucket}/{prefix}");
        let responses = self.captures(&self.storage.objects, "objects.json", &op)?;
        let mut responses = responses.iter().filter(|r| r.name == bucket).peekable();
        if responses.peek().is_none() {
            return Err(no_capture(
                &op,
                &format!("objects.json lists no bucket {bucket}"),
            ));
        }
        let mut objects: Vec<StoredObject> = responses
            .flat_map(|r| &r.contents)
            .filter(|o| o.key.starts_with(prefix))
            .map(|o| StoredObject {
                key: o.key.clone(),
                last_modified: o.last_modified,
                size: o.size,
            })
            .collect();
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        objects.dedup_by(|a, b| a.key == b.key);
        let cap = max_pages.saturating_mul(PAGE_SIZE);
        let truncated = objects.len() > cap;
        objects.truncate(cap);
        Ok(ObjectListing { objects, truncated })
    }

    async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError> {
        let op = format!("GetTable {database}.{table}");
        let responses = self.captures(&self.storage.tables, "tables.json", &op)?;
        let entry = responses
            .iter()
            .filter_map(|r| r.table.as_ref())
            .find(|t| {
                t.database_name.eq_ignore_ascii_case(database) && t.name.eq_ignore_ascii_case(table)
            })
            .ok_or_else(|| {
                no_capture(&op, &format!("tables.json has no table {database}.{table}"))
            })?;
        Ok(CatalogTable {
            database: entry.database_name.clone(),
            name: entry.name.clone(),
            create_time: entry.create_time,
            update_time: entry.update_time,
            partition_keys: entry.partition_keys.iter().map(Column::to_domain).collect(),
            columns: entry
                .storage_descriptor
                .iter()
                .flat_map(|s| &s.columns)
                .map(Column::to_domain)
                .collect(),
            location: entry
                .storage_descriptor
                .as_ref()
                .and_then(|s| s.location.clone())
                .filter(|l| !l.trim().is_empty()),
        })
    }

    /// Every captured partition of the table (the expression is not evaluated locally).
    async fn partitions(
        &self,
        database: &str,
        table: &str,
        _expression: Option<&str>,
        max_pages: usize,
    ) -> Result<PartitionListing, PortError> {
        let op = format!("GetPartitions {database}.{table}");
        let responses = self.captures(&self.storage.tables, "tables.json", &op)?;
        let mut partitions: Vec<CatalogPartition> = responses
            .iter()
            .filter_map(|r| r.partitions.as_ref())
            .flatten()
            .filter(|p| {
                p.database_name.eq_ignore_ascii_case(database)
                    && p.table_name.eq_ignore_ascii_case(table)
            })
            .map(|p| CatalogPartition {
                values: p.values.clone(),
                creation_time: p.creation_time,
            })
            .collect();
        let cap = max_pages.saturating_mul(PAGE_SIZE);
        let truncated = partitions.len() > cap;
        partitions.truncate(cap);
        Ok(PartitionListing {
            partitions,
            truncated,
        })
    }
}
