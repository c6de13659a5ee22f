//! What one expression reads: the column references outside any subquery (`a`, `t.a`,
//! `db.t.a`), the subqueries it holds (handed back to be read as queries), and how the value
//! is made from them ([`Transformation`]).

use std::ops::ControlFlow;

use sqlparser::ast::{
    CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Query, Visit, Visitor,
};

use super::Transformation;
use crate::sql::names::object_name;

/// A column reference: the qualifier (`t`, `db.t`; lower case), if any, and the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ColumnRef {
    pub qualifier: Option<String>,
    pub column: String,
}

/// What an expression reads outside its subqueries.
#[derive(Debug, Default)]
pub(crate) struct ExprRefs {
    pub columns: Vec<ColumnRef>,
    pub aggregates: bool,
}

/// The column references of `expr`; each outermost subquery (scalar, `IN`, `EXISTS`) is
/// handed to `on_subquery` instead.
pub(crate) fn expr_refs(expr: &Expr, on_subquery: &mut dyn FnMut(&Query)) -> ExprRefs {
    let mut c = Collect {
        depth: 0,
        out: ExprRefs::default(),
        on_subquery,
    };
    let _ = expr.visit(&mut c);
    c.out
}

/// How a select item makes its value: a bare column is an identity, an aggregate (outside a
/// window) an aggregation, anything else a transformation.
pub(crate) fn transformation(expr: &Expr, refs: &ExprRefs) -> Transformation {
    match unwrap_nested(expr) {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) => Transformation::Identity,
        _ if refs.aggregates => Transformation::Aggregation,
        _ => Transformation::Transformation,
    }
}

/// The name an unaliased select item gives its column when it is a column (`a`, `t.a`) or a
/// `::` cast of one (`a::int` keeps the column's name; `CAST(a AS INT)` is named by its
/// text), lower case.
pub(crate) fn bare_column(expr: &Expr) -> Option<String> {
    match unwrap_nested(expr) {
        Expr::Identifier(i) => Some(i.value.to_lowercase()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.to_lowercase()),
        Expr::Cast {
            kind: CastKind::DoubleColon,
            expr,
            ..
        } => bare_column(expr),
        _ => None,
    }
}

fn unwrap_nested(expr: &Expr) -> &Expr {
    match expr {
        Expr::Nested(e) => unwrap_nested(e),
        e => e,
    }
}

/// Aggregate functions of the dialects we read (outside an `OVER` window).
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "mean",
    "min",
    "max",
    "collect_list",
    "collect_set",
    "array_agg",
    "string_agg",
    "listagg",
    "group_concat",
    "approx_count_distinct",
    "approx_distinct",
    "count_if",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "first",
    "last",
    "first_value",
    "last_value",
    "any_value",
    "percentile",
    "percentile_approx",
    "median",
    "bool_and",
    "bool_or",
    "every",
    "max_by",
    "min_by",
];

struct Collect<'a> {
    depth: usize,
    out: ExprRefs,
    on_subquery: &'a mut dyn FnMut(&Query),
}

impl Visitor for Collect<'_> {
    type Break = ();

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if self.depth == 0 {
            (self.on_subquery)(q);
        }
        self.depth += 1;
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if self.depth > 0 {
            return ControlFlow::Continue(());
        }
        match expr {
            Expr::Identifier(i) => self.out.columns.push(ColumnRef {
                qualifier: None,
                column: i.value.to_lowercase(),
            }),
            Expr::CompoundIdentifier(parts) => {
                if let Some((col, quals)) = parts.split_last() {
                    self.out.columns.push(ColumnRef {
                        qualifier: (!quals.is_empty()).then(|| {
                            quals
                                .iter()
                                .map(|p| p.value.to_lowercase())
                                .collect::<Vec<_>>()
                                .join(".")
                        }),
                        column: col.value.to_lowercase(),
                    });
                }
            }
            Expr::Function(f) => {
                let name = f.name.0.last().map(|p| p.to_string().to_lowercase());
                if f.over.is_none()
                    && name.is_some_and(|n| AGGREGATES.contains(&n.trim_matches('"')))
                {
                    self.out.aggregates = true;
                }
                // `count(*)`, `count(t.*)`: every column of the relation
                if let FunctionArguments::List(list) = &f.args {
                    for arg in &list.args {
                        let (FunctionArg::Unnamed(a)
                        | FunctionArg::Named { arg: a, .. }
                        | FunctionArg::ExprNamed { arg: a, .. }) = arg;
                        match a {
                            FunctionArgExpr::Wildcard => self.out.columns.push(ColumnRef {
                                qualifier: None,
                                column: "*".to_string(),
                            }),
                            FunctionArgExpr::QualifiedWildcard(n) => {
                                self.out.columns.push(ColumnRef {
                                    qualifier: object_name(n),
                                    column: "*".to_string(),
                                })
                            }
                            FunctionArgExpr::Expr(_) => {}
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
