//! Dataset names from resolved values: S3 URLs (object or table root), Glue catalog tables
//! (`db.table`, `glue_catalog.db.table`, cross-account `catalog_id`), JDBC URLs (PostgreSQL,
//! MySQL, SQL Server, Oracle, Redshift) with default schemas, Kafka, Kinesis and DynamoDB.

use crate::emit::{Env, Unresolved};
use crate::value::{PStr, Value, HOLE};
use lineage_domain::dataset::{is_partition_segment, table_root};
use lineage_domain::{Dataset, RunContext};

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

/// Why an S3 dataset is not data but the job's own code or logs: its script
/// (`Command.ScriptLocation`), its Spark UI event logs or the extra Python modules, jars and
/// files it loads. (The job's `--TempDir` is filtered where findings are merged, in `lib.rs`.)
pub(crate) fn scratch_location(ctx: &RunContext, d: &Dataset) -> Option<&'static str> {
    let bucket = d.namespace.strip_prefix("s3://")?;
    let here = format!("{bucket}/{}", d.name);
    let here = here.trim_end_matches('/');
    let under = |url: &str, whole_bucket: bool| -> bool {
        let norm = normalise_scheme(url.trim());
        let Some(loc) = norm.strip_prefix("s3://") else {
            return false;
        };
        let loc = loc.trim_end_matches('/');
        if loc.is_empty() || (!loc.contains('/') && !whole_bucket) {
            return false;
        }
        here == loc || here.starts_with(&format!("{loc}/"))
    };
    if under(&ctx.job.command.script_location, false) {
        return Some("the job's script");
    }
    let args = ctx.effective_arguments();
    for (key, why) in [
        ("--spark-event-logs-path", "the Spark UI event logs"),
        ("--extra-py-files", "the job's extra Python files"),
        ("--extra-jars", "the job's extra jars"),
        ("--extra-files", "the job's extra files"),
    ] {
        if let Some(v) = args.get(key) {
            if v.split(',').any(|u| under(u, false)) {
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

/// A parsed JDBC URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JdbcUrl {
    /// `postgres`, `mysql`, `sqlserver`, `oracle`, `redshift`.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub database: Option<String>,
}

impl JdbcUrl {
    pub(crate) fn parse(url: &str) -> Option<Self> {
        let rest = url.trim().strip_prefix("jdbc:").unwrap_or(url.trim());
        // the AWS JDBC wrapper (`jdbc:aws-wrapper:postgresql://`)
        let rest = rest.strip_prefix("aws-wrapper:").unwrap_or(rest);
        let (sub, after) = rest.split_once(':')?;
        let sub = sub.to_ascii_lowercase();
        // `jdbc:redshift:iam://`, `jdbc:mysql:aurora://`: a driver mode before the authority
        let after = ["iam:", "aurora:", "replication:", "loadbalance:"]
            .iter()
            .find_map(|m| after.strip_prefix(m))
            .unwrap_or(after);
        let (scheme, default_port) = match sub.as_str() {
            "postgresql" | "postgres" => ("postgres", 5432),
            "mysql" | "mariadb" | "aurora" => ("mysql", 3306),
            "sqlserver" => ("sqlserver", 1433),
            "oracle" => ("oracle", 1521),
            "redshift" => ("redshift", 5439),
            _ => return None,
        };
        let (hostport, database) = if scheme == "oracle" {
            // thin:@host:port/service, thin:@//host:port/service, thin:@host:port:sid
            let at = after.split_once('@').map(|(_, r)| r).unwrap_or(after);
            let at = at.trim_start_matches('/');
            match at.split_once('/') {
                Some((hp, svc)) => (hp.to_string(), Some(svc.to_string())),
                None => {
                    let parts: Vec<&str> = at.split(':').collect();
                    if parts.len() == 3 {
                        (
                            format!("{}:{}", parts[0], parts[1]),
                            Some(parts[2].to_string()),
                        )
                    } else {
                        (at.to_string(), None)
                    }
                }
            }
        } else {
            let after = after.trim_start_matches('/');
            if scheme == "sqlserver" {
                let mut parts = after.split(';');
                let hp = parts.next().unwrap_or("").to_string();
                let mut db = None;
                for p in parts {
                    if let Some((k, v)) = p.split_once('=') {
                        if k.trim().eq_ignore_ascii_case("databaseName")
                            || k.trim().eq_ignore_ascii_case("database")
                        {
                            db = Some(v.trim().to_string());
                        }
                    }
                }
                let (hp, inline_db) = match hp.split_once('/') {
                    Some((h, d)) => (h.to_string(), Some(d.to_string())),
                    None => (hp, None),
                };
                (hp, db.or(inline_db))
            } else {
                let no_query = after.split(['?', ';']).next().unwrap_or("");
                match no_query.split_once('/') {
                    Some((hp, db)) => (hp.to_string(), Some(db.to_string())),
                    None => (no_query.to_string(), None),
                }
            }
        };
        // credentials in the authority are never kept
        let hostport = hostport.rsplit('@').next().unwrap_or("").to_string();
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (hostport.clone(), default_port),
        };
        if host.is_empty() || host.contains(HOLE) {
            return None;
        }
        Some(Self {
            scheme: scheme.to_string(),
            host: host.to_ascii_lowercase(),
            port,
            database: database
                .filter(|d| !d.is_empty() && !d.contains(HOLE))
                .map(|d| d.to_ascii_lowercase()),
        })
    }

    /// A JDBC URL value whose unknown pieces are all in its properties (`?user=...&password=`,
    /// `;user=...`), which never name the database: parsed from its known part.
    pub(crate) fn parse_value(url: &Value) -> Option<Self> {
        if let Some(u) = url.as_known_str() {
            return Self::parse(&u);
        }
        let text = url.to_pstr().render();
        let hole = text.find(HOLE)?;
        let cut = text[..hole].rfind(['?', '&', ';'])?;
        Self::parse(&text[..cut])
    }

    /// The namespace: `{scheme}://{host}:{port}`; Redshift uses `{cluster-id}.{region}`.
    pub(crate) fn namespace(&self, fallback_region: &str) -> String {
        if self.scheme == "redshift" {
            let cluster = self.host.split('.').next().unwrap_or("");
            let region = self.region(fallback_region);
            return format!("redshift://{cluster}.{region}:{}", self.port);
        }
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }

    /// The AWS region of a Redshift endpoint (`c.x.{region}.redshift.amazonaws.com`), else the
    /// fallback.
    pub(crate) fn region<'a>(&'a self, fallback: &'a str) -> &'a str {
        let labels: Vec<&str> = self.host.split('.').collect();
        labels
            .iter()
            .position(|l| l.starts_with("redshift"))
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| labels.get(i))
            .filter(|r| r.contains('-'))
            .copied()
            .unwrap_or(fallback)
    }

    /// The dataset of a table (`dbtable`, possibly `schema.table` or `db.schema.table`).
    pub(crate) fn table(&self, table: &str, region: &str) -> Result<Dataset, Unresolved> {
        let t = table
            .trim()
            .replace(['"', '`', '[', ']'], "")
            .to_ascii_lowercase();
        let parts: Vec<&str> = t.split('.').collect();
        let db = self.database.clone();
        let name = match self.scheme.as_str() {
            "mysql" => match parts.as_slice() {
                [t] => db.map(|d| format!("{d}.{t}")),
                [d, t] => Some(format!("{d}.{t}")),
                _ => None,
            },
            _ => {
                let default_schema = match (self.scheme.as_str(), parts.as_slice()) {
                    ("redshift" | "postgres", [t]) if is_system_table(&self.scheme, t) => {
                        "pg_catalog"
                    }
                    ("sqlserver", _) => "dbo",
                    ("postgres" | "redshift", _) => "public",
                    _ => "",
                };
                match parts.as_slice() {
                    [t] if !default_schema.is_empty() => {
                        db.map(|d| format!("{d}.{default_schema}.{t}"))
                    }
                    [t] => db.map(|d| format!("{d}.{t}")),
                    [s, t] => db.map(|d| format!("{d}.{s}.{t}")),
                    [d, s, t] => Some(format!("{d}.{s}.{t}")),
                    _ => None,
                }
            }
        };
        let Some(name) = name else {
            return Err(Unresolved::new(
                table,
                "JDBC database or table could not be resolved",
            ));
        };
        Dataset::new(self.namespace(region), name)
            .map_err(|e| Unresolved::new(table, e.to_string()))
    }
}

