//! What the interpreter finds while it runs a script: I/O findings (a dataset read or written,
//! or an unresolved target with the expression and its shape for log matching), diagnostics,
//! temp-view names, the templates of the script's own prints and log calls, and the call site
//! being executed (line, top-level statement, quoted text). The environment also carries the
//! values the run's log lines showed for the script's unknowns ([`Bindings`]).

use crate::value::{PStr, Source, Value};
use lineage_domain::{
    Dataset, Diagnostic, DiagnosticKind, Direction, EvidenceKind, Locator, RunContext,
};
use std::collections::{BTreeSet, HashMap};

/// One value a log line showed for an unknown of the script, and the event that showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bound {
    pub value: String,
    pub event_id: String,
}

/// The values log lines showed for the script's unknowns, by the unknown's expression.
pub(crate) type Bindings = HashMap<String, Vec<Bound>>;

/// How to name an unresolved target once the log lines fill its holes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reopen {
    /// An S3 URL (an object, or a prefix cut at its table root).
    S3(PStr),
    /// A catalog table from its database and table names (and catalog id, when given).
    GlueTable {
        database: PStr,
        table: PStr,
        catalog_id: Option<String>,
    },
    /// A table of a JDBC database whose URL is known.
    Jdbc {
        url: crate::naming::JdbcUrl,
        region: String,
        table: PStr,
    },
}

/// Most templates one run records (a print in a long loop records one per distinct shape).
const MAX_TEMPLATES: usize = 500;

/// The call site being executed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Site {
    /// 1-based script line of the call.
    pub line: u32,
    /// Line range of the top-level statement executing it (for failed-run cut-offs).
    pub top: (u32, u32),
    /// The call's source text (not yet redacted).
    pub text: String,
}

/// The target of an I/O finding.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Target {
    Dataset(Dataset),
    /// A target whose name could not be resolved: the expression, and an S3 URL pattern
    /// (holes as [`crate::value::HOLE`]) when the shape is known.
    Unresolved {
        expression: String,
        s3_pattern: Option<String>,
        reopen: Option<Box<Reopen>>,
    },
}

/// One I/O finding.
#[derive(Debug, Clone)]
pub(crate) struct Io {
    pub direction: Direction,
    pub target: Target,
    pub rule: &'static str,
    pub kind: EvidenceKind,
    pub locator: Locator,
    /// Further locators (argument keys, connections) of the values that formed the name.
    pub sources: Vec<Source>,
    pub detail: String,
    pub seq: usize,
    pub top: (u32, u32),
    /// A table name that came from SQL (dropped when it turns out to be a temp view).
    pub sql_name: Option<String>,
}

/// How a run touched one item-addressed table (DynamoDB): kept so that the tables it only uses
/// for its own state can be told apart when the script has run
/// (`crate::rules::dynamodb::drop_state_tables`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemAccess {
    /// One item read by its key (`get_item`).
    KeyRead,
    /// One item written whole (`put_item`) or deleted (`delete_item`).
    ItemWrite,
    /// One item's attributes updated (`update_item`).
    ItemUpdate,
    /// Anything beyond single items: scans, queries, batches, connectors, exports.
    Bulk,
}

/// One access to an item-addressed table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ItemUse {
    pub table: Dataset,
    pub access: ItemAccess,
    /// The item's key is fixed for the run (literals and arguments, nothing from the data).
    pub fixed_key: bool,
}

/// The findings of one run of the interpreter.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub ios: Vec<Io>,
    pub diagnostics: Vec<Diagnostic>,
    pub views: BTreeSet<String>,
    /// S3 objects the script fetches with `get_object` (configs, SQL files).
    pub fetched: BTreeSet<String>,
    /// What the script prints or logs, as partially known strings: matched against the run's
    /// log lines, they tell the values of the script's unknowns.
    pub templates: Vec<PStr>,
    /// Every line the script printed or logged, in order (text with `{}` for unknowns).
    pub printed: Vec<String>,
    /// Glue connections the script uses by name that the run context does not hold (a
    /// connection the job does not attach but reads with `connectionName` or `GetConnection`).
    pub connections_wanted: std::cell::RefCell<BTreeSet<String>>,
    /// Accesses to item-addressed tables (DynamoDB), by table.
    pub item_uses: Vec<ItemUse>,
    /// The SQL texts the script runs whose text is wholly known, in the order run, each once.
    pub sql: Vec<crate::SqlQuery>,
    /// Written columns and the input columns each is computed from (SQL the script runs).
    pub columns: Vec<crate::ColumnLineage>,
    seq: usize,
}

