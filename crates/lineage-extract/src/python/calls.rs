//! Calls: argument evaluation (keywords, `*args`, `**kwargs`), method calls on every kind of
//! receiver (strings, dicts, modules, API objects, script instances), callbacks handed to APIs,
//! and invocation of user functions and lambdas (parameter binding, defaults, depth cap).

use super::stdlib::{is_log_method, mutate};
use super::{field, kind};
use super::{Flow, Interp};
use crate::api;
use crate::builtins::{self, iterate, Args};
use crate::interp::{self, Evaluate};
use crate::value::{Obj, PStr, Source, Value};
use std::collections::HashMap;
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    fn eval_args(&mut self, n: Option<Node<'t>>) -> Args {
        let mut args = Args::default();
        let Some(n) = n else {
            return args;
        };
        if kind(n) == "generator_expression" {
            args.pos.push(self.eval(n));
            return args;
        }
        let mut c = n.walk();
        let kids: Vec<Node> = n.named_children(&mut c).collect();
        for k in kids {
            match kind(k) {
                "keyword_argument" => {
                    if let (Some(nm), Some(v)) = (field(k, "name"), field(k, "value")) {
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
                "comment" | "line_continuation" => {}
                _ => {
                    let v = self.eval(k);
                    args.pos.push(v);
                }
            }
        }
        args
    }

    pub(super) fn eval_call(&mut self, n: Node<'t>) -> Value {
        let Some(func) = field(n, "function") else {
            return Value::unknown(self.text(n));
        };
        let args_node = field(n, "arguments");
        if kind(func) == "attribute" {
            let (Some(obj), Some(attr)) = (field(func, "object"), field(func, "attribute")) else {
                return Value::unknown(self.text(n));
            };
            let recv = self.eval(obj);
            let name = self.text(attr).to_string();
            let args = self.eval_args(args_node);
            // list/dict mutation through a variable
            if kind(obj) == "identifier" {
                if let Some(nv) = mutate(&recv, &name, &args) {
                    let var = self.text(obj).to_string();
                    self.scopes.update(&var, nv);
                    return Value::None;
                }
            }
            interp::set_site(self.env, n, self.text(n), true);
            return self.call_method(recv, &name, args, n);
        }
        let callee = self.eval(func);
        let args = self.eval_args(args_node);
        interp::set_site(self.env, n, self.text(n), true);
        self.call_value(callee, args, n)
    }

    fn call_method(&mut self, recv: Value, name: &str, args: Args, n: Node<'t>) -> Value {
        // a logger's line (GlueLogger, a logging.Logger, an unknown `log`/`logger`)
        if is_log_method(name) && matches!(recv, Value::Obj(_) | Value::Unknown(_)) {
            self.record_log(name, &args);
        }
        match &recv {
            Value::Str(s) => {
                builtins::str_method(s, name, &args).unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Dict(d) => match name {
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
                "items" => Value::list(
                    d.iter()
                        .map(|(k, v)| Value::list(vec![k.clone(), v.clone()]))
                        .collect(),
                ),
                "keys" => Value::list(d.iter().map(|(k, _)| k.clone()).collect()),
                "values" => Value::list(d.iter().map(|(_, v)| v.clone()).collect()),
                "copy" => recv.clone(),
                // Scala-style args("key") is handled in call_value; unknown methods:
                _ => Value::unknown(self.text(n)),
            },
            Value::List(items) => match name {
                "copy" => recv.clone(),
                "index" => args
                    .pos
                    .first()
                    .and_then(|x| {
                        items
                            .iter()
                            .position(|i| crate::value::values_equal(i, x) == Some(true))
                    })
                    .and_then(|i| i64::try_from(i).ok())
                    .map_or_else(|| Value::unknown(self.text(n)), Value::Int),
                "count" => match args.pos.first() {
                    Some(x)
                        if items
                            .iter()
                            .all(|i| crate::value::values_equal(i, x).is_some()) =>
                    {
                        let c = items
                            .iter()
                            .filter(|i| crate::value::values_equal(i, x) == Some(true))
                            .count();
                        Value::Int(i64::try_from(c).unwrap_or(0))
                    }
                    _ => Value::unknown(self.text(n)),
                },
                _ => Value::unknown(self.text(n)),
            },
            Value::Module(m) => {
                let q = format!("{m}.{name}");
                self.call_qualified(&q, args, n)
            }
            Value::Obj(Obj::Match(groups)) => {
                let groups = groups.clone();
                self.call_match_method(&groups, name, &args, n)
            }
            Value::Obj(Obj::DateTime(m)) => {
                let m = m.clone();
                self.call_moment_method(&m, name, &args, n)
            }
            Value::Obj(Obj::Regex(pattern)) => {
                let pattern = pattern.clone();
                self.call_regex_method(&pattern, name, &args, n)
            }
            Value::Obj(Obj::S3Response(r)) if name == "read" => match &r.fetched {
                Some((uri, text)) => {
                    Value::Str(PStr::lit(text.clone()).with_source(Source::Extra(uri.clone(), 1)))
                }
                // the body stays the object it came from (pandas may parse it)
                None => Value::Obj(Obj::S3Response(r.clone())),
            },
            Value::Obj(o) => {
                let o = o.clone();
                let v = api::method(self.env, &o, name, &args);
                self.run_callbacks(name, &args);
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
                // `ApplyMapping.apply(...)` and the other Glue transforms, by class name
                let text = self.text(n);
                let callee = text.split('(').next().unwrap_or("");
                if let Some((receiver, _)) = callee.rsplit_once('.') {
                    if let Some(v) = crate::rules::frames::call_on(receiver, name, &args) {
                        return v;
                    }
                }
                // unknown receiver: route well-known API method names
                let v = api::method_on_unknown(self.env, name, &args);
                self.run_callbacks(name, &args);
                v.unwrap_or_else(|| Value::unknown(self.text(n)))
            }
        }
    }

    /// Functions handed to an API run: `executor.submit(f, a, b)` and `apply(f, a)` call `f(a, b)`,
    /// `map(f, items)` (builtin, executor, pool) calls `f` per known item, `Thread(target=f,
    /// args=(a,))` calls `f(a)`, and a function handed over alone (a batch function, a
    /// `foreach` writer) runs with a frame and unknown arguments.
    pub(super) fn run_callbacks(&mut self, method: &str, args: &Args) {
        let callable = |v: &Value| matches!(v, Value::Func(_) | Value::Lambda(_));
        if let Some(target) = args.kw("target").filter(|v| callable(v)).cloned() {
            let pos = args.kw("args").and_then(iterate).unwrap_or_default();
            let kw = match args.kw("kwargs") {
                Some(Value::Dict(d)) => d
                    .iter()
                    .filter_map(|(k, v)| k.as_known_str().map(|k| (k, v.clone())))
                    .collect(),
                _ => Vec::new(),
            };
            self.call_callback(&target, Args { pos, kw });
        }
        let mapping = matches!(
            method,
            "map" | "imap" | "imap_unordered" | "map_async" | "starmap" | "filter"
        );
        for (i, v) in args.pos.iter().enumerate() {
            if !callable(v) {
                continue;
            }
            let rest: Vec<Value> = args.pos[i + 1..].to_vec();
            match rest.first().and_then(iterate) {
                Some(items) if mapping => {
                    for (i, item) in items.into_iter().take(crate::interp::MAX_ITER).enumerate() {
                        if !self.env.next_iteration(i, method) {
                            break;
                        }
                        let pos = match (method, &item) {
                            ("starmap", Value::List(l)) => l.as_ref().clone(),
                            _ => vec![item],
                        };
                        self.call_callback(
                            v,
                            Args {
                                pos,
                                kw: Vec::new(),
                            },
                        );
                    }
                }
                _ if !rest.is_empty() => {
                    let kw = args
                        .kw
                        .iter()
                        .filter(|(k, _)| {
                            !matches!(k.as_str(), "timeout" | "chunksize" | "callback")
                        })
                        .cloned()
                        .collect();
                    self.call_callback(v, Args { pos: rest, kw });
                }
                _ => self.call_with_frame(v),
            }
        }
        for (k, v) in &args.kw {
            if callable(v) && k != "target" {
                self.call_with_frame(v);
            }
        }
    }

    /// A function handed over alone: a frame first, the other parameters unknown.
    fn call_with_frame(&mut self, f: &Value) {
        let nparams = match f {
            Value::Func(id) => self.param_count(*id),
            _ => 1,
        };
        let pos = (0..nparams)
            .map(|i| {
                if i == 0 {
                    Value::Obj(Obj::Frame(None))
                } else {
                    Value::unknown("callback argument")
                }
            })
            .collect();
        self.call_callback(
            f,
            Args {
                pos,
                kw: Vec::new(),
            },
        );
    }

    fn call_callback(&mut self, f: &Value, args: Args) {
        match f {
            Value::Func(id) => {
                self.invoke(*id, args);
            }
            Value::Lambda(id) => {
                self.invoke_lambda(*id, args);
            }
            _ => {}
        }
    }

    fn param_count(&self, id: usize) -> usize {
        let Some(f) = self.funcs.get(id) else {
            return 0;
        };
        field(*f, "parameters")
            .map(|p| p.named_child_count())
            .unwrap_or(0)
    }

    pub(super) fn call_value(&mut self, callee: Value, args: Args, n: Node<'t>) -> Value {
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

    pub(super) fn invoke_lambda(&mut self, id: usize, args: Args) -> Value {
        let Some(l) = self.lambdas.get(id).copied() else {
            return Value::unknown("lambda");
        };
        if self.calls.is_full() || !self.env.enter_function(l.id(), "lambda") {
            return Value::unknown("lambda");
        }
        let home = self.lambda_homes.get(id).copied();
        let saved = self.enter_home(home);
        let mut frame = HashMap::new();
        if let Some(params) = field(l, "parameters") {
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
        self.scopes.push(frame);
        self.calls.enter();
        let v = field(l, "body")
            .map(|b| self.eval(b))
            .unwrap_or(Value::None);
        self.calls.leave();
        self.scopes.pop();
        self.leave_home(saved);
        v
    }

    /// A function's parameters bound to call arguments: by keyword, else by position, else the
    /// default value (evaluated now), else unknown; `*args` and `**kwargs` take the rest.
    fn bind_parameters(&mut self, f: Node<'t>, args: &Args) -> HashMap<String, Value> {
        let mut frame: HashMap<String, Value> = HashMap::new();
        let mut pos = args.pos.clone().into_iter();
        let mut used_kw: Vec<String> = Vec::new();
        if let Some(params) = field(f, "parameters") {
            let mut c = params.walk();
            let plist: Vec<Node> = params.named_children(&mut c).collect();
            for p in plist {
                match kind(p) {
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
                            .is_some_and(|x| kind(x) == "list_splat_pattern")
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
                        let name = field(p, "name")
                            .map(|x| self.text(x).to_string())
                            .unwrap_or_default();
                        let v = match args.kw(&name).cloned() {
                            Some(v) => {
                                used_kw.push(name.clone());
                                v
                            }
                            None => match pos.next() {
                                Some(v) => v,
                                None => field(p, "value")
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
        frame
    }

    /// Calls a user-defined function: parameters bound, body run in a new frame.
    pub(super) fn invoke(&mut self, id: usize, args: Args) -> Value {
        let Some(f) = self.funcs.get(id).copied() else {
            return Value::unknown("function");
        };
        if self.calls.is_full() {
            return Value::unknown("recursion");
        }
        let name = field(f, "name").map_or("function", |n| self.text(n));
        if !self.env.enter_function(f.id(), name) {
            return Value::unknown("function");
        }
        let home = self.func_homes.get(id).copied();
        let saved = self.enter_home(home);
        let frame = self.bind_parameters(f, &args);
        let saved_site = self.env.site.clone();
        self.scopes.push(frame);
        self.calls.enter();
        let flow = field(f, "body")
            .map(|b| self.exec_block(b))
            .unwrap_or(Flow::Normal);
        self.calls.leave();
        self.scopes.pop();
        self.env.site = saved_site;
        self.leave_home(saved);
        match flow {
            Flow::Return(v) => v,
            _ => Value::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn default_and_keyword_arguments() {
        let r = run(r#"
def path(root, zone="raw", *, table="t"):
    return root + "/" + zone + "/" + table
a = path("s3://lake")
b = path("s3://lake", "curated")
c = path("s3://lake", table="orders", zone="gold")
def pair(a, b):
    return a + b
d = pair(b="2", a="1")
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t"));
        assert_eq!(r.text("b").as_deref(), Some("s3://lake/curated/t"));
        assert_eq!(r.text("c").as_deref(), Some("s3://lake/gold/orders"));
        assert_eq!(r.text("d").as_deref(), Some("12"));
    }

    #[test]
    fn star_args_and_star_kwargs() {
        let r = run(r#"
def join(*parts, **opts):
    return "/".join(parts) + opts.get("suffix", "")
parts = ["b", "c"]
extra = {"suffix": "/"}
a = join("s3://a", *parts, **extra)
def rest(first, **kw):
    return kw
b = rest("x", first_not="1", other="2")
def typed(*names: str):
    return names
c = typed("p", "q")
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://a/b/c/"));
        assert_eq!(r.value("b").get_key("other"), Some(&Value::str("2")));
        assert_eq!(r.value("b").get_key("first_not"), Some(&Value::str("1")));
        assert_eq!(r.texts("c"), ["p", "q"]);
    }

    #[test]
    fn missing_arguments_are_unknown_and_return_values_flow() {
        let r = run(r#"
def pick(flag):
    if flag:
        return "yes"
    return "no"
def nothing():
    x = 1
def echo(v):
    return v
a = pick(True)
b = pick(0)
c = nothing()
d = echo()
"#);
        assert_eq!(r.text("a").as_deref(), Some("yes"));
        assert_eq!(r.text("b").as_deref(), Some("no"));
        assert_eq!(r.value("c"), Value::None);
        assert_eq!(r.value("d"), Value::unknown("v"));
    }

    #[test]
    fn functions_handed_to_executors_threads_and_map_run_with_their_arguments() {
        let r = run(r#"
import concurrent.futures
import threading
def load(table, bucket):
    spark.read.parquet("s3://" + bucket + "/" + table + "/")
def save(table):
    spark.range(1).write.parquet("s3://out/" + table + "/")
with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
    executor.submit(load, "orders", "raw")
    executor.map(save, ["a", "b"])
threading.Thread(target=load, args=("users", "raw")).start()
list(map(save, ["c"]))
"#);
        assert_eq!(
            r.ios(),
            [
                "in s3://raw/orders",
                "out s3://out/a",
                "out s3://out/b",
                "in s3://raw/users",
                "out s3://out/c"
            ]
        );
    }

    #[test]
    fn sys_argv_holds_the_runs_arguments() {
        let r = super::super::testing::run_with(
            r#"
import sys
optional = "--input_format" in sys.argv
missing = "--nope" in sys.argv
value = sys.argv[sys.argv.index("--input_format") + 1]
"#,
            &[("input_format", "json")],
        );
        assert_eq!(r.value("optional"), Value::Bool(true));
        assert_eq!(r.value("missing"), Value::Bool(false));
        assert_eq!(r.text("value").as_deref(), Some("json"));
    }

    #[test]
    fn recursion_is_capped() {
        let r = run(r#"
def down(n):
    return "done" if n == 0 else down(n - 1)
shallow = down(5)
deep = down(50)
def forever():
    return forever()
never = forever()
"#);
        assert_eq!(r.text("shallow").as_deref(), Some("done"));
        assert_eq!(r.value("deep"), Value::unknown("recursion"));
        assert_eq!(r.value("never"), Value::unknown("recursion"));
    }

    #[test]
    fn lambdas_and_string_methods() {
        let r = run(r#"
slash = lambda a, b: a + "/" + b
a = slash("s3://x", "y")
b = " S3://Bkt/Key ".strip().lower()
c = "a,b,,c".split(",")
d = "s3://b/k".replace("s3://", "s3a://")
e = "orders".startswith(("ord", "x"))
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://x/y"));
        assert_eq!(r.text("b").as_deref(), Some("s3://bkt/key"));
        assert_eq!(r.texts("c"), ["a", "b", "", "c"]);
        assert_eq!(r.text("d").as_deref(), Some("s3a://b/k"));
        assert_eq!(r.value("e"), Value::Bool(true));
    }

    #[test]
    fn dict_methods() {
        let r = run(r#"
cfg = {"in": "s3://i/", "out": "s3://o/"}
a = cfg.get("in")
b = cfg.get("nope", "fallback")
c = cfg.get("nope")
keys = cfg.keys()
values = list(cfg.values())
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://i/"));
        assert_eq!(r.text("b").as_deref(), Some("fallback"));
        assert_eq!(r.value("c"), Value::None);
        assert_eq!(r.texts("keys"), ["in", "out"]);
        assert_eq!(r.texts("values"), ["s3://i/", "s3://o/"]);
    }

    #[test]
    fn api_calls_emit_and_callbacks_run() {
        let r = run(r#"
from awsglue.context import GlueContext
glue = GlueContext(sc)
def batch(df, batch_id):
    df.write.parquet("s3://out/batches/")
glue.forEachBatch(frame=stream, batch_function=batch, options={})
glue.create_dynamic_frame.from_catalog(database="db", table_name="t")
"#);
        assert_eq!(
            r.ios(),
            [
                "out s3://out/batches",
                "in arn:aws:glue:us-east-1:111122223333|table/db/t"
            ]
        );
    }

    #[test]
    fn list_mutation_through_a_variable() {
        let r = run(r#"
l = ["a"]
l.append("b")
l.extend(["c", "d"])
l.remove("a")
d = {"x": 1}
d.update({"y": 2}, z=3)
"#);
        assert_eq!(r.texts("l"), ["b", "c", "d"]);
        let d = r.value("d");
        assert_eq!(d.get_key("y"), Some(&Value::Int(2)));
        assert_eq!(d.get_key("z"), Some(&Value::Int(3)));
    }
}
