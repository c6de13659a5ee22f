//! Scala collections and functions as values: `Seq`/`List`/`Array`/`Map` methods (`foreach`,
//! `map`, `flatMap`, `filter`, `collect`, `mkString`, `grouped`, `toMap`, `get`/`getOrElse`,
//! ...), `Option` (`Some(x)` is `x`, `None` is none: `getOrElse`, `orElse`, `isDefined`),
//! lambdas and `{ case ... }` blocks applied to values, and patterns (`Array(k, v)`, tuples,
//! `Some(x)`, literals, `_`, typed and bound names).

use super::Interp;
use super::{field, kind};
use crate::builtins::Args;
use crate::interp::{self, Evaluate, MAX_ITER};
use crate::value::{values_equal, PStr, Value};
use std::collections::HashMap;
use tree_sitter::Node;

/// The items a Scala loop or collection method visits: a list's items, a map's `(k, v)` pairs.
pub(super) fn scala_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.iter().take(MAX_ITER).cloned().collect()),
        Value::Dict(d) => Some(
            d.iter()
                .take(MAX_ITER)
                .map(|(k, v)| Value::list(vec![k.clone(), v.clone()]))
                .collect(),
        ),
        _ => None,
    }
}

/// The items of a list value (for arguments handed to a library).
pub(super) fn scala_items_of(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.as_ref().clone()),
        _ => None,
    }
}

