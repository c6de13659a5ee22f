//! The columns a query produces and the table columns each is made from ([`Projection`]),
//! evaluated through CTEs, derived tables, aliases, set operations, scalar subqueries and
//! temporary views defined earlier in the script.
//!
//! Resolution of a column reference: a qualified one (`t.a`, `alias.a`, `db.t.a`) in the
//! `FROM` item of that alias or name; an unqualified one as an alias defined earlier in the
//! same select list (a lateral alias reference, unless the relations show a column of that
//! name), else in the only `FROM` item, else in the one derived item (CTE, subquery, view)
//! that produces it, else in the only plain table among the items. A reference that stays ambiguous is left out: no column lineage rather than a wrong
//! one. `*` over a plain table is the column `*` of that table.

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use sqlparser::ast::{
    ExcludeSelectItem, Expr, IdentWithAlias, Query, RenameSelectItem, Select, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, TableFactor, TableWithJoins,
    WildcardAdditionalOptions,
};

use super::refs::{bare_column, expr_refs, transformation, ColumnRef};
use super::{ColumnSource, Transformation};
use crate::sql::names::{object_name, table_factor_name};

/// One column a query produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OutColumn {
    /// Lower case; `*` for the columns of a `SELECT *` over a plain table.
    pub name: String,
    pub sources: BTreeSet<ColumnSource>,
}

/// The columns a query produces, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Projection {
    pub columns: Vec<OutColumn>,
}

impl Projection {
    /// The sources of the column `name`: its own, or those of a `*` it may come through (a
    /// `SELECT *` over table `t` produces `t.name`).
    fn sources_of(&self, name: &str) -> Option<BTreeSet<ColumnSource>> {
        if name == "*" {
            let all: BTreeSet<ColumnSource> = self
                .columns
                .iter()
                .flat_map(|c| c.sources.iter().cloned())
                .collect();
            return (!all.is_empty()).then_some(all);
        }
        let mut found = None::<BTreeSet<ColumnSource>>;
        for c in self.columns.iter().filter(|c| c.name == name) {
            found
                .get_or_insert_with(BTreeSet::new)
                .extend(c.sources.iter().cloned());
        }
        if found.is_some() {
            return found;
        }
        let through_star: BTreeSet<ColumnSource> = self
            .columns
            .iter()
            .filter(|c| c.name == "*")
            .flat_map(|c| c.sources.iter())
            .filter(|s| s.column == "*")
            .map(|s| ColumnSource {
                table: s.table.clone(),
                column: name.to_string(),
                transformation: s.transformation,
            })
            .collect();
        (!through_star.is_empty()).then_some(through_star)
    }

    fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c.name == name)
    }

    /// Adds `other`'s sources column by column (the branches of a set operation).
    fn union_by_position(&mut self, other: Projection) {
        for (i, col) in other.columns.into_iter().enumerate() {
            match self.columns.get_mut(i) {
                Some(mine) => mine.sources.extend(col.sources),
                None => self.columns.push(col),
            }
        }
    }
}

/// The column sources a statement may produce in all its projections, CTEs and subqueries
/// included: past it, the statement gets no column lineage (hostile SQL: thousands of CTEs
/// each widening a `*`). Real statements stay far below.
const BUDGET: usize = 200_000;

/// What the relations of a query may name: CTEs in scope and temporary views. Cheap to clone
/// (projections are shared).
#[derive(Debug, Clone)]
pub(crate) struct Names {
    /// Lower-case name to projection; later entries shadow earlier ones.
    derived: Vec<(String, Rc<Projection>)>,
    /// Whether a select item may name an alias defined before it in the same select list
    /// (Spark, Databricks, Snowflake, Redshift, DuckDB).
    lateral_aliases: bool,
    /// The relations of the enclosing query, for the correlated references of a subquery.
    outer: Rc<Vec<Relation>>,
    /// What is left of the statement's [`BUDGET`].
    budget: Rc<Cell<usize>>,
}

impl Names {
    pub(crate) fn new(views: &BTreeMap<String, Rc<Projection>>, lateral_aliases: bool) -> Self {
        Self {
            derived: views.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            lateral_aliases,
            outer: Rc::default(),
            budget: Rc::new(Cell::new(BUDGET)),
        }
    }

    /// Whether the statement used up its budget (its column lineage is then dropped).
    pub(crate) fn exhausted(&self) -> bool {
        self.budget.get() == 0
    }

    fn spend(&self, p: &Projection) {
        let cost: usize = p.columns.iter().map(|c| 1 + c.sources.len()).sum();
        self.budget.set(self.budget.get().saturating_sub(cost));
    }