/// The context the rules work in: the run context and the findings.
#[derive(Debug)]
pub(crate) struct Env<'a> {
    pub ctx: &'a RunContext,
    pub found: Findings,
    pub site: Site,
    /// When set, findings come from an extra object (SQL file) at this uri.
    pub extra_uri: Option<String>,
    /// What the run's log lines showed for the script's unknowns (empty on the first pass).
    pub bindings: Bindings,
    /// The printed lines (as in [`Findings::printed`]) the run's log lines showed; `None`
    /// on the first pass, or when the run has no log lines.
    pub heard: Option<std::collections::HashSet<String>>,
    /// The work the interpretation may still do.
    pub budget: crate::interp::StepBudget,
    /// Whether running out of [`Env::budget`] has been reported.
    budget_reported: bool,
    /// The regular expressions the script built, compiled once each.
    pub patterns: crate::patterns::Patterns,
}

impl<'a> Env<'a> {
    pub(crate) fn new(ctx: &'a RunContext) -> Self {
        Self::with_bindings(ctx, Bindings::new())
    }

    /// An environment whose unknowns the run's log lines have bound.
    pub(crate) fn with_bindings(ctx: &'a RunContext, bindings: Bindings) -> Self {
        Self {
            ctx,
            found: Findings::default(),
            site: Site::default(),
            extra_uri: None,
            bindings,
            heard: None,
            budget: crate::interp::StepBudget::default(),
            budget_reported: false,
            patterns: crate::patterns::Patterns::default(),
        }
    }

    /// Whether a loop may run its `index`-th iteration (see [`crate::interp::StepBudget`]); the
    /// first refusal is a diagnostic.
    pub(crate) fn next_iteration(&mut self, index: usize, expression: &str) -> bool {
        let go = self.budget.next_iteration(index);
        if !go {
            self.report_budget(expression);
        }
        go
    }

    /// Whether the user function defined at `definition` (a node id) may be entered.
    pub(crate) fn enter_function(&mut self, definition: usize, expression: &str) -> bool {
        let go = self.budget.enter_function(definition);
        if self.budget.is_spent() {
            self.report_budget(expression);
        }
        go
    }

    fn report_budget(&mut self, expression: &str) {
        if std::mem::replace(&mut self.budget_reported, true) {
            return;
        }
        self.diagnostic(
            DiagnosticKind::Truncated,
            expression,
            format!(
                "the script's loops and calls went past the extraction budget of {} steps; from here on each loop was read once, so datasets named by later iterations are missing",
                crate::interp::MAX_STEPS
            ),
        );
    }

