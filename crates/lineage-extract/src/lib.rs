//! Static lineage extraction: from a run's redacted context alone (script, resolved arguments,
//! connections, extra S3 objects, logs), the datasets the run read and wrote, each with the
//! evidence that shows it, and diagnostics for what could not be settled. Pure: no I/O.
//!
//! The public API is [`extract`] (with [`ExtractSettings`], giving an [`Extraction`]) and the
//! SQL lineage of [`sql`]. Inside: the script is parsed once (tree-sitter Python or Scala) and
//! run by a small abstract interpreter (`python`, `scala`, sharing `interp`) whose API calls go
//! through `api` to the `rules`; SQL text goes through [`sql`]. Findings are then filtered
//! (temp views, failed runs: `failure`), completed and corroborated by `logs`, merged per
//! (dataset, direction) and sorted.

mod api;
mod builtins;
mod emit;
mod failure;
mod fields;
mod interp;
mod logs;
mod naming;
mod patterns;
mod python;
mod resolve;
mod rules;
mod scala;
pub mod sql;
mod studio;
mod value;

#[cfg(test)]
mod testutil;

/// The evidence of one source of a name (an argument, a connection, an extra object, a log
/// line that showed a value).
fn source_evidence(s: &Source, rule: &str) -> Evidence {
    let (kind, locator) = match s {
        Source::Arg(key) => (
            EvidenceKind::Argument,
            Locator::Argument { key: key.clone() },
        ),
        Source::Conn(name) => (
            EvidenceKind::Argument,
            Locator::Connection { name: name.clone() },
        ),
        Source::Extra(uri, line) => (
            EvidenceKind::Extra,
            Locator::Extra {
                uri: uri.clone(),
                line: *line,
            },
        ),
        Source::Log(event_id) => (
            EvidenceKind::Log,
            Locator::LogEvent {
                event_id: event_id.clone(),
            },
        ),
    };
    let rule = if matches!(s, Source::Log(_)) {
        resolve::LOG_TEMPLATE
    } else {
        rule
    };
    Evidence {
        kind,
        locator,
        rule: rule.to_string(),
        detail: String::new(),
    }
}

use emit::{Bindings, Env, Findings, Io, Target};
use lineage_domain::redact::REDACTED;
use lineage_domain::{
    Dataset, Diagnostic, DiagnosticKind, Direction, Evidence, EvidenceKind, LineageEdge, Locator,
    RedactedRunContext, RunContext, ScriptLanguage,
};
use std::collections::BTreeMap;
use value::{Source, Value};

/// Settings of extraction.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractSettings {
    /// Log evidence must fall inside the run window widened by this many seconds.
    pub time_tolerance_seconds: u64,
    /// Whether log lines may resolve targets the script left unresolved.
    pub resolve_from_logs: bool,
}

impl Default for ExtractSettings {
    fn default() -> Self {
        Self {
            time_tolerance_seconds: 300,
            resolve_from_logs: true,
        }
    }
}

/// What extraction found: edges (confidence not yet scored), diagnostics, and the S3 objects
/// the script reads at run time (JSON configs, SQL files) that gathering can fetch.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extraction {
    pub edges: Vec<LineageEdge>,
    pub diagnostics: Vec<Diagnostic>,
    /// `s3://bucket/key` of every object the script reads with a statically known name.
    pub objects_read: Vec<String>,
    /// Glue connections the script uses by name that the run context does not hold.
    pub connections_wanted: Vec<String>,
    /// The SQL the script runs (`spark.sql`, SQL files, queries sent to databases) whose text
    /// is wholly known, in the order run, each once: the OpenLineage `sql` job facet.
    pub sql: Vec<SqlQuery>,
    /// Written columns and the input columns each is computed from, each output column once
    /// (the OpenLineage `columnLineage` facet).
    pub columns: Vec<ColumnLineage>,
}

/// One written column of a dataset and the input columns it is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLineage {
    pub output: Dataset,
    /// `*` for every column (`INSERT INTO t SELECT * FROM s`).
    pub field: String,
    pub inputs: Vec<InputField>,
}

/// One input column of a written column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InputField {
    pub dataset: Dataset,
    pub field: String,
    pub transformation: sql::Transformation,
}

/// One SQL text a job runs, as extraction read it (after redaction), and its dialect's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlQuery {
    pub query: String,
    pub dialect: &'static str,
}

/// Why extraction failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// A bug in the extractor, caught: the run's other stages go on without static lineage.
    #[error("the static extractor failed on this script ({0}); please report it with the script")]
    Panicked(String),
}

/// The stack extraction runs on: parsers of hostile, deeply nested scripts and SQL recurse
/// (sqlparser allows 50 levels, each deep in debug builds), and a runtime worker's 2 MiB
/// would overflow before their own limits stop them.
const EXTRACTION_STACK_BYTES: usize = 64 * 1024 * 1024;

