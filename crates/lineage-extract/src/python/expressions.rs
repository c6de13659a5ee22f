//! Expressions: literals and f-strings, names, attributes and subscripts (negative indexes),
//! operators (`+`, `%`, `and`/`or`/`not`), comparisons and `in`, conditional expressions,
//! list/tuple/dict displays with splats, comprehensions, lambdas and `:=`.

use super::stdlib::builtin_name;
use super::{field, kind};
use super::{literals, Interp};
use crate::builtins::{self, binop, iterate};
use crate::interp::{DepthGuard, Evaluate, MAX_ITER};
use crate::value::{member_of, values_equal, Obj, PStr, Value};
use std::collections::HashMap;
use tree_sitter::Node;

impl<'t, 'e, 'c> Evaluate<'t> for Interp<'t, 'e, 'c> {
    fn source(&self) -> &'t str {
        self.src
    }

    fn bound(&self, expression: &str) -> Option<Value> {
        self.env.bound_value(expression)
    }

    fn expr_depth(&mut self) -> &mut DepthGuard {
        &mut self.expr_depth
    }

    fn eval_node(&mut self, n: Node<'t>) -> Value {
        match kind(n) {
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
                self.scopes
                    .lookup(name)
                    .unwrap_or_else(|| builtin_name(name))
            }
            "attribute" => {
                let (Some(obj), Some(attr)) = (field(n, "object"), field(n, "attribute")) else {
                    return Value::unknown(self.text(n));
                };
                let o = self.eval(obj);
                let name = self.text(attr);
                self.get_attr(&o, name, n)
            }
            "subscript" => {
                let (Some(base), Some(idx)) = (field(n, "value"), field(n, "subscript")) else {
                    return Value::unknown(self.text(n));
                };
                let b = self.eval(base);
                if kind(idx) == "slice" {
                    let mut bounds = [None, None, None];
                    let mut c = idx.walk();
                    // `a:b:c` with any part missing: the named children sit between colons
                    let mut part = 0;
                    for k in idx.children(&mut c) {
                        if kind(k) == ":" {
                            part += 1;
                        } else if k.is_named() && part < 3 {
                            bounds[part] = match self.eval(k) {
                                Value::Int(x) => Some(x),
                                _ => return Value::unknown(self.text(n)),
                            };
                        }
                    }
                    return slice(&b, bounds, self.text(n));
                }
                let i = self.eval(idx);
                subscript(&b, &i, self.text(n))
            }
            "call" => self.eval_call(n),
            "binary_operator" => {
                let (Some(l), Some(r), Some(op)) =
                    (field(n, "left"), field(n, "right"), field(n, "operator"))
                else {
                    return Value::unknown(self.text(n));
                };
                let lv = self.eval(l);
                let rv = self.eval(r);
                binop(self.text(op), &lv, &rv)
            }
            "boolean_operator" => {
                let (Some(l), Some(r), Some(op)) =
                    (field(n, "left"), field(n, "right"), field(n, "operator"))
                else {
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
            "not_operator" => match field(n, "argument").map(|a| self.eval(a)) {
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
                    if kind(p) == "list_splat" {
                        if let Some(inner) = p.named_child(0) {
                            let v = self.eval(inner);
                            match iterate(&v) {
                                Some(it) => items.extend(it),
                                None => items.push(Value::unknown(self.text(p))),
                            }
                        }
                    } else if !matches!(kind(p), "comment" | "line_continuation") {
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
                    match kind(p) {
                        "pair" => {
                            if let (Some(k), Some(v)) = (field(p, "key"), field(p, "value")) {
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
            "lambda" => Value::Lambda(self.define_lambda(n)),
            "unary_operator" => {
                let v = field(n, "argument").map(|a| self.eval(a));
                match (self.text(n).starts_with('-'), v) {
                    (true, Some(Value::Int(i))) => Value::Int(-i),
                    (false, Some(v @ Value::Int(_))) => v,
                    _ => Value::unknown(self.text(n)),
                }
            }
            "await" => Value::unknown(self.text(n)),
            "named_expression" => {
                let v = field(n, "value")
                    .map(|x| self.eval(x))
                    .unwrap_or(Value::None);
                if let Some(nm) = field(n, "name") {
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
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    fn eval_string(&mut self, n: Node<'t>) -> Value {
        if kind(n) != "string" {
            return self.eval(n);
        }
        let mut prefix = String::new();
        let mut out = PStr::default();
        let mut c = n.walk();
        let kids: Vec<Node> = n.children(&mut c).collect();
        for k in kids {
            match kind(k) {
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
                    let v = field(k, "expression")
                        .map(|e| self.eval(e))
                        .unwrap_or_else(|| Value::unknown(self.text(k)));
                    let spec = {
                        let mut c2 = k.walk();
                        let spec = k
                            .named_children(&mut c2)
                            .find(|x| kind(x) == "format_specifier")
                            .map(|x| self.text(x).trim_start_matches(':').to_string());
                        spec
                    };
                    let v = match (v, spec) {
                        (v, None) => v,
                        (Value::Obj(Obj::DateTime(m)), Some(spec)) => {
                            crate::python::dates_format(&m, &spec)
                                .map_or_else(|| Value::unknown(self.text(k)), Value::str)
                        }
                        (Value::Int(i), Some(spec)) => format_int(i, &spec)
                            .map_or_else(|| Value::unknown(self.text(k)), Value::str),
                        (Value::Str(s), Some(spec)) if spec.is_empty() => Value::Str(s),
                        _ => Value::unknown(self.text(k)),
                    };
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
            if k.is_named() && !matches!(kind(k), "comment" | "line_continuation") {
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
        let Some(body) = field(n, "body") else {
            return Value::unknown(self.text(n));
        };
        let mut c = n.walk();
        let clauses: Vec<Node> = n
            .named_children(&mut c)
            .filter(|k| kind(k) == "for_in_clause" || kind(k) == "if_clause")
            .collect();
        self.scopes.push(HashMap::new());
        let mut out = Vec::new();
        let ok = self.comprehend(&clauses, body, dict, &mut out);
        self.scopes.pop();
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
                let k = field(body, "key").map(|k| self.eval(k));
                let v = field(body, "value").map(|v| self.eval(v));
                Value::list(vec![k.unwrap_or(Value::None), v.unwrap_or(Value::None)])
            } else {
                self.eval(body)
            };
            out.push(v);
            return true;
        };
        match kind(first) {
            "for_in_clause" => {
                let (Some(left), Some(right)) = (field(*first, "left"), field(*first, "right"))
                else {
                    return false;
                };
                let it = self.eval(right);
                let Some(items) = iterate(&it) else {
                    return false;
                };
                for (i, item) in items.into_iter().take(MAX_ITER).enumerate() {
                    if !self.env.next_iteration(i, self.text(right)) {
                        break;
                    }
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
}

/// An integer by an f-string format spec (`d`, `03d`, `02`, `,`); `None` for other specs.
fn format_int(i: i64, spec: &str) -> Option<String> {
    let digits = spec.strip_suffix('d').unwrap_or(spec);
    if digits.is_empty() {
        return Some(i.to_string());
    }
    if let Some(width) = digits.strip_prefix('0') {
        let w: usize = width.parse().ok()?;
        return Some(format!("{i:0w$}"));
    }
    let w: usize = digits.parse().ok()?;
    Some(format!("{i:w$}"))
}

/// `b[start:stop:step]` of a list or a string, Python's way (negative indexes count from the
/// end); of a partially known string only when the slice falls inside its known start or end.
fn slice(b: &Value, bounds: [Option<i64>; 3], text: &str) -> Value {
    let [start, stop, step] = bounds;
    let step = step.unwrap_or(1);
    if step != 1 {
        return match b {
            Value::List(l) => Value::list(stepped(l.as_ref(), start, stop, step)),
            Value::Str(p) => match p.known() {
                Some(t) => {
                    let chars: Vec<char> = t.chars().collect();
                    let mut out = p.clone();
                    out.segs = vec![crate::value::Seg::Lit(
                        stepped(&chars, start, stop, step).into_iter().collect(),
                    )];
                    Value::Str(out)
                }
                None => Value::unknown(text),
            },
            _ => Value::unknown(text),
        };
    }
    match b {
        Value::List(l) => {
            let (a, z) = span(l.len(), start, stop);
            Value::list(l.get(a..z).map(<[Value]>::to_vec).unwrap_or_default())
        }
        Value::Str(p) => {
            builtins::slice_pstr(p, start, stop).map_or_else(|| Value::unknown(text), Value::Str)
        }
        _ => Value::unknown(text),
    }
}

/// `[start:stop]` of a sequence of `len` items as a range, Python's way.
fn span(len: usize, start: Option<i64>, stop: Option<i64>) -> (usize, usize) {
    let len_i = i64::try_from(len).unwrap_or(i64::MAX);
    let at = |i: i64| -> usize {
        let i = if i < 0 {
            (len_i + i).max(0)
        } else {
            i.min(len_i)
        };
        usize::try_from(i).unwrap_or(0)
    };
    let a = start.map_or(0, at);
    let z = stop.map_or(len, at);
    (a, z.max(a))
}

fn stepped<T: Clone>(items: &[T], start: Option<i64>, stop: Option<i64>, step: i64) -> Vec<T> {
    if step > 0 {
        let (a, z) = span(items.len(), start, stop);
        items[a..z]
            .iter()
            .step_by(usize::try_from(step).unwrap_or(1))
            .cloned()
            .collect()
    } else if step == -1 && start.is_none() && stop.is_none() {
        items.iter().rev().cloned().collect()
    } else {
        Vec::new()
    }
}

fn subscript(b: &Value, i: &Value, text: &str) -> Value {
    match (b, i) {
        (Value::Str(s), Value::Int(x)) => match s.known() {
            Some(t) => {
                let chars: Vec<char> = t.chars().collect();
                let len = i64::try_from(chars.len()).unwrap_or(0);
                let idx = if *x < 0 { len + x } else { *x };
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| chars.get(i))
                    .map(|c| {
                        Value::Str(PStr {
                            segs: vec![crate::value::Seg::Lit(c.to_string())],
                            prov: s.prov.clone(),
                        })
                    })
                    .unwrap_or_else(|| Value::unknown(text))
            }
            None => Value::unknown(text),
        },
        // the same unknown key a dict was filled with (a loop over its keys, a key computed
        // the same way)
        (Value::Dict(d), Value::Unknown(_) | Value::Str(_)) if i.as_known_str().is_none() => d
            .iter()
            .rev()
            .find(|(k, _)| k == i)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| Value::unknown(text)),
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
        (Value::Obj(Obj::Frame(f)), _) => Value::Obj(Obj::Frame(f.clone())),
        (Value::Obj(Obj::Match(groups)), Value::Int(x)) => usize::try_from(*x)
            .ok()
            .and_then(|i| groups.0.get(i).cloned())
            .unwrap_or_else(|| Value::unknown(text)),
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

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn fstrings_resolve_known_parts_and_keep_holes() {
        let r = run(r#"
bucket = "lake"
cfg = {"zone": "raw"}
a = f"s3://{bucket}/{cfg['zone']}/t_{1 + 1}/"
b = f"s3://{bucket}/{unknown_table}/"
c = f"{{literal}}-{bucket}"
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t_2/"));
        assert_eq!(r.described("b"), "s3://lake/{unknown_table}/");
        assert_eq!(r.text("c").as_deref(), Some("{literal}-lake"));
    }

    #[test]
    fn percent_and_format() {
        let r = run(r#"
a = "s3://%s/%s/" % ("bkt", "key")
b = "%(db)s.%(t)s" % {"db": "sales", "t": "orders"}
c = "{}/{name}/{0}".format("x", name="y")
d = "s3://%s/p" % missing
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://bkt/key/"));
        assert_eq!(r.text("b").as_deref(), Some("sales.orders"));
        assert_eq!(r.text("c").as_deref(), Some("x/y/x"));
        assert_eq!(r.described("d"), "s3://{missing}/p");
    }

    #[test]
    fn plus_concatenates_with_holes() {
        let r = run(r#"
a = "s3://" + bucket + "/out/"
b = prefix + "/tail"
c = "x" "y" 'z'
n = 2 + 3 * 4
l = ["a"] + ["b"]
"#);
        assert_eq!(r.described("a"), "s3://{bucket}/out/");
        assert_eq!(r.described("b"), "{prefix}/tail");
        assert_eq!(r.text("c").as_deref(), Some("xyz"));
        assert_eq!(r.value("n"), Value::Int(14));
        assert_eq!(r.texts("l"), ["a", "b"]);
    }

    #[test]
    fn subscripts_of_lists_and_dicts() {
        let r = run(r#"
l = ["a", "b", "c"]
first = l[0]
last = l[-1]
out_of_range = l[5]
sliced = l[1:]
d = {"k": "v", 1: "one"}
by_str = d["k"]
by_int = d[1]
missing = d["nope"]
"#);
        assert_eq!(r.text("first").as_deref(), Some("a"));
        assert_eq!(r.text("last").as_deref(), Some("c"));
        assert!(r.is_unknown("out_of_range"));
        assert_eq!(r.texts("sliced"), ["b", "c"]);
        assert_eq!(r.text("by_str").as_deref(), Some("v"));
        assert_eq!(r.text("by_int").as_deref(), Some("one"));
        assert!(r.is_unknown("missing"));
    }

    #[test]
    fn strings_index_and_slice_like_python() {
        let r = run(r#"
path = "/raw/orders/"
key = path[1:]
trimmed = path[1:-1]
ch = path[1]
back = path[-2]
rev = "abc"[::-1]
every_other = "abcdef"[::2]
partial = "/" + unknown_thing + "/x/"
partial_key = partial[1:]
partial_mid = partial[2:4]
"#);
        assert_eq!(r.text("key").as_deref(), Some("raw/orders/"));
        assert_eq!(r.text("trimmed").as_deref(), Some("raw/orders"));
        assert_eq!(r.text("ch").as_deref(), Some("r"));
        assert_eq!(r.text("back").as_deref(), Some("s"));
        assert_eq!(r.text("rev").as_deref(), Some("cba"));
        assert_eq!(r.text("every_other").as_deref(), Some("ace"));
        match r.value("partial_key") {
            Value::Str(p) => assert_eq!(p.describe(), "{unknown_thing}/x/"),
            v => panic!("partial_key is {v:?}"),
        }
        assert!(
            r.is_unknown("partial_mid"),
            "a cut past the known start is not known"
        );
    }

    #[test]
    fn comparisons_and_membership() {
        let r = run(r#"
a = "a" in ["a", "b"]
b = "c" not in {"a": 1, "b": 2}
c = 1 < 2 < 3
d = 3 <= 2
e = "ab" in "xaby"
f = "s3" == "s3" != "gs"
g = x == "y"
h = None is None
"#);
        assert_eq!(r.value("a"), Value::Bool(true));
        assert_eq!(r.value("b"), Value::Bool(true));
        assert_eq!(r.value("c"), Value::Bool(true));
        assert_eq!(r.value("d"), Value::Bool(false));
        assert_eq!(r.value("e"), Value::Bool(true));
        assert_eq!(r.value("f"), Value::Bool(true));
        assert!(r.is_unknown("g"));
        assert_eq!(r.value("h"), Value::Bool(true));
    }

    #[test]
    fn boolean_and_conditional_expressions() {
        let r = run(r#"
a = None or "default"
b = "" and "never"
c = unknown_flag and False
d = "yes" if 1 > 0 else "no"
e = "same" if unknown_flag else "same"
f = "a" if unknown_flag else "b"
g = not ""
"#);
        assert_eq!(r.text("a").as_deref(), Some("default"));
        assert_eq!(r.text("b").as_deref(), Some(""));
        assert_eq!(r.value("c"), Value::Bool(false));
        assert_eq!(r.text("d").as_deref(), Some("yes"));
        assert_eq!(r.text("e").as_deref(), Some("same"));
        assert!(r.is_unknown("f"));
        assert_eq!(r.value("g"), Value::Bool(true));
    }

    #[test]
    fn displays_and_comprehensions() {
        let r = run(r#"
base = ["a", "b"]
l = [*base, "c"]
d = {"x": 1, **{"y": 2}}
upper = [t.upper() for t in ["a", "b", "c"] if t != "b"]
pairs = {k: v for k, v in [("k1", "v1"), ("k2", "v2")]}
nested = [a + b for a in ["x", "y"] for b in ["1", "2"]]
unknown = [t for t in tables]
"#);
        assert_eq!(r.texts("l"), ["a", "b", "c"]);
        assert_eq!(r.value("d").get_key("y"), Some(&Value::Int(2)));
        assert_eq!(r.texts("upper"), ["A", "C"]);
        assert_eq!(r.value("pairs").get_key("k2"), Some(&Value::str("v2")));
        assert_eq!(r.texts("nested"), ["x1", "x2", "y1", "y2"]);
        assert!(r.is_unknown("unknown"));
    }

    #[test]
    fn numbers_walrus_and_unary_minus() {
        let r = run(r#"
a = 1_000
b = -a
c = 2.5
if (n := "walrus"):
    d = n
"#);
        assert_eq!(r.value("a"), Value::Int(1000));
        assert_eq!(r.value("b"), Value::Int(-1000));
        assert_eq!(r.value("c"), Value::Float(2.5));
        assert_eq!(r.text("d").as_deref(), Some("walrus"));
    }

    #[test]
    fn nesting_beyond_the_depth_cap_is_unknown() {
        let shallow = format!("x = {}1{}\n", "(".repeat(40), ")".repeat(40));
        assert_eq!(run(&shallow).value("x"), Value::Int(1));
        // grouping parentheses are looked through: they are not nesting
        let grouped = format!("x = {}1{}\n", "(".repeat(150), ")".repeat(150));
        assert_eq!(run(&grouped).value("x"), Value::Int(1));
        // 150 nested negations are
        let deep = format!("x = {}1{}\n", "-(".repeat(150), ")".repeat(150));
        assert!(run(&deep).is_unknown("x"));
        let within = format!("x = {}1{}\n", "-(".repeat(40), ")".repeat(40));
        assert_eq!(run(&within).value("x"), Value::Int(1));
    }
}
