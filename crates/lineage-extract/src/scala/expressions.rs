//! Expressions: string literals and `s"..."`/`f"..."`/`raw"..."` interpolation, names (a bare
//! method name is a call), blocks in their own scope, field access, `Name(args)` and `new`,
//! infix operators (`->`, `+`, `==`, `&&`, a method written infix), `!`, `if` on decided
//! conditions and `for` over known lists.

use super::Interp;
use crate::builtins::{binop, iterate, Args};
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
                match self.scopes.lookup(name) {
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
                self.construct(&ty, args)
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
                            for it in items.into_iter().take(MAX_ITER) {
                                let name = self.text(p).to_string();
                                self.scopes.push(HashMap::new());
                                self.scopes.assign(&name, it);
                                self.eval(body);
                                self.scopes.pop();
                            }
                        }
                        (Some(p), None) => {
                            let name = self.text(p).to_string();
                            self.scopes.push(HashMap::new());
                            self.scopes.assign(&name, Value::unknown(&name));
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
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn strings_and_interpolation() {
        let r = run(r#"
object App {
  val root = "s3://lake"
  def main(sysArgs: Array[String]): Unit = {
    val zone = "raw"
    val a = s"$root/${zone}/t/"
    val b = s"$root/$missing/"
    val c = "line\tbreak"
    val d = """s3://triple/"""
    val f = root + "/x"
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t/"));
        assert_eq!(r.described("b"), "s3://lake/{missing}/");
        assert_eq!(r.text("c").as_deref(), Some("line\tbreak"));
        assert_eq!(r.text("d").as_deref(), Some("s3://triple/"));
        assert_eq!(r.text("f").as_deref(), Some("s3://lake/x"));
    }

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
        assert!(r.ios().is_empty(), "{:?}", r.ios());
    }

    #[test]
    fn collections_and_lookups() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val tables = Seq("a", "b")
    val paths = Map("in" -> "s3://m/in/", "out" -> "s3://m/out/")
    val p = paths("in")
    val q = paths.getOrElse("nope", "s3://m/default/")
    val first = tables(0)
    spark.read.parquet(p)
  }
}
"#);
        assert_eq!(r.texts("tables"), ["a", "b"]);
        assert_eq!(r.text("p").as_deref(), Some("s3://m/in/"));
        assert_eq!(r.text("q").as_deref(), Some("s3://m/default/"));
        assert_eq!(r.text("first").as_deref(), Some("a"));
        assert_eq!(r.ios(), ["in s3://m/in"]);
    }
}
