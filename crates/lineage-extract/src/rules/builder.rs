//! Reader/writer builders (`spark.read`, `df.write`, `readStream`, `writeStream`): setters
//! (`format`, `option(s)`, `mode`...) give a new builder, terminal calls go to the rules of
//! their direction ([`super::spark_read`], [`super::spark_write`], [`super::streaming`]).

use crate::builtins::Args;
use crate::emit::Env;
use crate::rules::{spark_read, spark_write, streaming};
use crate::value::{Builder, BuilderKind, Obj, Value};
use std::rc::Rc;

/// A method on a reader/writer builder: setters return a new builder, terminals emit.
pub(crate) fn call(env: &mut Env, b: &Rc<Builder>, name: &str, args: &Args) -> Value {
    let with = |f: &dyn Fn(&mut Builder)| {
        let mut nb = b.as_ref().clone();
        f(&mut nb);
        Value::Obj(Obj::Builder(Rc::new(nb)))
    };
    match name {
        "format" | "using" => {
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
        | "foreachBatch" | "foreach" | "clusterBy" | "partitionedBy" | "tableProperty" => {
            Value::Obj(Obj::Builder(b.clone()))
        }
        _ => {
            let before = env.found.ios.len();
            let v = match b.kind {
                BuilderKind::Read | BuilderKind::ReadStream => {
                    return spark_read::terminal(env, b, name, args)
                }
                BuilderKind::Write => spark_write::terminal(env, b, name, args),
                BuilderKind::WriteStream => streaming::terminal(env, b, name, args),
                BuilderKind::WriteTo => spark_write::write_to_terminal(env, b, name),
            };
            super::frames::record_lineage(env, b.frame.as_deref(), before);
            v
        }
    }
}
