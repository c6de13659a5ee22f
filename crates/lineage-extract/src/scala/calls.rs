//! Calls: arguments (named ones; lambdas and `{ (df, id) => ... }` blocks handed to an API
//! object run at once, with a frame for their first parameter when the API hands over a batch),
//! method calls on strings, collections and API objects, fields, constructors of Scala
//! collections and Glue/Spark objects, `args("key")`, and calls of the script's helper methods
//! (named and default arguments).

use super::strings::json_options;
use super::Interp;
use super::{field, kind};
use crate::api;
use crate::builtins::Args;
use crate::interp::Evaluate;
use crate::value::{Obj, Value};
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

/// API methods whose function argument receives a batch (a frame) and its id.
const BATCH_METHODS: &[&str] = &["foreachBatch", "forEachBatch"];

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// Evaluates call arguments; with `run_on` (a call on an API object), lambdas run at once
    /// (their first parameter a frame when the method is one of [`BATCH_METHODS`]).
    pub(super) fn args(&mut self, a: Node<'t>, run_on: Option<&str>) -> Args {
        let mut args = Args::default();
        let lambda = |k: Node<'t>| -> Option<Node<'t>> {
            match kind(k) {
                "lambda_expression" => Some(k),
                // `_.startsWith("tmp_")`: a function of its placeholder
                _ if has_placeholder(k) => Some(k),
                // `{ (df, id) => ... }` and `{ case ... }` as the argument list itself
                "block" => {
                    let first = k.named_child(0)?;
                    (k.named_child_count() == 1 && kind(first) == "lambda_expression")
                        .then_some(first)
                }
                _ => None,
            }
        };
        if kind(a) == "block" || kind(a) == "case_block" {
            let v = match lambda(a) {
                Some(l) => self.lambda_arg(l, run_on),
                None if kind(a) == "case_block" => self.lambda_arg(a, run_on),
                None => self.eval(a),
            };
            args.pos.push(v);
            return args;
        }
        let mut c = a.walk();
        let kids: Vec<Node> = a.named_children(&mut c).collect();
        for k in kids {
            match kind(k) {
                "assignment_expression" => {
                    if let (Some(l), Some(r)) = (field(k, "left"), field(k, "right")) {
                        let v = match lambda(r) {
                            Some(f) => self.lambda_arg(f, run_on),
                            None => self.eval(r),
                        };
                        args.kw.push((self.text(l).to_string(), v));
                    }
                }
                "comment" | "block_comment" => {}
                _ => {
                    let v = match lambda(k) {
                        Some(f) => self.lambda_arg(f, run_on),
                        None => self.eval(k),
                    };
                    args.pos.push(v);
                }
            }
        }
        args
    }

    /// A function argument: run now when handed to an API object, else a lambda value.
    fn lambda_arg(&mut self, l: Node<'t>, run_on: Option<&str>) -> Value {
        let Some(method) = run_on else {
            return self.lambda_value(l);
        };
        let batch = BATCH_METHODS.contains(&method);
        let n = if kind(l) == "case_block" {
            1
        } else {
            self.lambda_params(l).len().max(1)
        };
        let params: Vec<Value> = (0..n)
            .map(|i| {
                if i == 0 && batch {
                    Value::Obj(Obj::Frame(None))
                } else {
                    Value::unknown(format!("{method} argument"))
                }
            })
            .collect();
        let f = self.lambda_value(l);
        self.call_lambda(&f, params);
        Value::unknown("lambda")
    }

    pub(super) fn call(&mut self, n: Node<'t>) -> Value {
        let Some(f) = field(n, "function") else {
            return Value::unknown(self.short(n));
        };
        let a = field(n, "arguments");
        match kind(f) {
            "field_expression" => {
                let (Some(v), Some(field)) = (field(f, "value"), field(f, "field")) else {
                    return Value::unknown(self.short(n));
                };
                let recv = self.eval(v);
                let name = self.text(field).to_string();
                let api_recv = matches!(recv, Value::Obj(_) | Value::Unknown(_));
                let args = a
                    .map(|a| self.args(a, api_recv.then_some(name.as_str())))
                    .unwrap_or_default();
                self.set_site(n);
                self.method(recv, &name, args, n)
            }
            "identifier" => {
                let name = self.text(f).to_string();
                let args = a.map(|a| self.args(a, None)).unwrap_or_default();
                self.set_site(n);
                if let Some(v) = self.scopes.lookup(&name) {
                    return self
                        .collection_method(&v, "apply", &args)
                        .unwrap_or_else(|| Value::unknown(self.short(n)));
                }
                if self.funcs.contains_key(&name) {
                    return self.call_user(&name, args);
                }
                if name == "println" || name == "print" {
                    self.print(&args);
                    return Value::None;
                }
                self.construct(&name, args)
            }
            "generic_function" => {
                // `Seq[String](...)`, `Map.empty[String, String]`
                let name = field(f, "function")
                    .map(|x| self.text(x).to_string())
                    .unwrap_or_default();
                let args = a.map(|a| self.args(a, None)).unwrap_or_default();
                self.set_site(n);
                self.construct(&name, args)
            }
            _ => {
                let callee = self.eval(f);
                let args = a.map(|a| self.args(a, None)).unwrap_or_default();
                self.collection_method(&callee, "apply", &args)
                    .unwrap_or_else(|| Value::unknown(self.short(n)))
            }
        }
    }

    /// `Name(args)` / `new Name(args)` / `Name.empty`: Scala collections and Glue/Spark
    /// constructors.
    pub(super) fn construct(&mut self, name: &str, args: Args) -> Value {
        let base = name.split('[').next().unwrap_or(name);
        let base = base.strip_suffix(".apply").unwrap_or(base);
        let base = base.rsplit('.').next().unwrap_or(base);
        if let Some(v) = self.sdk_construct(base, &args) {
            return v;
        }
        match base {
            "Map" | "HashMap" | "ListMap" | "TreeMap" => Value::dict(
                args.pos
                    .iter()
                    .filter_map(|p| match p {
                        Value::List(kv) if kv.len() == 2 => Some((kv[0].clone(), kv[1].clone())),
                        _ => None,
                    })
                    .collect(),
            ),
            "Seq" | "List" | "Array" | "Vector" | "Set" | "ArrayBuffer" | "ListBuffer" => {
                Value::list(args.pos)
            }
            "Some" | "Option" => args.pos.into_iter().next().unwrap_or(Value::None),
            "JsonOptions" => match args.pos.into_iter().next() {
                Some(Value::Str(s)) => {
                    json_options(&s).unwrap_or_else(|| Value::unknown("JsonOptions"))
                }
                Some(v) => v,
                None => Value::dict(Vec::new()),
            },
            "GlueContext" => Value::Obj(Obj::GlueContext),
            "SparkContext" => Value::Obj(Obj::Opaque(Rc::from("sc"))),
            "SparkSession" => Value::Obj(Obj::Spark),
            "String" => args.pos.into_iter().next().unwrap_or(Value::None),
            _ => Value::unknown(name),
        }
    }

    pub(super) fn field(&mut self, recv: Value, name: &str, n: Node<'t>) -> Value {
        match (&recv, name) {
            (Value::Unknown(u), "empty") if is_collection(u) => self.construct(u, Args::default()),
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
            (Value::Unknown(_), _) => {
                api::attr_on_unknown(name).unwrap_or_else(|| Value::unknown(self.short(n)))
            }
            // a method called without parentheses
            _ => self.method(recv, name, Args::default(), n),
        }
    }

    pub(super) fn method(&mut self, recv: Value, name: &str, args: Args, n: Node<'t>) -> Value {
        if let Some(v) = self.sdk_method(&recv, name, &args) {
            return v;
        }
        // a logger's line (GlueLogger, log4j, `System.out.println`)
        if matches!(
            name,
            "info" | "warn" | "warning" | "error" | "debug" | "trace" | "println" | "print"
        ) && matches!(recv, Value::Obj(_) | Value::Unknown(_) | Value::Module(_))
        {
            self.print(&args);
            return Value::None;
        }
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
            Value::Unknown(u) if name == "apply" || name == "empty" => {
                if is_collection(u) || u.as_ref() == "JsonOptions" {
                    self.construct(u, args)
                } else {
                    Value::unknown(self.short(n))
                }
            }
            Value::Str(s) => {
                if let Some(v) = self.string_method(s, name, &args) {
                    return v;
                }
                self.collection_method(&recv, name, &args)
                    .unwrap_or_else(|| Value::unknown(self.short(n)))
            }
            Value::Obj(o) => api::method(self.env, o, name, &args),
            Value::Unknown(_) | Value::Module(_) => api::method_on_unknown(self.env, name, &args)
                .unwrap_or_else(|| Value::unknown(self.short(n))),
            _ => self
                .collection_method(&recv, name, &args)
                .unwrap_or_else(|| Value::unknown(self.short(n))),
        }
    }

    /// What the script prints or logs, as a template for the run's log lines.
    fn print(&mut self, args: &Args) {
        if let Some(v) = args.pos.first() {
            self.env.template(v.to_pstr());
        }
    }

    /// Calls a helper method of the script: named, positional and default arguments.
    pub(super) fn call_user(&mut self, name: &str, args: Args) -> Value {
        let Some(f) = self.funcs.get(name).copied() else {
            return Value::unknown(name);
        };
        if self.calls.is_full() || !self.env.enter_function(f.id(), name) {
            return Value::unknown(name);
        }
        self.calls.enter();
        let mut scope = HashMap::new();
        // parameter lists: `def f(a: A)(b: B)` curried lists are bound in order
        let mut c = f.walk();
        let lists: Vec<Node> = f.children_by_field_name("parameters", &mut c).collect();
        let mut i = 0usize;
        for ps in lists {
            let mut c2 = ps.walk();
            let params: Vec<Node> = ps
                .named_children(&mut c2)
                .filter(|p| kind(p) == "parameter")
                .collect();
            for p in params {
                let pname = field(p, "name")
                    .map(|x| self.text(x).to_string())
                    .unwrap_or_default();
                let v = match args.kw(&pname).or_else(|| args.pos.get(i)) {
                    Some(v) => v.clone(),
                    None => match field(p, "default_value") {
                        Some(d) => self.eval(d),
                        None => Value::unknown(&pname),
                    },
                };
                scope.insert(pname, v);
                i += 1;
            }
        }
        self.scopes.push(scope);
        let site = self.env.site.clone();
        let v = field(f, "body")
            .map(|b| self.eval(b))
            .unwrap_or(Value::None);
        self.env.site = site;
        self.scopes.pop();
        self.calls.leave();
        v
    }
}

