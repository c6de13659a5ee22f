//! Catalog facts end to end on the local adapters: a captured run with `tables.json`
//! (`tests/fixtures/daily-revenue`) gets `symlinks` and `schema` dataset facets that pass the
//! official schema, and mappings that carry the symlinks; a run without a capture gets none;
//! a catalog that refuses is a finding, never a failed run; each table is asked for once.

use crate::local_harness::{repo, Local};
use async_trait::async_trait;
use lineage_domain::ports::{
    CatalogTable, DatasetStorage, LineageSink, LineageStore, ObjectListing, PartitionListing,
};
use lineage_domain::{Dataset, ErrorKind, GlueJobStateChange, PortError};
use lineage_engine::{ProcessOptions, RunOutcome, Settings};
use lineage_fakes::openlineage::schema;
use lineage_local::FsFixtures;
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

const CASE: &str = "tests/fixtures/daily-revenue";

fn case_event(dir: &Path) -> GlueJobStateChange {
    let text = std::fs::read_to_string(dir.join("event.json")).expect("event");
    GlueJobStateChange::from_json(&text).expect("event")
}

async fn process(local: &Local, dir: &Path) -> RunOutcome {
    local
        .pipeline
        .process(&case_event(dir), ProcessOptions::default())
        .await
        .expect("processed")
}

/// The dataset `namespace|name` on `side` of a document.
fn dataset<'a>(doc: &'a Value, side: &str, namespace: &str, name: &str) -> &'a Value {
    doc[side]
        .as_array()
        .expect("datasets")
        .iter()
        .find(|d| d["namespace"] == namespace && d["name"] == name)
        .unwrap_or_else(|| panic!("{namespace}|{name} not in {side}: {doc}"))
}

const GLUE: &str = "arn:aws:glue:us-east-1:111122223333";

#[tokio::test]
async fn a_run_with_catalog_tables_has_symlinks_and_schema_facets_that_pass_the_schema() {
    let dir = repo().join(CASE);
    let local = Local::on(&dir, Settings::default(), vec![]);
    let outcome = process(&local, &dir).await;
    let doc: Value = serde_json::from_slice(&outcome.document).expect("json");
    assert_eq!(schema::problems(&doc), Vec::<String>::new(), "{doc}");

    // the output table: its location, and its columns then partition keys
    let out = dataset(&doc, "outputs", GLUE, "table/sales_curated/daily_revenue");
    assert_eq!(
        out["facets"]["symlinks"]["identifiers"],
        serde_json::json!([{"namespace": "s3://acme-curated", "name": "daily_revenue", "type": "LOCATION"}])
    );
    assert_eq!(
        out["facets"]["symlinks"]["_schemaURL"],
        "https://openlineage.io/spec/facets/1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"
    );
    let schema_facet = &out["facets"]["schema"];
    assert_eq!(
        schema_facet["fields"],
        serde_json::json!([
            {"name": "store_id", "type": "string", "ordinal_position": 1},
            {"name": "revenue", "type": "decimal(20,2)", "description": "the day's revenue of the store", "ordinal_position": 2},
            {"name": "order_date", "type": "string", "ordinal_position": 3}
        ])
    );
    // the input read from that location by its S3 path: the table is its symlink
    let published = dataset(&doc, "inputs", "s3://acme-curated", "daily_revenue");
    assert_eq!(
        published["facets"]["symlinks"]["identifiers"],
        serde_json::json!([{"namespace": GLUE, "name": "table/sales_curated/daily_revenue", "type": "TABLE"}])
    );
    assert_eq!(published["facets"]["schema"], *schema_facet);
    let input = dataset(&doc, "inputs", GLUE, "table/analytics/orders_by_store");
    assert_eq!(
        input["facets"]["symlinks"]["identifiers"][0]["name"],
        "orders_by_store"
    );
    // the START event carries them too, and passes
    let start = local
        .sink
        .document(&outcome.start_document_key)
        .await
        .expect("read")
        .expect("start event");
    let start: Value = serde_json::from_slice(&start).expect("json");
    assert_eq!(schema::problems(&start), Vec::<String>::new());
    assert_eq!(
        dataset(&start, "outputs", GLUE, "table/sales_curated/daily_revenue")["facets"]["symlinks"],
        out["facets"]["symlinks"]
    );
    // the mappings carry the symlinks the graph merges by
    let mappings = local
        .store
        .mappings_for_job("daily-revenue")
        .await
        .expect("mappings");
    let table = Dataset::new(GLUE, "table/sales_curated/daily_revenue").expect("ds");
    let written = mappings
        .iter()
        .find(|m| m.dataset == table)
        .expect("output mapping");
    assert_eq!(
        written.symlinks,
        vec![Dataset::s3_prefix("acme-curated", "daily_revenue").expect("ds")]
    );
    assert!(
        outcome
            .context
            .findings
            .iter()
            .all(|f| f.check != "catalog"),
        "{:?}",
        outcome.context.findings
    );
}

