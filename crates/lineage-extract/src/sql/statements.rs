//! Dispatch of one parsed statement to the handler of its kind, giving the tables it reads
//! and writes (names as written; the `USE` context is applied by the caller).

use std::ops::ControlFlow;

use sqlparser::ast::{Statement, Use, Visit, Visitor};

use super::reads::ReadCollector;
use super::{copy, ddl, dml, query, Dialect};

/// What one statement does to tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub temp_view: Option<String>,
    /// A `USE` statement: the new default database/schema.
    pub use_stmt: Option<Use>,
}

impl Outcome {
    pub(crate) fn read_write(inputs: Vec<String>, outputs: Vec<String>) -> Self {
        Self {
            inputs,
            outputs,
            ..Self::default()
        }
    }

    /// Adds another outcome's tables (statements nested in a procedure body).
    pub(crate) fn merge(&mut self, other: Outcome) {
        for i in other.inputs {
            push_unique(&mut self.inputs, i);
        }
        for o in other.outputs {
            push_unique(&mut self.outputs, o);
        }
    }
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The lineage of one statement.
pub(crate) fn analyze_statement(stmt: &Statement, dialect: Dialect) -> Outcome {
    match stmt {
        Statement::Query(q) => query::select(q, dialect),
        Statement::Insert(_)
        | Statement::Update { .. }
        | Statement::Delete(_)
        | Statement::Merge { .. } => dml_statement(stmt, ReadCollector::new()),
        Statement::Directory { path, source, .. } => {
            let mut c = ReadCollector::new();
            c.visit(source);
            Outcome::read_write(c.finish(), vec![path.clone()])
        }
        Statement::CreateTable(ct) => ddl::create_table(ct),
        Statement::CreateView {
            name,
            query,
            temporary,
            ..
        } => ddl::create_view(name, query, *temporary),
        Statement::Cache {
            table_name, query, ..
        } => ddl::cache(table_name, query.as_deref()),
        Statement::Drop {
            object_type, names, ..
        } => ddl::drop(object_type, names),
        Statement::Truncate { table_names, .. } => ddl::truncate(table_names),
        Statement::AlterTable {
            name, operations, ..
        } => ddl::alter_table(name, operations),
        Statement::Copy {
            source, to, target, ..
        } => copy::copy(source, *to, target),
        Statement::CopyIntoSnowflake {
            into,
            from_obj,
            from_query,
            stage_params,
            ..
        } => copy::copy_into(into, from_obj.as_ref(), from_query.as_deref(), stage_params),
        Statement::Unload {
            query,
            query_text,
            to,
            ..
        } => copy::unload(query.as_deref(), query_text.as_deref(), &to.value, dialect),
        Statement::CreateStage {
            name, stage_params, ..
        } => copy::create_stage(name, stage_params),
        Statement::Use(u) => Outcome {
            use_stmt: Some(u.clone()),
            ..Outcome::default()
        },
        Statement::CreateProcedure { .. }
        | Statement::If(_)
        | Statement::While(_)
        | Statement::Case(_) => nested(stmt, dialect),
        _ => Outcome::default(),
    }
}

/// INSERT/UPDATE/DELETE/MERGE, reading through `c` (which may hold an enclosing `WITH`).
pub(crate) fn dml_statement(stmt: &Statement, c: ReadCollector) -> Outcome {
    match stmt {
        Statement::Insert(ins) => dml::insert(ins, c),
        Statement::Update {
            table,
            assignments,
            from,
            selection,
            ..
        } => dml::update(table, assignments, from.as_ref(), selection.as_ref(), c),
        Statement::Delete(d) => dml::delete(d, c),
        Statement::Merge {
            table,
            source,
            on,
            clauses,
            ..
        } => dml::merge(table, source, on, clauses, c),
        _ => Outcome::default(),
    }
}

/// The union of the lineage of the statements inside a procedure body or control block.
fn nested(stmt: &Statement, dialect: Dialect) -> Outcome {
    /// Clones the statements one level below the visited root.
    struct Collect {
        depth: usize,
        found: Vec<Statement>,
    }
    impl Visitor for Collect {
        type Break = ();
        fn pre_visit_statement(&mut self, s: &Statement) -> ControlFlow<()> {
            if self.depth == 1 {
                self.found.push(s.clone());
            }
            self.depth += 1;
            ControlFlow::Continue(())
        }
        fn post_visit_statement(&mut self, _s: &Statement) -> ControlFlow<()> {
            self.depth = self.depth.saturating_sub(1);
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect {
        depth: 0,
        found: Vec::new(),
    };
    let _ = stmt.visit(&mut c);
    let mut out = Outcome::default();
    for inner in &c.found {
        out.merge(analyze_statement(inner, dialect));
    }
    out
}