/// A list of `(k, v)` pairs as a map (`toMap`).
fn to_map(items: &[Value]) -> Value {
    Value::dict(
        items
            .iter()
            .filter_map(|p| match p {
                Value::List(kv) if kv.len() == 2 => Some((kv[0].clone(), kv[1].clone())),
                _ => None,
            })
            .collect(),
    )
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// A lambda or `{ case ... }` block as a value (registered once per node).
    pub(super) fn lambda_value(&mut self, n: Node<'t>) -> Value {
        if let Some(i) = self.lambdas.iter().position(|l| l.id() == n.id()) {
            return Value::Lambda(i);
        }
        self.lambdas.push(n);
        Value::Lambda(self.lambdas.len() - 1)
    }

    /// Calls a lambda value with arguments; `None` when it is not one or does not apply.
    pub(super) fn call_lambda(&mut self, f: &Value, args: Vec<Value>) -> Option<Value> {
        let Value::Lambda(i) = f else {
            return None;
        };
        let node = *self.lambdas.get(*i)?;
        if self.calls.is_full() || !self.env.enter_function(node.id(), "lambda") {
            return Some(Value::unknown("lambda"));
        }
        self.calls.enter();
        let site = self.env.site.clone();
        let v = if kind(node) == "case_block" {
            let arg = if args.len() == 1 {
                args.into_iter().next().unwrap_or(Value::None)
            } else {
                Value::list(args)
            };
            self.apply_cases(node, &arg)
        } else if kind(node) == "lambda_expression" {
            Some(self.apply_lambda(node, args))
        } else {
            // a placeholder function: `_` is the argument
            let arg = args.into_iter().next().unwrap_or(Value::None);
            self.scopes.push(HashMap::from([("_".to_string(), arg)]));
            let v = self.eval(node);
            self.scopes.pop();
            Some(v)
        };
        self.env.site = site;
        self.calls.leave();
        v
    }

    /// Runs a lambda's body with its parameters bound to `args` (a single tuple argument is
    /// spread over several parameters).
    pub(super) fn apply_lambda(&mut self, l: Node<'t>, mut args: Vec<Value>) -> Value {
        let params = self.lambda_params(l);
        if params.len() > 1 && args.len() == 1 {
            if let Some(Value::List(t)) = args.first() {
                if t.len() == params.len() {
                    args = t.as_ref().clone();
                }
            }
        }
        let mut scope = HashMap::new();
        for (i, p) in params.iter().enumerate() {
            let v = args.get(i).cloned().unwrap_or_else(|| Value::unknown(p));
            scope.insert(p.clone(), v);
        }
        self.scopes.push(scope);
        let v = lambda_body(l).map(|b| self.eval(b)).unwrap_or(Value::None);
        self.scopes.pop();
        v
    }

    /// The parameter names of a lambda (`_` for a wildcard).
    pub(super) fn lambda_params(&self, l: Node<'t>) -> Vec<String> {
        let Some(ps) = field(l, "parameters") else {
            return Vec::new();
        };
        if kind(ps) != "bindings" {
            return vec![self.text(ps).to_string()];
        }
        let mut c = ps.walk();
        let names: Vec<String> = ps
            .named_children(&mut c)
            .map(|b| {
                field(b, "name")
                    .map(|x| self.text(x))
                    .unwrap_or_else(|| self.text(b))
                    .to_string()
            })
            .collect();
        names
    }

    /// The first `case` clause of a block that matches `v` runs (an undecided match runs and
    /// stops there); `None` when no clause matches.
    pub(super) fn apply_cases(&mut self, block: Node<'t>, v: &Value) -> Option<Value> {
        let mut c = block.walk();
        let clauses: Vec<Node<'t>> = block
            .named_children(&mut c)
            .filter(|k| kind(k) == "case_clause")
            .collect();
        for clause in clauses {
            let Some(pat) = field(clause, "pattern") else {
                continue;
            };
            self.scopes.push(HashMap::new());
            let mut matched = self.bind_pattern(pat, v);
            if matched != Some(false) {
                // the guard is a child of the clause, not one of its fields
                let mut gc = clause.walk();
                let guard = clause.named_children(&mut gc).find(|k| kind(k) == "guard");
                if let Some(g) = guard {
                    let cond = field(g, "condition")
                        .or_else(|| g.named_child(0))
                        .map(|c| self.eval(c))
                        .and_then(|x| x.truthy());
                    matched = match (matched, cond) {
                        (_, Some(false)) => Some(false),
                        (Some(true), Some(true)) => Some(true),
                        _ => None,
                    };
                }
            }
            if matched == Some(false) {
                self.scopes.pop();
                continue;
            }
            let out = field(clause, "body")
                .map(|b| self.eval(b))
                .unwrap_or(Value::None);
            self.scopes.pop();
            return Some(if matched == Some(true) {
                out
            } else {
                // an undecided match: the clause ran, its value is not certain
                match out {
                    Value::Str(_) | Value::Int(_) | Value::Bool(_) => Value::unknown("match"),
                    other => other,
                }
            });
        }
        None
    }

    /// Binds the names of a pattern to the parts of `v`: whether it matches (`None`: undecided,
    /// the names are bound to what is known).
    pub(super) fn bind_pattern(&mut self, p: Node<'t>, v: &Value) -> Option<bool> {
        match kind(p) {
            "identifier" => {
                let name = self.text(p);
                if name == "None" {
                    return match v {
                        Value::None => Some(true),
                        Value::Unknown(_) => None,
                        _ => Some(false),
                    };
                }
                if name.starts_with(char::is_uppercase) {
                    return None;
                }
                self.scopes.assign(name, v.clone());
                Some(true)
            }
            "wildcard" => Some(true),
            "typed_pattern" => p.named_child(0).and_then(|q| self.bind_pattern(q, v)),
            "alternative_pattern" => {
                // `case "dev" | "test" =>`: one alternative matching is enough (alternatives
                // bind no names)
                let mut c = p.walk();
                let alternatives: Vec<Node<'t>> = p
                    .named_children(&mut c)
                    .filter(|k| !kind(k).contains("comment"))
                    .collect();
                interp::any_matches(alternatives, |q| self.bind_pattern(q, v))
            }
            "capture_pattern" => {
                let name = field(p, "name").map(|n| self.text(n).to_string());
                if let Some(name) = name {
                    self.scopes.assign(&name, v.clone());
                }
                field(p, "pattern")
                    .map(|q| self.bind_pattern(q, v))
                    .unwrap_or(Some(true))
            }
            "string" | "integer_literal" | "boolean_literal" | "interpolated_string_expression" => {
                let lit = self.eval(p);
                values_equal(&lit, v)
            }
            "tuple_pattern" | "case_class_pattern" => {
                let ty = field(p, "type")
                    .map(|t| self.text(t).to_string())
                    .unwrap_or_default();
                let mut c = p.walk();
                let parts: Vec<Node<'t>> = p
                    .named_children(&mut c)
                    .filter(|k| Some(*k) != field(p, "type"))
                    .filter(|k| !kind(k).contains("comment"))
                    .collect();
                if ty == "Some" {
                    return match v {
                        Value::None => Some(false),
                        _ => parts.first().and_then(|q| self.bind_pattern(*q, v)),
                    };
                }
                match v {
                    Value::List(items) if items.len() == parts.len() => {
                        interp::all_match(parts.iter().zip(items.iter()), |(q, item)| {
                            self.bind_pattern(*q, item)
                        })
                    }
                    Value::List(_) => Some(false),
                    _ => {
                        for q in parts {
                            self.bind_pattern(q, &Value::unknown(self.text(q)));
                        }
                        None
                    }
                }
            }
            _ => None,
        }
    }

    /// A method of a collection, an option or a function value; `None` when `name` is not one
    /// for this receiver.
    pub(super) fn collection_method(
        &mut self,
        recv: &Value,
        name: &str,
        args: &Args,
    ) -> Option<Value> {
        let arg0 = args.pos.first();
        if let Value::Lambda(_) = recv {
            return match name {
                "apply" => self.call_lambda(recv, args.pos.clone()),
                _ => None,
            };
        }
        if let (Value::Dict(_), Some(v)) = (recv, self.map_method(recv, name, args)) {
            return Some(v);
        }
        if let Some(items) = scala_items(recv) {
            if let Some(v) = self.seq_method(&items, name, args) {
                return Some(v);
            }
        }
        // Option: `Some(x)` is `x`, `None` is none
        let v = match (recv, name) {
            (Value::None, "getOrElse" | "orElse") => arg0.cloned().unwrap_or(Value::None),
            (Value::Unknown(_), "getOrElse" | "orElse" | "get") => return None,
            (_, "getOrElse" | "orElse" | "get" | "orNull") => recv.clone(),
            (Value::None, "isDefined" | "nonEmpty") => Value::Bool(false),
            (Value::None, "isEmpty") => Value::Bool(true),
            (Value::Str(_) | Value::Int(_), "isDefined") => Value::Bool(true),
            (Value::None, "map" | "flatMap" | "filter" | "foreach") => Value::None,
            (Value::Str(_) | Value::Int(_), "map" | "flatMap") => {
                return self.call_lambda(arg0?, vec![recv.clone()]);
            }
            (Value::Str(_) | Value::Int(_), "foreach") => {
                self.call_lambda(arg0?, vec![recv.clone()]);
                Value::None
            }
            _ => return None,
        };
        Some(v)
    }

    fn map_method(&mut self, recv: &Value, name: &str, args: &Args) -> Option<Value> {
        let Value::Dict(d) = recv else {
            return None;
        };
        let key = args.pos.first().and_then(Value::as_known_str);
        let v = match name {
            "apply" => recv.get_key(&key?).cloned()?,
            "get" => match &key {
                Some(k) => recv.get_key(k).cloned().unwrap_or(Value::None),
                None => return None,
            },
            "getOrElse" => match &key {
                Some(k) => recv
                    .get_key(k)
                    .cloned()
                    .or_else(|| args.pos.get(1).cloned())
                    .unwrap_or(Value::None),
                None => return None,
            },
            "contains" | "isDefinedAt" => Value::Bool(recv.get_key(&key?).is_some()),
            "keys" | "keySet" => Value::list(d.iter().map(|(k, _)| k.clone()).collect()),
            "values" => Value::list(d.iter().map(|(_, v)| v.clone()).collect()),
            "updated" | "+" => {
                let (k, v) = match (args.pos.first(), args.pos.get(1)) {
                    (Some(Value::List(kv)), None) if kv.len() == 2 => {
                        (kv[0].clone(), kv[1].clone())
                    }
                    (Some(k), Some(v)) => (k.clone(), v.clone()),
                    _ => return None,
                };
                let mut items = d.as_ref().clone();
                items.push((k, v));
                Value::dict(items)
            }
            "mapValues" => {
                let f = args.pos.first()?;
                let mut items = Vec::new();
                for (k, v) in d.iter().take(MAX_ITER) {
                    let nv = self
                        .call_lambda(f, vec![v.clone()])
                        .unwrap_or(Value::unknown("mapValues"));
                    items.push((k.clone(), nv));
                }
                Value::dict(items)
            }
            "toMap" | "asJava" | "asScala" => recv.clone(),
            _ => return None,
        };
        Some(v)
    }

    fn seq_method(&mut self, items: &[Value], name: &str, args: &Args) -> Option<Value> {
        let arg0 = args.pos.first();
        let int_arg = |i: usize| match args.pos.get(i) {
            Some(Value::Int(n)) => usize::try_from(*n).ok(),
            _ => None,
        };
        let v = match name {
            "foreach" => {
                let f = arg0?;
                for it in items {
                    self.call_lambda(f, vec![it.clone()]);
                }
                Value::None
            }
            "map" | "flatMap" | "collect" => {
                let f = arg0?;
                let mut out = Vec::new();
                for it in items {
                    match self.call_lambda(f, vec![it.clone()]) {
                        Some(v) if name == "flatMap" => match scala_items(&v) {
                            Some(inner) => out.extend(inner),
                            None if v == Value::None => {}
                            None => out.push(v),
                        },
                        Some(v) => out.push(v),
                        None if name == "collect" => {}
                        None => out.push(Value::unknown(name)),
                    }
                }
                Value::list(out)
            }
            "filter" | "filterNot" | "withFilter" => {
                let f = arg0?;
                let mut out = Vec::new();
                for it in items {
                    let keep = self
                        .call_lambda(f, vec![it.clone()])
                        .and_then(|v| v.truthy());
                    // an undecided test keeps the item
                    if keep != Some(name == "filterNot") {
                        out.push(it.clone());
                    }
                }
                Value::list(out)
            }
            "mkString" => {
                let (start, sep, end) = match args.pos.len() {
                    0 => (PStr::default(), PStr::default(), PStr::default()),
                    1 => (PStr::default(), args.pos[0].to_pstr(), PStr::default()),
                    _ => (
                        args.pos[0].to_pstr(),
                        args.pos.get(1)?.to_pstr(),
                        args.pos.get(2)?.to_pstr(),
                    ),
                };
                let mut out = start;
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(&sep);
                    }
                    out.push_str(&super::expressions::scala_pstr(it));
                }
                out.push_str(&end);
                Value::Str(out)
            }
            "grouped" => {
                let n = int_arg(0)?.max(1);
                Value::list(items.chunks(n).map(|c| Value::list(c.to_vec())).collect())
            }
            "zipWithIndex" => Value::list(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, it)| {
                        Value::list(vec![it.clone(), Value::Int(i64::try_from(i).unwrap_or(0))])
                    })
                    .collect(),
            ),
            "toMap" => to_map(items),
            "toList" | "toSeq" | "toArray" | "toVector" | "toSet" | "toBuffer" | "asJava"
            | "asScala" | "iterator" | "toIterator" | "distinct" | "view" | "par" => {
                Value::list(items.to_vec())
            }
            "head" => items.first()?.clone(),
            "last" => items.last()?.clone(),
            "headOption" => items.first().cloned().unwrap_or(Value::None),
            "lastOption" => items.last().cloned().unwrap_or(Value::None),
            "tail" => Value::list(items.iter().skip(1).cloned().collect()),
            "take" => Value::list(items.iter().take(int_arg(0)?).cloned().collect()),
            "drop" => Value::list(items.iter().skip(int_arg(0)?).cloned().collect()),
            "reverse" => Value::list(items.iter().rev().cloned().collect()),
            "size" | "length" => Value::Int(i64::try_from(items.len()).unwrap_or(i64::MAX)),
            "isEmpty" => Value::Bool(items.is_empty()),
            "nonEmpty" => Value::Bool(!items.is_empty()),
            "apply" | "lift" => {
                let it = items.get(int_arg(0)?).cloned();
                match (name, it) {
                    (_, Some(v)) => v,
                    ("lift", None) => Value::None,
                    _ => return None,
                }
            }
            "contains" => crate::value::member_of(arg0?, items.iter())
                .map(Value::Bool)
                .unwrap_or(Value::unknown("contains")),
            "indexOf" => match items
                .iter()
                .position(|it| values_equal(it, arg0.unwrap_or(&Value::None)) == Some(true))
            {
                Some(i) => Value::Int(i64::try_from(i).unwrap_or(-1)),
                None => return None,
            },
            _ => return None,
        };
        Some(v)
    }
}

