//! Calls: arguments (named ones, lambdas and `{ (df, id) => ... }` blocks handed to APIs, which
//! run), method calls on strings, maps and API objects, fields, constructors of Scala
//! collections and Glue/Spark objects, `args("key")`, and calls of the script's helper methods.

use super::Interp;
use crate::api;
use crate::builtins::{self, Args};
use crate::interp::Evaluate;
use crate::value::{Obj, Value};
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(super) fn args(&mut self, a: Node<'t>, run_lambdas: bool) -> Args {
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
        if self.calls.is_full() {
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
                self.scopes.assign(&name, v);
            }
        }
        self.calls.enter();
        let site = self.env.site.clone();
        if let Some(b) = l.child_by_field_name("body") {
            self.eval(b);
        }
        self.env.site = site;
        self.calls.leave();
        self.scopes.pop();
    }

    pub(super) fn call(&mut self, n: Node<'t>) -> Value {
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
                if let Some(v) = self.scopes.lookup(&name) {
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
                self.construct(&name, args)
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
    pub(super) fn construct(&mut self, name: &str, args: Args) -> Value {
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
            _ => Value::unknown(name),
        }
    }

    pub(super) fn field(&mut self, recv: Value, name: &str, n: Node<'t>) -> Value {
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

    pub(super) fn method(&mut self, recv: Value, name: &str, args: Args, n: Node<'t>) -> Value {
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

    pub(super) fn call_user(&mut self, name: &str, args: Args) -> Value {
        let Some(f) = self.funcs.get(name).copied() else {
            return Value::unknown(name);
        };
        if self.calls.is_full() {
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
        self.calls.enter();
        let site = self.env.site.clone();
        let v = f
            .child_by_field_name("body")
            .map(|b| self.eval(b))
            .unwrap_or(Value::None);
        self.env.site = site;
        self.calls.leave();
        self.scopes.pop();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_with};
    use crate::value::Value;

    #[test]
    fn resolved_options_and_glue_calls() {
        let r = run_with(
            r#"
import com.amazonaws.services.glue.util.{GlueArgParser, JsonOptions}
object App {
  def main(sysArgs: Array[String]): Unit = {
    val glueContext = new GlueContext(new SparkContext())
    val args = GlueArgParser.getResolvedOptions(sysArgs, Seq("db", "out").toArray)
    val db = args("db")
    glueContext.getCatalogSource(database = db, tableName = "lines").getDynamicFrame()
    glueContext
      .getSinkWithFormat(connectionType = "s3", options = JsonOptions(Map("path" -> args("out"))), format = "parquet")
      .writeDynamicFrame(frame)
  }
}
"#,
            &[("db", "mill"), ("out", "s3://mill-out/stats/")],
        );
        assert_eq!(r.text("db").as_deref(), Some("mill"));
        assert_eq!(
            r.ios(),
            [
                "in arn:aws:glue:us-east-1:111122223333|table/mill/lines",
                "out s3://mill-out/stats"
            ]
        );
    }

    #[test]
    fn helper_methods_with_named_arguments_and_a_depth_cap() {
        let r = run(r#"
object App {
  def path(zone: String, table: String): String = s"s3://lake/$zone/$table/"
  def loop(n: Int): String = loop(n)
  def main(sysArgs: Array[String]): Unit = {
    val a = path("raw", "t1")
    val b = path(table = "t2", zone = "gold")
    val c = loop(1)
    val d = "  Mixed  ".trim.toLowerCase
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t1/"));
        assert_eq!(r.text("b").as_deref(), Some("s3://lake/gold/t2/"));
        assert_eq!(r.value("c"), Value::unknown("loop"));
        assert_eq!(r.text("d").as_deref(), Some("mixed"));
    }

    #[test]
    fn constructors_and_spark_writes() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val spark = SparkSession.builder().getOrCreate()
    val opts = JsonOptions(Map("path" -> "s3://opts/p/"))
    val o = Some("inside")
    val l = List("x", "y")
    val df = spark.read.format("parquet").load("s3://reads/in/")
    df.write.mode("overwrite").parquet(opts("path"))
    df.write.saveAsTable("mart.daily")
  }
}
"#);
        assert_eq!(
            r.value("opts").get_key("path"),
            Some(&Value::str("s3://opts/p/"))
        );
        assert_eq!(r.text("o").as_deref(), Some("inside"));
        assert_eq!(r.texts("l"), ["x", "y"]);
        assert_eq!(
            r.ios(),
            [
                "in s3://reads/in",
                "out s3://opts/p",
                "out arn:aws:glue:us-east-1:111122223333|table/mart/daily"
            ]
        );
    }
}
