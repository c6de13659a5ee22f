//! The tables a piece of SQL reads: every plain table in a `FROM`/`JOIN`/`USING` position,
//! at any depth (subqueries in expressions included), minus CTE names. Tables read only inside
//! a CTE that nothing uses are not counted (openlineage's convention).

use std::collections::HashSet;
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, FunctionArguments, Query, TableFactor, Visit, Visitor, With};

use super::names::table_factor_name;

/// One `WITH` clause in scope.
struct Frame {
    recursive: bool,
    /// (name, query pointer, context id)
    ctes: Vec<(String, *const Query, usize)>,
    /// Index of the CTE whose definition is being visited.
    current: Option<usize>,
}

/// What `post_visit_query` must undo.
struct Mark {
    frame: bool,
    ctx: Option<usize>,
}

/// Collects table reads; call [`ReadCollector::visit`] on any number of nodes, then
/// [`ReadCollector::finish`].
#[derive(Default)]
pub(crate) struct ReadCollector {
    frames: Vec<Frame>,
    marks: Vec<Mark>,
    /// Stack of contexts; context 0 is the statement itself, others are CTE definitions.
    contexts: Vec<usize>,
    next_ctx: usize,
    refs: Vec<(usize, String)>,
    edges: Vec<(usize, usize)>,
    /// Table factors not to count (statement targets written as `FROM` items).
    skip: HashSet<*const TableFactor>,
    /// Tables written by functions (Vertica `SWAP_PARTITIONS_BETWEEN_TABLES`).
    pub(crate) function_writes: Vec<String>,
}

impl ReadCollector {
    pub(crate) fn new() -> Self {
        Self {
            contexts: vec![0],
            next_ctx: 1,
            ..Self::default()
        }
    }

    /// Do not count this `FROM` item (e.g. the target of an UPDATE/DELETE).
    pub(crate) fn skip(&mut self, tf: &TableFactor) {
        self.skip.insert(tf as *const TableFactor);
    }

    /// Brings a `WITH` clause into scope for everything visited afterwards.
    pub(crate) fn enter_with(&mut self, with: &With) {
        self.push_frame(with);
        for cte in &with.cte_tables {
            self.visit(&cte.query);
        }
    }

    fn push_frame(&mut self, with: &With) {
        let mut ctes = Vec::new();
        for cte in &with.cte_tables {
            let id = self.next_ctx;
            self.next_ctx += 1;
            ctes.push((
                cte.alias.name.value.to_lowercase(),
                &*cte.query as *const Query,
                id,
            ));
        }
        self.frames.push(Frame {
            recursive: with.recursive,
            ctes,
            current: None,
        });
    }

    pub(crate) fn visit<V: Visit>(&mut self, node: &V) {
        let _ = node.visit(self);
    }

    /// The tables read, in first-seen order, without repeats.
    pub(crate) fn finish(self) -> Vec<String> {
        let mut reachable = HashSet::from([0usize]);
        let mut changed = true;
        while changed {
            changed = false;
            for (from, to) in &self.edges {
                if reachable.contains(from) && reachable.insert(*to) {
                    changed = true;
                }
            }
        }
        let mut out: Vec<String> = Vec::new();
        for (ctx, name) in self.refs {
            if reachable.contains(&ctx) && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    fn current(&self) -> usize {
        self.contexts.last().copied().unwrap_or(0)
    }

    /// The context id of the CTE `name` visible here, if any.
    fn cte(&self, name: &str) -> Option<usize> {
        for frame in self.frames.iter().rev() {
            let visible = if frame.recursive {
                &frame.ctes[..]
            } else {
                match frame.current {
                    Some(i) => &frame.ctes[..i],
                    None => &frame.ctes[..],
                }
            };
            if let Some((_, _, id)) = visible.iter().find(|(n, _, _)| n == name) {
                return Some(*id);
            }
        }
        None
    }

    fn reference(&mut self, name: String) {
        let here = self.current();
        if !name.contains('.') {
            if let Some(id) = self.cte(&name) {
                self.edges.push((here, id));
                return;
            }
        }
        self.refs.push((here, name));
    }
}

impl Visitor for ReadCollector {
    type Break = ();

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        let ptr = query as *const Query;
        let mut mark = Mark {
            frame: false,
            ctx: None,
        };
        for frame in self.frames.iter_mut().rev() {
            if let Some(i) = frame.ctes.iter().position(|(_, p, _)| *p == ptr) {
                let id = frame.ctes[i].2;
                mark.ctx = frame.current.replace(i).or(Some(usize::MAX));
                self.contexts.push(id);
                break;
            }
        }
        if let Some(with) = &query.with {
            self.push_frame(with);
            mark.frame = true;
        }
        self.marks.push(mark);
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _query: &Query) -> ControlFlow<()> {
        if let Some(mark) = self.marks.pop() {
            if mark.frame {
                self.frames.pop();
            }
            if let Some(prev) = mark.ctx {
                self.contexts.pop();
                // Restore which CTE of the enclosing frame was being defined.
                if let Some(frame) = self.frames.last_mut() {
                    frame.current = if prev == usize::MAX { None } else { Some(prev) };
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
        if self.skip.contains(&(tf as *const TableFactor)) {
            return ControlFlow::Continue(());
        }
        if let Some(name) = table_factor_name(tf) {
            self.reference(name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            let fname = f.name.to_string().to_ascii_lowercase();
            if fname.ends_with("swap_partitions_between_tables") {
                if let FunctionArguments::List(list) = &f.args {
                    let names: Vec<Option<String>> =
                        list.args.iter().map(super::names::arg_name).collect();
                    if names.len() >= 4 {
                        if let Some(Some(src)) = names.first() {
                            self.reference(src.clone());
                        }
                        if let Some(Some(dst)) = names.get(3) {
                            self.function_writes.push(dst.clone());
                        }
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }
}
