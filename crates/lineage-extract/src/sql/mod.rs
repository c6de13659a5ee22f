//! Table-level lineage of SQL text (sqlparser): which tables each statement reads and writes,
//! and which temporary views it defines. Parse problems are data next to the lineage.
//!
//! Entry points:
//! - [`analyze`]: per-statement lineage ([`SqlLineage::statements`]) plus parse errors.
//! - [`SqlLineage::tables`]: the script-level `(inputs, outputs)`, sorted: temporary views
//!   (and `CACHE TABLE x AS SELECT`) are resolved away (never inputs or outputs), CTEs never
//!   appear, and tables written then read in the same script stay in both lists (openlineage's
//!   union convention).
//! - [`SqlLineage::columns`]: the script-level column lineage (module `columns`).
//! - [`script_tables`]: `analyze(sql, dialect).tables()`, what `lineage-agent sql` prints.
//!
//! Conventions (openlineage-sql's where the suites differ): names are lower case, unquoted,
//! qualified as far as the SQL qualifies them; in a multi-statement script `USE db[.schema]`
//! qualifies later unqualified names; `DROP`, `TRUNCATE`, `ALTER TABLE` and `DELETE` make the
//! table an output; `ALTER TABLE a RENAME TO b` reads `a` and writes `b`; tables read only in
//! a CTE nothing uses are not counted.
//!
//! Files: `lineage` (the reported types), `dialect` (names, parser chains), `split` (statement
//! splitting), `names` (normalisation, `USE` context), `reads` (tables read, CTE scoping),
//! `outcome` (what a statement does), `query`, `dml`, `ddl`, `copy` (statement kinds),
//! `statements` (dispatch to the kinds), `fallback` (recovery of unparsable text); this file
//! runs the pipeline and hands it down to the others as [`lineage::NestedSql`].

mod columns;
mod copy;
mod ddl;
mod dialect;
mod dml;
mod fallback;
mod lineage;
mod names;
mod outcome;
mod query;
mod reads;
mod split;
mod statements;

use std::collections::BTreeSet;

use sqlparser::ast::{Statement, Use};
use sqlparser::parser::Parser;

pub use columns::{ColumnLineage, ColumnSource, Transformation};
pub use dialect::Dialect;
pub use lineage::{SqlLineage, SqlParseError, StatementLineage};

use lineage::NestedSql;

use names::{object_name, UseContext};
use outcome::Outcome;
use statements::analyze_statement;

/// The sorted script-level `(inputs, outputs)` of SQL text: `analyze(sql, dialect).tables()`.
pub fn script_tables(sql: &str, dialect: Dialect) -> (Vec<String>, Vec<String>) {
    analyze(sql, dialect).tables()
}

/// Analyses SQL text (one or more statements).
pub fn analyze(sql: &str, dialect: Dialect) -> SqlLineage {
    analyze_from(sql, dialect, 1)
}

/// Parses one statement's text with each dialect of the chain; the first success wins. A
/// second round accepts statements not separated by `;` (T-SQL scripts).
fn parse(text: &str, dialect: Dialect) -> Result<Vec<Statement>, String> {
    // sqlparser gives up past its recursion limit (50) anyway: text nested far deeper is not
    // tokenized again for every dialect (that made 60,000 nested subqueries take seconds).
    if paren_depth(text) > MAX_PARSED_DEPTH {
        return Err(format!(
            "nested more than {MAX_PARSED_DEPTH} parentheses deep: not parsed"
        ));
    }
    let chain = dialect.parser_chain();
    let mut first_err = None;
    for d in &chain {
        match Parser::parse_sql(d.as_ref(), text) {
            Ok(stmts) => return Ok(stmts),
            Err(e) => {
                first_err.get_or_insert_with(|| e.to_string());
            }
        }
    }
    for d in &chain {
        if let Ok(stmts) = parse_unseparated(d.as_ref(), text) {
            return Ok(stmts);
        }
    }
    Err(first_err.unwrap_or_else(|| "no dialect to parse with".to_string()))
}

/// Nesting past which a statement is not given to sqlparser (far above its recursion limit).
const MAX_PARSED_DEPTH: usize = 1000;

