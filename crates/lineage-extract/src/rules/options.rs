//! Option helpers the rules share: options of dict values and builders by key, values as lists,
//! lower-case known texts.

use crate::value::{Builder, Value};

/// A value as a list of values (a single value is a one-item list).
pub(crate) fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::List(l) => l.as_ref().clone(),
        v => vec![v.clone()],
    }
}

/// An option of a dict value, by any of the keys (case-insensitive).
pub(crate) fn opt<'v>(opts: &'v Value, keys: &[&str]) -> Option<&'v Value> {
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
pub(crate) fn builder_opts(b: &Builder) -> Value {
    Value::dict(
        b.options
            .iter()
            .map(|(k, v)| (Value::str(k.clone()), v.clone()))
            .collect(),
    )
}

/// The lower-case known text of a value.
pub(crate) fn lower(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_known_str)
        .map(|s| s.to_ascii_lowercase())
}