/// Whether an argument is a placeholder function (`_.trim`, `_ + "/"`): a `_` on its leftmost
/// path or as an operand, not inside a lambda of its own.
fn has_placeholder(n: Node) -> bool {
    match kind(n) {
        "wildcard" => true,
        "field_expression" => field(n, "value").is_some_and(has_placeholder),
        "call_expression" => field(n, "function").is_some_and(has_placeholder),
        "infix_expression" => {
            field(n, "left").is_some_and(has_placeholder)
                || field(n, "right").is_some_and(has_placeholder)
        }
        "prefix_expression" => n.named_child(0).is_some_and(has_placeholder),
        _ => false,
    }
}

/// Whether a name is a Scala collection (or `Option`) companion.
fn is_collection(name: &str) -> bool {
    matches!(
        name,
        "Map"
            | "HashMap"
            | "Seq"
            | "List"
            | "Array"
            | "Vector"
            | "Set"
            | "Option"
            | "ListBuffer"
            | "ArrayBuffer"
    )
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
    fn helper_methods_with_named_and_default_arguments_and_a_depth_cap() {
        let r = run(r#"
object App {
  def path(zone: String, table: String = "dflt", bucket: String = "lake"): String =
    s"s3://$bucket/$zone/$table/"
  def loop(n: Int): String = loop(n)
  def apply(f: String => String): String = f("in")
  def main(sysArgs: Array[String]): Unit = {
    val a = path("raw", "t1")
    val b = path(table = "t2", zone = "gold")
    val e = path("silver")
    val c = loop(1)
    val d = "  Mixed  ".trim.toLowerCase
    val g = apply(x => s"s3://f/$x")
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t1/"));
        assert_eq!(r.text("b").as_deref(), Some("s3://lake/gold/t2/"));
        assert_eq!(r.text("e").as_deref(), Some("s3://lake/silver/dflt/"));
        assert_eq!(r.value("c"), Value::unknown("loop"));
        assert_eq!(r.text("d").as_deref(), Some("mixed"));
        assert_eq!(r.text("g").as_deref(), Some("s3://f/in"));
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
    val e = Map.empty[String, String]
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
        assert_eq!(r.value("e"), Value::dict(vec![]));
        assert_eq!(
            r.ios(),
            [
                "in s3://reads/in",
                "out s3://opts/p",
                "out arn:aws:glue:us-east-1:111122223333|table/mart/daily"
            ]
        );
    }

    #[test]
    fn batch_functions_run_with_a_frame() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val spark = SparkSession.builder().getOrCreate()
    val stream = spark.readStream.format("kinesis").option("streamName", "clicks").load()
    stream.writeStream.foreachBatch { (batch: DataFrame, id: Long) =>
      batch.write.mode("append").parquet("s3://sink/batches/")
    }.option("checkpointLocation", "s3://sink/checkpoints/").start()
    glueContext.forEachBatch(stream, (df: DataFrame, batchId: Long) => {
      df.write.json("s3://sink/glue/")
    }, JsonOptions(Map("windowSize" -> "100 seconds")))
  }
}
"#);
        assert_eq!(
            r.ios(),
            [
                "in kinesis://us-east-1|clicks",
                "out s3://sink/batches",
                "out s3://sink/glue"
            ]
        );
    }
}