/// Whether an unqualified table is one of the database's system tables, which live in
/// `pg_catalog` rather than the default schema (Redshift `stl_`/`stv_`/`svl_`/`svv_`/`svcs_`/
/// `sys_`/`pg_` tables and views, PostgreSQL `pg_` catalogs).
fn is_system_table(scheme: &str, table: &str) -> bool {
    let prefixes: &[&str] = match scheme {
        "redshift" => &[
            "stl_", "stv_", "svl_", "svv_", "svcs_", "stcs_", "sys_", "pg_",
        ],
        _ => &["pg_"],
    };
    prefixes.iter().any(|p| table.starts_with(p))
}

/// A Snowflake database and schema on an account: `snowflake://{account}` (the account
/// identifier of `sfUrl`, without `.snowflakecomputing.com`), tables `{db}.{schema}.{table}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snowflake {
    pub account: String,
    pub database: Option<String>,
    /// The session schema (`sfSchema`); Snowflake's default is `public`.
    pub schema: String,
}

impl Snowflake {
    /// From an `sfUrl` (`acct.region.snowflakecomputing.com`, with or without `https://`).
    pub(crate) fn new(sf_url: &str, database: Option<&str>, schema: Option<&str>) -> Option<Self> {
        let host = sf_url
            .trim()
            .trim_start_matches("jdbc:snowflake://")
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        let host = host.split(['/', '?', ':']).next().unwrap_or("");
        let account = host
            .to_ascii_lowercase()
            .trim_end_matches(".snowflakecomputing.com")
            .trim_end_matches(".privatelink")
            .to_string();
        if account.is_empty() || account.contains(HOLE) {
            return None;
        }
        let clean = |s: &str| s.trim().trim_matches('"').to_ascii_lowercase();
        Some(Self {
            account,
            database: database.map(clean).filter(|d| !d.is_empty()),
            schema: schema
                .map(clean)
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "public".to_string()),
        })
    }

    /// The dataset of a table name (`t`, `schema.t` or `db.schema.t`).
    pub(crate) fn table(&self, table: &str) -> Result<Dataset, Unresolved> {
        let t = table.trim().replace('"', "").to_ascii_lowercase();
        let parts: Vec<&str> = t.split('.').collect();
        let name = match (parts.as_slice(), &self.database) {
            ([t], Some(d)) => format!("{d}.{}.{t}", self.schema),
            ([s, t], Some(d)) => format!("{d}.{s}.{t}"),
            ([d, s, t], _) => format!("{d}.{s}.{t}"),
            _ => {
                return Err(Unresolved::new(
                    table,
                    "Snowflake database or table could not be resolved",
                ))
            }
        };
        Dataset::new(format!("snowflake://{}", self.account), name)
            .map_err(|e| Unresolved::new(table, e.to_string()))
    }
}

