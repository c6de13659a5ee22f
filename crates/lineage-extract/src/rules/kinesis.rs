//! Kinesis Data Streams through boto3 (`boto3.client("kinesis")`): `put_record` /
//! `put_records` write the stream (`boto3.kinesis.put_record`), `get_records` /
//! `get_shard_iterator` read it (`boto3.kinesis.get_records`). The stream is named by
//! `StreamName` or `StreamARN`, in the client's `region_name` (else the run's).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::value::{Boto3Client, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `put_record` / `put_records`.
pub(crate) const PUT_RECORD: &str = "boto3.kinesis.put_record";
/// `get_shard_iterator` / `get_records`.
pub(crate) const GET_RECORDS: &str = "boto3.kinesis.get_records";

/// A method on a Kinesis client.
pub(crate) fn client_method(env: &mut Env, c: &Boto3Client, name: &str, args: &Args) -> Value {
    let (direction, rule) = match name {
        "put_record" | "put_records" => (Direction::Output, PUT_RECORD),
        "get_shard_iterator" | "subscribe_to_shard" => (Direction::Input, GET_RECORDS),
        _ => return Value::unknown(format!("kinesis.{name}()")),
    };
    let stream = args
        .kw("StreamARN")
        .or_else(|| args.kw("StreamName"))
        .cloned()
        .unwrap_or_else(|| Value::unknown("StreamName"));
    let region = c
        .region
        .as_ref()
        .and_then(Value::as_known_str)
        .unwrap_or_else(|| env.region().to_string());
    let target = match stream.as_known_str() {
        Some(s) => naming::kinesis(&region, &s),
        None => Err(Unresolved::of_value(&stream, "Kinesis stream")),
    };
    env.io(direction, target, rule, &[&stream]);
    Value::unknown(format!("kinesis.{name}()"))
}
