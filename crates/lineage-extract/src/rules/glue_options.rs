//! Glue reads and writes by connection type and options.
//!
//! Rule ids: `glue.create_dynamic_frame.from_options`, `glue.create_data_frame.from_options`,
//! `glue.write_dynamic_frame.from_options`, `glue.getSource` / `glue.getSourceWithFormat`
//! (Scala `connectionType`, `options`). Connection types: see [`super::connection`].

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::rules::connection;
use crate::value::{Obj, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `create_dynamic_frame.from_options` (and the flat name).
pub(crate) const FROM_OPTIONS_READ: &str = "glue.create_dynamic_frame.from_options";
/// `create_data_frame.from_options`.
pub(crate) const DATA_FRAME_FROM_OPTIONS_READ: &str = "glue.create_data_frame.from_options";
/// `write_dynamic_frame.from_options` / `write_data_frame.from_options`.
pub(crate) const FROM_OPTIONS_WRITE: &str = "glue.write_dynamic_frame.from_options";
/// `getSource`.
pub(crate) const GET_SOURCE: &str = "glue.getSource";
/// Scala `getSourceWithFormat`.
pub(crate) const GET_SOURCE_WITH_FORMAT: &str = "glue.getSourceWithFormat";

fn options(args: &Args) -> Value {
    let mut items: Vec<(Value, Value)> = Vec::new();
    if let Some(Value::Dict(d)) = args
        .kw("connection_options")
        .or_else(|| args.kw("options"))
        .or_else(|| args.kw("connectionOptions"))
        .or_else(|| args.pos.iter().find(|v| matches!(v, Value::Dict(_))))
    {
        items.extend(d.iter().cloned());
    }
    // Python getSource(connection_type, **options): options arrive as keywords
    for (k, v) in &args.kw {
        if !matches!(
            k.as_str(),
            "connection_options"
                | "options"
                | "connectionOptions"
                | "connection_type"
                | "connectionType"
                | "format"
                | "formatOptions"
                | "transformationContext"
                | "transformation_ctx"
                | "pushDownPredicate"
        ) {
            items.push((Value::str(k.clone()), v.clone()));
        }
    }
    Value::dict(items)
}

fn ctype(args: &Args) -> Option<String> {
    connection::connection_type(
        args.kw("connection_type")
            .or_else(|| args.kw("connectionType"))
            .or_else(|| args.pos.first().filter(|v| matches!(v, Value::Str(_)))),
    )
}

/// A read by connection type.
pub(crate) fn read(env: &mut Env, args: &Args, rule: &'static str) -> Value {
    let before = env.found.ios.len();
    run(env, args, Direction::Input, rule);
    super::frames::read_frame(env, before)
}

/// A write by connection type.
pub(crate) fn write(env: &mut Env, args: &Args, rule: &'static str) -> Value {
    let before = env.found.ios.len();
    run(env, args, Direction::Output, rule);
    super::frames::record_write(env, args.get(0, "frame"), before);
    Value::Obj(Obj::Frame(None))
}

fn run(env: &mut Env, args: &Args, direction: Direction, rule: &'static str) {
    let opts = options(args);
    match ctype(args) {
        Some(t) => connection::record(env, &t, &opts, direction, rule),
        None => env.io(
            direction,
            Err(Unresolved::new(
                "connection_type",
                "connection type could not be resolved",
            )),
            rule,
            &[],
        ),
    }
}
