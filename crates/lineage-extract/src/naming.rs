//! Dataset names from resolved values: S3 URLs (object, table root, bucket root), Glue catalog
//! tables (`db.table`, `glue_catalog.db.table`, Iceberg metadata tables, cross-account
//! `catalog_id`), Kafka, Kinesis and DynamoDB; JDBC URLs in [`jdbc`], the names of SQL text
//! (catalog, JDBC, Snowflake) in [`sql_names`]; the job's own files, which are never datasets.

use crate::emit::{Env, Unresolved};
use crate::value::{PStr, Value, HOLE};
use lineage_domain::dataset::{is_partition_segment, table_root};
use lineage_domain::{Dataset, RunContext};

mod jdbc;
mod sql_names;

pub(crate) use jdbc::JdbcUrl;
pub(crate) use sql_names::{Snowflake, SqlNames};

/// The dataset of an S3 URL value: a single object keeps its key, anything else is cut at its
/// table root. Holes after the table root do not matter; holes before it leave it unresolved.
pub(crate) fn s3_dataset(v: &Value) -> Result<Dataset, Unresolved> {
    let p = v.to_pstr();
    let text = p.render();
    let norm = normalise_scheme(&text);
    let Some(rest) = norm.strip_prefix("s3://") else {
        return Err(unresolved_s3(&p, &norm, "not an s3:// URL"));
    };
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() || bucket.contains(HOLE) {
        return Err(unresolved_s3(&p, &norm, "bucket could not be resolved"));
    }
    let segs: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
    let is_object = !key.ends_with('/')
        && segs.last().is_some_and(|l| looks_like_file(l))
        && !segs.iter().any(|s| s.contains(['*', '?', '[', '{']));
    if is_object && !key.contains(HOLE) {
        return Dataset::s3_object(bucket, key)
            .map_err(|e| Unresolved::new(p.describe(), e.to_string()));
    }
    // a hole inside a segment: the segment is a partition only if its known text says so
    let mut kept = Vec::new();
    for seg in &segs {
        let known_part = seg.split(HOLE).next().unwrap_or("");
        if is_partition_segment(seg.trim_matches(HOLE))
            && !seg.starts_with(HOLE)
            && (known_part.contains('=') || !seg.contains(HOLE))
        {
            break;
        }
        if known_part.contains('=') {
            break;
        }
        kept.push(*seg);
    }
    let root = kept.join("/");
    if root.contains(HOLE) {
        return Err(unresolved_s3(&p, &norm, "path could not be resolved"));
    }
    s3_prefix(bucket, &root).map_err(|e| Unresolved::new(p.describe(), e.to_string()))
}

/// An S3 prefix cut at its table root; a prefix that is the whole bucket (`s3://bucket/`, or a
/// bucket whose first key segment is already a partition) is the bucket-root dataset, whose
/// name is empty.
pub(crate) fn s3_prefix(bucket: &str, key: &str) -> Result<Dataset, lineage_domain::DomainError> {
    let root = table_root(key);
    if root.trim_matches('/').is_empty() {
        return bucket_root(bucket);
    }
    Dataset::s3_prefix(bucket, &root)
}

/// The dataset of a whole bucket: namespace `s3://{bucket}`, empty name. The domain's
/// constructors refuse an empty name, so it is built here from a checked namespace.
pub(crate) fn bucket_root(bucket: &str) -> Result<Dataset, lineage_domain::DomainError> {
    let probe = Dataset::new(format!("s3://{}", bucket.trim()), "-")?;
    Ok(Dataset {
        namespace: probe.namespace,
        name: String::new(),
    })
}

/// Why an S3 dataset is not data but the job's own code, logs or scratch space (see
/// [`scratch_url`]).
pub(crate) fn scratch_location(ctx: &RunContext, d: &Dataset) -> Option<&'static str> {
    let bucket = d.namespace.strip_prefix("s3://")?;
    scratch_url(ctx, &format!("s3://{bucket}/{}", d.name))
}

