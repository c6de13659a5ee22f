//! Expressions: literals and f-strings, names, attributes and subscripts (negative indexes),
//! operators (`+`, `%`, `and`/`or`/`not`), comparisons and `in`, conditional expressions,
//! list/tuple/dict displays with splats, comprehensions, lambdas and `:=`.

use super::stdlib::builtin_name;
use super::{literals, Interp, MAX_EXPR_DEPTH, MAX_ITER};
use crate::builtins::{binop, iterate};
use crate::value::{member_of, values_equal, Obj, PStr, Value};
use std::collections::HashMap;
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
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