    fn get(&self, name: &str) -> Option<&Rc<Projection>> {
        self.derived
            .iter()
            .rev()
            .find(|(n, _)| n == name || name.strip_prefix("global_temp.") == Some(n.as_str()))
            .map(|(_, p)| p)
    }

    /// These names with a query's `WITH` clause added (each CTE sees the ones before it).
    pub(crate) fn with_ctes(&self, q: &Query) -> Names {
        let mut names = self.clone();
        if let Some(with) = &q.with {
            for cte in &with.cte_tables {
                let mut p = query(&cte.query, &names);
                rename(&mut p, cte.alias.columns.iter().map(|c| &c.name.value));
                names
                    .derived
                    .push((cte.alias.name.value.to_lowercase(), Rc::new(p)));
            }
        }
        names
    }
}

/// Renames a projection's columns by position (`t(a, b)` aliases, `CREATE VIEW v (a, b)`).
pub(crate) fn rename<'a>(p: &mut Projection, names: impl Iterator<Item = &'a String>) {
    for (col, name) in p.columns.iter_mut().zip(names) {
        col.name = name.to_lowercase();
    }
}

/// A `FROM` item as column references see it.
#[derive(Debug, Clone)]
pub(crate) struct Relation {
    /// The alias, else the table or CTE name (lower case).
    pub label: String,
    /// The table's full name, for a plain table.
    pub table: Option<String>,
    /// The columns of a derived item (CTE, subquery, view).
    pub derived: Option<Rc<Projection>>,
}

/// The relations of a `FROM` list, joins flattened.
pub(crate) fn relations(from: &[TableWithJoins], names: &Names) -> Vec<Relation> {
    let mut out = Vec::new();
    for twj in from {
        relation(&twj.relation, names, &mut out);
        for j in &twj.joins {
            relation(&j.relation, names, &mut out);
        }
    }
    out
}

/// One `FROM` item (nested joins flattened).
pub(crate) fn relation(tf: &TableFactor, names: &Names, out: &mut Vec<Relation>) {
    match tf {
        TableFactor::Table { alias, .. } => {
            let Some(name) = table_factor_name(tf) else {
                return;
            };
            let alias = alias.as_ref();
            let label = alias.map_or_else(|| name.clone(), |a| a.name.value.to_lowercase());
            let mut derived = names.get(&name).cloned();
            if let (Some(p), Some(a)) = (derived.as_mut(), alias) {
                if !a.columns.is_empty() {
                    let mut renamed = (**p).clone();
                    rename(&mut renamed, a.columns.iter().map(|c| &c.name.value));
                    *p = Rc::new(renamed);
                }
            }
            out.push(Relation {
                label,
                table: derived.is_none().then_some(name),
                derived,
            });
        }
        TableFactor::Derived {
            subquery, alias, ..
        } => {
            let mut p = query(subquery, names);
            if let Some(a) = alias {
                rename(&mut p, a.columns.iter().map(|c| &c.name.value));
            }
            out.push(Relation {
                label: alias
                    .as_ref()
                    .map(|a| a.name.value.to_lowercase())
                    .unwrap_or_default(),
                table: None,
                derived: Some(Rc::new(p)),
            });
        }
        TableFactor::NestedJoin {
            table_with_joins, ..
        } => {
            relation(&table_with_joins.relation, names, out);
            for j in &table_with_joins.joins {
                relation(&j.relation, names, out);
            }
        }
        _ => {}
    }
}

/// The projection of a query.
pub(crate) fn query(q: &Query, names: &Names) -> Projection {
    if q.with.is_none() {
        return set_expr(&q.body, names);
    }
    set_expr(&q.body, &names.with_ctes(q))
}

fn set_expr(body: &SetExpr, names: &Names) -> Projection {
    match body {
        SetExpr::Select(s) => select(s, names),
        SetExpr::Query(q) => query(q, names),
        SetExpr::SetOperation { left, right, .. } => {
            let mut p = set_expr(left, names);
            p.union_by_position(set_expr(right, names));
            p
        }
        _ => Projection::default(),
    }
}

/// The projection of one `SELECT`.
fn select(s: &Select, names: &Names) -> Projection {
    if names.exhausted() {
        return Projection::default();
    }
    let out = select_items(s, names);
    names.spend(&out);
    out
}