/// The deepest parenthesis nesting of `text`.
fn paren_depth(text: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'(' => {
                depth += 1;
                max = max.max(depth);
            }
            b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Statements one after another, `;` optional between them.
fn parse_unseparated(
    d: &dyn sqlparser::dialect::Dialect,
    text: &str,
) -> Result<Vec<Statement>, sqlparser::parser::ParserError> {
    use sqlparser::tokenizer::Token;
    let mut p = Parser::new(d).try_with_sql(text)?;
    let mut out = Vec::new();
    loop {
        while p.consume_token(&Token::SemiColon) {}
        if p.peek_token().token == Token::EOF {
            return Ok(out);
        }
        out.push(p.parse_statement()?);
    }
}

/// Analyses text whose first line is `first_line` of the whole input.
pub(crate) fn analyze_from(sql: &str, dialect: Dialect, first_line: u32) -> SqlLineage {
    let nested = |text: &str, line: u32| analyze_from(text, dialect, line);
    let mut out = SqlLineage::default();
    let mut ctx = UseContext::default();
    let mut views: BTreeSet<String> = BTreeSet::new();
    let mut column_views = columns::Views::default();
    for mut chunk in split::split(sql, first_line) {
        chunk.text = fallback::substitute_variables(&chunk.text);
        let outcomes = match parse(&chunk.text, dialect) {
            Ok(stmts) => analyze_statements(&stmts, dialect, &nested, &mut column_views),
            Err(message) => {
                let retried = fallback::prenormalise(&chunk.text)
                    .and_then(|t| parse(&t, dialect).ok())
                    .map(|stmts| analyze_statements(&stmts, dialect, &nested, &mut column_views))
                    .or_else(|| {
                        let text = fallback::prenormalise(&chunk.text)
                            .unwrap_or_else(|| chunk.text.clone());
                        fallback::recover(&text, dialect, chunk.line, &nested).map(|o| vec![o])
                    });
                match retried {
                    Some(o) => o,
                    None => {
                        out.errors.push(SqlParseError {
                            line: chunk.line,
                            message,
                        });
                        // Best effort, next to the error: names after FROM/JOIN.
                        let reads = fallback::heuristic_reads(&chunk.text);
                        if reads.is_empty() {
                            continue;
                        }
                        vec![Outcome::read_write(reads, Vec::new())]
                    }
                }
            }
        };
        for o in outcomes {
            out.statements
                .push(finish(o, &mut ctx, &mut views, chunk.line));
        }
    }
    out
}

/// The table and column lineage of parsed statements, in order.
fn analyze_statements(
    stmts: &[Statement],
    dialect: Dialect,
    nested: NestedSql,
    views: &mut columns::Views,
) -> Vec<Outcome> {
    stmts
        .iter()
        .map(|s| Outcome {
            columns: columns::statement(s, dialect, views),
            ..analyze_statement(s, dialect, nested)
        })
        .collect()
}

/// Applies and updates the `USE` context, giving the statement's final lineage.
fn finish(
    o: Outcome,
    ctx: &mut UseContext,
    views: &mut BTreeSet<String>,
    line: u32,
) -> StatementLineage {
    if let Some(u) = &o.use_stmt {
        apply_use(ctx, u);
    }
    let qualify = |names: Vec<String>, views: &BTreeSet<String>| -> Vec<String> {
        if !ctx.is_set() {
            return names;
        }
        names
            .into_iter()
            .map(|n| {
                if views.contains(&n) {
                    n
                } else {
                    ctx.qualify(&n)
                }
            })
            .collect()
    };
    let inputs = qualify(o.inputs, views);
    let outputs = qualify(o.outputs, views);
    let mut columns = o.columns;
    if ctx.is_set() {
        for c in &mut columns {
            if !views.contains(&c.table) {
                c.table = ctx.qualify(&c.table);
            }
            for s in &mut c.sources {
                if !views.contains(&s.table) {
                    s.table = ctx.qualify(&s.table);
                }
            }
        }
    }
    if let Some(v) = &o.temp_view {
        views.insert(v.clone());
    }
    StatementLineage {
        inputs,
        outputs,
        temp_view: o.temp_view,
        line,
        schema_only: o.schema_only,
        columns,
    }
}

fn apply_use(ctx: &mut UseContext, u: &Use) {
    match u {
        Use::Object(n) => {
            if let Some(n) = object_name(n) {
                ctx.use_object(&n);
            }
        }
        Use::Database(n) | Use::Catalog(n) => {
            if let Some(n) = object_name(n) {
                ctx.use_database(&n);
            }
        }
        Use::Schema(n) => {
            if let Some(n) = object_name(n) {
                ctx.use_schema(&n);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_nested_past_the_parser_keeps_its_tables() {
        let depth = 5_000;
        let sql = format!(
            "INSERT INTO curated.out SELECT * FROM {}raw.input{};",
            "(SELECT * FROM ".repeat(depth),
            ") t".repeat(depth)
        );
        assert_eq!(paren_depth(&sql), depth);
        let (inputs, outputs) = script_tables(&sql, Dialect::SparkSql);
        assert_eq!(
            (inputs, outputs),
            (
                vec!["raw.input".to_string()],
                vec!["curated.out".to_string()]
            )
        );
    }
}
