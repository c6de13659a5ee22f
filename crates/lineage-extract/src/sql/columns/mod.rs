//! Column-level lineage of SQL statements ([`ColumnLineage`]): which columns of which tables
//! each written column is computed from. Statements: `INSERT` (with or without a column
//! list), `CREATE TABLE|VIEW ... AS`, `MERGE` (`UPDATE SET` and `INSERT ... VALUES` clauses)
//! and `UPDATE ... SET`, through CTEs, derived tables, aliases, set operations and temporary
//! views defined earlier in the same text ([`Views`]). Files: `projection` (what a query
//! produces), `refs` (what an expression reads).
//!
//! Names are lower case and unquoted, tables as the table-level lineage names them. What
//! cannot be told without the tables' schemas (an unqualified column over two plain tables)
//! is left out rather than guessed.

mod projection;
mod refs;

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use sqlparser::ast::{
    Assignment, AssignmentTarget, Insert, MergeAction, MergeClause, MergeInsertKind, Query,
    SetExpr, Statement, TableFactor, TableObject, TableWithJoins, UpdateTableFromKind,
};

use super::dialect::Dialect;
use super::names::{object_name, table_factor_name};
use super::statements::inner_statements;
use projection::{query, relation, relations, rename, Names, Projection, Scope};

/// How an output column is made from an input column: the OpenLineage `DIRECT`
/// transformation subtypes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Transformation {
    /// The value itself (`SELECT a`, `SELECT t.a AS b`).
    Identity,
    /// A value computed from it (`a + 1`, `upper(a)`, `CASE WHEN a ...`).
    Transformation,
    /// An aggregate over it (`max(a)`, `count(a)`).
    Aggregation,
}

impl Transformation {
    /// The OpenLineage subtype name.
    pub fn subtype(self) -> &'static str {
        match self {
            Transformation::Identity => "IDENTITY",
            Transformation::Transformation => "TRANSFORMATION",
            Transformation::Aggregation => "AGGREGATION",
        }
    }
}

/// An input column of a written column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ColumnSource {
    pub table: String,
    /// `*` for all columns of the table (`INSERT INTO t SELECT * FROM s`).
    pub column: String,
    pub transformation: Transformation,
}

/// One written column and the input columns it is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnLineage {
    /// The written table; `""` for the result of a query that writes nowhere (`SELECT`).
    pub table: String,
    /// `*` for all columns of a `SELECT *`.
    pub column: String,
    pub sources: Vec<ColumnSource>,
}

/// The temporary views a script defined so far, by lower-case name, with their columns.
#[derive(Debug, Clone, Default)]
pub(crate) struct Views(BTreeMap<String, Rc<Projection>>);

/// The column lineage of one statement; a temporary view it defines is added to `views`.
pub(crate) fn statement(
    stmt: &Statement,
    dialect: Dialect,
    views: &mut Views,
) -> Vec<ColumnLineage> {
    let names = Names::new(&views.0, dialect.lateral_column_aliases());
    let mut defined = None;
    let out = of_statement(stmt, dialect, views, &names, &mut defined);
    if names.exhausted() {
        // past the work budget: no column lineage rather than a partial one
        return Vec::new();
    }
    if let Some((view, p)) = defined {
        views.0.insert(view, Rc::new(p));
    }
    out
}

/// The column lineage of one statement over `names`; a temporary view it defines goes to
/// `defined`.
fn of_statement(
    stmt: &Statement,
    dialect: Dialect,
    views: &mut Views,
    names: &Names,
    defined: &mut Option<(String, Projection)>,
) -> Vec<ColumnLineage> {
    match stmt {
        Statement::Query(q) => with_dml(q, names),
        Statement::Insert(_) | Statement::Merge { .. } | Statement::Update { .. } => {
            dml(stmt, names)
        }
        Statement::CreateTable(ct) => {
            let (Some(q), Some(table)) = (&ct.query, object_name(&ct.name)) else {
                return Vec::new();
            };
            let mut p = query(q, names);
            rename(&mut p, ct.columns.iter().map(|c| &c.name.value));
            written(&table, p)
        }
        Statement::CreateView {
            name,
            query: q,
            columns,
            temporary,
            ..
        } => {
            let Some(view) = object_name(name) else {
                return Vec::new();
            };
            let mut p = query(q, names);
            rename(&mut p, columns.iter().map(|c| &c.name.value));
            if *temporary {
                *defined = Some((view, p));
                Vec::new()
            } else {
                written(&view, p)
            }
        }
        Statement::Cache {
            table_name,
            query: Some(q),
            ..
        } => {
            if let Some(view) = object_name(table_name) {
                *defined = Some((view, query(q, names)));
            }
            Vec::new()
        }
        Statement::CreateProcedure { .. }
        | Statement::If(_)
        | Statement::While(_)
        | Statement::Case(_) => inner_statements(stmt)
            .iter()
            .flat_map(|s| statement(s, dialect, views))
            .collect(),
        _ => Vec::new(),
    }
}

/// `WITH ... INSERT|UPDATE|MERGE`: the statement sees the CTEs.
/// A query's result columns (written nowhere: table `""`) and `WITH ... INSERT|UPDATE|MERGE`.
fn with_dml(q: &Query, names: &Names) -> Vec<ColumnLineage> {
    let (SetExpr::Insert(stmt) | SetExpr::Update(stmt) | SetExpr::Merge(stmt)) = q.body.as_ref()
    else {
        return written("", query(q, names));
    };
    dml(stmt, &names.with_ctes(q))
}