fn select_items(s: &Select, names: &Names) -> Projection {
    // a subquery without `FROM` reads the enclosing query's relations
    let rels = if s.from.is_empty() {
        names.outer.to_vec()
    } else {
        relations(&s.from, names)
    };
    let scope = Scope {
        relations: &rels,
        names,
    };
    let mut out = Projection::default();
    for item in &s.projection {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let name = bare_column(e).unwrap_or_else(|| e.to_string().to_lowercase());
                let sources = scope.expr_sources(e, &out);
                out.columns.push(OutColumn { name, sources });
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let sources = scope.expr_sources(expr, &out);
                out.columns.push(OutColumn {
                    name: alias.value.to_lowercase(),
                    sources,
                });
            }
            SelectItem::Wildcard(opts) => {
                let from = out.columns.len();
                for r in &rels {
                    expand(r, &excluded(opts), &mut out);
                }
                scope.apply_options(opts, &mut out, from);
            }
            SelectItem::QualifiedWildcard(SelectItemQualifiedWildcardKind::ObjectName(n), opts) => {
                let Some(q) = object_name(n) else { continue };
                if let Some(r) = scope.find(&q) {
                    let from = out.columns.len();
                    expand(r, &excluded(opts), &mut out);
                    scope.apply_options(opts, &mut out, from);
                }
            }
            SelectItem::QualifiedWildcard(..) => {}
        }
    }
    out
}

/// The columns `* EXCEPT (...)` / `* EXCLUDE (...)` leaves out, lower case.
fn excluded(opts: &WildcardAdditionalOptions) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = &opts.opt_except {
        out.push(e.first_element.value.to_lowercase());
        out.extend(e.additional_elements.iter().map(|i| i.value.to_lowercase()));
    }
    match &opts.opt_exclude {
        Some(ExcludeSelectItem::Single(i)) => out.push(i.value.to_lowercase()),
        Some(ExcludeSelectItem::Multiple(v)) => {
            out.extend(v.iter().map(|i| i.value.to_lowercase()))
        }
        None => {}
    }
    out
}

/// The columns `*` gives of one relation, but the `excluded` ones.
fn expand(r: &Relation, excluded: &[String], out: &mut Projection) {
    if let Some(p) = &r.derived {
        out.columns.extend(
            p.columns
                .iter()
                .filter(|c| !excluded.contains(&c.name))
                .cloned(),
        );
    } else if let Some(t) = &r.table {
        out.columns.push(OutColumn {
            name: "*".to_string(),
            sources: BTreeSet::from([ColumnSource {
                table: t.clone(),
                column: "*".to_string(),
                transformation: Transformation::Identity,
            }]),
        });
    }
}

/// The relations column references of one `SELECT` (or DML statement) resolve in.
pub(crate) struct Scope<'a> {
    pub relations: &'a [Relation],
    pub names: &'a Names,
}