/// Why an S3 URL (or the known start of one) is not data but the job's own: its script
/// (`Command.ScriptLocation`), its temporary directory (`--TempDir`, unless it is a whole
/// bucket), its Spark UI event logs, the extra Python modules, jars and files it loads, or
/// Glue's assets bucket.
pub(crate) fn scratch_url(ctx: &RunContext, url: &str) -> Option<&'static str> {
    let norm = normalise_scheme(url.trim());
    let here = norm.strip_prefix("s3://")?.trim_end_matches('/');
    if here.starts_with("aws-glue-assets-") {
        return Some("Glue's assets bucket");
    }
    let under = |url: &str| -> bool {
        let norm = normalise_scheme(url.trim());
        let Some(loc) = norm.strip_prefix("s3://") else {
            return false;
        };
        let loc = loc.trim_end_matches('/');
        // a whole bucket is too wide to be sure of
        if loc.is_empty() || !loc.contains('/') {
            return false;
        }
        here == loc || here.starts_with(&format!("{loc}/"))
    };
    if under(&ctx.job.command.script_location) {
        return Some("the job's script");
    }
    let args = ctx.effective_arguments();
    for (key, why) in [
        ("--TempDir", "the job's temporary directory"),
        ("--spark-event-logs-path", "the Spark UI event logs"),
        ("--extra-py-files", "the job's extra Python files"),
        ("--extra-jars", "the job's extra jars"),
        ("--extra-files", "the job's extra files"),
    ] {
        if let Some(v) = args.get(key) {
            if v.split(',').any(under) {
                return Some(why);
            }
        }
    }
    None
}

fn unresolved_s3(p: &PStr, norm: &str, msg: &str) -> Unresolved {
    if norm.starts_with("s3://") || norm.starts_with(HOLE) {
        Unresolved::s3(p, norm, msg)
    } else {
        Unresolved::new(p.describe(), msg)
    }
}

fn looks_like_file(seg: &str) -> bool {
    match seg.rsplit_once('.') {
        Some((stem, ext)) => {
            !stem.is_empty()
                && (1..=8).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
                && ext.chars().any(|c| c.is_ascii_alphabetic())
        }
        None => false,
    }
}

pub(crate) fn normalise_scheme(url: &str) -> String {
    for scheme in ["s3a://", "s3n://", "S3://"] {
        if let Some(rest) = url.strip_prefix(scheme) {
            return format!("s3://{rest}");
        }
    }
    url.to_string()
}

/// Whether a value is an S3 URL (possibly partial).
pub(crate) fn is_s3(v: &Value) -> bool {
    let t = v.to_pstr().render();
    t.starts_with("s3://") || t.starts_with("s3a://") || t.starts_with("s3n://")
}

/// A Glue catalog table from database and table values.
pub(crate) fn glue_table(
    env: &Env,
    database: &Value,
    table: &Value,
    catalog_id: Option<&Value>,
) -> Result<Dataset, Unresolved> {
    let db = database.as_known_str();
    let tbl = table.as_known_str();
    let (Some(db), Some(tbl)) = (db, tbl) else {
        let mut u = Unresolved::new(
            format!(
                "{}.{}",
                database.to_pstr().describe(),
                table.to_pstr().describe()
            ),
            "catalog database or table could not be resolved",
        );
        u.reopen = Some(Box::new(crate::emit::Reopen::GlueTable {
            database: database.to_pstr(),
            table: table.to_pstr(),
            catalog_id: catalog_id.and_then(Value::as_known_str),
        }));
        return Err(u);
    };
    let account = match catalog_id {
        Some(Value::None) | None => env.account().to_string(),
        Some(v) => v.as_known_str().ok_or_else(|| {
            Unresolved::new(v.to_pstr().describe(), "catalog_id could not be resolved")
        })?,
    };
    Dataset::glue_table(env.region(), &account, db.trim(), tbl.trim())
        .map_err(|e| Unresolved::new(format!("{db}.{tbl}"), e.to_string()))
}

/// Iceberg's metadata tables, read as `db.tbl.<name>`: the same dataset as `db.tbl`.
const ICEBERG_METADATA_TABLES: &[&str] = &[
    "history",
    "metadata_log_entries",
    "snapshots",
    "entries",
    "files",
    "data_files",
    "delete_files",
    "position_deletes",
    "manifests",
    "partitions",
    "refs",
    "all_data_files",
    "all_delete_files",
    "all_entries",
    "all_files",
    "all_manifests",
];

