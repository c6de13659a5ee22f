//! Spark SQL text (`spark.sql(...)`, SQL files fetched from S3, Athena queries) through the
//! SQL module: every table a statement reads is an input (`spark.sql.select`), every table it
//! writes an output (`spark.sql.insert` for INSERT INTO/OVERWRITE, `spark.sql.merge` for the
//! MERGE INTO target, `spark.sql.ctas` for CREATE TABLE AS). Temp views (CREATE TEMP VIEW,
//! `createOrReplaceTempView`) are resolved through to their base tables and never reported.
//! DROP, CALL, SET, USE and cache statements are not lineage.

use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::sql::{analyze, Dialect};
use crate::value::{Source, Value, HOLE};
use lineage_domain::{DiagnosticKind, Direction};

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

/// Analyses one SQL value and records its tables.
pub(crate) fn run(env: &mut Env, q: &Value, default_db: Option<&str>) {
    run_as(env, q, default_db, None);
}

/// Like [`run`], with the rule id of inputs given by the caller (Athena queries).
pub(crate) fn run_as(
    env: &mut Env,
    q: &Value,
    default_db: Option<&str>,
    input_rule: Option<&'static str>,
) {
    let p = q.to_pstr();
    let text = p.render().replace(HOLE, PLACEHOLDER);
    if text.trim().is_empty() {
        return;
    }
    let extra = p.prov.iter().find_map(|s| match s {
        Source::Extra(uri, _) => Some(uri.clone()),
        _ => None,
    });
    let extra_text = extra
        .as_ref()
        .and_then(|u| env.ctx.extra_object(u))
        .map(|o| o.text.clone());
    let lineage = analyze(&text, Dialect::SparkSql);
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
        let out_rule: &'static str = if upper.starts_with("MERGE") {
            MERGE
        } else if upper.starts_with("CREATE") {
            CTAS
        } else {
            INSERT
        };
        let saved = env.extra_uri.clone();
        if env.extra_uri.is_none() {
            env.extra_uri = extra.clone();
        }
        for (names, dir, rule) in [
            (&st.inputs, Direction::Input, input_rule.unwrap_or(SELECT)),
            (&st.outputs, Direction::Output, out_rule),
        ] {
            for n in names {
                if st.temp_view.as_deref() == Some(n.as_str()) {
                    continue;
                }
                let target = if n.contains(PLACEHOLDER) {
                    Err(Unresolved::new(
                        p.describe(),
                        "table name in SQL could not be resolved",
                    ))
                } else if let Some(i) = n.find("s3://").or_else(|| n.find("s3a://")) {
                    // file-based tables (`parquet.`s3://...``) are paths
                    let path = n[i..].trim_end_matches(['`', '"', '\'']);
                    naming::s3_dataset(&Value::str(path))
                } else {
                    naming::qualified_table(env, n, default_db)
                };
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
        env.extra_uri = saved;
    }
}
