//! Glue Data Catalog reads and writes by database and table.
//!
//! Rule ids: `glue.create_dynamic_frame.from_catalog`, `glue.create_data_frame.from_catalog`
//! (`database`, `table_name`, `catalog_id`), `glue.getCatalogSource` (Scala `database`,
//! `tableName`, `catalogId`), `glue.write_dynamic_frame.from_catalog`.

use crate::builtins::Args;
use crate::emit::Env;
use crate::naming;
use crate::value::{Obj, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `create_dynamic_frame.from_catalog` (and the flat `create_dynamic_frame_from_catalog`).
pub(crate) const FROM_CATALOG_READ: &str = "glue.create_dynamic_frame.from_catalog";
/// `create_data_frame.from_catalog`.
pub(crate) const DATA_FRAME_FROM_CATALOG_READ: &str = "glue.create_data_frame.from_catalog";
/// `write_dynamic_frame.from_catalog` / `write_data_frame.from_catalog`.
pub(crate) const FROM_CATALOG_WRITE: &str = "glue.write_dynamic_frame.from_catalog";
/// Scala `getCatalogSource`.
pub(crate) const GET_CATALOG_SOURCE: &str = "glue.getCatalogSource";

fn table_args(args: &Args, write: bool) -> (Value, Value, Option<Value>) {
    let (db_pos, tbl_pos) = if write { (1, 2) } else { (0, 1) };
    let db = args
        .kw("database")
        .or_else(|| args.kw("name_space"))
        .or_else(|| args.kw("catalogDatabase"))
        .or_else(|| args.pos.get(db_pos))
        .cloned()
        .unwrap_or_else(|| Value::unknown("database"));
    let tbl = args
        .kw("table_name")
        .or_else(|| args.kw("tableName"))
        .or_else(|| args.kw("catalogTableName"))
        .or_else(|| args.pos.get(tbl_pos))
        .cloned()
        .unwrap_or_else(|| Value::unknown("table_name"));
    let cat = args
        .kw("catalog_id")
        .or_else(|| args.kw("catalogId"))
        .cloned();
    (db, tbl, cat)
}

/// A catalog read.
pub(crate) fn read(env: &mut Env, args: &Args, rule: &'static str) -> Value {
    let (db, tbl, cat) = table_args(args, false);
    let target = naming::glue_table(env, &db, &tbl, cat.as_ref());
    let before = env.found.ios.len();
    env.io(Direction::Input, target, rule, &[&db, &tbl]);
    super::frames::read_frame(env, before)
}

/// A catalog write.
pub(crate) fn write(env: &mut Env, args: &Args, rule: &'static str) -> Value {
    let (db, tbl, cat) = table_args(args, true);
    let target = naming::glue_table(env, &db, &tbl, cat.as_ref());
    let before = env.found.ios.len();
    env.io(Direction::Output, target, rule, &[&db, &tbl]);
    super::frames::record_write(env, args.get(0, "frame"), before);
    Value::Obj(Obj::Frame(None))
}