    /// A Glue connection by name; one the run context does not hold is remembered, so that
    /// gathering can fetch it.
    pub(crate) fn connection(&self, name: &str) -> Option<&'a lineage_domain::Connection> {
        let c = self.ctx.connection(name);
        if c.is_none() && !name.trim().is_empty() {
            self.found
                .connections_wanted
                .borrow_mut()
                .insert(name.to_string());
        }
        c
    }

    /// The one value log lines showed for an unknown (by its expression), as a string with
    /// the log event as its source; `None` when none or several were shown.
    pub(crate) fn bound_value(&self, expression: &str) -> Option<Value> {
        match self.bindings.get(expression)?.as_slice() {
            [one] => Some(Value::Str(
                PStr::lit(one.value.clone()).with_source(Source::Log(one.event_id.clone())),
            )),
            _ => None,
        }
    }

    /// Every value log lines showed for an unknown (by its expression).
    pub(crate) fn bound_values(&self, expression: &str) -> Option<Vec<Value>> {
        let bound = self.bindings.get(expression)?;
        Some(
            bound
                .iter()
                .map(|b| {
                    Value::Str(
                        PStr::lit(b.value.clone()).with_source(Source::Log(b.event_id.clone())),
                    )
                })
                .collect(),
        )
    }

    /// Records what the script prints or logs: every line it prints (to tell which ways of
    /// the script the run took), and, when the line has both known text and unknowns, the
    /// template whose matches tell the unknowns.
    pub(crate) fn template(&mut self, printed: PStr) {
        let literal: usize = printed
            .segs
            .iter()
            .map(|s| match s {
                crate::value::Seg::Lit(t) => t.trim().len(),
                crate::value::Seg::Hole(_) => 0,
            })
            .sum();
        if literal < 3 {
            return;
        }
        if self.found.printed.len() < MAX_TEMPLATES * 4 {
            self.found.printed.push(printed.describe());
        }
        if printed.is_known() || self.found.templates.len() >= MAX_TEMPLATES {
            return;
        }
        if !self.found.templates.contains(&printed) {
            self.found.templates.push(printed);
        }
    }

    /// Whether the run's log lines showed a line the script prints (by its text with `{}`
    /// for unknowns); `None` when the logs cannot tell (none were gathered).
    pub(crate) fn heard(&self, printed: &str) -> Option<bool> {
        self.heard.as_ref().map(|h| h.contains(printed))
    }

    pub(crate) fn region(&self) -> &str {
        let r = self.ctx.region();
        if r.is_empty() {
            "us-east-1"
        } else {
            r
        }
    }

    pub(crate) fn account(&self) -> &str {
        self.ctx.account()
    }

    /// Records a dataset or an unresolved target.
    pub(crate) fn io(
        &mut self,
        direction: Direction,
        target: Result<Dataset, Unresolved>,
        rule: &'static str,
        values: &[&Value],
    ) {
        self.io_at(direction, target, rule, values, None, 0);
    }

    /// Records a finding; `extra_line` locates it inside the current extra object.
    pub(crate) fn io_at(
        &mut self,
        direction: Direction,
        target: Result<Dataset, Unresolved>,
        rule: &'static str,
        values: &[&Value],
        sql_name: Option<String>,
        extra_line: u32,
    ) {
        let mut sources = Vec::new();
        for v in values {
            v.provenance(&mut sources);
        }
        let (kind, locator) = self.kind_and_locator(&sources, extra_line);
        let target = match target {
            Ok(d) if crate::naming::scratch_location(self.ctx, &d).is_some() => return,
            Ok(d) => Target::Dataset(d),
            // an open name whose known start is the job's own scratch space
            Err(u)
                if u.s3_pattern.as_deref().is_some_and(|p| {
                    let known = p.split(crate::value::HOLE).next().unwrap_or("");
                    known.rsplit_once('/').is_some_and(|(dir, _)| {
                        crate::naming::scratch_url(self.ctx, &format!("{dir}/")).is_some()
                    })
                }) =>
            {
                return
            }
            Err(u) => {
                let (expression, s3_pattern, reopen) = (u.expression, u.s3_pattern, u.reopen);
                self.found.diagnostics.push(Diagnostic {
                    kind: DiagnosticKind::Unresolved,
                    locator: Locator::ScriptLine {
                        line: self.site.line,
                    },
                    expression: expression.clone(),
                    message: format!("{rule}: {}", u.message),
                    direction: Some(direction),
                });
                Target::Unresolved {
                    expression,
                    s3_pattern,
                    reopen,
                }
            }
        };
        self.found.seq += 1;
        self.found.ios.push(Io {
            direction,
            target,
            rule,
            kind,
            locator,
            sources,
            detail: self.site.text.clone(),
            seq: self.found.seq,
            top: self.site.top,
            sql_name,
        });
    }

    fn kind_and_locator(&self, sources: &[Source], extra_line: u32) -> (EvidenceKind, Locator) {
        if let Some(uri) = &self.extra_uri {
            return (
                EvidenceKind::Extra,
                Locator::Extra {
                    uri: uri.clone(),
                    line: extra_line.max(1),
                },
            );
        }
        if let Some(Source::Extra(uri, line)) =
            sources.iter().find(|s| matches!(s, Source::Extra(..)))
        {
            return (
                EvidenceKind::Extra,
                Locator::Extra {
                    uri: uri.clone(),
                    line: *line,
                },
            );
        }
        let kind = if sources.iter().all(|s| matches!(s, Source::Log(_))) {
            EvidenceKind::Script
        } else {
            EvidenceKind::Argument
        };
        (
            kind,
            Locator::ScriptLine {
                line: self.site.line,
            },
        )
    }

    pub(crate) fn diagnostic(&mut self, kind: DiagnosticKind, expression: &str, message: String) {
        self.found.diagnostics.push(Diagnostic {
            kind,
            locator: Locator::ScriptLine {
                line: self.site.line,
            },
            expression: expression.to_string(),
            message,
            direction: None,
        });
    }
}

/// Why a target could not be named.
#[derive(Debug, Clone)]
pub(crate) struct Unresolved {
    pub expression: String,
    pub message: String,
    pub s3_pattern: Option<String>,
    /// How to name the target once log lines fill its holes.
    pub reopen: Option<Box<Reopen>>,
}

impl Unresolved {
    pub(crate) fn new(expression: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            message: message.into(),
            s3_pattern: None,
            reopen: None,
        }
    }

    /// A JDBC table name with holes, on a known database.
    pub(crate) fn jdbc_table(table: &Value, url: crate::naming::JdbcUrl, region: &str) -> Self {
        let mut u = Self::of_value(table, "JDBC table");
        u.reopen = Some(Box::new(Reopen::Jdbc {
            url,
            region: region.to_string(),
            table: table.to_pstr(),
        }));
        u
    }

    /// An S3 URL with holes: its shape (for log mentions) and how to name it when filled.
    pub(crate) fn s3(p: &PStr, rendered: &str, message: impl Into<String>) -> Self {
        let mut u = Self::new(p.describe(), message);
        u.s3_pattern = Some(rendered.to_string());
        u.reopen = Some(Box::new(Reopen::S3(p.clone())));
        u
    }
    pub(crate) fn of_value(v: &Value, what: &str) -> Self {
        let p: PStr = v.to_pstr();
        Self::new(p.describe(), format!("{what} could not be resolved"))
    }
}
