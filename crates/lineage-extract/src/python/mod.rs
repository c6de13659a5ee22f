//! The Python interpreter: runs a PySpark / Python-shell script abstractly over its
//! tree-sitter syntax tree, statement by statement (flow-sensitive), resolving string values
//! (arguments, literals, f-strings, `+`, `%`, `.format`, helper functions, loops over known
//! lists, dicts, JSON configs from extra objects) and handing API calls to [`crate::api`].
//! Dead code is skipped: branches whose condition is decided, functions never called.

mod literals;

use crate::api;
use crate::builtins::{self, Args};
use crate::emit::Env;
use crate::value::{member_of, values_equal, Instance, Obj, PStr, Source, Value};
use lineage_domain::DiagnosticKind;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::{Node, Parser, Tree};

const MAX_DEPTH: usize = 12;
/// How deeply expressions are evaluated (CPython itself refuses 200 nested parentheses); deeper
/// nesting is an unknown value, so hostile input cannot overflow the stack.
const MAX_EXPR_DEPTH: usize = 100;
const MAX_ITER: usize = 200;

/// Parses Python source.
pub fn parse(text: &str) -> Option<Tree> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
    p.parse(text, None)
}

#[derive(Default)]
struct ClassDef {
    methods: HashMap<String, (usize, bool)>,
    attrs: std::collections::BTreeMap<String, Value>,
}

enum Flow {
    Normal,
    Continue,
    Break,
    Return(Value),
}

