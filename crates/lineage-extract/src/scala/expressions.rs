//! Expressions: literals, names (a bare method name is a call, `None`/`Nil` are empty), blocks in
//! their own scope, field access, `Name(args)` and `new`, infix operators (`->`, `+` with
//! Scala's string concatenation, `++`, comparisons, `&&`, `||`, a method written infix), `!`,
//! `if` on decided conditions, `for` comprehensions (generators, `=` bindings, guards, `yield`),
//! `match` on decided scrutinees, and lambdas and `{ case ... }` blocks as values.

use super::collections::scala_items;
use super::strings::scala_string;
use super::Interp;
use super::{field, kind};
use crate::builtins::{binop, Args};
use crate::interp::{DepthGuard, Evaluate, MAX_ITER};
use crate::value::{values_equal, PStr, Value};
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
        self.visits += 1;
        match kind(n) {
            "string" => Value::str(scala_string(self.text(n))),
            "interpolated_string_expression" => self.interpolated(n),
            "character_literal" => {
                let t = self.text(n);
                Value::str(scala_string(&format!("\"{}\"", t.trim_matches('\''))))
            }
            "integer_literal" => self
                .text(n)
                .replace('_', "")
                .trim_end_matches(['L', 'l'])
                .parse()
                .map(Value::Int)
                .unwrap_or_else(|_| Value::unknown(self.short(n))),
            "boolean_literal" => Value::Bool(self.text(n) == "true"),
            "wildcard" => self.scopes.lookup("_").unwrap_or(Value::unknown("_")),
            "null_literal" | "unit" => Value::None,
            "identifier" => {
                let name = self.text(n);
                match self.scopes.lookup(name) {
                    Some(v) => v,
                    None if self.funcs.contains_key(name) => self.call_user(name, Args::default()),
                    None if name == "None" => Value::None,
                    None if name == "Nil" => Value::list(Vec::new()),
                    None => Value::unknown(name),
                }
            }
            "tuple_expression" => {
                let mut c = n.walk();
                let kids: Vec<Node> = n.named_children(&mut c).collect();
                Value::list(kids.into_iter().map(|k| self.eval(k)).collect())
            }
            "block" | "indented_block" => self.block(n),
            "field_expression" => {
                let (Some(v), Some(f)) = (field(n, "value"), field(n, "field")) else {
                    return Value::unknown(self.short(n));
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
                    .find(|k| kind(*k).contains("type"))
                    .map(|k| self.text(*k).to_string())
                    .unwrap_or_default();
                let args = kids
                    .iter()
                    .find(|k| kind(*k) == "arguments")
                    .map(|a| self.args(*a, None))
                    .unwrap_or_default();
                self.set_site(n);
                self.construct(&ty, args)
            }
            "infix_expression" => self.infix(n),
            "prefix_expression" => {
                let v = n
                    .named_child(0)
                    .map(|e| self.eval(e))
                    .unwrap_or(Value::None);
                match (self.text(n).chars().next(), &v) {
                    (Some('!'), _) => v
                        .truthy()
                        .map(|b| Value::Bool(!b))
                        .unwrap_or(Value::unknown("!")),
                    (Some('-'), Value::Int(i)) => Value::Int(-i),
                    _ => Value::unknown(self.short(n)),
                }
            }
            "if_expression" => {
                let cond = field(n, "condition")
                    .map(|c| self.eval(c))
                    .and_then(|v| v.truthy());
                let cons = field(n, "consequence");
                let alt = field(n, "alternative");
                match cond {
                    Some(true) => cons.map(|c| self.eval(c)).unwrap_or(Value::None),
                    Some(false) => alt.map(|a| self.eval(a)).unwrap_or(Value::None),
                    None => {
                        let a = cons.map(|c| self.eval(c)).unwrap_or(Value::None);
                        let b = alt.map(|x| self.eval(x)).unwrap_or(Value::None);
                        if a == b {
                            a
                        } else {
                            Value::unknown(self.short(n))
                        }
                    }
                }
            }
            "for_expression" => self.for_expression(n),
            "match_expression" => self.match_expression(n),
            // the body once, unless the condition is known false (as Python's `while`); a
            // `do ... while` runs its body once whatever the condition
            "while_expression" | "do_while_expression" => {
                let cond = if kind(n) == "while_expression" {
                    field(n, "condition")
                        .map(|c| self.eval(c))
                        .and_then(|v| v.truthy())
                } else {
                    None
                };
                if cond != Some(false) {
                    if let Some(b) = field(n, "body") {
                        self.eval(b);
                    }
                }
                Value::None
            }
            // what is returned or thrown is evaluated (it may read or write); the control flow
            // is not followed
            "return_expression" | "throw_expression" => n
                .named_child(0)
                .map(|e| self.eval(e))
                .unwrap_or(Value::None),
            "try_expression" => {
                // the body runs; `catch` and `finally` clauses hold recovery, not lineage
                let v = field(n, "body")
                    .map(|b| self.eval(b))
                    .unwrap_or(Value::None);
                if let Some(f) = n
                    .named_children(&mut n.walk())
                    .find(|k| kind(k) == "finally_clause")
                {
                    if let Some(b) = f.named_child(0) {
                        self.eval(b);
                    }
                }
                v
            }
            "lambda_expression" | "case_block" => self.lambda_value(n),
            "assignment_expression" => {
                self.assign(n);
                Value::None
            }
            "generic_function" => field(n, "function")
                .map(|f| self.eval(f))
                .unwrap_or(Value::None),
            "ascription_expression" => n
                .named_child(0)
                .map(|e| self.eval(e))
                .unwrap_or(Value::None),
            _ => Value::unknown(self.short(n)),
        }
    }
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// A block: its statements in a scope of their own; its value is the last one's.
    fn block(&mut self, n: Node<'t>) -> Value {
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

    /// `x = v` (also `x += v`): rebinds `x` where it is bound.
    pub(super) fn assign(&mut self, n: Node<'t>) {
        let (Some(l), Some(r)) = (field(n, "left"), field(n, "right")) else {
            return;
        };
        let op = match field(n, "operator") {
            Some(o) => self.text(o),
            None => self
                .src
                .get(l.end_byte()..r.start_byte())
                .unwrap_or("")
                .trim(),
        };
        let mut v = self.eval(r);
        if kind(l) != "identifier" {
            return;
        }
        let name = self.text(l).to_string();
        if op == "+=" || op == "++=" {
            let old = self.scopes.lookup(&name).unwrap_or(Value::unknown(&name));
            v = self.plus(&old, &v);
        } else if op != "=" {
            v = Value::unknown(&name);
        }
        self.scopes.update(&name, v);
    }

    /// Scala's `+`: numbers add, anything added to a string is concatenated as text.
    fn plus(&self, a: &Value, b: &Value) -> Value {
        match (a, b) {
            (Value::Str(x), _) => Value::Str(x.concat(&scala_pstr(b))),
            (_, Value::Str(y)) if !matches!(a, Value::List(_)) => {
                Value::Str(scala_pstr(a).concat(y))
            }
            _ => binop("+", a, b),
        }
    }

    fn infix(&mut self, n: Node<'t>) -> Value {
        let (Some(l), Some(r), Some(op)) =
            (field(n, "left"), field(n, "right"), field(n, "operator"))
        else {
            return Value::unknown(self.short(n));
        };
        if matches!(self.text(op), "+=" | "++=" | "-=") {
            self.assign(n);
            return Value::None;
        }
        let lv = self.eval(l);
        let rv = self.eval(r);
        match self.text(op) {
            "->" => Value::list(vec![lv, rv]),
            "+" => self.plus(&lv, &rv),
            "-" | "*" => binop(self.text(op), &lv, &rv),
            "++" | ":::" => match (&lv, &rv) {
                (Value::Dict(a), Value::Dict(b)) => {
                    Value::dict(a.iter().chain(b.iter()).cloned().collect())
                }
                (Value::Str(_), _) => self.plus(&lv, &rv),
                _ => match (scala_items(&lv), scala_items(&rv)) {
                    (Some(mut a), Some(b)) => {
                        a.extend(b);
                        Value::list(a)
                    }
                    _ => Value::unknown("++"),
                },
            },
            ":+" | "+:" | "::" => {
                let (list, item, front) = match self.text(op) {
                    ":+" => (&lv, &rv, false),
                    _ => (&rv, &lv, true),
                };
                match scala_items(list) {
                    Some(mut items) => {
                        if front {
                            items.insert(0, item.clone());
                        } else {
                            items.push(item.clone());
                        }
                        Value::list(items)
                    }
                    None => Value::unknown(self.text(op)),
                }
            }
            "==" | "!=" | "eq" | "ne" => {
                let eq = values_equal(&lv, &rv);
                let negate = matches!(self.text(op), "!=" | "ne");
                eq.map(|b| Value::Bool(b != negate))
                    .unwrap_or(Value::unknown("=="))
            }
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
            "<" | ">" | "<=" | ">=" => match (&lv, &rv) {
                (Value::Int(a), Value::Int(b)) => Value::Bool(match self.text(op) {
                    "<" => a < b,
                    ">" => a > b,
                    "<=" => a <= b,
                    _ => a >= b,
                }),
                _ => Value::unknown(self.text(op)),
            },
            op => {
                // a method call written infix: `x method y`
                let name = op.to_string();
                let args = Args {
                    pos: vec![rv],
                    kw: vec![],
                };
                self.method(lv, &name, args, n)
            }
        }
    }

    /// `for (x <- xs; y = f(x) if cond) body` and `for (...) yield e`.
    fn for_expression(&mut self, n: Node<'t>) -> Value {
        let Some(body) = field(n, "body") else {
            return Value::None;
        };
        let yields = {
            let mut c = n.walk();
            let found = n.children(&mut c).any(|k| kind(k) == "yield");
            found
        };
        let enums: Vec<Node<'t>> = n
            .named_children(&mut n.walk())
            .find(|k| kind(k) == "enumerators")
            .map(|e| {
                let mut c = e.walk();
                e.named_children(&mut c)
                    .filter(|k| kind(k) == "enumerator")
                    .collect()
            })
            .unwrap_or_default();
        let mut out = Vec::new();
        let mut budget = MAX_ITER;
        self.scopes.push(HashMap::new());
        self.enumerate(&enums, body, &mut out, &mut budget);
        self.scopes.pop();
        if yields {
            Value::list(out)
        } else {
            Value::None
        }
    }

    /// Runs the enumerators from the first on, then the body (each value into `out`).
    fn enumerate(
        &mut self,
        enums: &[Node<'t>],
        body: Node<'t>,
        out: &mut Vec<Value>,
        budget: &mut usize,
    ) {
        let Some((first, rest)) = enums.split_first() else {
            if *budget > 0 {
                *budget -= 1;
                let v = self.eval(body);
                out.push(v);
            }
            return;
        };
        let mut c = first.walk();
        let kids: Vec<Node<'t>> = first.children(&mut c).collect();
        let arrow = kids.iter().position(|k| kind(k) == "<-" || kind(k) == "=");
        let guards: Vec<Node<'t>> = kids
            .iter()
            .copied()
            .filter(|k| kind(k) == "guard")
            .collect();
        let Some(arrow) = arrow else {
            // only guards
            if self.guards_pass(&guards) {
                self.enumerate(rest, body, out, budget);
            }
            return;
        };
        let pat = kids[..arrow].iter().rev().find(|k| k.is_named()).copied();
        let src = kids[arrow + 1..]
            .iter()
            .find(|k| k.is_named() && kind(*k) != "guard")
            .copied();
        let (Some(pat), Some(src)) = (pat, src) else {
            return;
        };
        let v = self.eval(src);
        let items = if kids[arrow].kind() == "=" {
            vec![v]
        } else {
            match scala_items(&v) {
                Some(items) => items,
                // an unknown collection: the body runs once with unknown items
                None => vec![Value::unknown(self.short(pat))],
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            if *budget == 0 || !self.env.next_iteration(i, &self.short(src)) {
                break;
            }
            self.scopes.push(HashMap::new());
            if self.bind_pattern(pat, &item) != Some(false) && self.guards_pass(&guards) {
                self.enumerate(rest, body, out, budget);
            }
            self.scopes.pop();
        }
    }

    /// Whether every guard is true or undecided (an undecided guard lets the body run).
    fn guards_pass(&mut self, guards: &[Node<'t>]) -> bool {
        guards.iter().all(|g| {
            let cond = field(*g, "condition")
                .or_else(|| g.named_child(0))
                .map(|c| self.eval(c));
            cond.and_then(|v| v.truthy()) != Some(false)
        })
    }

    /// `x match { case ... }` on a value: the first clause whose pattern matches (an undecided
    /// match runs that clause and stops there).
    fn match_expression(&mut self, n: Node<'t>) -> Value {
        let Some(v) = field(n, "value").map(|x| self.eval(x)) else {
            return Value::unknown(self.short(n));
        };
        let Some(body) = field(n, "body") else {
            return Value::unknown(self.short(n));
        };
        self.apply_cases(body, &v)
            .unwrap_or_else(|| Value::unknown(self.short(n)))
    }
}

/// A value as Scala's string conversion writes it (`true`, not Python's `True`).
pub(super) fn scala_pstr(v: &Value) -> PStr {
    match v {
        Value::Bool(b) => PStr::lit(b.to_string()),
        Value::None => PStr::lit("null"),
        v => v.to_pstr(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn decided_ifs_tuples_and_operators() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val debug = false
    val a = if (debug) "dev" else "prod"
    val b = if ((!debug) && (1 == 1)) "yes" else "no"
    val (x, y) = ("first", "second")
    val n = 42L
    val s = "n=" + n + "/" + debug
    var v = "s3://a/"
    v += "b"
    if (debug) {
      spark.read.parquet("s3://dead/branch/")
    }
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("prod"));
        assert_eq!(r.text("b").as_deref(), Some("yes"));
        assert_eq!(r.text("x").as_deref(), Some("first"));
        assert_eq!(r.text("y").as_deref(), Some("second"));
        assert_eq!(r.value("n"), Value::Int(42));
        assert_eq!(r.text("s").as_deref(), Some("n=42/false"));
        assert_eq!(r.text("v").as_deref(), Some("s3://a/b"));
        assert!(r.ios().is_empty(), "{:?}", r.ios());
    }

    #[test]
    fn for_comprehensions_run_their_bodies() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val spark = SparkSession.builder().getOrCreate()
    val tables = Seq("orders", "skip", "items")
    for (t <- tables if t != "skip") {
      spark.read.parquet(s"s3://raw/$t/")
    }
    for {
      t <- List("a")
      zone = "gold"
    } spark.table(s"${zone}_db.$t")
    val paths = for (t <- tables) yield s"s3://out/$t"
    for ((k, v) <- Map("k1" -> "s3://m/v1/")) {
      spark.read.json(v)
    }
  }
}
"#);
        assert_eq!(
            r.texts("paths"),
            ["s3://out/orders", "s3://out/skip", "s3://out/items"]
        );
        assert_eq!(
            r.ios(),
            [
                "in s3://raw/orders",
                "in s3://raw/items",
                "in arn:aws:glue:us-east-1:111122223333|table/gold_db/a",
                "in s3://m/v1"
            ]
        );
    }

    #[test]
    fn matches_and_reassignment() {
        let r = run(r#"
object App {
  var out = "s3://first/"
  def main(sysArgs: Array[String]): Unit = {
    val env = "prod"
    val bucket = env match {
      case "dev" => "dev-bucket"
      case other => s"$other-bucket"
    }
    out = s"s3://$bucket/x/"
    val o: Option[String] = None
    val d = o.getOrElse("fallback")
  }
}
"#);
        assert_eq!(r.text("bucket").as_deref(), Some("prod-bucket"));
        assert_eq!(r.text("out").as_deref(), Some("s3://prod-bucket/x/"));
        assert_eq!(r.text("d").as_deref(), Some("fallback"));
    }

    #[test]
    fn a_case_whose_guard_fails_does_not_match() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val env = "prod"
    val bucket = env match {
      case e if e == "dev" => "dev-bucket"
      case e if e.startsWith("pr") => "prod-bucket"
      case _ => "other-bucket"
    }
    val n = 3
    val size = n match {
      case k if k > 5 => "big"
      case k => "small"
    }
  }
}
"#);
        assert_eq!(r.text("bucket").as_deref(), Some("prod-bucket"));
        assert_eq!(r.text("size").as_deref(), Some("small"));
    }

    #[test]
    fn while_loops_run_their_body_unless_the_condition_is_false() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    var i = 0
    while (i < tables.length) {
      val src = spark.read.parquet(s"s3://lake/raw/${tables(i)}/")
      i += 1
    }
    while (false) {
      spark.read.parquet("s3://dead/while/")
    }
    do {
      spark.read.parquet("s3://lake/once/")
    } while (more)
    write(spark.range(1))
  }
  def write(df: DataFrame): Unit = {
    return df.write.parquet("s3://lake/out/")
  }
}
"#);
        assert_eq!(
            r.ios(),
            [
                "in ?s3://lake/raw/{tables}/",
                "in s3://lake/once",
                "out s3://lake/out"
            ]
        );
    }

    #[test]
    fn a_case_of_alternatives_matches_when_one_does() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val env = "test"
    val bucket = env match {
      case "dev" | "test" | "qa" => "nonprod-bucket"
      case _ => "prod-bucket"
    }
    val other = "prod" match {
      case "dev" | "test" => "nonprod-bucket"
      case _ => "prod-bucket"
    }
  }
}
"#);
        assert_eq!(r.text("bucket").as_deref(), Some("nonprod-bucket"));
        assert_eq!(r.text("other").as_deref(), Some("prod-bucket"));
    }
}
