//! Lakehouse table formats: Delta by path, Iceberg by `glue_catalog.db.table` (or by path),
//! Hudi by base path unless hive sync is enabled (then the synced catalog table:
//! `hoodie.datasource.hive_sync.database` / `.table`, defaulting to `hoodie.table.name`).
//! Rule ids are those of the read/write call that names the table.

use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::{builder_opts, lower, opt};
use crate::value::{Builder, Value};
use lineage_domain::Dataset;

/// The dataset of a load/save argument: an S3 path, or a catalog table name for formats
/// that accept one (iceberg, delta, hudi tables given by name).
pub(crate) fn path_or_table(env: &Env, p: &Value, format: &str) -> Result<Dataset, Unresolved> {
    if naming::is_s3(p) {
        return naming::s3_dataset(p);
    }
    let table_format = matches!(format, "iceberg" | "delta" | "hudi" | "org.apache.hudi");
    match p.as_known_str() {
        Some(t) if table_format && !t.contains('/') && t.contains('.') => {
            naming::qualified_table(env, &t, None)
        }
        _ => naming::s3_dataset(p),
    }
}

/// The catalog table a Hudi write syncs to, when hive sync is on.
pub(crate) fn hudi_synced_table(env: &Env, b: &Builder) -> Option<Result<Dataset, Unresolved>> {
    hudi_synced_table_of(env, &builder_opts(b))
}

/// Whether an option is on (`True`, `"true"`).
fn on(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        v => lower(v).is_some_and(|v| v == "true"),
    }
}

/// The catalog table a Hudi write with these options syncs to, when hive sync is on
/// (`hoodie.datasource.hive_sync.enable` or `hoodie.datasource.meta.sync.enable`).
pub(crate) fn hudi_synced_table_of(env: &Env, opts: &Value) -> Option<Result<Dataset, Unresolved>> {
    let enabled = on(opt(opts, &["hoodie.datasource.hive_sync.enable"]))
        || on(opt(opts, &["hoodie.datasource.meta.sync.enable"]));
    if !enabled {
        return None;
    }
    let db = opt(opts, &["hoodie.datasource.hive_sync.database"])
        .cloned()
        .unwrap_or_else(|| Value::str("default"));
    let table = opt(opts, &["hoodie.datasource.hive_sync.table"])
        .or_else(|| opt(opts, &["hoodie.table.name"]))
        .cloned()?;
    Some(naming::glue_table(env, &db, &table, None))
}
