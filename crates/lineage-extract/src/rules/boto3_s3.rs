//! boto3 S3 calls that move data: `copy` / `copy_object` (source input, destination output:
//! `boto3.s3.copy`, `boto3.s3.copy_object`), `put_object` / `upload_file` (output:
//! `boto3.s3.put_object`, `boto3.s3.upload_file`), `download_file` (input:
//! `boto3.s3.download_file`). Objects keep their full key. `get_object` reads a config or SQL
//! object: not a dataset; its text comes from the gathered extra objects.

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::value::{Obj, PStr, Value, HOLE};
use lineage_domain::{Dataset, Direction};
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
pub(crate) const COPY: &str = "boto3.s3.copy";
pub(crate) const COPY_OBJECT: &str = "boto3.s3.copy_object";
pub(crate) const PUT_OBJECT: &str = "boto3.s3.put_object";
/// `upload_file` / `upload_fileobj`.
pub(crate) const UPLOAD_FILE: &str = "boto3.s3.upload_file";
/// `download_file` / `download_fileobj`.
pub(crate) const DOWNLOAD_FILE: &str = "boto3.s3.download_file";

/// The dataset of one object by bucket and key values.
fn object(bucket: &Value, key: &Value) -> Result<Dataset, Unresolved> {
    let mut p = PStr::lit("s3://");
    p.push_str(&bucket.to_pstr());
    p.push_str(&PStr::lit("/"));
    p.push_str(&key.to_pstr());
    let text = p.render();
    match (bucket.as_known_str(), key.as_known_str()) {
        (Some(b), Some(k)) if !k.ends_with('/') => {
            Dataset::s3_object(&b, &k).map_err(|e| Unresolved::new(p.describe(), e.to_string()))
        }
        (Some(b), Some(k)) => {
            naming::s3_prefix(&b, &k).map_err(|e| Unresolved::new(p.describe(), e.to_string()))
        }
        _ if text.contains(HOLE) => Err(Unresolved::s3(
            &p,
            &text,
            "S3 bucket or key could not be resolved",
        )),
        _ => Err(Unresolved::new(
            p.describe(),
            "S3 bucket or key could not be resolved",
        )),
    }
}

fn copy_source(v: &Value) -> (Value, Value) {
    match v {
        Value::Dict(_) => (
            v.get_key("Bucket")
                .cloned()
                .unwrap_or(Value::unknown("Bucket")),
            v.get_key("Key").cloned().unwrap_or(Value::unknown("Key")),
        ),
        v => {
            let p = v.to_pstr();
            match p.known() {
                Some(t) => {
                    let (b, k) = t.split_once('/').unwrap_or((&t, ""));
                    (Value::str(b), Value::str(k))
                }
                None => (Value::unknown("CopySource"), Value::unknown("CopySource")),
            }
        }
    }
}

/// A method on a boto3 client.
pub(crate) fn method(env: &mut Env, service: &str, name: &str, args: &Args) -> Value {
    if service != "s3" {
        return Value::unknown(format!("{service}.{name}()"));
    }
    match name {
        "copy" | "copy_object" => {
            let (src, bucket, key, rule) = if name == "copy" {
                (
                    args.get(0, "CopySource"),
                    args.get(1, "Bucket"),
                    args.get(2, "Key"),
                    COPY,
                )
            } else {
                (
                    args.kw("CopySource"),
                    args.kw("Bucket"),
                    args.kw("Key"),
                    COPY_OBJECT,
                )
            };
            let (sb, sk) = src
                .map(copy_source)
                .unwrap_or((Value::unknown("CopySource"), Value::unknown("CopySource")));
            let t = object(&sb, &sk);
            env.io(Direction::Input, t, rule, &[&sb, &sk]);
            let b = bucket.cloned().unwrap_or(Value::unknown("Bucket"));
            let k = key.cloned().unwrap_or(Value::unknown("Key"));
            let t = object(&b, &k);
            env.io(Direction::Output, t, rule, &[&b, &k]);
            Value::unknown("copy response")
        }
        "put_object" | "upload_file" | "upload_fileobj" => {
            let (b, k, rule) = if name == "put_object" {
                (args.kw("Bucket"), args.kw("Key"), PUT_OBJECT)
            } else {
                (args.get(1, "Bucket"), args.get(2, "Key"), UPLOAD_FILE)
            };
            let b = b.cloned().unwrap_or(Value::unknown("Bucket"));
            let k = k.cloned().unwrap_or(Value::unknown("Key"));
            let t = object(&b, &k);
            env.io(Direction::Output, t, rule, &[&b, &k]);
            Value::unknown("put response")
        }
        "download_file" | "download_fileobj" => {
            let b = args
                .get(0, "Bucket")
                .cloned()
                .unwrap_or(Value::unknown("Bucket"));
            let k = args.get(1, "Key").cloned().unwrap_or(Value::unknown("Key"));
            let t = object(&b, &k);
            env.io(Direction::Input, t, DOWNLOAD_FILE, &[&b, &k]);
            Value::None
        }
        "get_object" => {
            let b = args.kw("Bucket").and_then(Value::as_known_str);
            let k = args.kw("Key").and_then(Value::as_known_str);
            let found = match (b, k) {
                (Some(b), Some(k)) => {
                    let uri = format!("s3://{b}/{k}");
                    env.found.fetched.insert(uri.clone());
                    let suffix = format!("/{}", k.trim_start_matches('/'));
                    env.ctx
                        .extra_object(&uri)
                        .or_else(|| env.ctx.extra.values().find(|o| o.uri.ends_with(&suffix)))
                        .map(|o| (o.uri.clone(), o.text.clone()))
                }
                _ => None,
            };
            Value::Obj(Obj::S3Response(Rc::new(found)))
        }
        _ => Value::unknown(format!("s3.{name}()")),
    }
}
