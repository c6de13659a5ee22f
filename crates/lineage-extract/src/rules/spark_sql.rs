//! SQL text run by a job (`spark.sql(...)`, SQL files fetched from S3, Athena queries, SQL a
//! script sends to a database over JDBC or a driver) through the SQL module: every table a
//! statement reads is an input (`spark.sql.select`), every table it writes an output
//! (`spark.sql.insert` for INSERT INTO/OVERWRITE and other DML, `spark.sql.merge` for the
//! MERGE INTO target, `spark.sql.ctas` for CREATE TABLE AS); callers running SQL on a
//! database give their own rule ids and how names become datasets ([`SqlRun`]). S3 locations
//! (Redshift `COPY ... FROM 's3://...'`, `UNLOAD ... TO 's3://...'`, Spark `parquet.`s3://...``)
//! are S3 datasets, `COPY ... FROM 'dynamodb://table'` a DynamoDB table; other locations
//! (`emr://`, `ssh`) are left unresolved. Temp views (CREATE TEMP VIEW, `createOrReplaceTempView`) are resolved
//! through to their base tables and never reported. DROP, CALL, SET, USE and cache statements
//! are not lineage, nor are definitions that write no rows (`CREATE TABLE` without a query,
//! `ALTER TABLE`). Template placeholders the script left in the text (`${var}`, `{var}`) make
//! the names they are part of unresolved; driver parameters (`%s`, `%(name)s`) are values.

use crate::emit::{Env, Reopen, Unresolved};
use crate::naming::{self, SqlNames};
use crate::sql::{analyze, Dialect};
use crate::value::{PStr, Seg, Source, Value};
use lineage_domain::{DiagnosticKind, Direction};
use regex::Regex;
use std::sync::OnceLock;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// Tables a statement reads.
pub(crate) const SELECT: &str = "spark.sql.select";
/// INSERT INTO/OVERWRITE targets (and other writes).
pub(crate) const INSERT: &str = "spark.sql.insert";
/// The MERGE INTO target.
pub(crate) const MERGE: &str = "spark.sql.merge";
/// CREATE TABLE ... AS targets.
pub(crate) const CTAS: &str = "spark.sql.ctas";

const PLACEHOLDER: &str = "__unresolved__";

/// How to run a SQL text: its dialect, how its names become datasets, and the rule ids.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SqlRun<'a> {
    pub dialect: Dialect,
    pub names: SqlNames<'a>,
    /// The rule of inputs ([`SELECT`] for Spark SQL).
    pub input_rule: &'static str,
    /// The rule of outputs; `None`: by statement kind ([`INSERT`], [`MERGE`], [`CTAS`]).
    pub output_rule: Option<&'static str>,
}

impl<'a> SqlRun<'a> {
    /// Spark SQL on the Glue Data Catalog.
    pub(crate) fn spark(default_db: Option<&'a str>) -> Self {
        Self {
            dialect: Dialect::SparkSql,
            names: SqlNames::Catalog(default_db),
            input_rule: SELECT,
            output_rule: None,
        }
    }
}

/// Analyses one SQL value and records its tables.
pub(crate) fn run(env: &mut Env, q: &Value, default_db: Option<&str>) {
    run_with(env, q, &SqlRun::spark(default_db));
}

/// Like [`run`], with the rule id of inputs given by the caller (Athena queries).
pub(crate) fn run_as(
    env: &mut Env,
    q: &Value,
    default_db: Option<&str>,
    input_rule: Option<&'static str>,
) {
    let mut how = SqlRun::spark(default_db);
    if let Some(r) = input_rule {
        how.input_rule = r;
    }
    run_with(env, q, &how);
}

/// Placeholders the script left in SQL text become unresolved pieces: `${var}` and `{var}`
/// templates (never filled in), and driver parameters (`%s`, `%(name)s`) become a literal.
fn mark_placeholders(text: &str) -> String {
    static TEMPLATE: OnceLock<Regex> = OnceLock::new();
    static PARAM: OnceLock<Regex> = OnceLock::new();
    let template = TEMPLATE.get_or_init(|| {
        Regex::new(r"\$?\{[A-Za-z_][\w.:-]*\}|\$\{\d+\}").unwrap_or_else(|_| unreachable!())
    });
    let param = PARAM
        .get_or_init(|| Regex::new(r"%\([A-Za-z_]\w*\)s|%s").unwrap_or_else(|_| unreachable!()));
    let text = template.replace_all(text, PLACEHOLDER);
    param.replace_all(&text, "NULL").into_owned()
}

