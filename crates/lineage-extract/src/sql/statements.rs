//! Dispatch of one parsed statement to the handler of its kind, giving the tables it reads
//! and writes (names as written; the `USE` context is applied by the caller).

use std::ops::ControlFlow;

use sqlparser::ast::{Statement, Visit, Visitor};

use super::dialect::Dialect;
use super::lineage::NestedSql;
use super::names::object_name;
use super::outcome::Outcome;
use super::reads::ReadCollector;
use super::{copy, ddl, dml, query};

/// The lineage of one statement; `nested` analyses SQL text inside it.
pub(crate) fn analyze_statement(stmt: &Statement, dialect: Dialect, nested: NestedSql) -> Outcome {
    match stmt {
        Statement::Query(q) => query::select(q, dialect),
        Statement::Insert(_)
        | Statement::Update { .. }
        | Statement::Delete(_)
        | Statement::Merge { .. } => dml::statement(stmt, ReadCollector::new()),
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
        } => copy::unload(query.as_deref(), query_text.as_deref(), &to.value, nested),
        // Hive/Spark `LOAD DATA [LOCAL] INPATH 'p' INTO TABLE t`: the path read (a local
        // one is not reported), the table written
        Statement::LoadData {
            local,
            inpath,
            table_name,
            ..
        } => Outcome::read_write(
            if *local {
                Vec::new()
            } else {
                vec![inpath.clone()]
            },
            object_name(table_name).into_iter().collect(),
        ),
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
        | Statement::Case(_) => block(stmt, dialect, nested),
        _ => Outcome::default(),
    }
}

/// The union of the lineage of the statements inside a procedure body or control block.
fn block(stmt: &Statement, dialect: Dialect, nested: NestedSql) -> Outcome {
    let mut out = Outcome::default();
    for inner in &inner_statements(stmt) {
        out.merge(analyze_statement(inner, dialect, nested));
    }
    out
}

/// The statements one level inside a procedure body or control block, in order.
pub(crate) fn inner_statements(stmt: &Statement) -> Vec<Statement> {
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
    c.found
}