/// `INSERT`, `MERGE` or `UPDATE` over the names in scope.
fn dml(stmt: &Statement, names: &Names) -> Vec<ColumnLineage> {
    match stmt {
        Statement::Insert(ins) => insert(ins, names),
        Statement::Merge {
            table,
            source,
            clauses,
            ..
        } => merge(table, source, clauses, names),
        Statement::Update {
            table,
            assignments,
            from,
            ..
        } => update(table, assignments, from.as_ref(), names),
        _ => Vec::new(),
    }
}

/// `INSERT INTO t [(cols)] query`: the query's columns by position.
fn insert(ins: &Insert, names: &Names) -> Vec<ColumnLineage> {
    let (TableObject::TableName(name), Some(src)) = (&ins.table, &ins.source) else {
        return Vec::new();
    };
    let Some(table) = object_name(name) else {
        return Vec::new();
    };
    let mut p = query(src, names);
    rename(&mut p, ins.columns.iter().map(|c| &c.value));
    written(&table, p)
}

/// `MERGE INTO t USING s ...`: `UPDATE SET c = expr` and `INSERT (cols) VALUES (exprs)`.
fn merge(
    target: &TableFactor,
    source: &TableFactor,
    clauses: &[MergeClause],
    names: &Names,
) -> Vec<ColumnLineage> {
    let Some(table) = table_factor_name(target) else {
        return Vec::new();
    };
    let mut rels = Vec::new();
    relation(source, names, &mut rels);
    let scope = Scope {
        relations: &rels,
        names,
    };
    let mut p = Projection::default();
    for clause in clauses {
        match &clause.action {
            MergeAction::Update { assignments } => assign(&scope, assignments, &mut p),
            MergeAction::Insert(ins) => {
                let MergeInsertKind::Values(values) = &ins.kind else {
                    continue;
                };
                for row in &values.rows {
                    for (col, e) in ins.columns.iter().zip(row) {
                        push(
                            &mut p,
                            &col.value,
                            scope.expr_sources(e, &Projection::default()),
                        );
                    }
                }
            }
            MergeAction::Delete => {}
        }
    }
    written(&table, p)
}

/// `UPDATE t [FROM ...] SET c = expr`: each assigned column from its expression, read over
/// the target and the `FROM` items.
fn update(
    table: &TableWithJoins,
    assignments: &[Assignment],
    from: Option<&UpdateTableFromKind>,
    names: &Names,
) -> Vec<ColumnLineage> {
    let Some(target) = table_factor_name(&table.relation) else {
        return Vec::new();
    };
    let from_list: &[TableWithJoins] = match from {
        Some(UpdateTableFromKind::BeforeSet(v)) | Some(UpdateTableFromKind::AfterSet(v)) => v,
        None => &[],
    };
    let mut rels = relations(std::slice::from_ref(table), names);
    rels.extend(relations(from_list, names));
    // `UPDATE alias SET ... FROM t alias`: the written table is the item of that alias.
    let written_table = rels
        .iter()
        .find(|r| r.label == target && r.table.is_some())
        .and_then(|r| r.table.clone())
        .unwrap_or(target);
    let scope = Scope {
        relations: &rels,
        names,
    };
    let mut p = Projection::default();
    assign(&scope, assignments, &mut p);
    written(&written_table, p)
}

/// `SET c = expr, (a, b) = ...`: single-column assignments only.
fn assign(scope: &Scope, assignments: &[Assignment], p: &mut Projection) {
    for a in assignments {
        let AssignmentTarget::ColumnName(col) = &a.target else {
            continue;
        };
        let Some(name) = col.0.last().map(|part| part.to_string()) else {
            continue;
        };
        let name = name.trim_matches(['"', '`', '[', ']']).to_lowercase();
        push(
            p,
            &name,
            scope.expr_sources(&a.value, &Projection::default()),
        );
    }
}

/// One source per input column, with the strongest transformation it is reached through.
fn strongest(sources: BTreeSet<ColumnSource>) -> Vec<ColumnSource> {
    let mut out: Vec<ColumnSource> = Vec::new();
    for s in sources {
        match out.last_mut() {
            Some(l) if l.table == s.table && l.column == s.column => {
                l.transformation = l.transformation.max(s.transformation);
            }
            _ => out.push(s),
        }
    }
    out
}

fn push(p: &mut Projection, name: &str, sources: BTreeSet<ColumnSource>) {
    p.columns.push(projection::OutColumn {
        name: name.to_string(),
        sources,
    });
}

/// The written columns of `table` from a projection: columns without sources (literals)
/// are left out, a column written twice gets both sources.
fn written(table: &str, p: Projection) -> Vec<ColumnLineage> {
    let mut by_column: BTreeMap<String, BTreeSet<ColumnSource>> = BTreeMap::new();
    let mut order = Vec::new();
    for c in p.columns {
        if c.sources.is_empty() {
            continue;
        }
        if !by_column.contains_key(&c.name) {
            order.push(c.name.clone());
        }
        by_column.entry(c.name).or_default().extend(c.sources);
    }
    order
        .into_iter()
        .filter_map(|column| {
            let sources = strongest(by_column.remove(&column)?);
            Some(ColumnLineage {
                table: table.to_string(),
                column,
                sources,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
