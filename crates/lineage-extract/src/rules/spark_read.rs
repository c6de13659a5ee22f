//! Spark DataFrame reads.
//!
//! Rule ids: `spark.read.parquet`, `spark.read.csv`, `spark.read.json`, `spark.read.orc`,
//! `spark.read.text`, `spark.read.avro`, `spark.read.load` (`format(x).option(...).load(path)`,
//! JDBC / Kafka / Kinesis / Delta / Hudi / Iceberg by format), `spark.read.table`,
//! `spark.table`, `spark.readStream.load`, `spark.sparkContext.textFile` (RDD reads:
//! `textFile`, `wholeTextFiles`, `binaryFiles`, `sequenceFile`, `hadoopFile`...).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::{as_list, builder_opts, lower};
use crate::rules::{connection, connector, jdbc, lakehouse};
use crate::value::{Builder, BuilderKind, Obj, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
pub(crate) const READ_PARQUET: &str = "spark.read.parquet";
pub(crate) const READ_CSV: &str = "spark.read.csv";
pub(crate) const READ_JSON: &str = "spark.read.json";
pub(crate) const READ_ORC: &str = "spark.read.orc";
/// `text` / `textFile`.
pub(crate) const READ_TEXT: &str = "spark.read.text";
pub(crate) const READ_AVRO: &str = "spark.read.avro";
/// `format(x)...load(path)`.
pub(crate) const READ_LOAD: &str = "spark.read.load";
pub(crate) const READ_TABLE: &str = "spark.read.table";
pub(crate) const TABLE: &str = "spark.table";
/// Every terminal of `readStream`.
pub(crate) const READ_STREAM_LOAD: &str = "spark.readStream.load";

/// `sparkContext.textFile/wholeTextFiles/binaryFiles/...` (RDD reads).
pub(crate) const RDD_READ: &str = "spark.sparkContext.textFile";

/// Whether a SparkContext method reads files into an RDD.
pub(crate) fn is_rdd_read(name: &str) -> bool {
    matches!(
        name,
        "textFile"
            | "wholeTextFiles"
            | "binaryFiles"
            | "binaryRecords"
            | "sequenceFile"
            | "pickleFile"
            | "objectFile"
            | "hadoopFile"
            | "newAPIHadoopFile"
    )
}

/// An RDD read of a path (a comma-separated list of paths for `textFile`).
pub(crate) fn rdd_read(env: &mut Env, args: &Args) -> Value {
    let Some(p) = args.get(0, "path").or_else(|| args.kw("name")).cloned() else {
        return Value::Obj(Obj::Frame(None));
    };
    let paths: Vec<Value> = match p.as_known_str() {
        Some(t) if t.contains(',') => t.split(',').map(|s| Value::str(s.trim())).collect(),
        _ => vec![p.clone()],
    };
    for path in paths {
        let target = naming::s3_dataset(&path);
        env.io(Direction::Input, target, RDD_READ, &[&p]);
    }
    Value::Obj(Obj::Frame(None))
}

/// `spark.table(name)` / `spark.read.table(name)`.
pub(crate) fn table(env: &mut Env, args: &Args, rule: &'static str) -> Value {
    let name = args
        .get(0, "tableName")
        .cloned()
        .unwrap_or(Value::unknown("table"));
    let target = match name.as_known_str() {
        Some(n) => {
            if env.found.views.contains(&n.to_ascii_lowercase()) {
                return Value::Obj(Obj::Frame(None));
            }
            naming::qualified_table(env, &n, None)
        }
        None => Err(Unresolved::of_value(&name, "table name")),
    };
    let before = env.found.ios.len();
    env.io(Direction::Input, target, rule, &[&name]);
    super::frames::read_frame(env, before)
}

/// A terminal call on a reader.
pub(crate) fn terminal(env: &mut Env, b: &Builder, name: &str, args: &Args) -> Value {
    let stream = b.kind == BuilderKind::ReadStream;
    let rule: &'static str = match (stream, name) {
        (true, _) => READ_STREAM_LOAD,
        (_, "parquet") => READ_PARQUET,
        (_, "csv") => READ_CSV,
        (_, "json") => READ_JSON,
        (_, "orc") => READ_ORC,
        (_, "text" | "textFile") => READ_TEXT,
        (_, "avro") => READ_AVRO,
        (_, "load") => READ_LOAD,
        (_, "table") => return table(env, args, READ_TABLE),
        (_, "jdbc") => {
            jdbc::spark_jdbc(env, args, Direction::Input);
            return Value::Obj(Obj::Frame(None));
        }
        _ => return Value::Obj(Obj::Frame(None)),
    };
    let format = if name == "load" {
        lower(args.kw("format").or(b.format.as_ref())).unwrap_or_default()
    } else {
        name.to_string()
    };
    let opts = builder_opts(b);
    match format.as_str() {
        // Redshift through the Spark data source (`io.github.spark_redshift_community...`)
        f if f == "jdbc" || f.contains("redshift") => {
            connection::jdbc(env, &opts, None, Direction::Input, rule);
            return Value::Obj(Obj::Frame(None));
        }
        // Glue 5's DataFrame DynamoDB connector (`dynamodb.input/output.tableName`, exports)
        "dynamodb" => {
            connection::record(env, "dynamodb", &opts, Direction::Input, rule);
            return Value::Obj(Obj::Frame(None));
        }
        f if f.contains("snowflake") => {
            connector::snowflake(env, &opts, Direction::Input, rule);
            return Value::Obj(Obj::Frame(None));
        }
        "kafka" => {
            connection::kafka(env, &opts, Direction::Input, rule);
            return Value::Obj(Obj::Frame(None));
        }
        "kinesis" | "aws-kinesis" => {
            connection::record(env, "kinesis", &opts, Direction::Input, rule);
            return Value::Obj(Obj::Frame(None));
        }
        _ => {}
    }
    let mut paths: Vec<Value> = Vec::new();
    for v in &args.pos {
        paths.extend(as_list(v));
    }
    if let Some(p) = args.kw("path").or_else(|| args.kw("paths")) {
        paths.extend(as_list(p));
    }
    if paths.is_empty() {
        if let Some(p) = b.option("path") {
            paths.push(p.clone());
        }
    }
    if paths.is_empty() {
        env.io(
            Direction::Input,
            Err(Unresolved::new(
                env.site.text.clone(),
                "read without a path",
            )),
            rule,
            &[],
        );
    }
    let before = env.found.ios.len();
    for p in paths {
        let target = lakehouse::path_or_table(env, &p, &format);
        env.io(Direction::Input, target, rule, &[&p]);
    }
    super::frames::read_frame(env, before)
}
