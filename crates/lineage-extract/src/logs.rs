//! Log evidence: I/O messages Glue, Spark and applications really print (`getCatalogSource`/
//! `getCatalogSink` ... `nameSpace: db, tableName: t`, `getSinkWithFormat`/`getSource...`
//! `path: s3://...`, `InsertIntoHadoopFsRelationCommand s3://...`, application prints such as
//! "Reading from s3://...", "Writing ... to s3://...", "Copying s3://a -> s3://b"), only for
//! events inside the run window — and the values the script's own prints and log calls show
//! ([`bind`]: a template such as `"Processing location: " + s3_url` matched against the run's
//! lines tells what `s3_url` was). Log lines are untrusted data: they add evidence to what the
//! script does or fill what it left open, in the shape the script gives; they never add
//! instructions.

use crate::emit::{Bindings, Bound};
use crate::naming;
use crate::value::{PStr, Seg};
use lineage_domain::{Dataset, Direction, LogEvent, RunContext};
use regex::{Regex, RegexSet};
use std::sync::LazyLock;

/// Most values one unknown can take from the logs (a loop over partitions, tables, files).
const MAX_BOUND_VALUES: usize = 200;
/// Most lines printed whole that are looked for in the logs.
const MAX_KNOWN_PRINTS: usize = 500;
/// Longest value a log line can give an unknown.
const MAX_BOUND_LEN: usize = 1024;
/// Unknowns that name no expression of the script (made up by the interpreter): never bound.
const SYNTHETIC: &[&str] = &[
    "callback argument",
    "arg",
    "function",
    "lambda",
    "recursion",
    "path /",
    "%-format",
    "<object>",
];

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
/// EMRFS / S3 file system "Opening 's3://...' for reading" lines.
pub(crate) const LOG_FS_OPEN: &str = "log.fs.open";
/// EMRFS multipart uploads of written files ("MultipartUploadOutputStream: close ... s3://").
pub(crate) const LOG_FS_UPLOAD: &str = "log.fs.upload";

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
static FS_OPEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bOpening '(s3[an]?://[^'\s]+)' for reading").unwrap());
#[allow(clippy::unwrap_used)]
static FS_UPLOAD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"MultipartUploadOutputStream\b.*?\b(s3[an]?://[^\s,'\x22]+)").unwrap()
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
    if let Some(c) = FS_OPEN.captures(msg) {
        out.push(m(
            Direction::Input,
            Mention::S3(c[1].to_string()),
            LOG_FS_OPEN,
        ));
        return;
    }
    if let Some(c) = FS_UPLOAD.captures(msg) {
        out.push(m(
            Direction::Output,
            Mention::S3(c[1].to_string()),
            LOG_FS_UPLOAD,
        ));
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

/// A template as a regex over one log line: literal text as written, each unknown a capture
/// (a leading one a single token, so a logger's prefix is not taken for it); the holes'
/// expressions in capture order, and the longest literal piece (the cheap pre-filter).
fn template_regex(t: &PStr) -> Option<(Regex, Vec<String>, String)> {
    let mut re = String::new();
    let mut holes = Vec::new();
    let mut longest = String::new();
    let last = t.segs.len().saturating_sub(1);
    for (i, seg) in t.segs.iter().enumerate() {
        match seg {
            Seg::Lit(text) => {
                let text = if i == last {
                    text.trim_end()
                } else {
                    text.as_str()
                };
                if text.trim().len() > longest.trim().len() {
                    longest = text.trim().to_string();
                }
                re.push_str(&regex::escape(text));
            }
            Seg::Hole(desc) => {
                if SYNTHETIC.contains(&desc.as_str()) {
                    return None;
                }
                re.push_str(if i == 0 { r"(\S+?)" } else { "(.+?)" });
                holes.push(desc.clone());
            }
        }
    }
    if holes.is_empty() || longest.len() < 3 {
        return None;
    }
    re.push_str(r"\s*$");
    Regex::new(&re).ok().map(|r| (r, holes, longest))
}

/// What the run's log lines (inside its window) show of what the script prints: the values
/// of the unknowns of its print and log templates (each line a template matches gives each
/// of its unknowns a value), and which printed lines were heard at all (by their text with
/// `{}` for unknowns). Nothing is heard when the run has no log lines.
pub(crate) fn listen(
    ctx: &RunContext,
    templates: &[PStr],
    printed: &[String],
    tolerance_seconds: u64,
) -> (Bindings, std::collections::HashSet<String>) {
    let mut heard = std::collections::HashSet::new();
    let window = ctx.run.window(tolerance_seconds);
    let lines: Vec<&str> = ctx
        .logs
        .iter()
        .filter(|e| window.contains_millis(e.timestamp))
        .flat_map(|e| e.message.lines())
        .collect();
    // the lines printed whole (no unknowns)
    let mut known: Vec<&String> = printed
        .iter()
        .filter(|p| !p.contains('{') || templates.iter().all(|t| &t.describe() != *p))
        .collect();
    known.sort();
    known.dedup();
    known.truncate(MAX_KNOWN_PRINTS);
    if let Ok(set) = RegexSet::new(known.iter().map(|p| regex::escape(p.trim()))) {
        for line in &lines {
            for i in set.matches(line) {
                heard.insert(known[i].clone());
            }
        }
    }
    let bindings = bind(ctx, templates, tolerance_seconds, &mut heard);
    (bindings, heard)
}

/// The values of the template unknowns the run's lines show (see [`listen`]); each template
/// a line matches is heard.
fn bind(
    ctx: &RunContext,
    templates: &[PStr],
    tolerance_seconds: u64,
    heard: &mut std::collections::HashSet<String>,
) -> Bindings {
    let mut out = Bindings::new();
    let compiled: Vec<(Regex, Vec<String>, String)> =
        templates.iter().filter_map(template_regex).collect();
    let described: Vec<String> = templates
        .iter()
        .filter(|t| template_regex(t).is_some())
        .map(PStr::describe)
        .collect();
    if compiled.is_empty() || ctx.logs.is_empty() {
        return out;
    }
    let prefilter = RegexSet::new(compiled.iter().map(|(_, _, lit)| regex::escape(lit))).ok();
    let window = ctx.run.window(tolerance_seconds);
    for e in ctx
        .logs
        .iter()
        .filter(|e| window.contains_millis(e.timestamp))
    {
        for line in e.message.lines() {
            let candidates: Vec<usize> = match &prefilter {
                Some(set) => set.matches(line).into_iter().collect(),
                None => (0..compiled.len()).collect(),
            };
            for i in candidates {
                let (re, holes, _) = &compiled[i];
                let Some(c) = re.captures(line) else {
                    continue;
                };
                if let Some(d) = described.get(i) {
                    heard.insert(d.clone());
                }
                let mut values: Vec<(&String, &str)> = Vec::new();
                for (k, desc) in holes.iter().enumerate() {
                    let v = c.get(k + 1).map_or("", |m| m.as_str().trim());
                    values.push((desc, v));
                }
                let consistent = values.iter().all(|(d, v)| {
                    !v.is_empty()
                        && v.len() <= MAX_BOUND_LEN
                        && values.iter().all(|(d2, v2)| d2 != d || v2 == v)
                });
                if !consistent {
                    continue;
                }
                for (desc, v) in values {
                    let bound = out.entry(desc.clone()).or_default();
                    if bound.len() < MAX_BOUND_VALUES && !bound.iter().any(|b| b.value == v) {
                        bound.push(Bound {
                            value: v.to_string(),
                            event_id: e.event_id.clone(),
                        });
                    }
                }
            }
        }
    }
    out
}

/// Whether an S3 URL printed in a log matches an unresolved pattern (holes match one or more
/// characters of a path segment; a hole the pattern starts with is a whole URL prefix, such
/// as a bucket and prefix read from a parameter store); the matched URL cut at the pattern's
/// end.
#[cfg(test)]
pub(crate) fn match_pattern(pattern: &str, url: &str) -> Option<String> {
    url_pattern(pattern).and_then(|r| match_url(&r, url))
}

/// The regex of an unresolved S3 pattern for [`match_pattern`], compiled once to be matched
/// against many URLs; `None` when the pattern cannot pick URLs out.
pub(crate) fn url_pattern(pattern: &str) -> Option<Regex> {
    if let Some(rest) = pattern.strip_prefix(crate::value::HOLE) {
        // an unknown prefix: what follows it must say enough to pick URLs out
        let known = rest.split(crate::value::HOLE).next().unwrap_or("");
        if known.chars().filter(char::is_ascii_alphanumeric).count() < 3 {
            return None;
        }
    }
    let mut re = String::from("^");
    for (i, part) in pattern.split(crate::value::HOLE).enumerate() {
        if i == 1 && pattern.starts_with(crate::value::HOLE) {
            re.push_str(r"s3://[^\s]+?");
        } else if i > 0 {
            re.push_str(r"[^/\s]+");
        }
        re.push_str(&regex::escape(part));
    }
    Regex::new(&re).ok()
}

/// The part of `url` (its scheme normalised) a [`url_pattern`] matches.
pub(crate) fn match_url(pattern: &Regex, url: &str) -> Option<String> {
    let url = naming::normalise_scheme(url);
    pattern.find(&url).map(|m| m.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with_logs(lines: &[&str]) -> RunContext {
        let mut ctx = crate::testutil::context(lineage_domain::ScriptLanguage::Python, "", &[]);
        let start = ctx.run.started_on.timestamp_millis();
        ctx.logs = lines
            .iter()
            .enumerate()
            .map(|(i, m)| LogEvent {
                log_stream_name: "s".into(),
                timestamp: start + 1000,
                message: (*m).to_string(),
                event_id: format!("e{i}"),
            })
            .collect();
        ctx
    }

    fn template(parts: &[(bool, &str)]) -> PStr {
        PStr {
            segs: parts
                .iter()
                .map(|(lit, t)| {
                    if *lit {
                        Seg::Lit((*t).to_string())
                    } else {
                        Seg::Hole((*t).to_string())
                    }
                })
                .collect(),
            prov: Vec::new(),
        }
    }

    #[test]
    fn templates_bind_every_value_a_line_shows() {
        let ctx = ctx_with_logs(&[
            "Processing location: s3://raw/logs/dt=1/",
            "2024-05-14 04:00:08,005 INFO [main] app: Processing location: s3://raw/logs/dt=2/",
            "Processing location: s3://raw/logs/dt=1/",
            "unrelated line",
            "programs written to s3://lake/x/programs",
        ]);
        let t1 = template(&[(true, "Processing location: "), (false, "part['Location']")]);
        let t2 = template(&[(false, "table"), (true, " written to "), (false, "path")]);
        let (b, heard) = listen(
            &ctx,
            &[t1.clone(), t2],
            &[
                t1.describe(),
                "unrelated line".into(),
                "never printed".into(),
            ],
            300,
        );
        assert!(heard.contains("unrelated line") && heard.contains(&t1.describe()));
        assert!(!heard.contains("never printed"));
        let locs: Vec<&str> = b["part['Location']"]
            .iter()
            .map(|x| x.value.as_str())
            .collect();
        assert_eq!(locs, ["s3://raw/logs/dt=1/", "s3://raw/logs/dt=2/"]);
        assert_eq!(b["table"][0].value, "programs");
        assert_eq!(b["path"][0].value, "s3://lake/x/programs");
        assert_eq!(b["table"][0].event_id, "e4");
    }

    #[test]
    fn templates_without_text_or_with_made_up_unknowns_bind_nothing() {
        let ctx = ctx_with_logs(&["anything at all", "x: y"]);
        let bare = template(&[(false, "x")]);
        let short = template(&[(true, ": "), (false, "x")]);
        let made_up = template(&[(true, "value is "), (false, "callback argument")]);
        assert!(listen(&ctx, &[bare, short, made_up], &[], 300).0.is_empty());
    }

    #[test]
    fn patterns_match_segments() {
        let p = format!("s3://{}/exports/x/", crate::value::HOLE);
        assert_eq!(
            match_pattern(&p, "s3://bkt-1/exports/x/part-0").as_deref(),
            Some("s3://bkt-1/exports/x/")
        );
        assert!(match_pattern(&p, "s3://bkt-1/other/x/").is_none());
        let prefixed = format!("{}/stl_scan/", crate::value::HOLE);
        assert_eq!(
            match_pattern(&prefixed, "s3://audit/logs/stl_scan/clusterid=a/part-0").as_deref(),
            Some("s3://audit/logs/stl_scan/")
        );
        assert!(match_pattern(&prefixed, "s3://audit/logs/stl_query/").is_none());
    }
}
