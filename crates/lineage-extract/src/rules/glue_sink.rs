//! Glue sinks configured step by step, written when a frame is written to them.
//!
//! Rule ids: `glue.getSink` (path, connection_type; with `setCatalogInfo` the catalog table
//! only: `glue.getSink.setCatalogInfo`), `glue.getSinkWithFormat` (Scala), `glue.getCatalogSink`
//! (Scala `database`, `tableName`), `glue.getJDBCSink`.

use crate::builtins::Args;
use crate::emit::Env;
use crate::naming;
use crate::rules::connection;
use crate::rules::options::opt;
use crate::value::{Obj, SinkState, Value};
use lineage_domain::Direction;
use std::cell::RefCell;
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `getSink` written by path / connection type.
pub(crate) const GET_SINK: &str = "glue.getSink";
/// `getSink` with `setCatalogInfo`: the catalog table.
pub(crate) const GET_SINK_SET_CATALOG_INFO: &str = "glue.getSink.setCatalogInfo";
/// Scala `getSinkWithFormat`.
pub(crate) const GET_SINK_WITH_FORMAT: &str = "glue.getSinkWithFormat";
/// Scala `getCatalogSink`.
pub(crate) const GET_CATALOG_SINK: &str = "glue.getCatalogSink";
/// `getJDBCSink`.
pub(crate) const GET_JDBC_SINK: &str = "glue.getJDBCSink";

/// `glueContext.getSink(...)` and the Scala variants.
pub(crate) fn create(env: &mut Env, name: &str, args: &Args) -> Value {
    let mut options: Vec<(String, Value)> = Vec::new();
    if let Some(Value::Dict(d)) = args
        .kw("options")
        .or_else(|| args.kw("connection_options"))
        .or_else(|| args.kw("connectionOptions"))
        .or_else(|| args.pos.iter().find(|v| matches!(v, Value::Dict(_))))
    {
        for (k, v) in d.iter() {
            if let Some(k) = k.as_known_str() {
                options.push((k, v.clone()));
            }
        }
    }
    for (k, v) in &args.kw {
        options.push((k.clone(), v.clone()));
    }
    let rule: &'static str = match name {
        "getSinkWithFormat" => GET_SINK_WITH_FORMAT,
        "getCatalogSink" => GET_CATALOG_SINK,
        "getJDBCSink" => GET_JDBC_SINK,
        _ => GET_SINK,
    };
    if name == "getJDBCSink" {
        // Scala getJDBCSink(catalogConnection, options, redshiftTmpDir, ...)
        if let Some(c) = args.get(0, "catalogConnection") {
            options.push(("connectionName".into(), c.clone()));
        }
    }
    let ctype = args
        .kw("connection_type")
        .or_else(|| args.kw("connectionType"))
        .cloned()
        .or_else(|| {
            args.pos
                .first()
                .filter(|v| matches!(v, Value::Str(_)) && name != "getJDBCSink")
                .cloned()
        })
        .or_else(|| (name == "getJDBCSink").then(|| Value::str("jdbc")));
    let catalog = if name == "getCatalogSink" {
        let db = args
            .get(0, "database")
            .cloned()
            .unwrap_or(Value::unknown("database"));
        let t = args
            .get(1, "tableName")
            .cloned()
            .unwrap_or(Value::unknown("tableName"));
        Some((db, t))
    } else {
        None
    };
    let state = SinkState {
        connection_type: ctype,
        options,
        catalog,
        catalog_id: args.kw("catalogId").cloned(),
        rule,
        line: env.site.line,
        detail: env.site.text.clone(),
    };
    Value::Obj(Obj::Sink(Rc::new(RefCell::new(state))))
}

/// A method on a sink.
pub(crate) fn method(env: &mut Env, s: &Rc<RefCell<SinkState>>, name: &str, args: &Args) -> Value {
    match name {
        "setCatalogInfo" => {
            let db = args
                .get(0, "catalogDatabase")
                .cloned()
                .unwrap_or(Value::unknown("catalogDatabase"));
            let t = args
                .get(1, "catalogTableName")
                .cloned()
                .unwrap_or(Value::unknown("catalogTableName"));
            let mut st = s.borrow_mut();
            st.catalog = Some((db, t));
            st.catalog_id = args.kw("catalogId").cloned().or(st.catalog_id.clone());
            st.rule = GET_SINK_SET_CATALOG_INFO;
            Value::None
        }
        "writeFrame" | "writeDynamicFrame" | "writeDataFrame" | "write" => {
            let st = s.borrow().clone();
            let before = env.found.ios.len();
            write(env, &st);
            super::frames::record_write(env, args.get(0, "frame"), before);
            Value::Obj(Obj::Frame(None))
        }
        _ => Value::Obj(Obj::Sink(s.clone())),
    }
}

fn write(env: &mut Env, st: &SinkState) {
    if let Some((db, t)) = &st.catalog {
        let target = naming::glue_table(env, db, t, st.catalog_id.as_ref());
        env.io(Direction::Output, target, st.rule, &[db, t]);
        return;
    }
    let opts = Value::dict(
        st.options
            .iter()
            .map(|(k, v)| (Value::str(k.clone()), v.clone()))
            .collect(),
    );
    let ctype = st
        .connection_type
        .as_ref()
        .and_then(Value::as_known_str)
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_else(|| {
            if opt(&opts, &["path"]).is_some() {
                "s3".to_string()
            } else {
                "unknown".to_string()
            }
        });
    connection::record(env, &ctype, &opts, Direction::Output, st.rule);
}
