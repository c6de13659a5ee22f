//! Structured streaming writes: `writeStream...start(path)` / `.option("path", p).start()`
//! (`spark.writeStream.start`), `.toTable(name)` (`spark.writeStream.toTable`), Kafka sinks by
//! format. `checkpointLocation` is never a dataset; `foreachBatch(fn)` runs `fn`, whose
//! writes count (so do those of `glueContext.forEachBatch(batch_function=...)`).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::{builder_opts, lower};
use crate::rules::{connection, lakehouse};
use crate::value::{Builder, Obj, Value};
use lineage_domain::Direction;
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
pub(crate) const WRITE_STREAM_START: &str = "spark.writeStream.start";
pub(crate) const WRITE_STREAM_TO_TABLE: &str = "spark.writeStream.toTable";

/// A terminal call on a stream writer.
pub(crate) fn terminal(env: &mut Env, b: &Builder, name: &str, args: &Args) -> Value {
    match name {
        "start" => {
            let format = lower(b.format.as_ref()).unwrap_or_default();
            let rule = WRITE_STREAM_START;
            match format.as_str() {
                "console" | "memory" | "noop" | "foreach" => {}
                "kafka" => connection::kafka(env, &builder_opts(b), Direction::Output, rule),
                _ => {
                    let path = args
                        .get(0, "path")
                        .cloned()
                        .or_else(|| b.option("path").cloned());
                    if let Some(p) = path {
                        let target = lakehouse::path_or_table(env, &p, &format);
                        env.io(Direction::Output, target, rule, &[&p]);
                    } else if format.is_empty() {
                        // foreachBatch sinks have no path of their own
                    } else {
                        env.io(
                            Direction::Output,
                            Err(Unresolved::new(
                                env.site.text.clone(),
                                "stream sink without a path",
                            )),
                            rule,
                            &[],
                        );
                    }
                }
            }
            Value::Obj(Obj::Opaque(Rc::from("streaming query")))
        }
        "toTable" => {
            let t = args
                .get(0, "tableName")
                .cloned()
                .unwrap_or(Value::unknown("table"));
            let target = match t.as_known_str() {
                Some(n) => naming::qualified_table(env, &n, None),
                None => Err(Unresolved::of_value(&t, "table name")),
            };
            env.io(Direction::Output, target, WRITE_STREAM_TO_TABLE, &[&t]);
            Value::Obj(Obj::Opaque(Rc::from("streaming query")))
        }
        _ => Value::Obj(Obj::Builder(Rc::new(b.clone()))),
    }
}