/// The SQL text with each unknown piece of the value marked `__unresolved_{i}__` (an
/// identifier the parser keeps), and the expressions of those pieces by `i`.
fn render_marked(p: &PStr) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut holes = Vec::new();
    for s in &p.segs {
        match s {
            Seg::Lit(t) => text.push_str(t),
            Seg::Hole(d) => {
                text.push_str(&format!("__unresolved_{}__", holes.len()));
                holes.push(d.clone());
            }
        }
    }
    (text, holes)
}

fn marker() -> &'static Regex {
    static MARKER: OnceLock<Regex> = OnceLock::new();
    MARKER.get_or_init(|| {
        Regex::new(r"__unresolved_(\d+)__|__unresolved__").unwrap_or_else(|_| unreachable!())
    })
}

/// A marked text as a partially known string again: each marker the unknown it stood for.
fn with_holes(text: &str, holes: &[String]) -> PStr {
    let mut p = PStr::default();
    let mut at = 0;
    for c in marker().captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        p.push_str(&PStr::lit(&text[at..m.start()]));
        let desc = c
            .get(1)
            .and_then(|i| i.as_str().parse::<usize>().ok())
            .and_then(|i| holes.get(i).cloned())
            .unwrap_or_else(|| "placeholder".to_string());
        p.push_str(&PStr::hole(desc));
        at = m.end();
    }
    p.push_str(&PStr::lit(&text[at..]));
    p
}

/// A table name with unknown pieces: unresolved, with how to name it once the run's log lines
/// tell the values of those pieces (catalog and JDBC names).
fn unresolved_name(env: &Env, how: &SqlRun, name: &str, holes: &[String]) -> Unresolved {
    let shown = with_holes(name, holes);
    let mut u = Unresolved::new(shown.describe(), "table name in SQL could not be resolved");
    let parts: Vec<&str> = name.split('.').collect();
    u.reopen = match how.names {
        SqlNames::Catalog(default_db) => {
            let (db, tbl) = match parts.as_slice() {
                [t] => (default_db.map(PStr::lit), with_holes(t, holes)),
                [d, t] | [_, d, t] => (Some(with_holes(d, holes)), with_holes(t, holes)),
                _ => (None, PStr::default()),
            };
            db.map(|database| {
                Box::new(Reopen::GlueTable {
                    database,
                    table: tbl,
                    catalog_id: None,
                })
            })
        }
        SqlNames::Jdbc(url) => Some(Box::new(Reopen::Jdbc {
            url: url.clone(),
            region: env.region().to_string(),
            table: shown,
        })),
        _ => None,
    };
    u
}