impl Extraction {
    /// The datasets of one direction.
    pub fn datasets(&self, direction: Direction) -> Vec<&Dataset> {
        self.edges
            .iter()
            .filter(|e| e.direction == direction)
            .map(|e| &e.dataset)
            .collect()
    }
}

/// The script's syntax tree, parsed once per extraction: its interpretations (a second one
/// when the logs tell values) share it.
enum ScriptTree {
    Python(python::Parsed),
    Scala(tree_sitter::Tree),
    /// SQL (sqlparser parses each statement as it runs), no script, or nothing the parser
    /// could make a tree of.
    None,
}

impl ScriptTree {
    fn parse(ctx: &RunContext) -> Self {
        let Some(script) = &ctx.script else {
            return Self::None;
        };
        match script.language {
            ScriptLanguage::Python => {
                python::parse_run(&script.text, ctx).map_or(Self::None, Self::Python)
            }
            ScriptLanguage::Scala => scala::parse(&script.text).map_or(Self::None, Self::Scala),
            ScriptLanguage::Sql => Self::None,
        }
    }
}

fn run_script(ctx: &RunContext, tree: &ScriptTree, env: &mut Env) {
    let Some(script) = &ctx.script else {
        return;
    };
    match (script.language, tree) {
        (ScriptLanguage::Python, ScriptTree::Python(parsed)) => {
            python::run(&script.text, parsed, env);
        }
        (ScriptLanguage::Scala, ScriptTree::Scala(tree)) => {
            scala::run(&script.text, tree, env);
        }
        (ScriptLanguage::Sql, _) => {
            env.site.line = 1;
            rules::spark_sql::run(env, &Value::str(script.text.clone()), None);
        }
        _ => {}
    }
}

/// Extracts lineage from a redacted run context, on a large stack of its own (on the calling
/// thread: a thread of its own would give the allocator another arena and raise peak memory by
/// a third), with a panic in the extractor turned into an error rather than a crash. Every
/// interpretation of a script goes through here.
pub fn extract(
    ctx: &RedactedRunContext,
    settings: &ExtractSettings,
) -> Result<Extraction, ExtractError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        stacker::grow(EXTRACTION_STACK_BYTES, || extract_here(ctx, settings))
    }))
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        ExtractError::Panicked(what)
    })
}

/// One run of the interpreter over the script (or the Studio DAG), with the values the logs
/// showed for its unknowns and the printed lines they showed.
fn interpret(
    ctx: &RunContext,
    tree: &ScriptTree,
    bindings: Bindings,
    heard: Option<std::collections::HashSet<String>>,
) -> (Findings, Bindings) {
    let mut env = Env::with_bindings(ctx, bindings);
    env.heard = heard;
    run_script(ctx, tree, &mut env);
    if ctx.script.is_none() {
        studio::run(ctx, &mut env);
    }
    rules::dynamodb::drop_state_tables(&mut env.found);
    (env.found, env.bindings)
}

