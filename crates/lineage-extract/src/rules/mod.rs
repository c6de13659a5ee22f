//! The rules: one module per recognised API family, each naming its rule ids. Shared here:
//! the builder dispatch (`spark.read` / `df.write` / streams) and option helpers.

pub mod boto3_s3;
pub mod connection;
pub mod glue_catalog;
pub mod glue_options;
pub mod glue_sink;
pub mod jdbc;
pub mod lakehouse;
pub mod spark_read;
pub mod spark_sql;
pub mod spark_write;
pub mod streaming;
pub mod wrangler;

use crate::builtins::Args;
use crate::emit::Env;
use crate::value::{Builder, BuilderKind, Obj, Value};
use std::rc::Rc;

/// A method on a reader/writer builder: setters return a new builder, terminals emit.
pub fn builder_call(env: &mut Env, b: &Rc<Builder>, name: &str, args: &Args) -> Value {
    let with = |f: &dyn Fn(&mut Builder)| {
        let mut nb = b.as_ref().clone();
        f(&mut nb);
        Value::Obj(Obj::Builder(Rc::new(nb)))
    };
    match name {
        "format" => {
            let v = args.get(0, "source").cloned();
            with(&|nb| nb.format = v.clone())
        }
        "option" => {
            let k = args.get(0, "key").and_then(Value::as_known_str);
            let v = args.get(1, "value").cloned().unwrap_or(Value::None);
            with(&|nb| {
                if let Some(k) = &k {
                    nb.options.push((k.clone(), v.clone()));
                }
            })
        }
        "options" => {
            let mut opts: Vec<(String, Value)> = Vec::new();
            for v in &args.pos {
                if let Value::Dict(d) = v {
                    for (k, val) in d.iter() {
                        if let Some(k) = k.as_known_str() {
                            opts.push((k, val.clone()));
                        }
                    }
                }
            }
            for (k, v) in &args.kw {
                opts.push((k.clone(), v.clone()));
            }
            with(&|nb| nb.options.extend(opts.iter().cloned()))
        }
        "mode" | "outputMode" => {
            let v = args.pos.first().cloned();
            with(&|nb| nb.mode = v.clone())
        }
        "partitionBy" | "bucketBy" | "sortBy" | "trigger" | "queryName" | "schema"
        | "foreachBatch" | "foreach" | "clusterBy" => Value::Obj(Obj::Builder(b.clone())),
        _ => match b.kind {
            BuilderKind::Read | BuilderKind::ReadStream => spark_read::terminal(env, b, name, args),
            BuilderKind::Write => spark_write::terminal(env, b, name, args),
            BuilderKind::WriteStream => streaming::terminal(env, b, name, args),
        },
    }
}

/// A value as a list of values (a single value is a one-item list).
pub fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.as_ref().clone(),
        v => vec![v.clone()],
    }
}

/// An option of a dict value, by any of the keys (case-insensitive).
pub fn opt<'v>(opts: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    let Value::Dict(d) = opts else {
        return None;
    };
    for key in keys {
        if let Some((_, v)) = d.iter().rev().find(|(k, _)| {
            k.as_known_str()
                .is_some_and(|k| k.eq_ignore_ascii_case(key))
        }) {
            return Some(v);
        }
    }
    None
}

/// Builder options as a dict value.
pub fn builder_opts(b: &Builder) -> Value {
    Value::dict(
        b.options
            .iter()
            .map(|(k, v)| (Value::str(k.clone()), v.clone()))
            .collect(),
    )
}

/// The lower-case known text of a value.
pub fn lower(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_known_str)
        .map(|s| s.to_ascii_lowercase())
}
