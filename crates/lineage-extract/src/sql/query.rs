//! `SELECT` statements (joins, subqueries, set operations, lateral views, CTEs), including
//! `SELECT ... INTO new_table` where the dialect makes that a table (not variables).

use sqlparser::ast::{Query, SetExpr};

use super::dialect::Dialect;
use super::dml;
use super::names::object_name;
use super::outcome::Outcome;
use super::reads::ReadCollector;

/// The lineage of a query statement.
pub(crate) fn select(q: &Query, dialect: Dialect) -> Outcome {
    // `WITH x AS (...) INSERT|UPDATE|DELETE|MERGE ...`: the statement sees the CTEs.
    if let SetExpr::Insert(stmt)
    | SetExpr::Update(stmt)
    | SetExpr::Delete(stmt)
    | SetExpr::Merge(stmt) = q.body.as_ref()
    {
        let mut c = ReadCollector::new();
        if let Some(with) = &q.with {
            c.enter_with(with);
        }
        return dml::statement(stmt, c);
    }
    let mut c = ReadCollector::new();
    c.visit(q);
    let writes = std::mem::take(&mut c.function_writes);
    let mut outputs = writes;
    if !dialect.select_into_is_variables() {
        if let Some(name) = select_into(&q.body) {
            outputs.push(name);
        }
    }
    Outcome::read_write(c.finish(), outputs)
}

/// The table of a top-level `SELECT ... INTO name` (first branch of a set operation).
fn select_into(body: &SetExpr) -> Option<String> {
    match body {
        SetExpr::Select(s) => {
            let into = s.into.as_ref()?;
            let name = object_name(&into.name)?;
            if name.starts_with(['@', ':', '$']) {
                None
            } else {
                Some(name)
            }
        }
        SetExpr::SetOperation { left, .. } => select_into(left),
        SetExpr::Query(q) => select_into(&q.body),
        _ => None,
    }
}