fn extract_here(ctx: &RunContext, settings: &ExtractSettings) -> Extraction {
    let tree = ScriptTree::parse(ctx);
    let (mut found, mut bindings) = interpret(ctx, &tree, Bindings::new(), None);
    // the script's own prints and log calls, matched against the run's lines, tell the values
    // of its unknowns: run it again with them
    // (and which ways the run took: a way whose prints were not heard while the other's were
    // was not taken)
    if settings.resolve_from_logs && !found.printed.is_empty() && !ctx.logs.is_empty() {
        let (shown, heard) = logs::listen(
            ctx,
            &found.templates,
            &found.printed,
            settings.time_tolerance_seconds,
        );
        tracing::debug!(
            templates = found.templates.len(),
            heard = heard.len(),
            bound = ?shown.iter().map(|(k, v)| (k, v.iter().map(|b| &b.value).collect::<Vec<_>>())).collect::<Vec<_>>(),
            "log lines bound the script's unknowns"
        );
        if !shown.is_empty() || !heard.is_empty() {
            (found, bindings) = interpret(ctx, &tree, shown, Some(heard));
        }
    }
    let objects_read: Vec<String> = found.fetched.into_iter().collect();
    let sql = found.sql;
    let columns = merge_columns(found.columns);
    let connections_wanted: Vec<String> =
        found.connections_wanted.into_inner().into_iter().collect();
    let views = found.views;
    let mut ios: Vec<Io> = found
        .ios
        .into_iter()
        .filter(|io| match &io.sql_name {
            Some(n) => {
                let bare = n.strip_prefix("global_temp.").unwrap_or(n);
                !views.contains(n) && !views.contains(bare)
            }
            None => true,
        })
        .collect();
    let mut diagnostics = found.diagnostics;

    if failure::failed(ctx) {
        match failure::failing_line(ctx, settings.time_tolerance_seconds) {
            Some(line) => failure::cut(&mut ios, line),
            None => diagnostics.push(Diagnostic {
                kind: DiagnosticKind::Unresolved,
                locator: Locator::ScriptLine { line: 0 },
                expression: String::new(),
                message: "the run failed at an unknown point: outputs may not have been written"
                    .into(),
                direction: Some(Direction::Output),
            }),
        }
    }

    let mentions = logs::mentions(ctx, settings.time_tolerance_seconds);
    // what the I/O lines show for the unknowns of open S3 targets also names the other
    // targets those unknowns shape
    for (desc, values) in resolve::bindings_from_mentions(&ios, &mentions) {
        let bound = bindings.entry(desc).or_default();
        for v in values {
            if !bound.iter().any(|b| b.value == v.value) {
                bound.push(v);
            }
        }
    }
    let explained: std::collections::BTreeSet<(Direction, Dataset)> = ios
        .iter()
        .filter_map(|io| match &io.target {
            Target::Dataset(d) => Some((io.direction, d.clone())),
            Target::Unresolved { .. } => None,
        })
        .collect();
    let mut edges: BTreeMap<(Direction, Dataset), Vec<Evidence>> = BTreeMap::new();
    for io in &ios {
        let named: Vec<(Dataset, Vec<Evidence>)> = match &io.target {
            Target::Dataset(d) => vec![(d.clone(), Vec::new())],
            Target::Unresolved { expression, .. } => {
                if !settings.resolve_from_logs {
                    continue;
                }
                let named = resolve::from_logs(ctx, io, &mentions, &bindings, &explained);
                if !named.is_empty() {
                    // resolved: no longer an open question
                    let line = io.locator.clone();
                    diagnostics.retain(|d| {
                        !(d.kind == DiagnosticKind::Unresolved
                            && d.direction == Some(io.direction)
                            && &d.expression == expression
                            && d.locator == line)
                    });
                }
                named
            }
        };
        for (dataset, log_evidence) in named {
            let ev = edges.entry((io.direction, dataset)).or_default();
            ev.extend(log_evidence);
            ev.push(Evidence {
                kind: io.kind,
                locator: io.locator.clone(),
                rule: io.rule.to_string(),
                detail: io.detail.clone(),
            });
            for s in &io.sources {
                ev.push(source_evidence(s, io.rule));
            }
        }
    }
    // corroboration by logs
    for m in &mentions {
        let Some(d) = logs::dataset(ctx, &m.what) else {
            continue;
        };
        if let Some(ev) = edges.get_mut(&(m.direction, d)) {
            ev.push(Evidence {
                kind: EvidenceKind::Log,
                locator: Locator::LogEvent {
                    event_id: m.event_id.clone(),
                },
                rule: m.rule.to_string(),
                detail: String::new(),
            });
        }
    }
    studio::corroborate(ctx, &mut edges);

    let edges = edges
        .into_iter()
        .filter(|((direction, dataset), _)| {
            let shown = format!("{}|{}", dataset.namespace, dataset.name);
            let clean = !shown.contains(REDACTED);
            if !clean {
                diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::Unresolved,
                    locator: Locator::ScriptLine { line: 0 },
                    expression: shown,
                    message: "a dataset name contains a secret value; it is not reported".into(),
                    direction: Some(*direction),
                });
            }
            clean
        })
        .map(|((direction, dataset), ev)| {
            let mut e = LineageEdge::new(dataset, direction, Vec::new());
            e.merge_evidence(ev);
            e
        })
        .collect();
    diagnostics.sort();
    diagnostics.dedup();
    Extraction {
        edges,
        diagnostics,
        objects_read,
        connections_wanted,
        sql,
        columns,
    }
}

/// Each written column once, with every input column found for it (the strongest
/// transformation of each), in first-found order.
fn merge_columns(found: Vec<ColumnLineage>) -> Vec<ColumnLineage> {
    let mut out: Vec<ColumnLineage> = Vec::new();
    // where each written column is in `out` (a script may write thousands)
    let mut index: std::collections::HashMap<(Dataset, String), usize> =
        std::collections::HashMap::new();
    for c in found {
        let at = *index
            .entry((c.output.clone(), c.field.clone()))
            .or_insert_with(|| {
                out.push(ColumnLineage {
                    output: c.output.clone(),
                    field: c.field.clone(),
                    inputs: Vec::new(),
                });
                out.len() - 1
            });
        let inputs = &mut out[at].inputs;
        for i in c.inputs {
            match inputs
                .iter_mut()
                .find(|o| o.dataset == i.dataset && o.field == i.field)
            {
                Some(o) => o.transformation = o.transformation.max(i.transformation),
                None => inputs.push(i),
            }
        }
    }
    for c in &mut out {
        c.inputs.sort();
    }
    out
}
