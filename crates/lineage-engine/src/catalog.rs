//! Catalog facts of a run's datasets (an enrichment, never a reason to fail a run): for each
//! Glue Data Catalog table the run reads or writes, one `glue:GetTable` per run
//! ([`TableCache`], shared with the storage checks), giving the table's storage location and
//! columns. A table and its S3 location are symlinks of each other (the documents' `symlinks`
//! facet, the mappings' `symlinks`, one node in the lineage graph); the columns and partition
//! keys are the `schema` facet of both. A missing table gives nothing; any other failure (access
//! denied, throttling, no time left) is a `catalog` finding.

use crate::infer::retry::Deadline;
use futures::future::{BoxFuture, FutureExt, Shared};
use lineage_domain::ports::{
    CatalogColumn, CatalogTable, DatasetStorage, ObjectListing, PartitionListing,
};
use lineage_domain::record::Finding;
use lineage_domain::redact::Redactor;
use lineage_domain::{Dataset, ErrorKind, PortError};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The longest the catalog lookups of one run may take.
pub const CATALOG_BUDGET: Duration = Duration::from_secs(10);

/// Time kept after the lookups for validating and persisting, under a deadline.
const AFTER_MARGIN: Duration = Duration::from_secs(15);

type TableLookup = Shared<BoxFuture<'static, Result<CatalogTable, PortError>>>;

/// A run's view of dataset storage in which every catalog table is asked for once: concurrent
/// and later `table` calls for the same table share the first call's answer. Listings pass
/// through.
pub struct TableCache {
    storage: Arc<dyn DatasetStorage>,
    tables: Mutex<HashMap<(String, String), TableLookup>>,
}

impl std::fmt::Debug for TableCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableCache").finish_non_exhaustive()
    }
}

impl TableCache {
    pub fn new(storage: Arc<dyn DatasetStorage>) -> Self {
        Self {
            storage,
            tables: Mutex::new(HashMap::new()),
        }
    }

    /// The one lookup of a table in this run (started on first use).
    fn lookup(&self, database: &str, table: &str) -> TableLookup {
        let key = (database.to_ascii_lowercase(), table.to_ascii_lowercase());
        let start = || {
            let storage = self.storage.clone();
            let (db, t) = (database.to_string(), table.to_string());
            async move { storage.table(&db, &t).await }.boxed().shared()
        };
        match self.tables.lock() {
            Ok(mut tables) => tables.entry(key).or_insert_with(start).clone(),
            // a poisoned map only loses the sharing
            Err(_) => start(),
        }
    }

    /// Asks for every catalog table among `datasets` now (the answers are kept for later
    /// calls), so the lookups run beside whatever the caller joins this with.
    pub async fn warm(&self, datasets: &[Dataset]) {
        let lookups: Vec<TableLookup> = tables_of(datasets.iter())
            .into_iter()
            .map(|(_, db, t)| self.lookup(&db, &t))
            .collect();
        futures::future::join_all(lookups).await;
    }
}

#[async_trait::async_trait]
impl DatasetStorage for TableCache {
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        max_pages: usize,
    ) -> Result<ObjectListing, PortError> {
        self.storage.list_objects(bucket, prefix, max_pages).await
    }
    async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError> {
        self.lookup(database, table).await
    }
    async fn partitions(
        &self,
        database: &str,
        table: &str,
        expression: Option<&str>,
        max_pages: usize,
    ) -> Result<PartitionListing, PortError> {
        self.storage
            .partitions(database, table, expression, max_pages)
            .await
    }
}

/// The distinct catalog tables among `datasets`: (dataset, database, table).
fn tables_of<'a>(datasets: impl Iterator<Item = &'a Dataset>) -> Vec<(Dataset, String, String)> {
    let mut seen = BTreeSet::new();
    datasets
        .filter_map(|d| {
            let (db, t) = d.catalog_table()?;
            seen.insert(d.clone())
                .then(|| (d.clone(), db.to_string(), t.to_string()))
        })
        .collect()
}

/// What the catalog says of one dataset of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DatasetCatalog {
    /// Its other names: a table's S3 location, or the tables an S3 location stores.
    pub symlinks: Vec<Dataset>,
    /// The table's columns, then its partition keys.
    pub fields: Vec<CatalogColumn>,
}

/// The catalog facts of a run's datasets, by dataset (only those the catalog knows).
pub type CatalogFacts = BTreeMap<Dataset, DatasetCatalog>;

/// The catalog facts of a run and what could not be looked up.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogReport {
    pub datasets: CatalogFacts,
    pub findings: Vec<Finding>,
}