/// Analyses one SQL value as `how` says and records its tables.
pub(crate) fn run_with(env: &mut Env, q: &Value, how: &SqlRun) {
    let p = q.to_pstr();
    let (marked, holes) = render_marked(&p);
    let text = mark_placeholders(&marked);
    if text.trim().is_empty() {
        return;
    }
    if holes.is_empty() && text == marked {
        let query = crate::SqlQuery {
            query: text.trim().to_string(),
            dialect: how.dialect.name(),
        };
        if !env.found.sql.contains(&query) {
            env.found.sql.push(query);
        }
    }
    let extra = p.prov.iter().find_map(|s| match s {
        Source::Extra(uri, _) => Some(uri.clone()),
        _ => None,
    });
    let extra_text = extra
        .as_ref()
        .and_then(|u| env.ctx.extra_object(u))
        .map(|o| o.text.clone());
    let lineage = analyze(&text, how.dialect);
    for e in &lineage.errors {
        let msg = format!(
            "SQL statement at line {} did not parse: {}",
            e.line, e.message
        );
        let quoted = text
            .lines()
            .nth(e.line.saturating_sub(1) as usize)
            .unwrap_or("")
            .trim()
            .to_string();
        env.diagnostic(DiagnosticKind::ParseError, &quoted, msg);
    }
    let lines: Vec<&str> = text.lines().collect();
    for st in &lineage.statements {
        let first = lines
            .get(st.line.saturating_sub(1) as usize)
            .map(|l| l.trim())
            .unwrap_or("");
        let keyword = first
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if matches!(
            keyword.as_str(),
            "DROP"
                | "CALL"
                | "SET"
                | "USE"
                | "CACHE"
                | "UNCACHE"
                | "REFRESH"
                | "MSCK"
                | "ANALYZE"
                | "OPTIMIZE"
                | "VACUUM"
                | "DESCRIBE"
                | "SHOW"
        ) {
            continue;
        }
        let extra_line = match (&extra_text, first.is_empty()) {
            (Some(t), false) => t
                .lines()
                .position(|l| l.trim() == first)
                .map(|i| u32::try_from(i + 1).unwrap_or(1))
                .unwrap_or(st.line),
            _ => st.line,
        };
        if let Some(v) = &st.temp_view {
            env.found.views.insert(v.to_ascii_lowercase());
        }
        let upper = first.to_ascii_uppercase();
        let out_rule: &'static str = match how.output_rule {
            Some(r) => r,
            None if upper.starts_with("MERGE") => MERGE,
            None if upper.starts_with("CREATE") => CTAS,
            None => INSERT,
        };
        let no_rows: &[String] = &[];
        let saved = env.extra_uri.clone();
        if env.extra_uri.is_none() {
            env.extra_uri = extra.clone();
        }
        // a definition moves no rows: neither its table nor a `LIKE` source is data
        let (inputs, outputs) = if st.schema_only {
            (no_rows, no_rows)
        } else {
            (st.inputs.as_slice(), st.outputs.as_slice())
        };
        for (names, dir, rule) in [
            (inputs, Direction::Input, how.input_rule),
            (outputs, Direction::Output, out_rule),
        ] {
            for n in names {
                if st.temp_view.as_deref() == Some(n.as_str()) {
                    continue;
                }
                let target = table_dataset(env, how, n, &holes);
                env.io_at(
                    dir,
                    target,
                    rule,
                    &[q],
                    Some(n.to_ascii_lowercase()),
                    extra_line,
                );
            }
        }
        if !st.schema_only {
            record_columns(env, how, &st.columns, &holes);
        }
        env.extra_uri = saved;
    }
}

/// The dataset of a table name of the SQL: an S3 location, a DynamoDB table, or a table as
/// `how` names tables; a name with unknown pieces is unresolved.
fn table_dataset(
    env: &Env,
    how: &SqlRun,
    n: &str,
    holes: &[String],
) -> Result<lineage_domain::Dataset, Unresolved> {
    if let Some(i) = n.find("s3://").or_else(|| n.find("s3a://")) {
        // file-based tables (`parquet.`s3://...``) and COPY/UNLOAD locations
        let path = n[i..].trim_end_matches(['`', '"', '\'']);
        naming::s3_dataset(&Value::Str(with_holes(path, holes)))
    } else if let Some(t) = n.strip_prefix("dynamodb://") {
        // Redshift `COPY t FROM 'dynamodb://table'`
        naming::dynamodb(how.names.region(env), env.account(), t)
    } else if n.contains("://") {
        Err(Unresolved::new(n, "a location that is not S3"))
    } else if marker().is_match(n) {
        Err(unresolved_name(env, how, n, holes))
    } else {
        how.names.dataset(env, n)
    }
}

/// The statement's column lineage between datasets: columns of temporary views (the
/// script's DataFrames) and of names that stay unresolved are left out.
fn record_columns(
    env: &mut Env,
    how: &SqlRun,
    columns: &[crate::sql::ColumnLineage],
    holes: &[String],
) {
    let dataset = |env: &Env, table: &str| {
        let bare = table.strip_prefix("global_temp.").unwrap_or(table);
        if env.found.views.contains(table) || env.found.views.contains(bare) {
            return None;
        }
        table_dataset(env, how, table, holes).ok()
    };
    // a query's result columns (table "") are the DataFrame's, written nowhere yet
    for c in columns.iter().filter(|c| !c.table.is_empty()) {
        let Some(output) = dataset(env, &c.table) else {
            continue;
        };
        let inputs: Vec<crate::InputField> = c
            .sources
            .iter()
            .filter_map(|s| {
                Some(crate::InputField {
                    dataset: dataset(env, &s.table)?,
                    field: s.column.clone(),
                    transformation: s.transformation,
                })
            })
            .collect();
        if !inputs.is_empty() {
            env.found.columns.push(crate::ColumnLineage {
                output,
                field: c.column.clone(),
                inputs,
            });
        }
    }
}
