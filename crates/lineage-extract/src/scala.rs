//! The Scala interpreter: runs a Glue Scala job (`object GlueApp { def main(...) }`)
//! abstractly over its tree-sitter syntax tree with the same values and API dispatch as the
//! Python interpreter: `GlueArgParser.getResolvedOptions` + `args("key")`, `val`s, string
//! literals and `s"..."` interpolation, `+`, `Map(k -> v)`, `Seq(...)`, `JsonOptions(...)`,
//! named arguments, helper methods, `if` on decided conditions, `for` over known lists, and
//! lambdas handed to APIs (`foreachBatch { (df, id) => ... }`), which run.

use crate::api;
use crate::builtins::{self, binop, iterate, Args};
use crate::emit::Env;
use crate::value::{values_equal, Obj, PStr, Value};
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::{Node, Parser};

const MAX_DEPTH: usize = 10;
/// How deeply expressions and blocks are evaluated; deeper nesting is an unknown value, so
/// hostile input cannot overflow the stack.
const MAX_EXPR_DEPTH: usize = 100;

#[allow(missing_debug_implementations)]
struct Interp<'t, 'e, 'c> {
    src: &'t str,
    env: &'e mut Env<'c>,
    scopes: Vec<HashMap<String, Value>>,
    funcs: HashMap<String, Node<'t>>,
    depth: usize,
    /// How deep the current evaluation is (see [`MAX_EXPR_DEPTH`]).
    expr_depth: usize,
}

/// Runs a Scala script in the environment.
pub fn run(text: &str, env: &mut Env) -> bool {
    let mut p = Parser::new();
    if p.set_language(&tree_sitter_scala::LANGUAGE.into()).is_err() {
        return false;
    }
    let Some(tree) = p.parse(text, None) else {
        return false;
    };
    let root = tree.root_node();
    let mut it = Interp {
        src: text,
        env,
        scopes: vec![HashMap::new()],
        funcs: HashMap::new(),
        depth: 0,
        expr_depth: 0,
    };
    // collect every method definition, run object-level vals, then main
    let mut bodies = Vec::new();
    collect_templates(root, &mut bodies);
    for b in &bodies {
        let mut c = b.walk();
        for k in b.named_children(&mut c) {
            if k.kind() == "function_definition" {
                if let Some(n) = k.child_by_field_name("name") {
                    it.funcs.insert(it.text(n).to_string(), k);
                }
            }
        }
    }
    for b in &bodies {
        let mut c = b.walk();
        let kids: Vec<Node> = b.named_children(&mut c).collect();
        for k in kids {
            if k.kind() != "function_definition"
                && k.kind() != "object_definition"
                && k.kind() != "class_definition"
            {
                it.set_top(k);
                it.stmt(k);
            }
        }
    }
    if let Some(main) = it.funcs.get("main").copied() {
        if let Some(body) = main.child_by_field_name("body") {
            it.scopes.push(HashMap::new());
            it.scopes
                .last_mut()
                .map(|s| s.insert("sysArgs".into(), Value::unknown("sysArgs")));
            if body.kind() == "block" {
                let mut c = body.walk();
                let kids: Vec<Node> = body.named_children(&mut c).collect();
                for k in kids {
                    it.set_top(k);
                    it.stmt(k);
                }
            } else {
                it.eval(body);
            }
        }
    }
    true
}

