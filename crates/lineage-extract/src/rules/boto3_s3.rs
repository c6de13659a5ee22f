//! boto3 S3 calls that move data, on the client and on resource objects
//! (`s3.Bucket(b)`, `s3.Object(b, k)`, `bucket.Object(k)`): `copy` / `copy_object` /
//! `copy_from` (source input, destination output: `boto3.s3.copy`, `boto3.s3.copy_object`),
//! `put_object` / `Object.put` / `upload_file` (output: `boto3.s3.put_object`,
//! `boto3.s3.upload_file`), `download_file` (input: `boto3.s3.download_file`),
//! `select_object_content` (input: `boto3.s3.select_object_content`). Objects keep
//! their full key. `get_object` / `Object.get()` only fetch an object: its text comes from the
//! gathered extra objects (a config or SQL file is not a dataset); the object is a dataset
//! when its body is parsed as data ([`super::pandas`]). Listings are not datasets.

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::value::{Handle, Obj, PStr, S3Body, Value, HOLE};
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
/// S3 Select on one object.
pub(crate) const SELECT_OBJECT_CONTENT: &str = "boto3.s3.select_object_content";

/// The dataset of one object by bucket and key values.
pub(crate) fn object(bucket: &Value, key: &Value) -> Result<Dataset, Unresolved> {
    let mut p = PStr::lit("s3://");
    p.push_str(&bucket.to_pstr());
    p.push_str(&PStr::lit("/"));
    p.push_str(&key.to_pstr());
    let text = p.render();
    match (bucket.as_known_str(), key.as_known_str()) {
        (Some(b), Some(k)) if !k.ends_with('/') && !k.is_empty() => {
            let k = k.trim_start_matches('/');
            Dataset::s3_object(&b, k).map_err(|e| Unresolved::new(p.describe(), e.to_string()))
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

fn or_unknown(v: Option<&Value>, what: &str) -> Value {
    v.cloned().unwrap_or_else(|| Value::unknown(what))
}

/// A copy from `(src bucket, src key)` to `(bucket, key)`.
fn copy(env: &mut Env, src: &(Value, Value), dst: &(Value, Value), rule: &'static str) {
    let t = object(&src.0, &src.1);
    env.io(Direction::Input, t, rule, &[&src.0, &src.1]);
    let t = object(&dst.0, &dst.1);
    env.io(Direction::Output, t, rule, &[&dst.0, &dst.1]);
}

fn write(env: &mut Env, bucket: &Value, key: &Value, rule: &'static str) {
    let t = object(bucket, key);
    env.io(Direction::Output, t, rule, &[bucket, key]);
}

fn read(env: &mut Env, bucket: &Value, key: &Value, rule: &'static str) {
    let t = object(bucket, key);
    env.io(Direction::Input, t, rule, &[bucket, key]);
}

/// The body `get_object` returns: the gathered object's text when there is one. The object is
/// asked for, so gathering can fetch it for the next extraction.
fn get(env: &mut Env, bucket: &Value, key: &Value) -> Value {
    let fetched = match (bucket.as_known_str(), key.as_known_str()) {
        (Some(b), Some(k)) => {
            let uri = format!("s3://{b}/{}", k.trim_start_matches('/'));
            env.found.fetched.insert(uri.clone());
            let suffix = format!("/{}", k.trim_start_matches('/'));
            env.ctx
                .extra_object(&uri)
                .or_else(|| env.ctx.extra.values().find(|o| o.uri.ends_with(&suffix)))
                .map(|o| (o.uri.clone(), o.text.clone()))
        }
        _ => None,
    };
    Value::Obj(Obj::S3Response(Rc::new(S3Body {
        object: (bucket.clone(), key.clone()),
        fetched,
    })))
}

/// A method on a boto3 S3 client or service resource.
pub(crate) fn method(env: &mut Env, name: &str, args: &Args) -> Value {
    match name {
        "copy" => {
            let src = args.get(0, "CopySource").map(copy_source);
            let src = src.unwrap_or((Value::unknown("CopySource"), Value::unknown("CopySource")));
            let dst = (
                or_unknown(args.get(1, "Bucket"), "Bucket"),
                or_unknown(args.get(2, "Key"), "Key"),
            );
            copy(env, &src, &dst, COPY);
            Value::unknown("copy response")
        }
        "copy_object" => {
            let src = args.kw("CopySource").map(copy_source);
            let src = src.unwrap_or((Value::unknown("CopySource"), Value::unknown("CopySource")));
            let dst = (
                or_unknown(args.kw("Bucket"), "Bucket"),
                or_unknown(args.kw("Key"), "Key"),
            );
            copy(env, &src, &dst, COPY_OBJECT);
            Value::unknown("copy response")
        }
        "put_object" => {
            let b = or_unknown(args.kw("Bucket"), "Bucket");
            let k = or_unknown(args.kw("Key"), "Key");
            write(env, &b, &k, PUT_OBJECT);
            Value::unknown("put response")
        }
        "upload_file" | "upload_fileobj" => {
            let b = or_unknown(args.get(1, "Bucket"), "Bucket");
            let k = or_unknown(args.get(2, "Key"), "Key");
            write(env, &b, &k, UPLOAD_FILE);
            Value::None
        }
        "download_file" | "download_fileobj" => {
            let b = or_unknown(args.get(0, "Bucket"), "Bucket");
            let k = or_unknown(args.get(1, "Key"), "Key");
            read(env, &b, &k, DOWNLOAD_FILE);
            Value::None
        }
        "get_object" => {
            let b = or_unknown(args.kw("Bucket"), "Bucket");
            let k = or_unknown(args.kw("Key"), "Key");
            get(env, &b, &k)
        }
        "select_object_content" => {
            // S3 Select reads the object's data
            let b = or_unknown(args.kw("Bucket"), "Bucket");
            let k = or_unknown(args.kw("Key"), "Key");
            read(env, &b, &k, SELECT_OBJECT_CONTENT);
            Value::unknown("select response")
        }
        "Bucket" => handle(Handle::S3Bucket(or_unknown(args.get(0, "name"), "bucket"))),
        "Object" => handle(Handle::S3Object(
            or_unknown(args.get(0, "bucket_name"), "bucket"),
            or_unknown(args.get(1, "key"), "key"),
        )),
        _ => Value::unknown(format!("s3.{name}()")),
    }
}

fn handle(h: Handle) -> Value {
    Value::Obj(Obj::Handle(Rc::new(h)))
}

/// A method on an S3 resource object: a bucket or an object.
pub(crate) fn handle_method(env: &mut Env, h: &Handle, name: &str, args: &Args) -> Value {
    match (h, name) {
        (Handle::S3Bucket(b), "Object") => handle(Handle::S3Object(
            b.clone(),
            or_unknown(args.get(0, "key"), "key"),
        )),
        (Handle::S3Bucket(b), "put_object") => {
            write(env, b, &or_unknown(args.kw("Key"), "Key"), PUT_OBJECT);
            Value::unknown("put response")
        }
        (Handle::S3Bucket(b), "upload_file" | "upload_fileobj") => {
            write(env, b, &or_unknown(args.get(1, "Key"), "Key"), UPLOAD_FILE);
            Value::None
        }
        (Handle::S3Bucket(b), "download_file" | "download_fileobj") => {
            read(
                env,
                b,
                &or_unknown(args.get(0, "Key"), "Key"),
                DOWNLOAD_FILE,
            );
            Value::None
        }
        (Handle::S3Bucket(b), "copy") => {
            let src = args.get(0, "CopySource").map(copy_source);
            let src = src.unwrap_or((Value::unknown("CopySource"), Value::unknown("CopySource")));
            let dst = (b.clone(), or_unknown(args.get(1, "Key"), "Key"));
            copy(env, &src, &dst, COPY);
            Value::None
        }
        (Handle::S3Object(b, k), "get") => get(env, b, k),
        (Handle::S3Object(b, k), "put") => {
            write(env, b, k, PUT_OBJECT);
            Value::unknown("put response")
        }
        (Handle::S3Object(b, k), "upload_file" | "upload_fileobj") => {
            write(env, b, k, UPLOAD_FILE);
            Value::None
        }
        (Handle::S3Object(b, k), "download_file" | "download_fileobj") => {
            read(env, b, k, DOWNLOAD_FILE);
            Value::None
        }
        (Handle::S3Object(b, k), "copy_from" | "copy") => {
            let src = args.get(0, "CopySource").map(copy_source);
            let src = src.unwrap_or((Value::unknown("CopySource"), Value::unknown("CopySource")));
            copy(env, &src, &(b.clone(), k.clone()), COPY_OBJECT);
            Value::None
        }
        _ => Value::unknown(format!("s3 resource .{name}()")),
    }
}