/// How the table names of a SQL text become datasets.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SqlNames<'a> {
    /// Glue Data Catalog tables (Spark SQL, Athena); unqualified names in this database
    /// (else `default`).
    Catalog(Option<&'a str>),
    /// Tables of the database a JDBC URL names.
    Jdbc(&'a JdbcUrl),
    /// Tables of a Snowflake database.
    Snowflake(&'a Snowflake),
    /// Tables of a database that could not be told (described): every table is unresolved.
    Unknown(&'a str),
}

impl SqlNames<'_> {
    /// The region the database is in (a Redshift endpoint's), else the run's.
    pub(crate) fn region<'b>(&'b self, env: &'b Env) -> &'b str {
        match self {
            SqlNames::Jdbc(url) => url.region(env.region()),
            _ => env.region(),
        }
    }

    /// The dataset of a table name as the SQL module reports it.
    pub(crate) fn dataset(&self, env: &Env, name: &str) -> Result<Dataset, Unresolved> {
        match self {
            SqlNames::Catalog(db) => qualified_table(env, name, *db),
            SqlNames::Jdbc(url) => url.table(name, env.region()),
            SqlNames::Snowflake(sf) => sf.table(name),
            SqlNames::Unknown(what) => Err(Unresolved::new(
                format!("{what}: {name}"),
                "the database the SQL runs on could not be resolved",
            )),
        }
    }
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
    fn jdbc_urls() {
        let u = JdbcUrl::parse("jdbc:sqlserver://h.x:1433;databaseName=ERP;databaseName=Sales")
            .expect("url");
        assert_eq!(u.database.as_deref(), Some("sales"));
        assert_eq!(
            u.table("Invoices", "r").map(|d| d.name).ok().as_deref(),
            Some("sales.dbo.invoices")
        );
        let r = JdbcUrl::parse("jdbc:redshift://c1.abc.eu-west-1.redshift.amazonaws.com:5439/dw")
            .expect("url");
        assert_eq!(r.namespace("x"), "redshift://c1.eu-west-1:5439");
        let m = JdbcUrl::parse("jdbc:mysql://u:p@h:3307/app?x=1").expect("url");
        assert_eq!(m.host, "h");
        assert_eq!(
            m.table("t", "r").map(|d| d.name).ok().as_deref(),
            Some("app.t")
        );
        let mut partly =
            PStr::lit("jdbc:redshift://c9.x.us-east-1.redshift.amazonaws.com:5439/dw?user=");
        partly.push_str(&PStr::hole("user"));
        let p = JdbcUrl::parse_value(&Value::Str(partly)).expect("url");
        assert_eq!(p.database.as_deref(), Some("dw"));
        let mut no_db = PStr::lit("jdbc:postgresql://h:5432/");
        no_db.push_str(&PStr::hole("db"));
        assert!(JdbcUrl::parse_value(&Value::Str(no_db)).is_none());
        let o = JdbcUrl::parse("jdbc:oracle:thin:@//ora.h:1521/ORCL").expect("url");
        assert_eq!(o.namespace("r"), "oracle://ora.h:1521");
        let iam = JdbcUrl::parse(
            "jdbc:redshift:iam://wg1.123456789012.eu-west-1.redshift-serverless.amazonaws.com:5439/dev",
        )
        .expect("url");
        assert_eq!(iam.namespace("r"), "redshift://wg1.eu-west-1:5439");
        assert_eq!(iam.database.as_deref(), Some("dev"));
        let w = JdbcUrl::parse("jdbc:aws-wrapper:postgresql://db.h:5432/app").expect("url");
        assert_eq!((w.scheme.as_str(), w.host.as_str()), ("postgres", "db.h"));
        let a = JdbcUrl::parse("jdbc:mysql:aurora://cl.h:3306/shop").expect("url");
        assert_eq!(a.database.as_deref(), Some("shop"));
    }

    #[test]
    fn system_tables_and_snowflake() {
        let r = JdbcUrl::parse("jdbc:redshift://a1.xyz.us-east-1.redshift.amazonaws.com:5439/dw")
            .expect("url");
        let name = |t: &str| r.table(t, "r").map(|d| d.name).ok();
        assert_eq!(
            name("stl_query").as_deref(),
            Some("dw.pg_catalog.stl_query")
        );
        assert_eq!(
            name("SVV_TABLE_INFO").as_deref(),
            Some("dw.pg_catalog.svv_table_info")
        );
        assert_eq!(
            name("stl_query_log").as_deref(),
            Some("dw.pg_catalog.stl_query_log")
        );
        assert_eq!(name("style").as_deref(), Some("dw.public.style"));
        assert_eq!(name("admin.stl_x").as_deref(), Some("dw.admin.stl_x"));
        let sf = Snowflake::new(
            "https://XY12345.us-east-1.snowflakecomputing.com",
            Some("SALES"),
            None,
        )
        .expect("account");
        let d = sf.table("ORDERS").expect("table");
        assert_eq!(
            (d.namespace.as_str(), d.name.as_str()),
            ("snowflake://xy12345.us-east-1", "sales.public.orders")
        );
        assert_eq!(
            sf.table("raw.orders").map(|d| d.name).ok().as_deref(),
            Some("sales.raw.orders")
        );
        assert!(Snowflake::new("", None, None).is_none());
    }

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