/// The body of a lambda: its last named child after the parameters.
fn lambda_body(l: Node) -> Option<Node> {
    let params = field(l, "parameters").map(|p| p.id());
    let count = l.named_child_count();
    let last = l.named_child(count.checked_sub(1)?)?;
    (Some(last.id()) != params).then_some(last)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_with};

    #[test]
    fn collections_and_lookups() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val tables = Seq("a", "b")
    val paths = Map("in" -> "s3://m/in/", "out" -> "s3://m/out/")
    val p = paths("in")
    val q = paths.getOrElse("nope", "s3://m/default/")
    val g = paths.get("out").getOrElse("x")
    val h = paths.get("none").getOrElse("fallback")
    val first = tables(0)
    val joined = tables.map(t => s"s3://m/$t").mkString(",")
    val some = Option("s3://m/opt/").getOrElse("never")
    val wrapped = tables.mkString("[", "|", "]")
    spark.read.parquet(p)
  }
}
"#);
        assert_eq!(r.texts("tables"), ["a", "b"]);
        assert_eq!(r.text("p").as_deref(), Some("s3://m/in/"));
        assert_eq!(r.text("q").as_deref(), Some("s3://m/default/"));
        assert_eq!(r.text("g").as_deref(), Some("s3://m/out/"));
        assert_eq!(r.text("h").as_deref(), Some("fallback"));
        assert_eq!(r.text("first").as_deref(), Some("a"));
        assert_eq!(r.text("joined").as_deref(), Some("s3://m/a,s3://m/b"));
        assert_eq!(r.text("some").as_deref(), Some("s3://m/opt/"));
        assert_eq!(r.text("wrapped").as_deref(), Some("[a|b]"));
        assert_eq!(r.ios(), ["in s3://m/in"]);
    }

    #[test]
    fn lambdas_over_lists_and_maps() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val spark = SparkSession.builder().getOrCreate()
    val tables = List("orders", "items", "tmp_x")
    tables.filterNot(_t => false).foreach { t =>
      val path = s"s3://raw/$t/"
      if (!t.startsWith("tmp_")) spark.read.parquet(path)
    }
    Map("db1" -> "t1").foreach { case (db, t) => spark.table(s"$db.$t") }
    tables.take(1).foreach(t => spark.read.json(s"s3://j/$t/"))
  }
}
"#);
        assert_eq!(
            r.ios(),
            [
                "in s3://raw/orders",
                "in s3://raw/items",
                "in arn:aws:glue:us-east-1:111122223333|table/db1/t1",
                "in s3://j/orders"
            ]
        );
    }

    #[test]
    fn hand_parsed_arguments() {
        let r = run_with(
            r#"
object App {
  def main(args: Array[String]): Unit = {
    val argMap = args.grouped(2).collect { case Array(k, v) => k.stripPrefix("--") -> v }.toMap
    val out = argMap("OUT_PATH")
    val missing = argMap.getOrElse("NOPE", "s3://default/x/")
    spark.read.parquet(argMap("IN_PATH"))
  }
}
"#,
            &[
                ("IN_PATH", "s3://in-b/data/"),
                ("OUT_PATH", "s3://out-b/data/"),
            ],
        );
        assert_eq!(r.text("out").as_deref(), Some("s3://out-b/data/"));
        assert_eq!(r.text("missing").as_deref(), Some("s3://default/x/"));
        assert_eq!(r.ios(), ["in s3://in-b/data"]);
    }
}
