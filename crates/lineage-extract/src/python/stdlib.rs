//! Built-in names and standard-library modules: `str`/`int`/`len`/`sorted`/`enumerate`/`zip`/
//! `range`..., `os.path`, `json.loads`, `re.sub`, `urlparse`, the modules known not to do I/O
//! (unknown ones are opaque and diagnosed), and in-place list/dict mutation.

use super::Interp;
use crate::api;
use crate::builtins::{self, iterate, Args};
use crate::interp::{Evaluate, MAX_ITER};
use crate::value::{values_equal, Obj, PStr, Source, Value};
use lineage_domain::DiagnosticKind;
use std::rc::Rc;
use tree_sitter::Node;

/// How long a `range(...)` gets.
const RANGE_CAP: i64 = MAX_ITER as i64;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(super) fn call_qualified(&mut self, q: &str, args: Args, n: Node<'t>) -> Value {
        let args = match self.call_user_module(q, args, n) {
            Ok(v) => return v,
            Err(args) => args,
        };
        let last = q.rsplit('.').next().unwrap_or(q);
        // `from awsglue.transforms import ApplyMapping`: `ApplyMapping.apply(...)`;
        // `DynamicFrame.fromDF(df, glueContext, name)`
        if let Some((receiver, method)) = q.rsplit_once('.') {
            if let Some(v) = crate::rules::frames::call_on(receiver, method, &args) {
                return v;
            }
        }
        if let Some(v) = self.call_dates(q, &args, n) {
            return v;
        }
        if q.strip_prefix("re.").is_some_and(|f| !f.contains('.')) {
            if let Some(v) = self.call_re(last, &args, n) {
                return v;
            }
        }
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
                    Some(Value::Str(s)) if s.is_known() => {
                        let len = s.known().map_or(0, |t| t.chars().count());
                        Value::Int(i64::try_from(len).unwrap_or(0))
                    }
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
                return Value::list((a..b.min(a + RANGE_CAP)).map(Value::Int).collect());
            }
            "builtins.print" => {
                self.record_print(&args);
                return Value::None;
            }
            "sys.stdout.write" | "sys.stderr.write" => {
                if let Some(v) = args.pos.first() {
                    self.env.template(v.to_pstr());
                }
                return Value::None;
            }
            _ if q.starts_with("logging.") && is_log_method(last) => {
                self.record_log(last, &args);
                return Value::None;
            }
            "builtins.isinstance"
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
                    Some(Value::Obj(Obj::S3Response(r))) => match &r.fetched {
                        Some((uri, text)) => builtins::json_to_value(text, uri),
                        None => Value::unknown(self.text(n)),
                    },
                    _ => Value::unknown(self.text(n)),
                }
            }
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
            self.run_callbacks(last, &args);
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
            self.run_callbacks(last, &args);
            return Value::Obj(Obj::Frame(None));
        }
        // a function handed to the standard library (`map`, `Thread(target=...)`, an executor)
        self.run_callbacks(last, &args);
        Value::unknown(self.text(n))
    }

    /// `print(a, b, ...)`: what it prints, as a template for the log lines.
    pub(super) fn record_print(&mut self, args: &Args) {
        let sep = args
            .kw("sep")
            .and_then(Value::as_known_str)
            .unwrap_or_else(|| " ".to_string());
        let mut printed = PStr::default();
        for (i, v) in args.pos.iter().enumerate() {
            if i > 0 {
                printed.push_str(&PStr::lit(sep.clone()));
            }
            printed.push_str(&v.to_pstr());
        }
        self.env.template(printed);
    }

    /// `logger.info(msg, *args)` (and `log(level, msg, *args)`): the message formatted with
    /// its arguments the way `logging` does (`%`), as a template for the log lines.
    pub(super) fn record_log(&mut self, method: &str, args: &Args) {
        let skip = usize::from(method == "log");
        let Some(msg) = args.pos.get(skip).or(args.kw("msg")) else {
            return;
        };
        let rest: Vec<Value> = args.pos.iter().skip(skip + 1).cloned().collect();
        let printed = match (msg, rest.is_empty()) {
            (Value::Str(m), false) => {
                builtins::format_percent(m, &Value::list(rest)).unwrap_or_else(|| msg.to_pstr())
            }
            _ => msg.to_pstr(),
        };
        self.env.template(printed);
    }
}

/// The methods of a logger (`logging`, `logging.getLogger()`, Glue's `get_logger()`) that
/// write a line.
pub(super) fn is_log_method(name: &str) -> bool {
    matches!(
        name,
        "info"
            | "debug"
            | "warning"
            | "warn"
            | "error"
            | "critical"
            | "exception"
            | "fatal"
            | "log"
    )
}

