//! Data-changing statements: `INSERT INTO/OVERWRITE [TABLE] ... [PARTITION] SELECT|VALUES`,
//! `UPDATE ... [FROM]`, `DELETE [t] FROM ... [USING]` and `MERGE INTO ... USING`, and the
//! dispatch among them ([`statement`], also used for `WITH ... INSERT|UPDATE|...`).

use sqlparser::ast::{
    Assignment, Delete, Expr, FromTable, Insert, MergeClause, Statement, TableFactor, TableObject,
    TableWithJoins, UpdateTableFromKind,
};

use super::names::{object_name, push_unique, table_factor_alias, table_factor_name};
use super::outcome::Outcome;
use super::reads::ReadCollector;

/// `INSERT`: the table written; the query's (or VALUES subqueries') tables read.
pub(crate) fn insert(ins: &Insert, mut c: ReadCollector) -> Outcome {
    let mut outputs = Vec::new();
    if let TableObject::TableName(name) = &ins.table {
        if let Some(n) = object_name(name) {
            outputs.push(n);
        }
    }
    if let Some(src) = &ins.source {
        c.visit(src);
    }
    c.visit(&ins.assignments);
    Outcome::read_write(c.finish(), outputs)
}

/// All `FROM` items of some table lists (relations and joined relations).
fn factors(twjs: &[TableWithJoins]) -> Vec<&TableFactor> {
    let mut out = Vec::new();
    for t in twjs {
        out.push(&t.relation);
        for j in &t.joins {
            out.push(&j.relation);
        }
    }
    out
}

/// The `FROM` item a target name refers to (by alias, else by name).
fn resolve_target<'a>(target: &str, items: &[&'a TableFactor]) -> Option<&'a TableFactor> {
    items
        .iter()
        .find(|tf| table_factor_alias(tf).as_deref() == Some(target))
        .or_else(|| {
            items
                .iter()
                .find(|tf| table_factor_name(tf).as_deref() == Some(target))
        })
        .copied()
}

/// `UPDATE t [FROM ...] SET ... WHERE ...`: `t` written (through an alias of a `FROM` item
/// when it is one), everything else read.
pub(crate) fn update(
    table: &TableWithJoins,
    assignments: &[Assignment],
    from: Option<&UpdateTableFromKind>,
    selection: Option<&Expr>,
    mut c: ReadCollector,
) -> Outcome {
    let empty = Vec::new();
    let from_list: &Vec<TableWithJoins> = match from {
        Some(UpdateTableFromKind::BeforeSet(v)) | Some(UpdateTableFromKind::AfterSet(v)) => v,
        None => &empty,
    };
    let from_items = factors(from_list);
    let mut outputs = Vec::new();
    c.skip(&table.relation);
    if let Some(name) = table_factor_name(&table.relation) {
        match resolve_target(&name, &from_items) {
            Some(tf) if !name.contains('.') || table_factor_name(tf).as_deref() == Some(&name) => {
                c.skip(tf);
                if let Some(real) = table_factor_name(tf) {
                    outputs.push(real);
                }
            }
            _ => outputs.push(name),
        }
    }
    for j in &table.joins {
        c.visit(&j.relation);
        c.visit(&j.join_operator);
    }
    c.visit(from_list);
    c.visit(&assignments.to_vec());
    if let Some(s) = selection {
        c.visit(s);
    }
    Outcome::read_write(c.finish(), outputs)
}

/// `DELETE`: the deleted-from tables written (MySQL's `DELETE t1, t2 FROM ...` names them by
/// alias or name), the other `FROM`/`USING` items and subqueries read.
pub(crate) fn delete(d: &Delete, mut c: ReadCollector) -> Outcome {
    let from_list = match &d.from {
        FromTable::WithFromKeyword(v) | FromTable::WithoutKeyword(v) => v,
    };
    let items = factors(from_list);
    let mut outputs = Vec::new();
    if d.tables.is_empty() {
        for t in from_list {
            c.skip(&t.relation);
            if let Some(n) = table_factor_name(&t.relation) {
                push_unique(&mut outputs, n);
            }
        }
    } else {
        for name in &d.tables {
            let Some(n) = object_name(name) else { continue };
            match resolve_target(&n, &items) {
                Some(tf) => {
                    c.skip(tf);
                    if let Some(real) = table_factor_name(tf) {
                        push_unique(&mut outputs, real);
                    }
                }
                None => push_unique(&mut outputs, n),
            }
        }
    }
    c.visit(from_list);
    if let Some(u) = &d.using {
        c.visit(u);
    }
    if let Some(s) = &d.selection {
        c.visit(s);
    }
    Outcome::read_write(c.finish(), outputs)
}

/// `MERGE INTO target USING source ON ... WHEN ...`: target written, source read.
pub(crate) fn merge(
    table: &TableFactor,
    source: &TableFactor,
    on: &Expr,
    clauses: &[MergeClause],
    mut c: ReadCollector,
) -> Outcome {
    let outputs = table_factor_name(table).into_iter().collect();
    c.visit(source);
    c.visit(on);
    c.visit(&clauses.to_vec());
    Outcome::read_write(c.finish(), outputs)
}

/// INSERT/UPDATE/DELETE/MERGE, reading through `c` (which may hold an enclosing `WITH`).
pub(crate) fn statement(stmt: &Statement, c: ReadCollector) -> Outcome {
    match stmt {
        Statement::Insert(ins) => insert(ins, c),
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            ..
        } => update(table, assignments, from.as_ref(), selection.as_ref(), c),
        Statement::Delete(d) => delete(d, c),
        Statement::Merge {
            table,
            source,
            on,
            clauses,
            ..
        } => merge(table, source, on, clauses, c),
        _ => Outcome::default(),
    }
}