/// The catalog facts of `datasets`: each catalog table among them looked up once through
/// `cache` (concurrently, within [`CATALOG_BUDGET`]), and each S3 dataset among them that is
/// the location of one of those tables. Never fails: what could not be looked up is a finding.
pub async fn lookup(
    cache: &TableCache,
    datasets: &[Dataset],
    redactor: &Redactor,
    deadline: Option<Deadline>,
) -> CatalogReport {
    let mut report = CatalogReport::default();
    let tables = tables_of(datasets.iter());
    if tables.is_empty() {
        return report;
    }
    let finding = |message: String| Finding {
        check: "catalog".into(),
        severity: "warning".into(),
        message: redactor.redact(&message).into_owned(),
    };
    let out_of_time = deadline.is_some_and(|d| {
        !d.with_margin(AFTER_MARGIN)
            .allows_attempt_after(CATALOG_BUDGET)
    });
    if out_of_time {
        report.findings.push(finding(
            "catalog tables not looked up (not enough time left in the invocation): no symlinks or schema facets".into(),
        ));
        return report;
    }
    let all = futures::future::join_all(tables.iter().map(|(_, db, t)| cache.table(db, t)));
    let Ok(answers) = tokio::time::timeout(CATALOG_BUDGET, all).await else {
        report.findings.push(finding(format!(
            "catalog tables not looked up within {}s: no symlinks or schema facets",
            CATALOG_BUDGET.as_secs()
        )));
        return report;
    };
    let present: BTreeSet<&Dataset> = datasets.iter().collect();
    for ((dataset, db, t), answer) in tables.iter().zip(answers) {
        let table = match answer {
            Ok(table) => table,
            Err(e) if e.kind == ErrorKind::NotFound => continue,
            Err(e) => {
                report.findings.push(finding(format!(
                    "catalog table {db}.{t} not read, so no symlinks or schema facet: {}: {}",
                    e.kind, e.message
                )));
                continue;
            }
        };
        let fields: Vec<CatalogColumn> = table
            .columns
            .iter()
            .chain(&table.partition_keys)
            .cloned()
            .collect();
        let location = table.location.as_deref().and_then(Dataset::at_location);
        let facts = report.datasets.entry(dataset.clone()).or_default();
        facts.fields = fields.clone();
        facts.symlinks.extend(location.clone());
        // the run also names the table's location: the table is its symlink
        if let Some(location) = location.filter(|l| present.contains(l)) {
            let facts = report.datasets.entry(location).or_default();
            facts.symlinks.push(dataset.clone());
            if facts.fields.is_empty() {
                facts.fields = fields;
            }
        }
    }
    for facts in report.datasets.values_mut() {
        facts.symlinks.sort();
        facts.symlinks.dedup();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Storage knowing `sales.orders` at `s3://b/warehouse/orders/`, denying `hr.*`, counting
    /// `GetTable` calls.
    #[derive(Default)]
    struct Catalog {
        calls: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl DatasetStorage for Catalog {
        async fn list_objects(
            &self,
            _: &str,
            _: &str,
            _: usize,
        ) -> Result<ObjectListing, PortError> {
            Ok(ObjectListing::default())
        }
        async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            match (database, table) {
                ("sales", "orders") => Ok(CatalogTable {
                    database: "sales".into(),
                    name: "orders".into(),
                    columns: vec![CatalogColumn::new("id", "bigint")],
                    partition_keys: vec![CatalogColumn::new("dt", "string")],
                    location: Some("s3://b/warehouse/orders/".into()),
                    ..CatalogTable::default()
                }),
                ("hr", _) => Err(PortError::new(
                    ErrorKind::AccessDenied,
                    "glue:GetTable",
                    "not authorized to perform glue:GetTable",
                )),
                _ => Err(PortError::not_found(
                    "glue:GetTable",
                    "EntityNotFoundException",
                )),
            }
        }
        async fn partitions(
            &self,
            _: &str,
            _: &str,
            _: Option<&str>,
            _: usize,
        ) -> Result<PartitionListing, PortError> {
            Ok(PartitionListing::default())
        }
    }

    fn table(db: &str, t: &str) -> Dataset {
        Dataset::glue_table("us-east-1", "123456789012", db, t).expect("table")
    }

    #[tokio::test]
    async fn tables_and_their_locations_are_symlinks_and_share_the_schema() {
        let storage = Arc::new(Catalog::default());
        let cache = TableCache::new(storage.clone());
        let orders = table("sales", "orders");
        let location = Dataset::s3_prefix("b", "warehouse/orders").expect("s3");
        let datasets = vec![
            orders.clone(),
            location.clone(),
            table("sales", "missing"),
            table("hr", "salaries"),
        ];
        let redactor = Redactor::default();
        let report = lookup(&cache, &datasets, &redactor, None).await;
        let t = &report.datasets[&orders];
        assert_eq!(t.symlinks, vec![location.clone()]);
        let names: Vec<&str> = t.fields.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["id", "dt"], "columns, then partition keys");
        assert_eq!(report.datasets[&location].symlinks, vec![orders.clone()]);
        assert_eq!(report.datasets[&location].fields, t.fields);
        assert_eq!(report.datasets.len(), 2, "a missing table gives nothing");
        assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
        assert!(
            report.findings[0].message.contains("hr.salaries")
                && report.findings[0].message.contains("access denied"),
            "{:?}",
            report.findings
        );
        // once per table per run: warming, the lookup and the storage checks share calls
        cache.warm(&datasets).await;
        let _ = cache.table("Sales", "Orders").await;
        lookup(&cache, &datasets, &redactor, None).await;
        assert_eq!(storage.calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn concurrent_lookups_of_one_table_make_one_call() {
        let storage = Arc::new(Catalog::default());
        let cache = TableCache::new(storage.clone());
        let (a, b) = futures::join!(
            cache.table("sales", "orders"),
            cache.table("sales", "orders")
        );
        assert_eq!(a.expect("a"), b.expect("b"));
        assert_eq!(storage.calls.load(Ordering::SeqCst), 1);
    }
}