/// Catalog names that lead a three-part name (`glue_catalog.db.tbl`) rather than a table.
const SPARK_CATALOGS: &[&str] = &[
    "glue_catalog",
    "spark_catalog",
    "awsdatacatalog",
    "hive_metastore",
    "iceberg",
    "iceberg_catalog",
    "hive",
];

/// A catalog table from a qualified SQL/Spark name (`db.tbl`, `glue_catalog.db.tbl`,
/// `spark_catalog.db.tbl`, `` `db`.`tbl` ``); unqualified names use `default_db`.
pub(crate) fn qualified_table(
    env: &Env,
    name: &str,
    default_db: Option<&str>,
) -> Result<Dataset, Unresolved> {
    let clean = name.replace(['`', '"'], "");
    let mut parts: Vec<&str> = clean.split('.').map(str::trim).collect();
    // an Iceberg metadata table (`db.tbl.snapshots`) is the table itself
    if let [first, .., last] = parts.as_slice() {
        let qualified_meta = parts.len() == 4
            || (parts.len() == 3 && !SPARK_CATALOGS.contains(&first.to_ascii_lowercase().as_str()));
        if qualified_meta && ICEBERG_METADATA_TABLES.contains(&last.to_ascii_lowercase().as_str()) {
            parts.pop();
        }
    }
    let (db, tbl) = match parts.as_slice() {
        [t] => match default_db {
            Some(d) => (d.to_string(), t.to_string()),
            None => ("default".to_string(), t.to_string()),
        },
        [d, t] => (d.to_string(), t.to_string()),
        [_catalog, d, t] => (d.to_string(), t.to_string()),
        _ => return Err(Unresolved::new(name, "table name has too many parts")),
    };
    if db.contains(HOLE) || tbl.contains(HOLE) || db.is_empty() || tbl.is_empty() {
        return Err(Unresolved::new(name, "table name could not be resolved"));
    }
    Dataset::glue_table(env.region(), env.account(), &db, &tbl)
        .map_err(|e| Unresolved::new(name, e.to_string()))
}

/// The region of an AWS service endpoint (`https://kinesis.eu-west-1.amazonaws.com`).
pub(crate) fn region_of_endpoint(url: &str) -> Option<String> {
    let host = url.split("://").last()?.split(['/', ':']).next()?;
    let labels: Vec<&str> = host.split('.').collect();
    let at = labels.iter().position(|l| *l == "amazonaws")?;
    labels[..at]
        .iter()
        .rev()
        .find(|l| l.split('-').count() >= 3 && l.chars().last().is_some_and(|c| c.is_ascii_digit()))
        .map(|l| l.to_string())
}

/// A Kinesis stream from a name or a stream ARN.
pub(crate) fn kinesis(region: &str, stream: &str) -> Result<Dataset, Unresolved> {
    if let Some(rest) = stream.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        // aws:kinesis:region:account:stream/name
        if parts.len() >= 5 {
            let name = parts[4..].join(":");
            let name = name.strip_prefix("stream/").unwrap_or(&name).to_string();
            return Dataset::kinesis_stream(parts[2], &name)
                .map_err(|e| Unresolved::new(stream, e.to_string()));
        }
    }
    Dataset::kinesis_stream(region, stream).map_err(|e| Unresolved::new(stream, e.to_string()))
}

/// A DynamoDB table from a name or a table ARN.
pub(crate) fn dynamodb(region: &str, account: &str, table: &str) -> Result<Dataset, Unresolved> {
    if let Some(rest) = table.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        if parts.len() >= 5 {
            let name = parts[4..].join(":");
            let name = name.strip_prefix("table/").unwrap_or(&name);
            let name = name.split('/').next().unwrap_or(name);
            return Dataset::dynamodb_table(parts[2], parts[3], name)
                .map_err(|e| Unresolved::new(table, e.to_string()));
        }
    }
    Dataset::dynamodb_table(region, account, table)
        .map_err(|e| Unresolved::new(table, e.to_string()))
}

