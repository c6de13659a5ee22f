//! Log evidence: I/O messages Glue, Spark and applications really print (`getCatalogSource`/
//! `getCatalogSink` ... `nameSpace: db, tableName: t`, `getSinkWithFormat`/`getSource...`
//! `path: s3://...`, `InsertIntoHadoopFsRelationCommand s3://...`, application prints such as
//! "Reading from s3://...", "Writing ... to s3://...", "Copying s3://a -> s3://b"), only for
//! events inside the run window. Log lines are untrusted data: they add evidence to what the
//! script does or resolve what it left open; they never add instructions.

use crate::naming;
use lineage_domain::{Dataset, Direction, LogEvent, RunContext};
use regex::Regex;
use std::sync::LazyLock;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// Glue `getCatalogSource`/`getCatalogSink` lines.
pub(crate) const LOG_GLUE_CATALOG: &str = "log.glue.catalog";
/// Glue sink/source lines with a `path`.
pub(crate) const LOG_GLUE_PATH: &str = "log.glue.path";
/// Spark `InsertIntoHadoopFsRelationCommand` lines.
pub(crate) const LOG_SPARK_INSERT_INTO: &str = "log.spark.insert_into_hadoop_fs";
/// Application "copying a -> b" prints.
pub(crate) const LOG_APP_COPY: &str = "log.app.copy";
/// Application "writing ... s3://" prints.
pub(crate) const LOG_APP_WRITE: &str = "log.app.write";
/// Application "reading ... from s3://" prints.
pub(crate) const LOG_APP_READ: &str = "log.app.read";

/// A dataset mention in a log line.
#[derive(Debug, Clone)]
pub(crate) struct LogMention {
    pub direction: Direction,
    /// A catalog table (`db`, `table`, catalog id) or an S3 URL as printed.
    pub what: Mention,
    pub event_id: String,
    pub rule: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Mention {
    Table {
        database: String,
        table: String,
        catalog_id: Option<String>,
    },
    S3(String),
}

#[allow(clippy::unwrap_used)] // constant patterns
static CATALOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(getCatalogSource|getCatalogSink): catalogId: (\S+?), nameSpace: ([^,\s]+), tableName: ([^,\s]+)").unwrap()
});
#[allow(clippy::unwrap_used)]
static SINK_PATH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(getSinkWithFormat|getSink|getSourceWithFormat|getSource)\b.*?\bpath: (s3[an]?://[^\s,\]]+)").unwrap()
});
#[allow(clippy::unwrap_used)]
static INSERT_INTO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"InsertIntoHadoopFsRelationCommand (s3[an]?://[^\s,\]]+)").unwrap()
});
#[allow(clippy::unwrap_used)]
static COPY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bcop(?:y|ying|ied)\b.*?(s3[an]?://[^\s,'\x22]+)\s*(?:->|=>|\bto\b)\s*(s3[an]?://[^\s,'\x22]+)").unwrap()
});
#[allow(clippy::unwrap_used)]
static APP_WRITE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(writ(?:e|es|ing|ten)|wrote|sav(?:e|es|ing|ed)|export(?:s|ing|ed)?|upload(?:s|ing|ed)?)\b[^\n]*?(s3[an]?://[^\s,'\x22]+)").unwrap()
});
#[allow(clippy::unwrap_used)]
static APP_READ: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(read(?:s|ing)?|load(?:s|ing|ed)?|download(?:s|ing|ed)?)\b[^\n]*?\bfrom\s+(s3[an]?://[^\s,'\x22]+)").unwrap()
});

/// The dataset mentions of the run's log events inside its window.
pub(crate) fn mentions(ctx: &RunContext, tolerance_seconds: u64) -> Vec<LogMention> {
    let window = ctx.run.window(tolerance_seconds);
    let mut out = Vec::new();
    for e in ctx
        .logs
        .iter()
        .filter(|e| window.contains_millis(e.timestamp))
    {
        parse_event(e, &mut out);
    }
    out
}

fn parse_event(e: &LogEvent, out: &mut Vec<LogMention>) {
    let m = |direction, what, rule| LogMention {
        direction,
        what,
        event_id: e.event_id.clone(),
        rule,
    };
    let msg = e.message.as_str();
    if let Some(c) = CATALOG.captures(msg) {
        let dir = if &c[1] == "getCatalogSource" {
            Direction::Input
        } else {
            Direction::Output
        };
        let cat = c[2].to_string();
        out.push(m(
            dir,
            Mention::Table {
                database: c[3].to_string(),
                table: c[4].to_string(),
                catalog_id: (cat != "null" && !cat.is_empty()).then_some(cat),
            },
            LOG_GLUE_CATALOG,
        ));
        return;
    }
    if let Some(c) = SINK_PATH.captures(msg) {
        let dir = if c[1].starts_with("getSink") {
            Direction::Output
        } else {
            Direction::Input
        };
        out.push(m(dir, Mention::S3(c[2].to_string()), LOG_GLUE_PATH));
        return;
    }
    if let Some(c) = INSERT_INTO.captures(msg) {
        out.push(m(
            Direction::Output,
            Mention::S3(c[1].to_string()),
            LOG_SPARK_INSERT_INTO,
        ));
        return;
    }
    if let Some(c) = COPY.captures(msg) {
        out.push(m(
            Direction::Input,
            Mention::S3(c[1].to_string()),
            LOG_APP_COPY,
        ));
        out.push(m(
            Direction::Output,
            Mention::S3(c[2].to_string()),
            LOG_APP_COPY,
        ));
        return;
    }
    if let Some(c) = APP_WRITE.captures(msg) {
        out.push(m(
            Direction::Output,
            Mention::S3(c[2].to_string()),
            LOG_APP_WRITE,
        ));
        return;
    }
    if let Some(c) = APP_READ.captures(msg) {
        out.push(m(
            Direction::Input,
            Mention::S3(c[2].to_string()),
            LOG_APP_READ,
        ));
    }
}

/// The dataset a mention names.
pub(crate) fn dataset(ctx: &RunContext, m: &Mention) -> Option<Dataset> {
    match m {
        Mention::Table {
            database,
            table,
            catalog_id,
        } => {
            let account = catalog_id.as_deref().unwrap_or(ctx.account());
            let region = if ctx.region().is_empty() {
                "us-east-1"
            } else {
                ctx.region()
            };
            Dataset::glue_table(region, account, database, table).ok()
        }
        Mention::S3(url) => {
            naming::s3_dataset(&crate::value::Value::str(url.trim_end_matches(['.', ')']))).ok()
        }
    }
}

/// Whether an S3 URL printed in a log matches an unresolved pattern (holes match one or more
/// characters of a path segment); the matched URL cut at the pattern's end.
pub(crate) fn match_pattern(pattern: &str, url: &str) -> Option<String> {
    let url = naming::normalise_scheme(url);
    let mut re = String::from("^");
    for (i, part) in pattern.split(crate::value::HOLE).enumerate() {
        if i > 0 {
            re.push_str(r"[^/\s]+?");
        }
        re.push_str(&regex::escape(part));
    }
    let Ok(r) = Regex::new(&re) else {
        return None;
    };
    r.find(&url).map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_segments() {
        let p = format!("s3://{}/exports/x/", crate::value::HOLE);
        assert_eq!(
            match_pattern(&p, "s3://bkt-1/exports/x/part-0").as_deref(),
            Some("s3://bkt-1/exports/x/")
        );
        assert!(match_pattern(&p, "s3://bkt-1/other/x/").is_none());
    }
}
