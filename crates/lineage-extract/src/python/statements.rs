//! Statements: blocks, assignments and binding of targets (names, tuples, attributes,
//! subscripts), imports and aliases, `if`/`elif` on decided conditions (`match`: `matching`), `for` over known lists,
//! `while`, `try`/`else`/`finally`, `with ... as`, function definitions and `return`.

use super::stdlib::is_known_module;
use super::{field, kind};
use super::{Flow, Interp};
use crate::builtins::{binop, iterate};
use crate::interp::{Evaluate, MAX_ITER};
use crate::value::{values_equal, Value};
use std::rc::Rc;
use tree_sitter::Node;

/// Whether an arm of an `if` chain or a `match` holds (`None`: undecided), and its block.
pub(super) type ArmTest<'a, 't, 'e, 'c> =
    dyn Fn(&mut Interp<'t, 'e, 'c>, Node<'t>) -> (Option<bool>, Option<Node<'t>>) + 'a;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(super) fn exec_block(&mut self, n: Node<'t>) -> Flow {
        let mut c = n.walk();
        let stmts: Vec<Node> = n.named_children(&mut c).collect();
        for s in stmts {
            match self.exec(s) {
                Flow::Normal => {}
                f => return f,
            }
        }
        Flow::Normal
    }

    pub(super) fn exec(&mut self, n: Node<'t>) -> Flow {
        match kind(n) {
            "expression_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    self.eval_stmt_expr(k);
                }
                Flow::Normal
            }
            "block" => self.exec_block(n),
            "if_statement" => self.exec_if(n),
            "match_statement" => self.exec_match(n),
            "for_statement" => self.exec_for(n),
            "while_statement" => self.exec_while(n),
            "function_definition" => {
                if let Some(name) = field(n, "name") {
                    let id = self.define_func(n);
                    let name = self.text(name).to_string();
                    self.scopes.assign(&name, Value::Func(id));
                }
                Flow::Normal
            }
            "decorated_definition" => match field(n, "definition") {
                Some(d) => self.exec(d),
                None => Flow::Normal,
            },
            "class_definition" => {
                self.define_class(n);
                Flow::Normal
            }
            "return_statement" => {
                let mut c = n.walk();
                let v = n
                    .named_children(&mut c)
                    .next()
                    .map(|e| self.eval(e))
                    .unwrap_or(Value::None);
                Flow::Return(v)
            }
            "continue_statement" => Flow::Continue,
            "break_statement" => Flow::Break,
            "try_statement" => self.exec_try(n),
            "with_statement" => self.exec_with(n),
            "import_statement" => self.exec_import(n),
            "import_from_statement" => self.exec_import_from(n),
            "global_statement" => {
                let mut c = n.walk();
                let names: Vec<Node> = n.named_children(&mut c).collect();
                for k in names.into_iter().filter(|k| kind(k) == "identifier") {
                    let name = self.text(k).to_string();
                    self.scopes.declare_global(&name);
                }
                Flow::Normal
            }
            "print_statement" => {
                // Python 2: `print "x", y` (and `print >>f, x`)
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let mut args = crate::builtins::Args::default();
                for k in kids.into_iter().filter(|k| kind(k) != "chevron") {
                    let v = self.eval(k);
                    args.pos.push(v);
                }
                self.record_print(&args);
                Flow::Normal
            }
            _ => Flow::Normal,
        }
    }

    /// `while`: the body runs once unless the condition is decided false.
    fn exec_while(&mut self, n: Node<'t>) -> Flow {
        if let Some(b) = field(n, "body") {
            let cond = field(n, "condition")
                .map(|c| self.eval(c))
                .and_then(|v| v.truthy());
            if cond != Some(false) {
                if let Flow::Return(v) = self.exec_block(b) {
                    return Flow::Return(v);
                }
            }
        }
        Flow::Normal
    }

    /// `try`: the body, `else` when the body ran through, `finally` always (handlers never run).
    fn exec_try(&mut self, n: Node<'t>) -> Flow {
        let mut flow = Flow::Normal;
        if let Some(b) = field(n, "body") {
            flow = self.exec_block(b);
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            if kind(k) == "else_clause" && matches!(flow, Flow::Normal) {
                if let Some(b) = field(k, "body") {
                    flow = self.exec_block(b);
                }
            } else if kind(k) == "finally_clause" {
                let mut c2 = k.walk();
                let blocks: Vec<Node> = k.named_children(&mut c2).collect();
                for b in blocks {
                    if kind(b) == "block" {
                        self.exec_block(b);
                    }
                }
            }
        }
        flow
    }

    /// `with a as b, ...`: each context expression evaluated, `as` targets bound, then the body.
    fn exec_with(&mut self, n: Node<'t>) -> Flow {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            if kind(k) == "with_clause" {
                let mut c2 = k.walk();
                let items: Vec<Node> = k.named_children(&mut c2).collect();
                for it in items {
                    if let Some(v) = field(it, "value") {
                        if kind(v) == "as_pattern" {
                            let mut c3 = v.walk();
                            let parts: Vec<Node> = v.named_children(&mut c3).collect();
                            if let (Some(e), Some(t)) = (parts.first(), parts.last()) {
                                let val = self.eval(*e);
                                let target = if kind(t) == "as_pattern_target" {
                                    t.named_child(0).unwrap_or(*t)
                                } else {
                                    *t
                                };
                                self.bind(target, val);
                            }
                        } else {
                            self.eval(v);
                        }
                    }
                }
            }
        }
        match field(n, "body") {
            Some(b) => self.exec_block(b),
            None => Flow::Normal,
        }
    }

    /// `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
    fn exec_import(&mut self, n: Node<'t>) -> Flow {
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match kind(k) {
                "dotted_name" => {
                    let full = self.text(k).to_string();
                    self.import_user_module(&full);
                    let first = full.split('.').next().unwrap_or("").to_string();
                    self.scopes
                        .assign(&first, Value::Module(Rc::from(first.as_str())));
                }
                "aliased_import" => {
                    if let (Some(nm), Some(al)) = (field(k, "name"), field(k, "alias")) {
                        let full = self.text(nm).to_string();
                        let alias = self.text(al).to_string();
                        self.import_user_module(&full);
                        self.scopes
                            .assign(&alias, Value::Module(Rc::from(full.as_str())));
                    }
                }
                _ => {}
            }
        }
        Flow::Normal
    }

    /// `from m import a [as b]`: names of a shipped module are its namespace's; names of
    /// modules not known are remembered as foreign.
    fn exec_import_from(&mut self, n: Node<'t>) -> Flow {
        let module = field(n, "module_name")
            .map(|m| self.text(m).to_string())
            .unwrap_or_default();
        let user = self.import_user_module(&module);
        let known = user.is_some() || is_known_module(&module);
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        if let (Some(ns), true) = (&user, kids.iter().any(|k| kind(k) == "wildcard_import")) {
            for (name, v) in ns.clone() {
                self.scopes.assign(&name, v);
            }
            return Flow::Normal;
        }
        let mut c = n.walk();
        let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
        for k in names {
            let (name, alias) = match kind(k) {
                "aliased_import" => (
                    field(k, "name")
                        .map(|x| self.text(x).to_string())
                        .unwrap_or_default(),
                    field(k, "alias")
                        .map(|x| self.text(x).to_string())
                        .unwrap_or_default(),
                ),
                _ => (self.text(k).to_string(), self.text(k).to_string()),
            };
            if !known {
                self.foreign.push(alias.clone());
            }
            let value = match &user {
                Some(_) => {
                    let qualified = module.trim_start_matches('.');
                    self.module_attr(&module, &name)
                        .unwrap_or_else(|| Value::Module(Rc::from(format!("{qualified}.{name}"))))
                }
                None => Value::Module(Rc::from(format!("{module}.{name}"))),
            };
            self.scopes.assign(&alias, value);
        }
        Flow::Normal
    }

    fn eval_stmt_expr(&mut self, k: Node<'t>) {
        match kind(k) {
            "assignment" => self.exec_assign(k),
            "augmented_assignment" => {
                if let (Some(l), Some(r)) = (field(k, "left"), field(k, "right")) {
                    let cur = self.eval(l);
                    let rv = self.eval(r);
                    let op = field(k, "operator").map(|o| self.text(o)).unwrap_or("+=");
                    let nv = binop(op.trim_end_matches('='), &cur, &rv);
                    self.bind(l, nv);
                }
            }
            _ => {
                self.eval(k);
            }
        }
    }

    pub(super) fn exec_assign(&mut self, n: Node<'t>) {
        let Some(right) = field(n, "right") else {
            return;
        };
        let v = if kind(right) == "assignment" {
            // a = b = value
            self.exec_assign(right);
            field(right, "left")
                .map(|l| self.eval(l))
                .unwrap_or(Value::None)
        } else {
            self.eval(right)
        };
        if let Some(l) = field(n, "left") {
            self.bind(l, v);
        }
    }

    /// Binds a target pattern (name, tuple, subscript) to a value.
    pub(super) fn bind(&mut self, target: Node<'t>, v: Value) {
        match kind(target) {
            "identifier" => {
                let name = self.text(target).to_string();
                self.scopes.assign(&name, v);
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let mut c = target.walk();
                let parts: Vec<Node> = target.named_children(&mut c).collect();
                let items = v.items().filter(|_| matches!(v, Value::List(_)));
                for (i, p) in parts.into_iter().enumerate() {
                    let item = items
                        .as_ref()
                        .and_then(|it| it.get(i).cloned())
                        .unwrap_or_else(|| Value::unknown(self.text(p)));
                    self.bind(p, item);
                }
            }
            "attribute" => {
                if let (Some(obj), Some(attr)) =
                    (field(target, "object"), field(target, "attribute"))
                {
                    if let Value::Instance(inst) = self.eval(obj) {
                        let name = self.text(attr).to_string();
                        inst.borrow_mut().attrs.insert(name, v);
                    }
                }
            }
            "subscript" => {
                // d[k] = v on a variable
                if let (Some(base), Some(idx)) =
                    (field(target, "value"), field(target, "subscript"))
                {
                    if kind(base) == "identifier" {
                        let key = self.eval(idx);
                        let name = self.text(base).to_string();
                        if let Some(Value::Dict(items)) = self.scopes.lookup(&name) {
                            let mut items = items.as_ref().clone();
                            items.retain(|(k, _)| values_equal(k, &key) != Some(true));
                            items.push((key, v));
                            self.scopes.update(&name, Value::dict(items));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn exec_if(&mut self, n: Node<'t>) -> Flow {
        let mut c = n.walk();
        let arms: Vec<Node<'t>> = std::iter::once(n)
            .chain(n.children_by_field_name("alternative", &mut c))
            .collect();
        self.exec_first_arm(&arms, &|it, arm| match kind(arm) {
            // the `if` itself and each `elif`: a condition and its block
            "if_statement" | "elif_clause" => (
                field(arm, "condition")
                    .map(|c| it.eval(c))
                    .and_then(|v| v.truthy()),
                field(arm, "consequence"),
            ),
            "else_clause" => (Some(true), field(arm, "body")),
            _ => (Some(false), None),
        })
    }

    /// Both ways of an undecided condition run, each from the state before it; after them, a
    /// variable they left different is unknown (collections keep what either put in them).
    /// Control flow inside them is not followed. When the run's log lines showed what one way
    /// prints and nothing of what the other prints, the other was not taken: its reads, writes
    /// and variables are dropped.
    pub(super) fn either(&mut self, first: impl FnOnce(&mut Self), second: impl FnOnce(&mut Self)) {
        let before = self.scopes.clone();
        let mark = |it: &Self| {
            (
                it.env.found.ios.len(),
                it.env.found.diagnostics.len(),
                it.env.found.printed.len(),
            )
        };
        let m0 = mark(self);
        first(self);
        let m1 = mark(self);
        let after_first = std::mem::replace(&mut self.scopes, before);
        second(self);
        let m2 = mark(self);
        match (self.way_heard(m0.2, m1.2), self.way_heard(m1.2, m2.2)) {
            (Some(true), Some(false)) => {
                // the second way was not taken
                let found = &mut self.env.found;
                found.ios.truncate(m1.0);
                found.diagnostics.truncate(m1.1);
                self.scopes = after_first;
            }
            (Some(false), Some(true)) => {
                // the first way was not taken
                let found = &mut self.env.found;
                found.ios.drain(m0.0..m1.0);
                found.diagnostics.drain(m0.1..m1.1);
            }
            _ => self.scopes.join(after_first),
        }
    }

    /// Whether the run's logs showed a line printed in `from..to` of the printed lines (`None`
    /// when nothing was printed there or the logs cannot tell).
    fn way_heard(&self, from: usize, to: usize) -> Option<bool> {
        let printed = self.env.found.printed.get(from..to)?;
        if printed.is_empty() {
            return None;
        }
        let mut heard = false;
        for p in printed {
            heard |= self.env.heard(p)?;
        }
        Some(heard)
    }

    /// Runs the first of `arms` that holds (an `if`'s `elif`/`else` chain, a `match`'s cases):
    /// `test` says whether an arm holds and gives its block. An arm that holds runs and ends the
    /// chain; one that does not is passed over; an undecided one runs as one way of an
    /// undecided condition, the arms after it as the other.
    pub(super) fn exec_first_arm(
        &mut self,
        arms: &[Node<'t>],
        test: &ArmTest<'_, 't, 'e, 'c>,
    ) -> Flow {
        for (i, &arm) in arms.iter().enumerate() {
            let (holds, block) = test(self, arm);
            match holds {
                Some(true) => return block.map(|b| self.exec_block(b)).unwrap_or(Flow::Normal),
                Some(false) => {}
                None => {
                    let rest = &arms[i + 1..];
                    self.either(
                        |it| {
                            if let Some(b) = block {
                                it.exec_block(b);
                            }
                        },
                        |it| {
                            it.exec_first_arm(rest, test);
                        },
                    );
                    return Flow::Normal;
                }
            }
        }
        Flow::Normal
    }

    fn exec_for(&mut self, n: Node<'t>) -> Flow {
        let (Some(left), Some(right), Some(body)) =
            (field(n, "left"), field(n, "right"), field(n, "body"))
        else {
            return Flow::Normal;
        };
        let iter = self.eval(right);
        match iterate(&iter) {
            Some(items) => {
                for (i, it) in items.into_iter().take(MAX_ITER).enumerate() {
                    if !self.env.next_iteration(i, self.text(right)) {
                        break;
                    }
                    self.bind(left, it);
                    match self.exec_block(body) {
                        Flow::Break => break,
                        Flow::Return(v) => return Flow::Return(v),
                        _ => {}
                    }
                }
            }
            None => {
                // unknown iterable: over the items the run's log lines showed, else once with
                // unknown loop variables
                let desc = format!("item of {}", self.text(right));
                let items = self
                    .env
                    .bound_values(&desc)
                    .unwrap_or_else(|| vec![Value::unknown(&desc)]);
                // whether the body breaks or returns early is not known: every item runs
                for (i, it) in items.into_iter().take(MAX_ITER).enumerate() {
                    if !self.env.next_iteration(i, self.text(right)) {
                        break;
                    }
                    self.bind(left, it);
                    self.exec_block(body);
                }
            }
        }
        Flow::Normal
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_with};
    use crate::value::Value;

    #[test]
    fn decided_conditions_skip_dead_branches() {
        let r = run(r#"
DEBUG = False
x = "start"
if DEBUG:
    x = "dead-if"
    spark.read.csv("s3://dead/if/")
elif 1 == 1:
    x = "live-elif"
else:
    x = "dead-else"
    spark.read.csv("s3://dead/else/")
"#);
        assert_eq!(r.text("x").as_deref(), Some("live-elif"));
        assert!(r.ios().is_empty(), "{:?}", r.ios());
    }

    #[test]
    fn undecided_conditions_run_both_branches() {
        let r = run(r#"
if flag:
    spark.read.csv("s3://a/then/")
else:
    spark.read.csv("s3://b/else/")
"#);
        assert_eq!(r.ios(), ["in s3://a/then", "in s3://b/else"]);
    }

    #[test]
    fn after_undecided_ways_what_they_left_different_is_unknown() {
        let r = run(r#"
same = "x"
seen = {"a": 1}
if flag:
    differs = "s3://one/"
    same = "x"
    seen["b"] = 2
elif other:
    differs = "s3://two/"
else:
    differs = "s3://three/"
    seen["c"] = 3
after = differs + "t/"
"#);
        assert!(r.is_unknown("differs"), "not the last way's value");
        assert_eq!(r.text("same").as_deref(), Some("x"));
        match r.value("seen") {
            Value::Dict(d) => {
                let keys: Vec<String> = d.iter().filter_map(|(k, _)| k.as_known_str()).collect();
                assert_eq!(keys, ["a", "c", "b"], "what either way put in");
            }
            v => panic!("seen is {v:?}"),
        }
    }

    #[test]
    fn the_way_the_logs_heard_is_the_way_taken() {
        let script = r#"
marker = check_marker()
if marker:
    print("marker found, skipping " + marker)
    spark.read.csv("s3://a/skip/")
else:
    print("processing new data")
    spark.read.csv("s3://a/process/")
"#;
        let ctx = crate::testutil::context(lineage_domain::ScriptLanguage::Python, script, &[]);
        let mut env = crate::emit::Env::new(&ctx);
        env.heard = Some(["processing new data".to_string()].into());
        let parsed = super::super::parse_run(script, &ctx).expect("parse");
        super::super::run(script, &parsed, &mut env);
        assert_eq!(crate::testutil::ios(&env.found), ["in s3://a/process"]);
        // without logs, both ways
        let mut env = crate::emit::Env::new(&ctx);
        let parsed = super::super::parse_run(script, &ctx).expect("parse");
        super::super::run(script, &parsed, &mut env);
        assert_eq!(
            crate::testutil::ios(&env.found),
            ["in s3://a/skip", "in s3://a/process"]
        );
    }

    #[test]
    fn globals_declared_in_functions_and_containers_changed_in_place() {
        let r = run(r#"
paths = {}
root = "none"
def register(name):
    global root
    paths[name] = "s3://lake/" + name
    root = name
register("orders")
for k in paths:
    spark.read.parquet(paths[k])
"#);
        assert_eq!(r.text("root").as_deref(), Some("orders"));
        assert_eq!(r.ios(), ["in s3://lake/orders"]);
    }

    #[test]
    fn python2_print_is_a_template() {
        let r = run(r#"
name = get_name()
print "writing table", name
"#);
        assert_eq!(r.found.templates.len(), 1);
        assert_eq!(
            r.found.templates[0].describe(),
            "writing table {get_name()}"
        );
    }

    #[test]
    fn for_over_a_known_list_with_continue_and_break() {
        let r = run(r#"
seen = []
for t in ["a", "b", "c", "stop", "d"]:
    if t == "b":
        continue
    if t == "stop":
        break
    seen.append(t)
    spark.read.parquet("s3://in/" + t + "/")
"#);
        assert_eq!(r.texts("seen"), ["a", "c"]);
        assert_eq!(r.ios(), ["in s3://in/a", "in s3://in/c"]);
    }

    #[test]
    fn for_over_an_unknown_iterable_runs_once_with_an_unknown_item() {
        let r = run(r#"
for t in tables:
    last = t
"#);
        assert_eq!(r.value("last"), Value::unknown("item of tables"));
    }

    #[test]
    fn for_unpacks_dict_items() {
        let r = run(r#"
paths = {"a": "s3://x/a/", "b": "s3://x/b/"}
for name, p in paths.items():
    spark.read.json(p)
"#);
        assert_eq!(r.ios(), ["in s3://x/a", "in s3://x/b"]);
    }

    #[test]
    fn try_runs_body_else_and_finally_but_not_handlers() {
        let r = run(r#"
try:
    a = "body"
except Exception:
    a = "handler"
else:
    b = "else"
finally:
    c = "finally"
"#);
        assert_eq!(r.text("a").as_deref(), Some("body"));
        assert_eq!(r.text("b").as_deref(), Some("else"));
        assert_eq!(r.text("c").as_deref(), Some("finally"));
    }

    #[test]
    fn with_as_binds_the_context_value() {
        let r = run(r#"
def config_path():
    return "s3://cfg-bucket/tables/"
with config_path() as path:
    spark.read.json(path)
"#);
        assert_eq!(r.text("path").as_deref(), Some("s3://cfg-bucket/tables/"));
        assert_eq!(r.ios(), ["in s3://cfg-bucket/tables"]);
    }

    #[test]
    fn imports_and_aliases_bind_modules() {
        let r = run(r#"
import os.path as osp
import awswrangler as wr
from os import path as P
a = osp.join("s3://b", "k")
b = P.join("s3://c", "d")
wr.s3.read_parquet("s3://wr-bucket/t/")
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://b/k"));
        assert_eq!(r.text("b").as_deref(), Some("s3://c/d"));
        assert_eq!(r.value("osp"), Value::Module("os.path".into()));
        assert_eq!(r.value("P"), Value::Module("os.path".into()));
        assert_eq!(r.ios(), ["in s3://wr-bucket/t"]);
    }

    #[test]
    fn names_from_unknown_modules_are_opaque_and_diagnosed() {
        let r = run(r#"
from company_lib import load_table
df = load_table("db.t")
"#);
        assert_eq!(r.found.diagnostics.len(), 1);
        assert_eq!(
            r.found.diagnostics[0].kind,
            lineage_domain::DiagnosticKind::OpaqueCall
        );
        assert!(r.found.diagnostics[0]
            .message
            .contains("company_lib.load_table"));
    }

    #[test]
    fn assignment_forms() {
        let r = run(r#"
a = b = "same"
x, y = ["1", "2"]
p = "s3://bkt"
p += "/key"
d = {}
d["k"] = "v"
n = 1
n += 2
"#);
        assert_eq!(r.text("a").as_deref(), Some("same"));
        assert_eq!(r.text("b").as_deref(), Some("same"));
        assert_eq!(r.text("x").as_deref(), Some("1"));
        assert_eq!(r.text("y").as_deref(), Some("2"));
        assert_eq!(r.text("p").as_deref(), Some("s3://bkt/key"));
        assert_eq!(r.value("d").get_key("k"), Some(&Value::str("v")));
        assert_eq!(r.value("n"), Value::Int(3));
    }

    #[test]
    fn while_false_never_runs_and_functions_run_only_when_called() {
        let r = run(r#"
x = "before"
while False:
    x = "loop"
def never():
    spark.read.csv("s3://dead/fn/")
def used():
    spark.read.csv("s3://live/fn/")
used()
"#);
        assert_eq!(r.text("x").as_deref(), Some("before"));
        assert_eq!(r.ios(), ["in s3://live/fn"]);
    }

    #[test]
    fn resolved_arguments_decide_conditions() {
        let r = run_with(
            r#"
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["mode"])
if args["mode"] == "skip":
    spark.read.csv("s3://skipped/x/")
else:
    spark.read.csv("s3://ran/x/")
"#,
            &[("mode", "run")],
        );
        assert_eq!(
            r.value("args")
                .get_key("mode")
                .and_then(Value::as_known_str),
            Some("run".to_string())
        );
        assert_eq!(r.ios(), ["in s3://ran/x"]);
    }
}