/// The interpreter state for one script.
#[allow(missing_debug_implementations)]
pub struct Interp<'t, 'e, 'c> {
    src: &'t str,
    pub env: &'e mut Env<'c>,
    globals: HashMap<String, Value>,
    frames: Vec<HashMap<String, Value>>,
    funcs: Vec<Node<'t>>,
    lambdas: Vec<Node<'t>>,
    /// Classes: methods (function id, whether static) and class attributes.
    classes: Vec<ClassDef>,
    depth: usize,
    /// How deep the current expression evaluation is (see [`MAX_EXPR_DEPTH`]).
    expr_depth: usize,
    /// Imported names from modules we do not know (private libraries).
    foreign: Vec<String>,
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub fn new(src: &'t str, env: &'e mut Env<'c>) -> Self {
        let mut globals = HashMap::new();
        globals.insert("__name__".to_string(), Value::str("__main__"));
        Self {
            src,
            env,
            globals,
            frames: Vec::new(),
            funcs: Vec::new(),
            lambdas: Vec::new(),
            classes: Vec::new(),
            depth: 0,
            expr_depth: 0,
            foreign: Vec::new(),
        }
    }

    /// Runs the module.
    pub fn run(&mut self, root: Node<'t>) {
        let mut c = root.walk();
        let stmts: Vec<Node> = root.named_children(&mut c).collect();
        for s in stmts {
            let top = (line_of(s), end_line_of(s));
            self.env.site.top = top;
            if let Flow::Return(_) = self.exec(s) {
                break;
            }
        }
    }

    fn text(&self, n: Node) -> &'t str {
        n.utf8_text(self.src.as_bytes()).unwrap_or("")
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        for f in self.frames.iter().rev() {
            if let Some(v) = f.get(name) {
                return Some(v.clone());
            }
        }
        self.globals.get(name).cloned()
    }

    fn assign_name(&mut self, name: &str, v: Value) {
        match self.frames.last_mut() {
            Some(f) => {
                f.insert(name.to_string(), v);
            }
            None => {
                self.globals.insert(name.to_string(), v);
            }
        }
    }

    fn exec_block(&mut self, n: Node<'t>) -> Flow {
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

    fn exec(&mut self, n: Node<'t>) -> Flow {
        match n.kind() {
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
            "for_statement" => self.exec_for(n),
            "while_statement" => {
                if let Some(b) = n.child_by_field_name("body") {
                    let cond = n
                        .child_by_field_name("condition")
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
            "function_definition" => {
                if let Some(name) = n.child_by_field_name("name") {
                    let id = self.funcs.len();
                    self.funcs.push(n);
                    let name = self.text(name).to_string();
                    self.assign_name(&name, Value::Func(id));
                }
                Flow::Normal
            }
            "decorated_definition" => match n.child_by_field_name("definition") {
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
            "try_statement" => {
                let mut flow = Flow::Normal;
                if let Some(b) = n.child_by_field_name("body") {
                    flow = self.exec_block(b);
                }
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() == "else_clause" && matches!(flow, Flow::Normal) {
                        if let Some(b) = k.child_by_field_name("body") {
                            flow = self.exec_block(b);
                        }
                    } else if k.kind() == "finally_clause" {
                        let mut c2 = k.walk();
                        let blocks: Vec<Node> = k.named_children(&mut c2).collect();
                        for b in blocks {
                            if b.kind() == "block" {
                                self.exec_block(b);
                            }
                        }
                    }
                }
                flow
            }
            "with_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    if k.kind() == "with_clause" {
                        let mut c2 = k.walk();
                        let items: Vec<Node> = k.named_children(&mut c2).collect();
                        for it in items {
                            if let Some(v) = it.child_by_field_name("value") {
                                if v.kind() == "as_pattern" {
                                    let mut c3 = v.walk();
                                    let parts: Vec<Node> = v.named_children(&mut c3).collect();
                                    if let (Some(e), Some(t)) = (parts.first(), parts.last()) {
                                        let val = self.eval(*e);
                                        let target = if t.kind() == "as_pattern_target" {
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
                match n.child_by_field_name("body") {
                    Some(b) => self.exec_block(b),
                    None => Flow::Normal,
                }
            }
            "import_statement" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                for k in kids {
                    match k.kind() {
                        "dotted_name" => {
                            let full = self.text(k).to_string();
                            let first = full.split('.').next().unwrap_or("").to_string();
                            self.assign_name(&first, Value::Module(Rc::from(first.as_str())));
                        }
                        "aliased_import" => {
                            if let (Some(nm), Some(al)) = (
                                k.child_by_field_name("name"),
                                k.child_by_field_name("alias"),
                            ) {
                                let full = self.text(nm).to_string();
                                let alias = self.text(al).to_string();
                                self.assign_name(&alias, Value::Module(Rc::from(full.as_str())));
                            }
                        }
                        _ => {}
                    }
                }
                Flow::Normal
            }
            "import_from_statement" => {
                let module = n
                    .child_by_field_name("module_name")
                    .map(|m| self.text(m).to_string())
                    .unwrap_or_default();
                let known = is_known_module(&module);
                let mut c = n.walk();
                let names: Vec<Node> = n.children_by_field_name("name", &mut c).collect();
                for k in names {
                    let (name, alias) = match k.kind() {
                        "aliased_import" => (
                            k.child_by_field_name("name")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default(),
                            k.child_by_field_name("alias")
                                .map(|x| self.text(x).to_string())
                                .unwrap_or_default(),
                        ),
                        _ => (self.text(k).to_string(), self.text(k).to_string()),
                    };
                    if !known {
                        self.foreign.push(alias.clone());
                    }
                    self.assign_name(&alias, Value::Module(Rc::from(format!("{module}.{name}"))));
                }
                Flow::Normal
            }
            _ => Flow::Normal,
        }
    }

    fn eval_stmt_expr(&mut self, k: Node<'t>) {
        match k.kind() {
            "assignment" => self.exec_assign(k),
            "augmented_assignment" => {
                if let (Some(l), Some(r)) = (
                    k.child_by_field_name("left"),
                    k.child_by_field_name("right"),
                ) {
                    let cur = self.eval(l);
                    let rv = self.eval(r);
                    let op = k
                        .child_by_field_name("operator")
                        .map(|o| self.text(o))
                        .unwrap_or("+=");
                    let nv = binop(op.trim_end_matches('='), &cur, &rv);
                    self.bind(l, nv);
                }
            }
            _ => {
                self.eval(k);
            }
        }
    }

    fn exec_assign(&mut self, n: Node<'t>) {
        let Some(right) = n.child_by_field_name("right") else {
            return;
        };
        let v = if right.kind() == "assignment" {
            // a = b = value
            self.exec_assign(right);
            right
                .child_by_field_name("left")
                .map(|l| self.eval(l))
                .unwrap_or(Value::None)
        } else {
            self.eval(right)
        };
        if let Some(l) = n.child_by_field_name("left") {
            self.bind(l, v);
        }
    }

    /// Binds a target pattern (name, tuple, subscript) to a value.
    fn bind(&mut self, target: Node<'t>, v: Value) {
        match target.kind() {
            "identifier" => {
                let name = self.text(target).to_string();
                self.assign_name(&name, v);
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
                if let (Some(obj), Some(attr)) = (
                    target.child_by_field_name("object"),
                    target.child_by_field_name("attribute"),
                ) {
                    if let Value::Instance(inst) = self.eval(obj) {
                        let name = self.text(attr).to_string();
                        inst.borrow_mut().attrs.insert(name, v);
                    }
                }
            }
            "subscript" => {
                // d[k] = v on a variable
                if let (Some(base), Some(idx)) = (
                    target.child_by_field_name("value"),
                    target.child_by_field_name("subscript"),
                ) {
                    if base.kind() == "identifier" {
                        let key = self.eval(idx);
                        let name = self.text(base).to_string();
                        if let Some(Value::Dict(items)) = self.lookup(&name) {
                            let mut items = items.as_ref().clone();
                            items.retain(|(k, _)| values_equal(k, &key) != Some(true));
                            items.push((key, v));
                            self.assign_name(&name, Value::dict(items));
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn exec_if(&mut self, n: Node<'t>) -> Flow {
        let cond = n
            .child_by_field_name("condition")
            .map(|c| self.eval(c))
            .and_then(|v| v.truthy());
        let cons = n.child_by_field_name("consequence");
        let mut alts: Vec<Node> = Vec::new();
        let mut c = n.walk();
        for a in n.children_by_field_name("alternative", &mut c) {
            alts.push(a);
        }
        match cond {
            Some(true) => cons.map(|b| self.exec_block(b)).unwrap_or(Flow::Normal),
            Some(false) => self.exec_alternatives(&alts),
            None => {
                // undecided: both ways run; control flow inside them is not followed
                if let Some(b) = cons {
                    let _ = self.exec_block(b);
                }
                let _ = self.exec_alternatives_all(&alts);
                Flow::Normal
            }
        }
    }

    fn exec_alternatives(&mut self, alts: &[Node<'t>]) -> Flow {
        for (i, a) in alts.iter().enumerate() {
            match a.kind() {
                "elif_clause" => {
                    let cond = a
                        .child_by_field_name("condition")
                        .map(|c| self.eval(c))
                        .and_then(|v| v.truthy());
                    match cond {
                        Some(true) => {
                            return a
                                .child_by_field_name("consequence")
                                .map(|b| self.exec_block(b))
                                .unwrap_or(Flow::Normal)
                        }
                        Some(false) => continue,
                        None => {
                            if let Some(b) = a.child_by_field_name("consequence") {
                                let _ = self.exec_block(b);
                            }
                            return self.exec_alternatives_all(&alts[i + 1..]);
                        }
                    }
                }
                "else_clause" => {
                    return a
                        .child_by_field_name("body")
                        .map(|b| self.exec_block(b))
                        .unwrap_or(Flow::Normal)
                }
                _ => {}
            }
        }
        Flow::Normal
    }

    fn exec_alternatives_all(&mut self, alts: &[Node<'t>]) -> Flow {
        for a in alts {
            let body = match a.kind() {
                "elif_clause" => {
                    let cond = a
                        .child_by_field_name("condition")
                        .map(|c| self.eval(c))
                        .and_then(|v| v.truthy());
                    if cond == Some(false) {
                        continue;
                    }
                    a.child_by_field_name("consequence")
                }
                _ => a.child_by_field_name("body"),
            };
            if let Some(b) = body {
                let _ = self.exec_block(b);
            }
        }
        Flow::Normal
    }

    fn exec_for(&mut self, n: Node<'t>) -> Flow {
        let (Some(left), Some(right), Some(body)) = (
            n.child_by_field_name("left"),
            n.child_by_field_name("right"),
            n.child_by_field_name("body"),
        ) else {
            return Flow::Normal;
        };
        let iter = self.eval(right);
        match iterate(&iter) {
            Some(items) => {
                for it in items.into_iter().take(MAX_ITER) {
                    self.bind(left, it);
                    match self.exec_block(body) {
                        Flow::Break => break,
                        Flow::Return(v) => return Flow::Return(v),
                        _ => {}
                    }
                }
            }
            None => {
                // unknown iterable: run the body once with unknown loop variables
                let desc = format!("item of {}", self.text(right));
                self.bind(left, Value::unknown(&desc));
                let _ = self.exec_block(body);
            }
        }
        Flow::Normal
    }

    // ---------------------------------------------------------------- expressions

    pub fn eval(&mut self, n: Node<'t>) -> Value {
        if self.expr_depth >= MAX_EXPR_DEPTH {
            return Value::unknown(self.text(n));
        }
        self.expr_depth += 1;
        let v = self.eval_node(n);
        self.expr_depth -= 1;
        v
    }

    fn eval_node(&mut self, n: Node<'t>) -> Value {
        match n.kind() {
            "string" => self.eval_string(n),
            "concatenated_string" => {
                let mut out = PStr::default();
                let mut c = n.walk();
                let parts: Vec<Node> = n.named_children(&mut c).collect();
                for p in parts {
                    out.push_str(&self.eval_string(p).to_pstr());
                }
                Value::Str(out)
            }
            "integer" => self
                .text(n)
                .replace('_', "")
                .parse()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::unknown(self.text(n))),
            "float" => self
                .text(n)
                .parse()
                .map(Value::Float)
                .unwrap_or_else(|_| Value::unknown(self.text(n))),
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            "none" => Value::None,
            "identifier" => {
                let name = self.text(n);
                self.lookup(name).unwrap_or_else(|| builtin_name(name))
            }
            "parenthesized_expression" => match n.named_child(0) {
                Some(e) => self.eval(e),
                None => Value::None,
            },
            "attribute" => {
                let (Some(obj), Some(attr)) = (
                    n.child_by_field_name("object"),
                    n.child_by_field_name("attribute"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let o = self.eval(obj);
                let name = self.text(attr);
                self.get_attr(&o, name, n)
            }
            "subscript" => {
                let (Some(base), Some(idx)) = (
                    n.child_by_field_name("value"),
                    n.child_by_field_name("subscript"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let b = self.eval(base);
                if idx.kind() == "slice" {
                    return Value::unknown(self.text(n));
                }
                let i = self.eval(idx);
                subscript(&b, &i, self.text(n))
            }
            "call" => self.eval_call(n),
            "binary_operator" => {
                let (Some(l), Some(r), Some(op)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                    n.child_by_field_name("operator"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let lv = self.eval(l);
                let rv = self.eval(r);
                binop(self.text(op), &lv, &rv)
            }
            "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                    n.child_by_field_name("operator"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let lv = self.eval(l);
                let is_and = self.text(op) == "and";
                match (lv.truthy(), is_and) {
                    (Some(false), true) | (Some(true), false) => lv,
                    (Some(_), _) => self.eval(r),
                    (None, _) => {
                        let rv = self.eval(r);
                        match (rv.truthy(), is_and) {
                            (Some(false), true) => Value::Bool(false),
                            (Some(true), false) => rv,
                            _ => Value::unknown(self.text(n)),
                        }
                    }
                }
            }
            "not_operator" => match n.child_by_field_name("argument").map(|a| self.eval(a)) {
                Some(v) => match v.truthy() {
                    Some(b) => Value::Bool(!b),
                    None => Value::unknown(self.text(n)),
                },
                None => Value::unknown(self.text(n)),
            },
            "comparison_operator" => self.eval_compare(n),
            "conditional_expression" => {
                let mut c = n.walk();
                let parts: Vec<Node> = n.named_children(&mut c).collect();
                if parts.len() < 3 {
                    return Value::unknown(self.text(n));
                }
                match self.eval(parts[1]).truthy() {
                    Some(true) => self.eval(parts[0]),
                    Some(false) => self.eval(parts[2]),
                    None => {
                        let a = self.eval(parts[0]);
                        let b = self.eval(parts[2]);
                        if a == b {
                            a
                        } else {
                            Value::unknown(self.text(n))
                        }
                    }
                }
            }
            "list" | "tuple" | "set" | "expression_list" => {
                let mut c = n.walk();
                let parts: Vec<Node> = n.named_children(&mut c).collect();
                let mut items = Vec::new();
                for p in parts {
                    if p.kind() == "list_splat" {
                        if let Some(inner) = p.named_child(0) {
                            let v = self.eval(inner);
                            match iterate(&v) {
                                Some(it) => items.extend(it),
                                None => items.push(Value::unknown(self.text(p))),
                            }
                        }
                    } else if p.kind() != "comment" {
                        items.push(self.eval(p));
                    }
                }
                Value::list(items)
            }
            "dictionary" => {
                let mut c = n.walk();
                let parts: Vec<Node> = n.named_children(&mut c).collect();
                let mut items: Vec<(Value, Value)> = Vec::new();
                for p in parts {
                    match p.kind() {
                        "pair" => {
                            if let (Some(k), Some(v)) =
                                (p.child_by_field_name("key"), p.child_by_field_name("value"))
                            {
                                let kv = self.eval(k);
                                let vv = self.eval(v);
                                items.push((kv, vv));
                            }
                        }
                        "dictionary_splat" => {
                            if let Some(inner) = p.named_child(0) {
                                if let Value::Dict(d) = self.eval(inner) {
                                    items.extend(d.iter().cloned());
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Value::dict(items)
            }
            "list_comprehension" | "generator_expression" | "set_comprehension" => {
                self.eval_comprehension(n, false)
            }
            "dictionary_comprehension" => self.eval_comprehension(n, true),
            "lambda" => {
                let id = self.lambdas.len();
                self.lambdas.push(n);
                Value::Lambda(id)
            }
            "unary_operator" => {
                let v = n.child_by_field_name("argument").map(|a| self.eval(a));
                match (self.text(n).starts_with('-'), v) {
                    (true, Some(Value::Int(i))) => Value::Int(-i),
                    (false, Some(v @ Value::Int(_))) => v,
                    _ => Value::unknown(self.text(n)),
                }
            }
            "await" => Value::unknown(self.text(n)),
            "named_expression" => {
                let v = n
                    .child_by_field_name("value")
                    .map(|x| self.eval(x))
                    .unwrap_or(Value::None);
                if let Some(nm) = n.child_by_field_name("name") {
                    self.bind(nm, v.clone());
                }
                v
            }
            "assignment" => {
                self.exec_assign(n);
                Value::None
            }
            _ => Value::unknown(self.text(n)),
        }
    }

    fn eval_string(&mut self, n: Node<'t>) -> Value {
        if n.kind() != "string" {
            return self.eval(n);
        }
        let mut prefix = String::new();
        let mut out = PStr::default();
        let mut c = n.walk();
        let kids: Vec<Node> = n.children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "string_start" => {
                    prefix = self
                        .text(k)
                        .trim_end_matches(['"', '\''])
                        .to_ascii_lowercase();
                }
                "string_content" => {
                    let raw = self.text(k);
                    let t = literals::unescape(raw, prefix.contains('r'), prefix.contains('f'));
                    out.push_str(&PStr::lit(t));
                }
                "escape_sequence" => {
                    let raw = self.text(k);
                    let t = literals::unescape(raw, prefix.contains('r'), prefix.contains('f'));
                    out.push_str(&PStr::lit(t));
                }
                "interpolation" => {
                    let v = k
                        .child_by_field_name("expression")
                        .map(|e| self.eval(e))
                        .unwrap_or_else(|| Value::unknown(self.text(k)));
                    let v = match v {
                        Value::Str(_)
                        | Value::Int(_)
                        | Value::Float(_)
                        | Value::Bool(_)
                        | Value::None
                        | Value::Unknown(_) => v,
                        _ => Value::unknown(self.text(k)),
                    };
                    out.push_str(&v.to_pstr());
                }
                _ => {}
            }
        }
        Value::Str(out)
    }

    fn eval_compare(&mut self, n: Node<'t>) -> Value {
        let mut c = n.walk();
        let kids: Vec<Node> = n.children(&mut c).collect();
        let mut operands = Vec::new();
        let mut ops: Vec<String> = Vec::new();
        let mut pending = String::new();
        for k in kids {
            if k.is_named() && k.kind() != "comment" {
                if !pending.is_empty() {
                    ops.push(std::mem::take(&mut pending));
                }
                operands.push(self.eval(k));
            } else {
                if !pending.is_empty() {
                    pending.push(' ');
                }
                pending.push_str(self.text(k));
            }
        }
        let mut result = Some(true);
        for (i, op) in ops.iter().enumerate() {
            let (Some(a), Some(b)) = (operands.get(i), operands.get(i + 1)) else {
                return Value::unknown(self.text(n));
            };
            let r = compare(op, a, b);
            result = match (result, r) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            };
        }
        match result {
            Some(b) => Value::Bool(b),
            None => Value::unknown(self.text(n)),
        }
    }

    fn eval_comprehension(&mut self, n: Node<'t>, dict: bool) -> Value {
        let Some(body) = n.child_by_field_name("body") else {
            return Value::unknown(self.text(n));
        };
        let mut c = n.walk();
        let clauses: Vec<Node> = n
            .named_children(&mut c)
            .filter(|k| k.kind() == "for_in_clause" || k.kind() == "if_clause")
            .collect();
        self.frames.push(HashMap::new());
        let mut out = Vec::new();
        let ok = self.comprehend(&clauses, body, dict, &mut out);
        self.frames.pop();
        if !ok {
            return Value::unknown(self.text(n));
        }
        if dict {
            let items = out
                .into_iter()
                .filter_map(|v| match v {
                    Value::List(p) if p.len() == 2 => Some((p[0].clone(), p[1].clone())),
                    _ => None,
                })
                .collect();
            Value::dict(items)
        } else {
            Value::list(out)
        }
    }

    fn comprehend(
        &mut self,
        clauses: &[Node<'t>],
        body: Node<'t>,
        dict: bool,
        out: &mut Vec<Value>,
    ) -> bool {
        let Some((first, rest)) = clauses.split_first() else {
            let v = if dict {
                let k = body.child_by_field_name("key").map(|k| self.eval(k));
                let v = body.child_by_field_name("value").map(|v| self.eval(v));
                Value::list(vec![k.unwrap_or(Value::None), v.unwrap_or(Value::None)])
            } else {
                self.eval(body)
            };
            out.push(v);
            return true;
        };
        match first.kind() {
            "for_in_clause" => {
                let (Some(left), Some(right)) = (
                    first.child_by_field_name("left"),
                    first.child_by_field_name("right"),
                ) else {
                    return false;
                };
                let it = self.eval(right);
                let Some(items) = iterate(&it) else {
                    return false;
                };
                for item in items.into_iter().take(MAX_ITER) {
                    self.bind(left, item);
                    if !self.comprehend(rest, body, dict, out) {
                        return false;
                    }
                }
                true
            }
            _ => {
                let cond = first
                    .named_child(0)
                    .map(|c| self.eval(c))
                    .and_then(|v| v.truthy());
                match cond {
                    Some(true) => self.comprehend(rest, body, dict, out),
                    Some(false) => true,
                    None => self.comprehend(rest, body, dict, out),
                }
            }
        }
    }

    fn eval_args(&mut self, n: Option<Node<'t>>) -> Args {
        let mut args = Args::default();
        let Some(n) = n else {
            return args;
        };
        if n.kind() == "generator_expression" {
            args.pos.push(self.eval(n));
            return args;
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "keyword_argument" => {
                    if let (Some(nm), Some(v)) = (
                        k.child_by_field_name("name"),
                        k.child_by_field_name("value"),
                    ) {
                        let val = self.eval(v);
                        args.kw.push((self.text(nm).to_string(), val));
                    }
                }
                "list_splat" => {
                    if let Some(inner) = k.named_child(0) {
                        let v = self.eval(inner);
                        match iterate(&v) {
                            Some(items) => args.pos.extend(items),
                            None => args.pos.push(Value::unknown(self.text(k))),
                        }
                    }
                }
                "dictionary_splat" => {
                    if let Some(inner) = k.named_child(0) {
                        match self.eval(inner) {
                            Value::Dict(d) => {
                                for (kk, vv) in d.iter() {
                                    if let Some(ks) = kk.as_known_str() {
                                        args.kw.push((ks, vv.clone()));
                                    }
                                }
                            }
                            v => args.kw.push(("**".to_string(), v)),
                        }
                    }
                }
                "comment" => {}
                _ => {
                    let v = self.eval(k);
                    args.pos.push(v);
                }
            }
        }
        args
    }

    fn set_site(&mut self, n: Node<'t>) {
        let text = self.text(n);
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut t: String = one_line.chars().take(200).collect();
        if one_line.chars().count() > 200 {
            t.push('…');
        }
        self.env.site.line = line_of(n);
        self.env.site.text = t;
    }

    fn eval_call(&mut self, n: Node<'t>) -> Value {
        let Some(func) = n.child_by_field_name("function") else {
            return Value::unknown(self.text(n));
        };
        let args_node = n.child_by_field_name("arguments");
        if func.kind() == "attribute" {
            let (Some(obj), Some(attr)) = (
                func.child_by_field_name("object"),
                func.child_by_field_name("attribute"),
            ) else {
                return Value::unknown(self.text(n));
            };
            let recv = self.eval(obj);
            let name = self.text(attr).to_string();
            let args = self.eval_args(args_node);
            // list/dict mutation through a variable
            if obj.kind() == "identifier" {
                if let Some(nv) = mutate(&recv, &name, &args) {
                    let var = self.text(obj).to_string();
                    self.assign_name(&var, nv);
                    return Value::None;
                }
            }
            self.set_site(n);
            return self.call_method(recv, &name, args, n);
        }
        let callee = self.eval(func);
        let args = self.eval_args(args_node);
        self.set_site(n);
        self.call_value(callee, args, n)
    }

    fn call_method(&mut self, recv: Value, name: &str, args: Args, n: Node<'t>) -> Value {
        match &recv {
            Value::Str(s) => {
                builtins::str_method(s, name, &args).unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Dict(_) => match name {
                "get" => {
                    let key = args.pos.first().and_then(Value::as_known_str);
                    match key {
                        Some(k) => recv
                            .get_key(&k)
                            .cloned()
                            .or_else(|| args.pos.get(1).cloned())
                            .unwrap_or(Value::None),
                        None => Value::unknown(self.text(n)),
                    }
                }
                "items" => match &recv {
                    Value::Dict(d) => Value::list(
                        d.iter()
                            .map(|(k, v)| Value::list(vec![k.clone(), v.clone()]))
                            .collect(),
                    ),
                    _ => Value::unknown(self.text(n)),
                },
                "keys" => match &recv {
                    Value::Dict(d) => Value::list(d.iter().map(|(k, _)| k.clone()).collect()),
                    _ => Value::unknown(self.text(n)),
                },
                "values" => match &recv {
                    Value::Dict(d) => Value::list(d.iter().map(|(_, v)| v.clone()).collect()),
                    _ => Value::unknown(self.text(n)),
                },
                "copy" => recv.clone(),
                // Scala-style args("key") is handled in call_value; unknown methods:
                _ => Value::unknown(self.text(n)),
            },
            Value::List(l) => match name {
                "copy" => recv.clone(),
                "index" | "count" => Value::unknown(self.text(n)),
                _ => {
                    let _ = l;
                    Value::unknown(self.text(n))
                }
            },
            Value::Module(m) => {
                let q = format!("{m}.{name}");
                self.call_qualified(&q, args, n)
            }
            Value::Obj(Obj::Match(groups)) if name == "group" => {
                let i = match args.pos.first() {
                    Some(Value::Int(i)) => usize::try_from(*i).unwrap_or(0),
                    _ => 0,
                };
                groups.get(i).cloned().unwrap_or(Value::None)
            }
            Value::Obj(Obj::S3Response(r)) if name == "read" => match r.as_ref() {
                Some((uri, text)) => {
                    Value::Str(PStr::lit(text.clone()).with_source(Source::Extra(uri.clone(), 1)))
                }
                None => Value::unknown(self.text(n)),
            },
            Value::Obj(o) => {
                let o = o.clone();
                let v = api::method(self.env, &o, name, &args);
                self.run_callbacks(&args);
                v
            }
            Value::Instance(inst) => {
                let class = inst.borrow().class;
                let method = self
                    .classes
                    .get(class)
                    .and_then(|c| c.methods.get(name))
                    .copied();
                let attr = inst.borrow().attrs.get(name).cloned();
                match (method, attr) {
                    (_, Some(v)) => self.call_value(v, args, n),
                    (Some((id, is_static)), None) => {
                        let mut args = args;
                        if !is_static {
                            args.pos.insert(0, recv.clone());
                        }
                        self.invoke(id, args)
                    }
                    _ => Value::unknown(self.text(n)),
                }
            }
            Value::Class(class) => {
                let method = self
                    .classes
                    .get(*class)
                    .and_then(|c| c.methods.get(name))
                    .copied();
                match method {
                    Some((id, _)) => self.invoke(id, args),
                    None => Value::unknown(self.text(n)),
                }
            }
            Value::Func(_) | Value::Lambda(_) => Value::unknown(self.text(n)),
            _ => {
                // unknown receiver: route well-known API method names
                let v = api::method_on_unknown(self.env, name, &args);
                self.run_callbacks(&args);
                v.unwrap_or_else(|| Value::unknown(self.text(n)))
            }
        }
    }

    /// Functions handed to an API (batch functions, foreach) run with unknown arguments.
    fn run_callbacks(&mut self, args: &Args) {
        for v in args.all_values() {
            if let Value::Func(id) = v {
                let id = *id;
                let nparams = self.param_count(id);
                let call_args = Args {
                    pos: (0..nparams)
                        .map(|i| {
                            if i == 0 {
                                Value::Obj(Obj::Frame)
                            } else {
                                Value::unknown("callback argument")
                            }
                        })
                        .collect(),
                    kw: Vec::new(),
                };
                self.invoke(id, call_args);
            }
        }
    }

    fn param_count(&self, id: usize) -> usize {
        let Some(f) = self.funcs.get(id) else {
            return 0;
        };
        f.child_by_field_name("parameters")
            .map(|p| p.named_child_count())
            .unwrap_or(0)
    }

    fn call_value(&mut self, callee: Value, args: Args, n: Node<'t>) -> Value {
        match callee {
            Value::Func(id) => self.invoke(id, args),
            Value::Lambda(id) => self.invoke_lambda(id, args),
            Value::Module(q) => self.call_qualified(&q, args, n),
            Value::Class(id) => self.instantiate(id, args),
            Value::Dict(_) => {
                let key = args.pos.first().and_then(Value::as_known_str);
                key.and_then(|k| callee.get_key(&k).cloned())
                    .unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Obj(o) => api::method(self.env, &o, "__call__", &args),
            _ => Value::unknown(self.text(n)),
        }
    }

    fn call_qualified(&mut self, q: &str, args: Args, n: Node<'t>) -> Value {
        let last = q.rsplit('.').next().unwrap_or(q);
        match q {
            "builtins.str" => {
                return args
                    .pos
                    .first()
                    .map(|v| Value::Str(v.to_pstr()))
                    .unwrap_or(Value::str(""))
            }
            "builtins.int" => {
                return match args.pos.first() {
                    Some(Value::Int(i)) => Value::Int(*i),
                    Some(v) => v
                        .as_known_str()
                        .and_then(|s| s.trim().parse().ok())
                        .map(Value::Int)
                        .unwrap_or_else(|| Value::unknown(self.text(n))),
                    None => Value::Int(0),
                }
            }
            "builtins.bool" => {
                return match args.pos.first().and_then(Value::truthy) {
                    Some(b) => Value::Bool(b),
                    None => Value::unknown(self.text(n)),
                }
            }
            "builtins.len" => {
                return match args.pos.first() {
                    Some(Value::List(l)) => Value::Int(i64::try_from(l.len()).unwrap_or(0)),
                    Some(Value::Dict(d)) => Value::Int(i64::try_from(d.len()).unwrap_or(0)),
                    _ => Value::unknown(self.text(n)),
                }
            }
            "builtins.list" | "builtins.tuple" | "builtins.set" | "builtins.sorted"
            | "builtins.frozenset" => {
                return match args.pos.first().and_then(iterate) {
                    Some(items) => {
                        let mut items = items;
                        if last == "sorted" || last == "set" || last == "frozenset" {
                            let all_known = items.iter().all(|v| v.as_known_str().is_some());
                            if all_known {
                                items.sort_by_key(|v| v.as_known_str());
                                items.dedup_by_key(|v| v.as_known_str());
                            }
                        }
                        Value::list(items)
                    }
                    None if args.pos.is_empty() => Value::list(vec![]),
                    None => Value::unknown(self.text(n)),
                }
            }
            "builtins.dict" => {
                let mut items: Vec<(Value, Value)> = match args.pos.first() {
                    Some(Value::Dict(d)) => d.as_ref().clone(),
                    _ => Vec::new(),
                };
                for (k, v) in &args.kw {
                    items.push((Value::str(k.clone()), v.clone()));
                }
                return Value::dict(items);
            }
            "builtins.enumerate" => {
                let start = match args.pos.get(1).or(args.kw("start")) {
                    Some(Value::Int(i)) => *i,
                    _ => 0,
                };
                return match args.pos.first().and_then(iterate) {
                    Some(items) => Value::list(
                        items
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| {
                                Value::list(vec![
                                    Value::Int(i64::try_from(i).unwrap_or(0) + start),
                                    v,
                                ])
                            })
                            .collect(),
                    ),
                    None => Value::unknown(self.text(n)),
                };
            }
            "builtins.zip" => {
                let lists: Option<Vec<Vec<Value>>> = args.pos.iter().map(iterate).collect();
                return match lists {
                    Some(ls) if !ls.is_empty() => {
                        let len = ls.iter().map(Vec::len).min().unwrap_or(0);
                        Value::list(
                            (0..len)
                                .map(|i| Value::list(ls.iter().map(|l| l[i].clone()).collect()))
                                .collect(),
                        )
                    }
                    _ => Value::unknown(self.text(n)),
                };
            }
            "builtins.range" => {
                let ints: Vec<i64> = args
                    .pos
                    .iter()
                    .filter_map(|v| {
                        if let Value::Int(i) = v {
                            Some(*i)
                        } else {
                            None
                        }
                    })
                    .collect();
                let (a, b) = match ints.as_slice() {
                    [b] => (0, *b),
                    [a, b, ..] => (*a, *b),
                    _ => return Value::unknown(self.text(n)),
                };
                return Value::list((a..b.min(a + 200)).map(Value::Int).collect());
            }
            "builtins.print"
            | "builtins.isinstance"
            | "builtins.hasattr"
            | "builtins.getattr"
            | "builtins.open"
            | "builtins.max"
            | "builtins.min"
            | "builtins.sum"
            | "builtins.abs"
            | "builtins.round"
            | "builtins.any"
            | "builtins.all" => return Value::unknown(self.text(n)),
            "os.path.join" | "posixpath.join" => return builtins::path_join(&args.pos),
            "os.path.basename" => {
                return args
                    .pos
                    .first()
                    .and_then(Value::as_known_str)
                    .map(|s| Value::str(s.rsplit('/').next().unwrap_or("")))
                    .unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            "os.environ.get" | "os.getenv" => {
                return args
                    .pos
                    .get(1)
                    .cloned()
                    .unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            "json.loads" | "json.load" => {
                return match args.pos.first() {
                    Some(Value::Str(s)) => match (
                        s.known(),
                        s.prov.iter().find_map(|p| match p {
                            Source::Extra(u, _) => Some(u.clone()),
                            _ => None,
                        }),
                    ) {
                        (Some(t), Some(uri)) => builtins::json_to_value(&t, &uri),
                        (Some(t), None) => builtins::json_to_value(&t, ""),
                        _ => Value::unknown(self.text(n)),
                    },
                    Some(Value::Obj(Obj::S3Response(r))) => match r.as_ref() {
                        Some((uri, text)) => builtins::json_to_value(text, uri),
                        None => Value::unknown(self.text(n)),
                    },
                    _ => Value::unknown(self.text(n)),
                }
            }
            "re.sub" => return self.re_sub(&args, n),
            _ => {}
        }
        if last == "urlparse" || last == "urlsplit" {
            let Some(s) = args.pos.first().map(Value::to_pstr) else {
                return Value::unknown(self.text(n));
            };
            return match s.known() {
                Some(t) => {
                    let rest = t.split_once("://").map(|(_, r)| r).unwrap_or(&t);
                    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
                    let mut h = PStr::lit(host);
                    h.add_prov(&s.prov);
                    let mut p = PStr::lit(format!("/{path}"));
                    p.add_prov(&s.prov);
                    Value::Obj(Obj::Url(Rc::new((Value::Str(h), Value::Str(p)))))
                }
                None => Value::unknown(self.text(n)),
            };
        }
        if last == "getResolvedOptions" {
            return api::resolved_options(self.env, &args);
        }
        if let Some(v) = api::call_function(self.env, q, &args) {
            self.run_callbacks(&args);
            return v;
        }
        let root = q.split('.').next().unwrap_or("");
        if self
            .foreign
            .iter()
            .any(|f| f == root || q.ends_with(&format!(".{f}")))
            || !is_known_module(q)
        {
            let lower = last.to_ascii_lowercase();
            let io_like = [
                "read", "write", "load", "save", "merge", "table", "copy", "sync", "ingest",
                "export", "publish",
            ]
            .iter()
            .any(|w| lower.contains(w));
            if io_like {
                let text = self.env.site.text.clone();
                self.env.diagnostic(
                    DiagnosticKind::OpaqueCall,
                    &text,
                    format!(
                        "{q} is not available to static analysis; its reads and writes are unknown"
                    ),
                );
            }
            return Value::Obj(Obj::Frame);
        }
        Value::unknown(self.text(n))
    }

    fn re_sub(&mut self, args: &Args, n: Node<'t>) -> Value {
        let (Some(pat), Some(repl), Some(text)) = (
            args.get(0, "pattern").and_then(Value::as_known_str),
            args.get(1, "repl").cloned(),
            args.get(2, "string").map(Value::to_pstr),
        ) else {
            return Value::unknown(self.text(n));
        };
        let mut results: Vec<PStr> = Vec::new();
        let captures: Vec<Value> = {
            let Some(t) = text.known() else {
                return Value::unknown(self.text(n));
            };
            let Ok(re) = regex::Regex::new(&pat) else {
                return Value::unknown(self.text(n));
            };
            re.captures_iter(&t)
                .map(|c| builtins::match_groups(&c))
                .collect()
        };
        for m in &captures {
            let r = match &repl {
                Value::Str(s) => s.clone(),
                Value::Lambda(id) => self
                    .invoke_lambda(
                        *id,
                        Args {
                            pos: vec![m.clone()],
                            kw: vec![],
                        },
                    )
                    .to_pstr(),
                Value::Func(id) => self
                    .invoke(
                        *id,
                        Args {
                            pos: vec![m.clone()],
                            kw: vec![],
                        },
                    )
                    .to_pstr(),
                _ => PStr::hole("re.sub replacement"),
            };
            results.push(r);
        }
        let mut i = 0;
        match builtins::re_sub(&pat, &text, |_| {
            let r = results.get(i).cloned().unwrap_or_default();
            i += 1;
            r
        }) {
            Some(p) => Value::Str(p),
            None => Value::unknown(self.text(n)),
        }
    }

    fn invoke_lambda(&mut self, id: usize, args: Args) -> Value {
        let Some(l) = self.lambdas.get(id).copied() else {
            return Value::unknown("lambda");
        };
        if self.depth >= MAX_DEPTH {
            return Value::unknown("lambda");
        }
        let mut frame = HashMap::new();
        if let Some(params) = l.child_by_field_name("parameters") {
            let mut c = params.walk();
            let names: Vec<Node> = params.named_children(&mut c).collect();
            for (i, p) in names.into_iter().enumerate() {
                let name = self.text(p).to_string();
                frame.insert(
                    name,
                    args.pos.get(i).cloned().unwrap_or(Value::unknown("arg")),
                );
            }
        }
        self.frames.push(frame);
        self.depth += 1;
        let v = l
            .child_by_field_name("body")
            .map(|b| self.eval(b))
            .unwrap_or(Value::None);
        self.depth -= 1;
        self.frames.pop();
        v
    }

    /// Calls a user-defined function: parameters bound, body run in a new frame.
    fn invoke(&mut self, id: usize, args: Args) -> Value {
        let Some(f) = self.funcs.get(id).copied() else {
            return Value::unknown("function");
        };
        if self.depth >= MAX_DEPTH {
            return Value::unknown("recursion");
        }
        let mut frame: HashMap<String, Value> = HashMap::new();
        let mut pos = args.pos.clone().into_iter();
        let mut used_kw: Vec<String> = Vec::new();
        if let Some(params) = f.child_by_field_name("parameters") {
            let mut c = params.walk();
            let plist: Vec<Node> = params.named_children(&mut c).collect();
            for p in plist {
                match p.kind() {
                    "identifier" => {
                        let name = self.text(p).to_string();
                        let v = args
                            .kw(&name)
                            .cloned()
                            .inspect(|_| used_kw.push(name.clone()))
                            .or_else(|| pos.next())
                            .unwrap_or_else(|| Value::unknown(&name));
                        frame.insert(name, v);
                    }
                    "typed_parameter" => {
                        let name = p
                            .named_child(0)
                            .map(|x| self.text(x).to_string())
                            .unwrap_or_default();
                        if p.named_child(0)
                            .is_some_and(|x| x.kind() == "list_splat_pattern")
                        {
                            let name = name.trim_start_matches('*').to_string();
                            frame.insert(name, Value::list(pos.by_ref().collect()));
                            continue;
                        }
                        let v = args
                            .kw(&name)
                            .cloned()
                            .inspect(|_| used_kw.push(name.clone()))
                            .or_else(|| pos.next())
                            .unwrap_or_else(|| Value::unknown(&name));
                        frame.insert(name, v);
                    }
                    "default_parameter" | "typed_default_parameter" => {
                        let name = p
                            .child_by_field_name("name")
                            .map(|x| self.text(x).to_string())
                            .unwrap_or_default();
                        let v = match args.kw(&name).cloned() {
                            Some(v) => {
                                used_kw.push(name.clone());
                                v
                            }
                            None => match pos.next() {
                                Some(v) => v,
                                None => p
                                    .child_by_field_name("value")
                                    .map(|d| self.eval(d))
                                    .unwrap_or(Value::None),
                            },
                        };
                        frame.insert(name, v);
                    }
                    "list_splat_pattern" => {
                        let name = p
                            .named_child(0)
                            .map(|x| self.text(x).to_string())
                            .unwrap_or_default();
                        frame.insert(name, Value::list(pos.by_ref().collect()));
                    }
                    "dictionary_splat_pattern" => {
                        let name = p
                            .named_child(0)
                            .map(|x| self.text(x).to_string())
                            .unwrap_or_default();
                        let rest: Vec<(Value, Value)> = args
                            .kw
                            .iter()
                            .filter(|(k, _)| !used_kw.contains(k))
                            .map(|(k, v)| (Value::str(k.clone()), v.clone()))
                            .collect();
                        frame.insert(name, Value::dict(rest));
                    }
                    _ => {}
                }
            }
        }
        let saved_site = self.env.site.clone();
        self.frames.push(frame);
        self.depth += 1;
        let flow = f
            .child_by_field_name("body")
            .map(|b| self.exec_block(b))
            .unwrap_or(Flow::Normal);
        self.depth -= 1;
        self.frames.pop();
        self.env.site = saved_site;
        match flow {
            Flow::Return(v) => v,
            _ => Value::None,
        }
    }

    fn define_class(&mut self, n: Node<'t>) {
        let Some(name) = n.child_by_field_name("name") else {
            return;
        };
        let name = self.text(name).to_string();
        let mut def = ClassDef::default();
        if let Some(body) = n.child_by_field_name("body") {
            let mut c = body.walk();
            let kids: Vec<Node> = body.named_children(&mut c).collect();
            for k in kids {
                let (f, is_static) = match k.kind() {
                    "function_definition" => (Some(k), false),
                    "decorated_definition" => {
                        let st = self.text(k).trim_start().starts_with("@staticmethod");
                        (k.child_by_field_name("definition"), st)
                    }
                    "expression_statement" => {
                        if let Some(a) = k.named_child(0).filter(|a| a.kind() == "assignment") {
                            if let (Some(l), Some(r)) = (
                                a.child_by_field_name("left"),
                                a.child_by_field_name("right"),
                            ) {
                                let v = self.eval(r);
                                def.attrs.insert(self.text(l).to_string(), v);
                            }
                        }
                        (None, false)
                    }
                    _ => (None, false),
                };
                if let Some(f) = f.filter(|f| f.kind() == "function_definition") {
                    if let Some(fname) = f.child_by_field_name("name") {
                        let id = self.funcs.len();
                        self.funcs.push(f);
                        def.methods
                            .insert(self.text(fname).to_string(), (id, is_static));
                    }
                }
            }
        }
        let id = self.classes.len();
        self.classes.push(def);
        self.assign_name(&name, Value::Class(id));
    }

    fn instantiate(&mut self, class: usize, args: Args) -> Value {
        let attrs = self
            .classes
            .get(class)
            .map(|c| c.attrs.clone())
            .unwrap_or_default();
        let inst = Value::Instance(Rc::new(RefCell::new(Instance { class, attrs })));
        let init = self
            .classes
            .get(class)
            .and_then(|c| c.methods.get("__init__"))
            .copied();
        if let Some((id, _)) = init {
            let mut args = args;
            args.pos.insert(0, inst.clone());
            self.invoke(id, args);
        }
        inst
    }

    fn get_attr(&mut self, o: &Value, name: &str, n: Node<'t>) -> Value {
        match o {
            Value::Instance(inst) => {
                let v = inst.borrow().attrs.get(name).cloned();
                match v {
                    Some(v) => v,
                    None => {
                        let class = inst.borrow().class;
                        match self.classes.get(class).and_then(|c| c.attrs.get(name)) {
                            Some(v) => v.clone(),
                            None => Value::unknown(self.text(n)),
                        }
                    }
                }
            }
            Value::Class(c) => self
                .classes
                .get(*c)
                .and_then(|c| c.attrs.get(name))
                .cloned()
                .unwrap_or_else(|| Value::unknown(self.text(n))),
            Value::Module(m) => Value::Module(Rc::from(format!("{m}.{name}"))),
            Value::Obj(Obj::Url(parts)) => match name {
                "netloc" | "hostname" => parts.0.clone(),
                "path" => parts.1.clone(),
                _ => Value::unknown(self.text(n)),
            },
            Value::Obj(obj) => api::attr(obj, name).unwrap_or_else(|| Value::unknown(self.text(n))),
            _ => api::attr_on_unknown(name).unwrap_or_else(|| Value::unknown(self.text(n))),
        }
    }
}

fn is_known_module(q: &str) -> bool {
    const KNOWN: &[&str] = &[
        "awsglue",
        "pyspark",
        "boto3",
        "botocore",
        "awswrangler",
        "os",
        "sys",
        "json",
        "re",
        "datetime",
        "time",
        "logging",
        "urllib",
        "typing",
        "functools",
        "itertools",
        "collections",
        "pandas",
        "numpy",
        "zoneinfo",
        "dateutil",
        "decimal",
        "math",
        "uuid",
        "builtins",
        "delta",
        "io",
        "csv",
        "gzip",
        "hashlib",
        "random",
        "string",
        "textwrap",
        "dataclasses",
        "enum",
        "pathlib",
        "posixpath",
        "copy",
        "argparse",
        "traceback",
        "subprocess",
        "requests",
        "pytz",
        "calendar",
        "base64",
        "pyarrow",
        "s3fs",
        "concurrent",
        "threading",
        "contextlib",
        "abc",
        "operator",
        "glob",
        "shutil",
        "tempfile",
        "__future__",
    ];
    let root = q.split('.').next().unwrap_or("");
    KNOWN.contains(&root)
}

fn builtin_name(name: &str) -> Value {
    const BUILTINS: &[&str] = &[
        "str",
        "int",
        "bool",
        "len",
        "list",
        "tuple",
        "set",
        "sorted",
        "frozenset",
        "dict",
        "enumerate",
        "zip",
        "range",
        "print",
        "isinstance",
        "hasattr",
        "getattr",
        "open",
        "max",
        "min",
        "sum",
        "abs",
        "round",
        "any",
        "all",
        "float",
    ];
    if BUILTINS.contains(&name) {
        Value::Module(Rc::from(format!("builtins.{name}")))
    } else {
        Value::unknown(name)
    }
}

fn line_of(n: Node) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

fn end_line_of(n: Node) -> u32 {
    u32::try_from(n.end_position().row + 1).unwrap_or(u32::MAX)
}

/// The items a `for` loop visits, when known.
pub fn iterate(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.as_ref().clone()),
        Value::Dict(d) => Some(d.iter().map(|(k, _)| k.clone()).collect()),
        _ => None,
    }
}

fn subscript(b: &Value, i: &Value, text: &str) -> Value {
    match (b, i) {
        (Value::Dict(_), _) => match i.as_known_str() {
            Some(k) => b
                .get_key(&k)
                .cloned()
                .unwrap_or_else(|| Value::unknown(text)),
            None => match i {
                Value::Int(x) => {
                    let key = Value::Int(*x);
                    match b {
                        Value::Dict(d) => d
                            .iter()
                            .find(|(k, _)| values_equal(k, &key) == Some(true))
                            .map(|(_, v)| v.clone())
                            .unwrap_or_else(|| Value::unknown(text)),
                        _ => Value::unknown(text),
                    }
                }
                _ => Value::unknown(text),
            },
        },
        (Value::List(l), Value::Int(x)) => {
            let len = i64::try_from(l.len()).unwrap_or(0);
            let idx = if *x < 0 { len + x } else { *x };
            usize::try_from(idx)
                .ok()
                .and_then(|i| l.get(i).cloned())
                .unwrap_or_else(|| Value::unknown(text))
        }
        (Value::Obj(Obj::S3Response(r)), _) if i.as_known_str().as_deref() == Some("Body") => {
            Value::Obj(Obj::S3Response(r.clone()))
        }
        (Value::Obj(Obj::Frame), _) => Value::Obj(Obj::Frame),
        _ => Value::unknown(text),
    }
}

fn compare(op: &str, a: &Value, b: &Value) -> Option<bool> {
    match op {
        "==" => values_equal(a, b),
        "!=" => values_equal(a, b).map(|x| !x),
        "is" => values_equal(a, b),
        "is not" => values_equal(a, b).map(|x| !x),
        "in" | "not in" => {
            let r = match b {
                Value::List(items) => member_of(a, items.iter()),
                Value::Dict(d) => member_of(a, d.iter().map(|(k, _)| k)),
                Value::Str(s) => match (a.as_known_str(), s.known()) {
                    (Some(x), Some(y)) => Some(y.contains(&x)),
                    _ => None,
                },
                _ => None,
            };
            if op == "in" {
                r
            } else {
                r.map(|x| !x)
            }
        }
        "<" | ">" | "<=" | ">=" => match (a, b) {
            (Value::Int(x), Value::Int(y)) => Some(match op {
                "<" => x < y,
                ">" => x > y,
                "<=" => x <= y,
                _ => x >= y,
            }),
            _ => None,
        },
        _ => None,
    }
}

pub fn binop(op: &str, a: &Value, b: &Value) -> Value {
    match (op, a, b) {
        ("+", Value::Int(x), Value::Int(y)) => Value::Int(x + y),
        ("-", Value::Int(x), Value::Int(y)) => Value::Int(x - y),
        ("*", Value::Int(x), Value::Int(y)) => Value::Int(x * y),
        ("+", Value::List(x), Value::List(y)) => {
            let mut v = x.as_ref().clone();
            v.extend(y.iter().cloned());
            Value::list(v)
        }
        ("+", Value::Str(x), _) => Value::Str(x.concat(&b.to_pstr())),
        ("+", Value::Unknown(_), Value::Str(y)) => Value::Str(a.to_pstr().concat(y)),
        ("%", Value::Str(x), _) => match builtins::format_percent(x, b) {
            Some(p) => Value::Str(p),
            None => Value::unknown("%-format"),
        },
        ("|", Value::List(x), Value::List(y)) => {
            let mut v = x.as_ref().clone();
            v.extend(y.iter().cloned());
            Value::list(v)
        }
        ("-", Value::List(x), Value::List(y)) => Value::list(
            x.iter()
                .filter(|i| !y.iter().any(|j| values_equal(i, j) == Some(true)))
                .cloned()
                .collect(),
        ),
        ("/", Value::Obj(_), _) | ("/", Value::Module(_), _) => Value::unknown("path /"),
        _ => Value::unknown(format!(
            "{} {op} {}",
            a.to_pstr().describe(),
            b.to_pstr().describe()
        )),
    }
}

/// In-place list/dict methods (`append`, `extend`, `update`, `add`) give the new value.
fn mutate(recv: &Value, name: &str, args: &Args) -> Option<Value> {
    match (recv, name) {
        (Value::List(l), "append" | "add") => {
            let mut v = l.as_ref().clone();
            v.push(args.pos.first()?.clone());
            Some(Value::list(v))
        }
        (Value::List(l), "extend") => {
            let mut v = l.as_ref().clone();
            v.extend(iterate(args.pos.first()?)?);
            Some(Value::list(v))
        }
        (Value::List(l), "remove" | "discard") => {
            let x = args.pos.first()?;
            Some(Value::list(
                l.iter()
                    .filter(|i| values_equal(i, x) != Some(true))
                    .cloned()
                    .collect(),
            ))
        }
        (Value::Dict(d), "update") => {
            let mut v = d.as_ref().clone();
            if let Some(Value::Dict(o)) = args.pos.first() {
                v.extend(o.iter().cloned());
            }
            for (k, val) in &args.kw {
                v.push((Value::str(k.clone()), val.clone()));
            }
            Some(Value::dict(v))
        }
        _ => None,
    }
}

/// Runs a Python script's tree in the environment.
pub fn run(text: &str, env: &mut Env) -> bool {
    let Some(tree) = parse(text) else {
        return false;
    };
    let root = tree.root_node();
    if root.has_error() {
        env.diagnostic(
            DiagnosticKind::ParseError,
            "",
            "the script has syntax errors; analysis continued on what parsed".into(),
        );
    }
    let mut it = Interp::new(text, env);
    it.run(root);
    true
}