fn collect_templates<'t>(n: Node<'t>, out: &mut Vec<Node<'t>>) {
    let mut c = n.walk();
    for k in n.named_children(&mut c) {
        match k.kind() {
            "object_definition" | "class_definition" => {
                if let Some(b) = k.child_by_field_name("body") {
                    out.push(b);
                    collect_templates(b, out);
                }
            }
            "package_clause" => collect_templates(k, out),
            _ => {}
        }
    }
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    fn text(&self, n: Node) -> &'t str {
        n.utf8_text(self.src.as_bytes()).unwrap_or("")
    }

    fn set_top(&mut self, n: Node) {
        self.env.site.top = (
            line(n),
            u32::try_from(n.end_position().row + 1).unwrap_or(u32::MAX),
        );
    }

    fn set_site(&mut self, n: Node) {
        let t: String = self
            .text(n)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        self.env.site.line = line(n);
        self.env.site.text = t.chars().take(200).collect();
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        self.scopes.iter().rev().find_map(|s| s.get(name).cloned())
    }

    fn bind(&mut self, name: &str, v: Value) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), v);
        }
    }

    fn stmt(&mut self, n: Node<'t>) -> Value {
        match n.kind() {
            "val_definition" | "var_definition" => {
                let v = n
                    .child_by_field_name("value")
                    .map(|x| self.eval(x))
                    .unwrap_or(Value::None);
                if let Some(p) = n.child_by_field_name("pattern") {
                    if p.kind() == "identifier" {
                        let name = self.text(p).to_string();
                        self.bind(&name, v);
                    } else if p.kind() == "tuple_pattern" {
                        let mut c = p.walk();
                        let names: Vec<Node> = p.named_children(&mut c).collect();
                        let items = iterate(&v).unwrap_or_default();
                        for (i, nm) in names.into_iter().enumerate() {
                            let name = self.text(nm).to_string();
                            self.bind(
                                &name,
                                items.get(i).cloned().unwrap_or(Value::unknown(&name)),
                            );
                        }
                    }
                }
                Value::None
            }
            "function_definition" => {
                if let Some(nm) = n.child_by_field_name("name") {
                    let name = self.text(nm).to_string();
                    self.funcs.insert(name, n);
                }
                Value::None
            }
            "import_declaration" | "comment" | "block_comment" => Value::None,
            _ => self.eval(n),
        }
    }

    fn eval(&mut self, n: Node<'t>) -> Value {
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
            "string" => Value::str(scala_string(self.text(n))),
            "interpolated_string_expression" => self.interpolated(n),
            "integer_literal" => self
                .text(n)
                .trim_end_matches(['L', 'l'])
                .parse()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::unknown(self.text(n))),
            "boolean_literal" => Value::Bool(self.text(n) == "true"),
            "null_literal" => Value::None,
            "identifier" => {
                let name = self.text(n);
                match self.lookup(name) {
                    Some(v) => v,
                    None if self.funcs.contains_key(name) => self.call_user(name, Args::default()),
                    None => Value::unknown(name),
                }
            }
            "parenthesized_expression" => n
                .named_child(0)
                .map(|e| self.eval(e))
                .unwrap_or(Value::None),
            "tuple_expression" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                Value::list(kids.into_iter().map(|k| self.eval(k)).collect())
            }
            "block" => {
                self.scopes.push(HashMap::new());
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let mut last = Value::None;
                for k in kids {
                    last = self.stmt(k);
                }
                self.scopes.pop();
                last
            }
            "field_expression" => {
                let (Some(v), Some(f)) = (
                    n.child_by_field_name("value"),
                    n.child_by_field_name("field"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let recv = self.eval(v);
                let name = self.text(f).to_string();
                self.field(recv, &name, n)
            }
            "call_expression" => self.call(n),
            "instance_expression" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                let ty = kids
                    .iter()
                    .find(|k| k.kind().contains("type"))
                    .map(|k| self.text(*k).to_string())
                    .unwrap_or_default();
                let args = kids
                    .iter()
                    .find(|k| k.kind() == "arguments")
                    .map(|a| self.args(*a, false))
                    .unwrap_or_default();
                self.set_site(n);
                self.construct(&ty, args, n)
            }
            "infix_expression" => {
                let (Some(l), Some(r), Some(op)) = (
                    n.child_by_field_name("left"),
                    n.child_by_field_name("right"),
                    n.child_by_field_name("operator"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let lv = self.eval(l);
                let rv = self.eval(r);
                match self.text(op) {
                    "->" => Value::list(vec![lv, rv]),
                    "+" => binop("+", &lv, &rv),
                    "==" => values_equal(&lv, &rv)
                        .map(Value::Bool)
                        .unwrap_or(Value::unknown("==")),
                    "!=" => values_equal(&lv, &rv)
                        .map(|b| Value::Bool(!b))
                        .unwrap_or(Value::unknown("!=")),
                    "&&" => match (lv.truthy(), rv.truthy()) {
                        (Some(false), _) | (_, Some(false)) => Value::Bool(false),
                        (Some(true), Some(true)) => Value::Bool(true),
                        _ => Value::unknown("&&"),
                    },
                    "||" => match (lv.truthy(), rv.truthy()) {
                        (Some(true), _) | (_, Some(true)) => Value::Bool(true),
                        (Some(false), Some(false)) => Value::Bool(false),
                        _ => Value::unknown("||"),
                    },
                    op => {
                        // a method call written infix: `x method y`
                        let name = op.to_string();
                        self.method(
                            lv,
                            &name,
                            Args {
                                pos: vec![rv],
                                kw: vec![],
                            },
                            n,
                        )
                    }
                }
            }
            "prefix_expression" => {
                let v = n
                    .named_child(0)
                    .map(|e| self.eval(e))
                    .unwrap_or(Value::None);
                if self.text(n).starts_with('!') {
                    v.truthy()
                        .map(|b| Value::Bool(!b))
                        .unwrap_or(Value::unknown("!"))
                } else {
                    Value::unknown(self.text(n))
                }
            }
            "if_expression" => {
                let cond = n
                    .child_by_field_name("condition")
                    .map(|c| self.eval(c))
                    .and_then(|v| v.truthy());
                let cons = n.child_by_field_name("consequence");
                let alt = n.child_by_field_name("alternative");
                match cond {
                    Some(true) => cons.map(|c| self.eval(c)).unwrap_or(Value::None),
                    Some(false) => alt.map(|a| self.eval(a)).unwrap_or(Value::None),
                    None => {
                        let a = cons.map(|c| self.eval(c)).unwrap_or(Value::None);
                        let b = alt.map(|x| self.eval(x)).unwrap_or(Value::None);
                        if a == b {
                            a
                        } else {
                            Value::unknown(self.text(n))
                        }
                    }
                }
            }
            "for_expression" => {
                let Some(body) = n.child_by_field_name("body") else {
                    return Value::None;
                };
                let enums = n.child_by_field_name("enumerators");
                let first = enums.and_then(|e| e.named_child(0));
                if let Some(en) = first {
                    let pat = en.named_child(0);
                    let src = en.named_child(1).map(|s| self.eval(s));
                    match (pat, src.as_ref().and_then(iterate)) {
                        (Some(p), Some(items)) => {
                            for it in items.into_iter().take(200) {
                                let name = self.text(p).to_string();
                                self.scopes.push(HashMap::new());
                                self.bind(&name, it);
                                self.eval(body);
                                self.scopes.pop();
                            }
                        }
                        (Some(p), None) => {
                            let name = self.text(p).to_string();
                            self.scopes.push(HashMap::new());
                            self.bind(&name, Value::unknown(&name));
                            self.eval(body);
                            self.scopes.pop();
                        }
                        _ => {}
                    }
                }
                Value::None
            }
            "lambda_expression" => {
                // a lambda as a value: run its body when an API receives it
                Value::unknown("lambda")
            }
            "assignment_expression" => Value::None,
            "generic_function" => n
                .child_by_field_name("function")
                .map(|f| self.eval(f))
                .unwrap_or(Value::None),
            _ => Value::unknown(self.text(n)),
        }
    }

    fn interpolated(&mut self, n: Node<'t>) -> Value {
        let interp = n
            .child_by_field_name("interpolator")
            .map(|i| self.text(i).to_string())
            .unwrap_or_default();
        let Some(s) = n
            .named_children(&mut n.walk())
            .find(|k| k.kind() == "interpolated_string")
        else {
            return Value::unknown(self.text(n));
        };
        let full = self.text(s);
        let base = s.start_byte();
        let quote = if full.starts_with("\"\"\"") { 3 } else { 1 };
        let mut out = PStr::default();
        let mut pos = base + quote;
        let end = s.end_byte().saturating_sub(quote);
        let mut c = s.walk();
        let kids: Vec<Node> = s.named_children(&mut c).collect();
        for k in kids {
            if k.kind() != "interpolation" {
                continue;
            }
            let lit = self.src.get(pos..k.start_byte()).unwrap_or("");
            out.push_str(&PStr::lit(if interp == "raw" {
                lit.to_string()
            } else {
                unescape(lit)
            }));
            let v = k
                .named_child(0)
                .map(|e| self.eval(e))
                .unwrap_or(Value::unknown("$"));
            out.push_str(&v.to_pstr());
            pos = k.end_byte();
        }
        let lit = self.src.get(pos..end.max(pos)).unwrap_or("");
        out.push_str(&PStr::lit(unescape(lit)));
        Value::Str(out)
    }

    fn args(&mut self, a: Node<'t>, run_lambdas: bool) -> Args {
        let mut args = Args::default();
        let mut c = a.walk();
        let kids: Vec<Node> = a.named_children(&mut c).collect();
        for k in kids {
            match k.kind() {
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (
                        k.child_by_field_name("left"),
                        k.child_by_field_name("right"),
                    ) {
                        let v = self.eval(r);
                        args.kw.push((self.text(l).to_string(), v));
                    }
                }
                "lambda_expression" if run_lambdas => {
                    self.run_lambda(k);
                    args.pos.push(Value::unknown("lambda"));
                }
                "block" if run_lambdas => {
                    // `{ (df, id) => ... }`
                    let mut c2 = k.walk();
                    let inner: Vec<Node> = k.named_children(&mut c2).collect();
                    for i in inner {
                        if i.kind() == "lambda_expression" {
                            self.run_lambda(i);
                        }
                    }
                    args.pos.push(Value::unknown("lambda"));
                }
                "comment" | "block_comment" => {}
                _ => {
                    let v = self.eval(k);
                    args.pos.push(v);
                }
            }
        }
        args
    }

    fn run_lambda(&mut self, l: Node<'t>) {
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.scopes.push(HashMap::new());
        if let Some(ps) = l.child_by_field_name("parameters") {
            let mut c = ps.walk();
            let names: Vec<Node> = ps.named_children(&mut c).collect();
            for (i, p) in names.into_iter().enumerate() {
                let name = p
                    .child_by_field_name("name")
                    .map(|x| self.text(x))
                    .unwrap_or_else(|| self.text(p))
                    .to_string();
                let v = if i == 0 {
                    Value::Obj(Obj::Frame)
                } else {
                    Value::unknown(&name)
                };
                self.bind(&name, v);
            }
        }
        self.depth += 1;
        let site = self.env.site.clone();
        if let Some(b) = l.child_by_field_name("body") {
            self.eval(b);
        }
        self.env.site = site;
        self.depth -= 1;
        self.scopes.pop();
    }

    fn call(&mut self, n: Node<'t>) -> Value {
        let Some(f) = n.child_by_field_name("function") else {
            return Value::unknown(self.text(n));
        };
        let a = n.child_by_field_name("arguments");
        match f.kind() {
            "field_expression" => {
                let (Some(v), Some(field)) = (
                    f.child_by_field_name("value"),
                    f.child_by_field_name("field"),
                ) else {
                    return Value::unknown(self.text(n));
                };
                let recv = self.eval(v);
                let name = self.text(field).to_string();
                let api_recv = matches!(recv, Value::Obj(_) | Value::Unknown(_));
                let args = a.map(|a| self.args(a, api_recv)).unwrap_or_default();
                self.set_site(n);
                self.method(recv, &name, args, n)
            }
            "identifier" => {
                let name = self.text(f).to_string();
                let args = a.map(|a| self.args(a, false)).unwrap_or_default();
                self.set_site(n);
                if let Some(v) = self.lookup(&name) {
                    return match v {
                        Value::Dict(_) => {
                            let key = args.pos.first().and_then(Value::as_known_str);
                            key.and_then(|k| v.get_key(&k).cloned())
                                .unwrap_or_else(|| Value::unknown(self.text(n)))
                        }
                        Value::List(l) => match args.pos.first() {
                            Some(Value::Int(i)) => usize::try_from(*i)
                                .ok()
                                .and_then(|i| l.get(i).cloned())
                                .unwrap_or(Value::unknown(self.text(n))),
                            _ => Value::unknown(self.text(n)),
                        },
                        _ => Value::unknown(self.text(n)),
                    };
                }
                if self.funcs.contains_key(&name) {
                    return self.call_user(&name, args);
                }
                self.construct(&name, args, n)
            }
            _ => {
                let callee = self.eval(f);
                let args = a.map(|a| self.args(a, false)).unwrap_or_default();
                match callee {
                    Value::Dict(_) => args
                        .pos
                        .first()
                        .and_then(Value::as_known_str)
                        .and_then(|k| callee.get_key(&k).cloned())
                        .unwrap_or_else(|| Value::unknown(self.text(n))),
                    _ => callee,
                }
            }
        }
    }

    /// `Name(args)` / `new Name(args)`: Scala collections and Glue/Spark constructors.
    fn construct(&mut self, name: &str, args: Args, n: Node<'t>) -> Value {
        let base = name.split('[').next().unwrap_or(name);
        match base {
            "Map" | "HashMap" => Value::dict(
                args.pos
                    .iter()
                    .filter_map(|p| match p {
                        Value::List(kv) if kv.len() == 2 => Some((kv[0].clone(), kv[1].clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            "Seq" | "List" | "Array" | "Vector" | "Set" => Value::list(args.pos),
            "JsonOptions" | "Some" => args.pos.into_iter().next().unwrap_or(Value::None),
            "GlueContext" => Value::Obj(Obj::GlueContext),
            "SparkContext" => Value::Obj(Obj::Opaque(Rc::from("sc"))),
            "SparkSession" => Value::Obj(Obj::Spark),
            _ => {
                let _ = n;
                Value::unknown(name)
            }
        }
    }

    fn field(&mut self, recv: Value, name: &str, n: Node<'t>) -> Value {
        match (&recv, name) {
            (
                Value::List(_) | Value::Dict(_),
                "toArray" | "asJava" | "toSeq" | "toList" | "toMap" | "asScala",
            ) => recv,
            (Value::Str(s), _) => {
                let py = match name {
                    "trim" => "strip",
                    "toLowerCase" => "lower",
                    "toUpperCase" => "upper",
                    "stripSuffix" | "stripPrefix" => return recv.clone(),
                    other => other,
                };
                builtins::str_method(s, py, &Args::default())
                    .unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            (Value::Unknown(u), _)
                if u.as_ref() == "GlueArgParser" || u.as_ref() == "SparkSession" =>
            {
                Value::Module(Rc::from(format!("{u}.{name}")))
            }
            (Value::Obj(o), _) => match api::attr(o, name) {
                Some(Value::Obj(Obj::Opaque(_))) | None => {
                    self.set_site(n);
                    api::method(self.env, o, name, &Args::default())
                }
                Some(v) => v,
            },
            (Value::Module(m), _) => Value::Module(Rc::from(format!("{m}.{name}"))),
            _ => api::attr_on_unknown(name).unwrap_or_else(|| Value::unknown(self.text(n))),
        }
    }

    fn method(&mut self, recv: Value, name: &str, args: Args, n: Node<'t>) -> Value {
        match &recv {
            Value::Unknown(u) if u.as_ref() == "GlueArgParser" && name == "getResolvedOptions" => {
                api::resolved_options(self.env, &args)
            }
            Value::Unknown(u) if (u.as_ref() == "GlueContext" || u.as_ref() == "SparkSession") => {
                if u.as_ref() == "SparkSession" {
                    Value::Obj(Obj::Spark)
                } else {
                    Value::Obj(Obj::GlueContext)
                }
            }
            Value::Str(s) => {
                let py = match name {
                    "trim" => "strip",
                    "toLowerCase" => "lower",
                    "toUpperCase" => "upper",
                    "stripSuffix" => "rstrip",
                    "stripPrefix" => "lstrip",
                    other => other,
                };
                builtins::str_method(s, py, &args).unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Dict(_) if name == "getOrElse" || name == "get" || name == "apply" => {
                let key = args.pos.first().and_then(Value::as_known_str);
                key.and_then(|k| recv.get_key(&k).cloned())
                    .or_else(|| args.pos.get(1).cloned())
                    .unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Obj(o) => api::method(self.env, o, name, &args),
            _ => api::method_on_unknown(self.env, name, &args)
                .unwrap_or_else(|| Value::unknown(self.text(n))),
        }
    }

    fn call_user(&mut self, name: &str, args: Args) -> Value {
        let Some(f) = self.funcs.get(name).copied() else {
            return Value::unknown(name);
        };
        if self.depth >= MAX_DEPTH {
            return Value::unknown(name);
        }
        let mut scope = HashMap::new();
        if let Some(ps) = f.child_by_field_name("parameters") {
            let mut c = ps.walk();
            let params: Vec<Node> = ps.named_children(&mut c).collect();
            for (i, p) in params.into_iter().enumerate() {
                let pname = p
                    .child_by_field_name("name")
                    .map(|x| self.text(x).to_string())
                    .unwrap_or_default();
                let v = args
                    .kw(&pname)
                    .cloned()
                    .or_else(|| args.pos.get(i).cloned())
                    .unwrap_or_else(|| Value::unknown(&pname));
                scope.insert(pname, v);
            }
        }
        self.scopes.push(scope);
        self.depth += 1;
        let site = self.env.site.clone();
        let v = f
            .child_by_field_name("body")
            .map(|b| self.eval(b))
            .unwrap_or(Value::None);
        self.env.site = site;
        self.depth -= 1;
        self.scopes.pop();
        v
    }
}

fn line(n: Node) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

fn scala_string(raw: &str) -> String {
    if let Some(inner) = raw
        .strip_prefix("\"\"\"")
        .and_then(|r| r.strip_suffix("\"\"\""))
    {
        return inner.to_string();
    }
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    unescape(inner)
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.replace("$$", "$");
    }
    s.replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}
