//! Delta Lake tables through the `DeltaTable` API (`delta.tables` in Python, `io.delta.tables`
//! in Scala): `DeltaTable.forPath(spark, path)` names the table by path (an S3 dataset),
//! `forName(spark, name)` by catalog name. `merge(...)` (`delta.merge`), `update` /
//! `updateExpr` (`delta.update`) and `delete` (`delta.delete`) write the table; `toDF()`
//! (`delta.toDF`) reads it. `generate("symlink_format_manifest")`, `vacuum`, `history`,
//! `detail`, `optimize` and `restoreToVersion` maintain the table: they move no data of the
//! job's.

use crate::builtins::Args;
use crate::emit::Env;
use crate::rules::lakehouse;
use crate::value::{Obj, Value};
use lineage_domain::Direction;
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `merge(source, condition)...execute()`: the target.
pub(crate) const MERGE: &str = "delta.merge";
/// `update` / `updateExpr`.
pub(crate) const UPDATE: &str = "delta.update";
pub(crate) const DELETE: &str = "delta.delete";
/// `toDF()`.
pub(crate) const TO_DF: &str = "delta.toDF";

/// `DeltaTable.forPath(spark, path)` / `DeltaTable.forName(spark, name)`.
pub(crate) fn open(name: &str, args: &Args) -> Option<Value> {
    let v = match name {
        "forPath" => args.get(1, "path"),
        "forName" => args.get(1, "tableOrViewName"),
        _ => return None,
    };
    let v = v.cloned().unwrap_or_else(|| Value::unknown("delta table"));
    Some(Value::Obj(Obj::DeltaTable(Rc::new(v))))
}

fn record(env: &mut Env, table: &Value, direction: Direction, rule: &'static str) {
    let target = lakehouse::path_or_table(env, table, "delta");
    env.io(direction, target, rule, &[table]);
}

/// A method of a Delta table (or of the merge builder it returns, which is the same object).
pub(crate) fn method(env: &mut Env, table: &Rc<Value>, name: &str) -> Value {
    let same = Value::Obj(Obj::DeltaTable(table.clone()));
    match name {
        "merge" => {
            record(env, table, Direction::Output, MERGE);
            same
        }
        "update" | "updateExpr" => {
            record(env, table, Direction::Output, UPDATE);
            Value::None
        }
        "delete" => {
            record(env, table, Direction::Output, DELETE);
            Value::None
        }
        "toDF" => {
            record(env, table, Direction::Input, TO_DF);
            Value::Obj(Obj::Frame(None))
        }
        "alias"
        | "as"
        | "whenMatched"
        | "whenMatchedUpdate"
        | "whenMatchedUpdateAll"
        | "whenMatchedDelete"
        | "whenNotMatched"
        | "whenNotMatchedInsert"
        | "whenNotMatchedInsertAll"
        | "whenNotMatchedBySource"
        | "whenNotMatchedBySourceUpdate"
        | "whenNotMatchedBySourceDelete"
        | "updateAll"
        | "insertAll"
        | "withSchemaEvolution" => same,
        _ => Value::unknown(format!("DeltaTable.{name}()")),
    }
}
