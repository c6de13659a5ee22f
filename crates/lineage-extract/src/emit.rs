//! What the interpreter finds while it runs a script: I/O findings (a dataset read or written,
//! or an unresolved target with the expression and its shape for log matching), diagnostics,
//! temp-view names, and the call site being executed (line, top-level statement, quoted text).

use crate::value::{PStr, Source, Value};
use lineage_domain::{
    Dataset, Diagnostic, DiagnosticKind, Direction, EvidenceKind, Locator, RunContext,
};
use std::collections::BTreeSet;

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

/// The findings of one run of the interpreter.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub ios: Vec<Io>,
    pub diagnostics: Vec<Diagnostic>,
    pub views: BTreeSet<String>,
    /// S3 objects the script fetches with `get_object` (configs, SQL files).
    pub fetched: BTreeSet<String>,
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
}

impl<'a> Env<'a> {
    pub(crate) fn new(ctx: &'a RunContext) -> Self {
        Self {
            ctx,
            found: Findings::default(),
            site: Site::default(),
            extra_uri: None,
        }
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
            Ok(d) => Target::Dataset(d),
            Err(u) => {
                let (expression, s3_pattern) = (u.expression, u.s3_pattern);
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
        let kind = if sources.is_empty() {
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
}

impl Unresolved {
    pub(crate) fn new(expression: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            message: message.into(),
            s3_pattern: None,
        }
    }
    pub(crate) fn of_value(v: &Value, what: &str) -> Self {
        let p: PStr = v.to_pstr();
        Self::new(p.describe(), format!("{what} could not be resolved"))
    }
}