pub(super) fn is_known_module(q: &str) -> bool {
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

pub(super) fn builtin_name(name: &str) -> Value {
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
        "map",
        "filter",
    ];
    if BUILTINS.contains(&name) {
        Value::Module(Rc::from(format!("builtins.{name}")))
    } else {
        Value::unknown(name)
    }
}

/// In-place list/dict methods (`append`, `extend`, `update`, `add`) give the new value.
pub(super) fn mutate(recv: &Value, name: &str, args: &Args) -> Option<Value> {
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

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_with};
    use super::{builtin_name, is_known_module};
    use crate::value::{Source, Value};

    #[test]
    fn builtin_functions() {
        let r = run(r#"
a = str(5)
b = int(" 7 ")
c = len(["x", "y"])
d = sorted({"b", "a", "b"})
e = list(enumerate(["p", "q"], 1))
f = list(zip(["a", "b"], ["1", "2", "3"]))
g = list(range(3))
h = dict({"k": 1}, v=2)
i = bool("")
j = max(1, 2)
"#);
        assert_eq!(r.text("a").as_deref(), Some("5"));
        assert_eq!(r.value("b"), Value::Int(7));
        assert_eq!(r.value("c"), Value::Int(2));
        assert_eq!(r.texts("d"), ["a", "b"]);
        assert_eq!(
            r.value("e"),
            Value::list(vec![
                Value::list(vec![Value::Int(1), Value::str("p")]),
                Value::list(vec![Value::Int(2), Value::str("q")]),
            ])
        );
        assert_eq!(
            r.value("f"),
            Value::list(vec![
                Value::list(vec![Value::str("a"), Value::str("1")]),
                Value::list(vec![Value::str("b"), Value::str("2")]),
            ])
        );
        assert_eq!(
            r.value("g"),
            Value::list(vec![Value::Int(0), Value::Int(1), Value::Int(2)])
        );
        assert_eq!(r.value("h").get_key("v"), Some(&Value::Int(2)));
        assert_eq!(r.value("i"), Value::Bool(false));
        assert!(r.is_unknown("j"));
    }

    #[test]
    fn os_json_re_and_urls() {
        let r = run(r#"
import os, json, re
from urllib.parse import urlparse
a = os.path.join("s3://b", "x", "y.csv")
b = os.path.basename("s3://b/x/y.csv")
c = os.environ.get("STAGE", "dev")
cfg = json.loads('{"tables": ["t1", "t2"], "root": "s3://cfg"}')
d = cfg["root"]
e = re.sub(r"-", "_", "a-b-c")
f = re.sub(r"(\w+)", lambda m: m.group(1).upper(), "ab cd")
g = urlparse("s3://bkt/k").netloc
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://b/x/y.csv"));
        assert_eq!(r.text("b").as_deref(), Some("y.csv"));
        assert_eq!(r.text("c").as_deref(), Some("dev"));
        assert_eq!(r.text("d").as_deref(), Some("s3://cfg"));
        assert_eq!(r.text("e").as_deref(), Some("a_b_c"));
        assert_eq!(r.text("f").as_deref(), Some("AB CD"));
        assert_eq!(r.text("g").as_deref(), Some("bkt"));
    }

    #[test]
    fn resolved_options_carry_their_argument_as_source() {
        let r = run_with(
            r#"
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
"#,
            &[("bucket", "b-1")],
        );
        let args = r.value("args");
        assert_eq!(args.get_key("JOB_NAME"), Some(&Value::str("unit-job")));
        let Some(Value::Str(b)) = args.get_key("bucket") else {
            panic!("bucket: {args:?}");
        };
        assert_eq!(b.known().as_deref(), Some("b-1"));
        assert_eq!(b.prov, [Source::Arg("--bucket".into())]);
    }

    #[test]
    fn unknown_modules_are_opaque_frames_and_io_names_are_diagnosed() {
        let r = run(r#"
import company_io
import json
a = company_io.write_table("t")
b = company_io.helper()
c = json.dumps({})
"#);
        assert_eq!(r.value("a"), Value::Obj(crate::value::Obj::Frame(None)));
        assert_eq!(r.value("b"), Value::Obj(crate::value::Obj::Frame(None)));
        assert!(r.is_unknown("c"));
        assert_eq!(r.found.diagnostics.len(), 1, "{:?}", r.found.diagnostics);
        assert!(r.found.diagnostics[0]
            .message
            .starts_with("company_io.write_table is not available"));
    }

    #[test]
    fn known_modules_and_builtin_names() {
        assert!(is_known_module("os.path"));
        assert!(is_known_module("awsglue.context"));
        assert!(!is_known_module("company_lib.io"));
        assert_eq!(builtin_name("len"), Value::Module("builtins.len".into()));
        assert_eq!(builtin_name("spark"), Value::unknown("spark"));
    }
}