/// A Kafka topic on the first broker of a bootstrap list.
pub(crate) fn kafka(bootstrap: &str, topic: &str) -> Result<Dataset, Unresolved> {
    let first = bootstrap
        .split(',')
        .map(str::trim)
        .find(|b| !b.is_empty())
        .unwrap_or("");
    let first = first
        .trim_start_matches("SSL://")
        .trim_start_matches("PLAINTEXT://")
        .trim_start_matches("SASL_SSL://");
    if first.is_empty() || topic.is_empty() {
        return Err(Unresolved::new(
            format!("{bootstrap}/{topic}"),
            "Kafka brokers or topic could not be resolved",
        ));
    }
    Dataset::kafka_topic(first, topic).map_err(|e| Unresolved::new(topic, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iceberg_metadata_tables_are_the_table() {
        let ctx = crate::testutil::context(lineage_domain::ScriptLanguage::Python, "", &[]);
        let env = Env::new(&ctx);
        let t = |n: &str| qualified_table(&env, n, None).map(|d| d.name).ok();
        assert_eq!(
            t("glue_catalog.db.trades.delete_files").as_deref(),
            Some("table/db/trades")
        );
        assert_eq!(t("db.trades.snapshots").as_deref(), Some("table/db/trades"));
        assert_eq!(
            t("glue_catalog.db.history").as_deref(),
            Some("table/db/history")
        );
        assert_eq!(t("db.history").as_deref(), Some("table/db/history"));
    }

    #[test]
    fn endpoint_regions() {
        assert_eq!(
            region_of_endpoint("https://kinesis.eu-west-1.amazonaws.com").as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            region_of_endpoint("https://vpce-1.kinesis.us-east-2.vpce.amazonaws.com").as_deref(),
            Some("us-east-2")
        );
        assert_eq!(region_of_endpoint("http://localhost:4566"), None);
    }

    #[test]
    fn bucket_roots_have_an_empty_name() {
        for url in ["s3://b", "s3://b/", "s3a://b//", "s3://b/dt=2024-01-01/"] {
            let d = s3_dataset(&Value::str(url)).expect(url);
            assert_eq!(
                (d.namespace.as_str(), d.name.as_str()),
                ("s3://b", ""),
                "{url}"
            );
        }
    }

    #[test]
    fn scratch_locations_are_not_data() {
        let mut ctx = crate::testutil::context(
            lineage_domain::ScriptLanguage::Python,
            "",
            &[
                (
                    "spark-event-logs-path",
                    "s3://glue-assets/sparkHistoryLogs/",
                ),
                ("extra-py-files", "s3://libs/a.zip,s3://libs/b.zip"),
            ],
        );
        ctx.job.command.script_location = "s3://scripts/etl/job.py".into();
        let ds = |url: &str| s3_dataset(&Value::str(url)).expect(url);
        let scratch = |url: &str| scratch_location(&ctx, &ds(url)).is_some();
        assert!(scratch("s3://glue-assets/sparkHistoryLogs/app-1"));
        assert!(scratch("s3://scripts/etl/job.py"));
        assert!(scratch("s3://libs/b.zip"));
        assert!(!scratch("s3://glue-assets/sparkHistory/"));
        assert!(!scratch("s3://scripts/etl/other.py"));
        assert!(!scratch("s3://data/jobs/x/"));
    }

    #[test]
    fn s3_objects_and_roots() {
        let d = |s: &str| s3_dataset(&Value::str(s)).map(|d| d.to_string()).ok();
        assert_eq!(d("s3a://b/x/y.csv").as_deref(), Some("s3://b/x/y.csv"));
        assert_eq!(d("s3://b/raw/app=1/*.json").as_deref(), Some("s3://b/raw"));
        assert_eq!(d("s3://b/geo/*.json").as_deref(), Some("s3://b/geo"));
        let mut p = PStr::lit("s3://b/root/ingest_year=");
        p.push_str(&PStr::hole("now.year"));
        assert_eq!(
            s3_dataset(&Value::Str(p))
                .map(|d| d.to_string())
                .ok()
                .as_deref(),
            Some("s3://b/root")
        );
        let mut q = PStr::lit("s3://");
        q.push_str(&PStr::hole("bucket"));
        q.push_str(&PStr::lit("/x/"));
        let e = s3_dataset(&Value::Str(q)).expect_err("unresolved");
        assert!(e.s3_pattern.is_some());
    }
}