#[tokio::test]
async fn without_tables_json_there_is_no_catalog_facet_and_no_finding() {
    let dir = repo().join("tests/fixtures/orders-nightly");
    let local = Local::on(&dir, Settings::default(), vec![]);
    let outcome = process(&local, &dir).await;
    let doc: Value = serde_json::from_slice(&outcome.document).expect("json");
    for side in ["inputs", "outputs"] {
        for d in doc[side].as_array().expect("datasets") {
            assert!(d["facets"].get("symlinks").is_none(), "{d}");
            assert!(d["facets"].get("schema").is_none(), "{d}");
        }
    }
    assert!(outcome
        .context
        .findings
        .iter()
        .all(|f| f.check != "catalog"));
}

/// The case's storage, with every `GetTable` counted (and refused when `deny`).
struct Counting {
    inner: FsFixtures,
    tables: AtomicUsize,
    deny: bool,
}

#[async_trait]
impl DatasetStorage for Counting {
    async fn list_objects(
        &self,
        bucket: &str,
        prefix: &str,
        max_pages: usize,
    ) -> Result<ObjectListing, PortError> {
        self.inner.list_objects(bucket, prefix, max_pages).await
    }
    async fn table(&self, database: &str, table: &str) -> Result<CatalogTable, PortError> {
        self.tables.fetch_add(1, Ordering::SeqCst);
        if self.deny {
            return Err(PortError::new(
                ErrorKind::AccessDenied,
                format!("glue:GetTable {database}.{table}"),
                "not authorized to perform glue:GetTable (allow glue:GetTable)",
            ));
        }
        self.inner.table(database, table).await
    }
    async fn partitions(
        &self,
        database: &str,
        table: &str,
        expression: Option<&str>,
        max_pages: usize,
    ) -> Result<PartitionListing, PortError> {
        self.inner
            .partitions(database, table, expression, max_pages)
            .await
    }
}

fn counting_local(dir: &Path, settings: Settings, deny: bool) -> (Local, Arc<Counting>) {
    let storage = Arc::new(Counting {
        inner: FsFixtures::open(dir).expect("fixtures"),
        tables: AtomicUsize::new(0),
        deny,
    });
    let mut local = Local::on(dir, settings, vec![]);
    let ports = local
        .pipeline
        .ports()
        .clone()
        .with_storage(Some(storage.clone()));
    local.pipeline = lineage_engine::Pipeline::new(ports, local.pipeline.settings().clone());
    (local, storage)
}

#[tokio::test]
async fn each_table_is_asked_for_once_per_run_storage_checks_included() {
    let dir = repo().join(CASE);
    let settings = Settings {
        storage_checks: true,
        ..Settings::default()
    };
    let (local, storage) = counting_local(&dir, settings, false);
    let outcome = process(&local, &dir).await;
    assert_eq!(
        storage.tables.load(Ordering::SeqCst),
        2,
        "two tables, one GetTable each"
    );
    let doc: Value = serde_json::from_slice(&outcome.document).expect("json");
    let out = dataset(&doc, "outputs", GLUE, "table/sales_curated/daily_revenue");
    assert!(out["facets"]["symlinks"].is_object(), "{out}");
    let evidence = out["facets"]["lineage_evidence"]["evidence"].to_string();
    assert!(evidence.contains("storage.glue.confirmed"), "{evidence}");
}

#[tokio::test]
async fn a_catalog_that_refuses_is_a_finding_not_a_failed_run() {
    let dir = repo().join(CASE);
    let (local, storage) = counting_local(&dir, Settings::default(), true);
    let outcome = process(&local, &dir).await;
    assert_eq!(storage.tables.load(Ordering::SeqCst), 2);
    let doc: Value = serde_json::from_slice(&outcome.document).expect("json");
    assert_eq!(schema::problems(&doc), Vec::<String>::new());
    let out = dataset(&doc, "outputs", GLUE, "table/sales_curated/daily_revenue");
    assert!(out["facets"].get("symlinks").is_none(), "{out}");
    let findings: Vec<&str> = outcome
        .context
        .findings
        .iter()
        .filter(|f| f.check == "catalog")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(findings.len(), 2, "{findings:?}");
    assert!(
        findings
            .iter()
            .any(|m| m.contains("sales_curated.daily_revenue") && m.contains("access denied")),
        "{findings:?}"
    );
}