impl Scope<'_> {
    /// Snowflake's and DuckDB's `* ILIKE 'pat'`, `* REPLACE (expr AS c)` and `* RENAME (c AS
    /// d)` on the columns a wildcard gave (`out.columns[from..]`).
    fn apply_options(&self, opts: &WildcardAdditionalOptions, out: &mut Projection, from: usize) {
        if let Some(ilike) = &opts.opt_ilike {
            let pattern = ilike.pattern.to_lowercase();
            let mut i = from;
            while i < out.columns.len() {
                if like(&out.columns[i].name, &pattern) {
                    i += 1;
                } else {
                    out.columns.remove(i);
                }
            }
        }
        if let Some(replace) = &opts.opt_replace {
            for item in &replace.items {
                let name = item.column_name.value.to_lowercase();
                let sources = self.expr_sources(&item.expr, &Projection::default());
                for c in out.columns[from..].iter_mut().filter(|c| c.name == name) {
                    c.sources = sources.clone();
                }
            }
        }
        let renames: Vec<&IdentWithAlias> = match &opts.opt_rename {
            Some(RenameSelectItem::Single(r)) => vec![r],
            Some(RenameSelectItem::Multiple(v)) => v.iter().collect(),
            None => Vec::new(),
        };
        for r in renames {
            let old = r.ident.value.to_lowercase();
            for c in out.columns[from..].iter_mut().filter(|c| c.name == old) {
                c.name = r.alias.value.to_lowercase();
            }
        }
    }

    /// The relation a qualifier names: by alias or name, or by the last part of a table name.
    fn find(&self, qualifier: &str) -> Option<&Relation> {
        self.relations
            .iter()
            .find(|r| r.label == qualifier)
            .or_else(|| {
                self.relations
                    .iter()
                    .find(|r| r.table.as_deref() == Some(qualifier))
            })
            .or_else(|| {
                let suffix = format!(".{qualifier}");
                self.relations
                    .iter()
                    .find(|r| r.table.as_deref().is_some_and(|t| t.ends_with(&suffix)))
            })
    }

    /// The table columns an expression is made from; `earlier` holds the select list's
    /// columns before it (lateral alias references).
    pub(crate) fn expr_sources(&self, e: &Expr, earlier: &Projection) -> BTreeSet<ColumnSource> {
        let mut from_subqueries = BTreeSet::new();
        // a subquery's names see this query's relations (made only when there is one)
        let mut inner: Option<Names> = None;
        let refs = expr_refs(e, &mut |q| {
            let names = inner.get_or_insert_with(|| Names {
                outer: Rc::new(self.relations.to_vec()),
                ..self.names.clone()
            });
            for c in query(q, names).columns {
                from_subqueries.extend(c.sources);
            }
        });
        let how = transformation(e, &refs);
        let mut out = BTreeSet::new();
        for r in &refs.columns {
            for s in self.resolve(r, earlier) {
                out.insert(ColumnSource {
                    transformation: how.max(s.transformation),
                    ..s
                });
            }
        }
        for s in from_subqueries {
            out.insert(ColumnSource {
                transformation: how
                    .max(s.transformation)
                    .max(Transformation::Transformation),
                ..s
            });
        }
        out
    }

    fn resolve(&self, r: &ColumnRef, earlier: &Projection) -> BTreeSet<ColumnSource> {
        let in_relation = |rel: &Relation| -> BTreeSet<ColumnSource> {
            if let Some(p) = &rel.derived {
                p.sources_of(&r.column).unwrap_or_default()
            } else if let Some(t) = &rel.table {
                BTreeSet::from([ColumnSource {
                    table: t.clone(),
                    column: r.column.clone(),
                    transformation: Transformation::Identity,
                }])
            } else {
                BTreeSet::new()
            }
        };
        if let Some(q) = &r.qualifier {
            return match self.find(q) {
                Some(rel) => in_relation(rel),
                None => Scope {
                    relations: &self.names.outer,
                    names: self.names,
                }
                .find(q)
                .map(in_relation)
                .unwrap_or_default(),
            };
        }
        if self.names.lateral_aliases {
            if let Some(lateral) = lateral(earlier, &r.column) {
                return lateral;
            }
        }
        if let [only] = self.relations {
            return in_relation(only);
        }
        let producing: Vec<&Relation> = self
            .relations
            .iter()
            .filter(|rel| rel.derived.as_ref().is_some_and(|p| p.has(&r.column)))
            .collect();
        // several derived items produce it: a `USING`/`NATURAL` join column of them all
        if !producing.is_empty() {
            return producing.into_iter().flat_map(in_relation).collect();
        }
        let tables: Vec<&Relation> = self
            .relations
            .iter()
            .filter(|rel| rel.table.is_some())
            .collect();
        if let [one] = tables.as_slice() {
            return in_relation(one);
        }
        BTreeSet::new()
    }
}

/// SQL `LIKE` matching of a lower-case name: `%` any run, `_` any one character (dynamic
/// programming over the pattern: linear in each, whatever the pattern).
fn like(name: &str, pattern: &str) -> bool {
    let n: Vec<char> = name.chars().collect();
    // matched[i]: the pattern so far matches the first i characters of the name
    let mut matched = vec![false; n.len() + 1];
    matched[0] = true;
    for p in pattern.chars() {
        let mut next = vec![false; n.len() + 1];
        match p {
            '%' => {
                let mut any = false;
                for i in 0..=n.len() {
                    any |= matched[i];
                    next[i] = any;
                }
            }
            _ => {
                for i in 1..=n.len() {
                    next[i] = matched[i - 1] && (p == '_' || n[i - 1] == p);
                }
            }
        }
        matched = next;
    }
    matched[n.len()]
}

/// An unqualified name that an earlier item of the select list defines as an alias, when no
/// earlier item shows the relations having a column of that name (`a || b AS x, x || c AS y`:
/// `x` is the alias; `f(id) AS id, id AS id2`: `id` is the table's column).
fn lateral(earlier: &Projection, name: &str) -> Option<BTreeSet<ColumnSource>> {
    let is_source_column = earlier
        .columns
        .iter()
        .flat_map(|c| c.sources.iter())
        .any(|s| s.column == name);
    if is_source_column || !earlier.has(name) {
        return None;
    }
    earlier.sources_of(name)
}
