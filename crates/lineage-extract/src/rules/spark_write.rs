//! Spark DataFrame writes.
//!
//! Rule ids: `spark.write.parquet`, `spark.write.csv`, `spark.write.json`, `spark.write.orc`,
//! `spark.write.text`, `spark.write.avro`, `spark.write.save` (`format(x)...save(path)`,
//! Delta/Hudi/Iceberg per [`super::lakehouse`], JDBC/Kafka by format),
//! `spark.write.saveAsTable` (the table only, even with a `path` option),
//! `spark.write.insertInto`, `spark.write.jdbc`, `spark.writeTo` (DataFrameWriterV2: the table),
//! `spark.rdd.saveAsTextFile` (RDD writes: `saveAsTextFile`, `saveAsPickleFile`, ...).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::{builder_opts, lower};
use crate::rules::{connection, connector, jdbc, lakehouse};
use crate::value::{Builder, Obj, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
pub(crate) const WRITE_PARQUET: &str = "spark.write.parquet";
pub(crate) const WRITE_CSV: &str = "spark.write.csv";
pub(crate) const WRITE_JSON: &str = "spark.write.json";
pub(crate) const WRITE_ORC: &str = "spark.write.orc";
pub(crate) const WRITE_TEXT: &str = "spark.write.text";
pub(crate) const WRITE_AVRO: &str = "spark.write.avro";
/// `format(x)...save(path)`.
pub(crate) const WRITE_SAVE: &str = "spark.write.save";
pub(crate) const SAVE_AS_TABLE: &str = "spark.write.saveAsTable";
pub(crate) const INSERT_INTO: &str = "spark.write.insertInto";
/// `df.writeTo(table).append() / overwrite() / overwritePartitions() / create() / replace() /
/// createOrReplace()`.
pub(crate) const WRITE_TO: &str = "spark.writeTo";

/// `rdd.saveAsTextFile/saveAsPickleFile/...` (RDD writes).
pub(crate) const RDD_SAVE: &str = "spark.rdd.saveAsTextFile";

/// Whether an RDD method writes files.
pub(crate) fn is_rdd_save(name: &str) -> bool {
    matches!(
        name,
        "saveAsTextFile"
            | "saveAsPickleFile"
            | "saveAsSequenceFile"
            | "saveAsObjectFile"
            | "saveAsHadoopFile"
            | "saveAsNewAPIHadoopFile"
    )
}

/// An RDD write to a path.
pub(crate) fn rdd_save(env: &mut Env, args: &Args) -> Value {
    let p = args
        .get(0, "path")
        .cloned()
        .unwrap_or_else(|| Value::unknown("path"));
    let target = naming::s3_dataset(&p);
    env.io(Direction::Output, target, RDD_SAVE, &[&p]);
    Value::None
}

/// A terminal call on a `writeTo(table)` writer: the table is written.
pub(crate) fn write_to_terminal(env: &mut Env, b: &Builder, name: &str) -> Value {
    if !matches!(
        name,
        "append" | "overwrite" | "overwritePartitions" | "create" | "replace" | "createOrReplace"
    ) {
        return Value::Obj(Obj::Builder(std::rc::Rc::new(b.clone())));
    }
    let t = b.table.clone().unwrap_or_else(|| Value::unknown("table"));
    let target = match t.as_known_str() {
        Some(n) => naming::qualified_table(env, &n, None),
        None => Err(Unresolved::of_value(&t, "table name")),
    };
    env.io(Direction::Output, target, WRITE_TO, &[&t]);
    Value::None
}

/// A terminal call on a writer.
pub(crate) fn terminal(env: &mut Env, b: &Builder, name: &str, args: &Args) -> Value {
    let rule: &'static str = match name {
        "parquet" => WRITE_PARQUET,
        "csv" => WRITE_CSV,
        "json" => WRITE_JSON,
        "orc" => WRITE_ORC,
        "text" => WRITE_TEXT,
        "avro" => WRITE_AVRO,
        "save" => WRITE_SAVE,
        "saveAsTable" | "insertInto" => {
            let rule = if name == "saveAsTable" {
                SAVE_AS_TABLE
            } else {
                INSERT_INTO
            };
            let t = args
                .get(0, "name")
                .cloned()
                .unwrap_or(Value::unknown("table"));
            let target = match t.as_known_str() {
                Some(n) => naming::qualified_table(env, &n, None),
                None => Err(Unresolved::of_value(&t, "table name")),
            };
            env.io(Direction::Output, target, rule, &[&t]);
            return Value::None;
        }
        "jdbc" => {
            jdbc::spark_jdbc(env, args, Direction::Output);
            return Value::None;
        }
        _ => return Value::Obj(Obj::Builder(std::rc::Rc::new(b.clone()))),
    };
    let format = if name == "save" {
        lower(args.kw("format").or(b.format.as_ref())).unwrap_or_default()
    } else {
        name.to_string()
    };
    let opts = builder_opts(b);
    match format.as_str() {
        // Redshift through the Spark data source (`io.github.spark_redshift_community...`)
        f if f == "jdbc" || f.contains("redshift") => {
            connection::jdbc(env, &opts, None, Direction::Output, rule);
            return Value::None;
        }
        // Glue 5's DataFrame DynamoDB connector (`dynamodb.input/output.tableName`, exports)
        "dynamodb" => {
            connection::record(env, "dynamodb", &opts, Direction::Output, rule);
            return Value::None;
        }
        f if f.contains("snowflake") => {
            connector::snowflake(env, &opts, Direction::Output, rule);
            return Value::None;
        }
        "kafka" => {
            connection::kafka(env, &opts, Direction::Output, rule);
            return Value::None;
        }
        "hudi" | "org.apache.hudi" => {
            if let Some(t) = lakehouse::hudi_synced_table(env, b) {
                env.io(Direction::Output, t, rule, &[]);
                return Value::None;
            }
        }
        _ => {}
    }
    let path = args
        .get(0, "path")
        .cloned()
        .or_else(|| b.option("path").cloned());
    match path {
        Some(p) => {
            let target = lakehouse::path_or_table(env, &p, &format);
            env.io(Direction::Output, target, rule, &[&p]);
        }
        None => env.io(
            Direction::Output,
            Err(Unresolved::new(
                env.site.text.clone(),
                "write without a path",
            )),
            rule,
            &[],
        ),
    }
    Value::None
}
