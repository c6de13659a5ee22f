//! Dispatch of calls on API objects to the rules: attributes (`glueContext.spark_session`,
//! `spark.read`, `df.write`), builder methods (`format`, `option(s)`, `mode`, `partitionBy`),
//! terminal calls (`load`, `save`, `parquet`, `saveAsTable`, `writeFrame`...), module
//! functions (`boto3.client`, `awswrangler.*`, `GlueContext(...)`), and
//! `getResolvedOptions`.

use crate::builtins::Args;
use crate::emit::Env;
use crate::rules::{
    boto3_s3, builder, connector, database, db_connect, delta, dynamodb, frames, glue_catalog,
    glue_options, glue_sink, jdbc, kinesis, pandas, spark_read, spark_sql, spark_write, wrangler,
};
use crate::value::{Boto3Client, Builder, BuilderKind, Handle, Obj, PStr, Source, Value};
use lineage_domain::DiagnosticKind;
use std::rc::Rc;

/// `getResolvedOptions(sys.argv, [names])`: run `Arguments` over job `DefaultArguments`.
pub(crate) fn resolved_options(env: &mut Env, args: &Args) -> Value {
    let names = args
        .get(1, "options")
        .and_then(|v| v.items())
        .unwrap_or_default();
    let effective = env.ctx.effective_arguments();
    let mut items = Vec::new();
    for n in names {
        let Some(name) = n.as_known_str() else {
            continue;
        };
        let key = format!("--{name}");
        let v = if let Some(v) = effective.get(&key) {
            Value::Str(PStr::lit(v.clone()).with_source(Source::Arg(key.clone())))
        } else if name == "JOB_NAME" {
            Value::str(env.ctx.job.name.clone())
        } else if name == "JOB_RUN_ID" {
            Value::str(env.ctx.run.id.clone())
        } else {
            env.diagnostic(
                DiagnosticKind::MissingArgument,
                &key,
                format!("argument {key} is read by the script but the run does not supply it"),
            );
            Value::unknown(format!("args[{name}]"))
        };
        items.push((Value::str(name), v));
    }
    Value::dict(items)
}

/// An attribute of an API object.
pub(crate) fn attr(obj: &Obj, name: &str) -> Option<Value> {
    let v = match obj {
        Obj::GlueContext => match name {
            "spark_session" | "sparkSession" | "getSparkSession" => Value::Obj(Obj::Spark),
            "create_dynamic_frame" => Value::Obj(Obj::GlueNs("create_dynamic_frame")),
            "create_data_frame" => Value::Obj(Obj::GlueNs("create_data_frame")),
            "write_dynamic_frame" => Value::Obj(Obj::GlueNs("write_dynamic_frame")),
            "write_data_frame" => Value::Obj(Obj::GlueNs("write_data_frame")),
            _ => Value::Obj(Obj::Opaque(Rc::from(name))),
        },
        Obj::Spark => match name {
            "read" => builder(BuilderKind::Read),
            "readStream" => builder(BuilderKind::ReadStream),
            "builder" => Value::Obj(Obj::Spark),
            _ => Value::Obj(Obj::Opaque(Rc::from(name))),
        },
        Obj::Frame(frame) => match name {
            // what a frame's schema says is data, not a frame
            "schema" | "columns" | "dtypes" => return None,
            "write" => writer(BuilderKind::Write, frame.clone()),
            "writeStream" => writer(BuilderKind::WriteStream, frame.clone()),
            "sparkSession" | "sql_ctx" => Value::Obj(Obj::Spark),
            _ => Value::Obj(Obj::Frame(None)),
        },
        Obj::Opaque(_) => Value::Obj(Obj::Opaque(Rc::from(name))),
        // `s3.meta.client`: the same service
        Obj::Boto3(_) if matches!(name, "meta" | "client") => Value::Obj(obj.clone()),
        _ => return None,
    };
    Some(v)
}

/// An attribute of a value the interpreter could not resolve: the names that only Spark and
/// Glue objects have.
pub(crate) fn attr_on_unknown(name: &str) -> Option<Value> {
    Some(match name {
        "read" => builder(BuilderKind::Read),
        "readStream" => builder(BuilderKind::ReadStream),
        "write" => builder(BuilderKind::Write),
        "writeStream" => builder(BuilderKind::WriteStream),
        "create_dynamic_frame" | "create_data_frame" | "write_dynamic_frame" => {
            attr(&Obj::GlueContext, name)?
        }
        "spark_session" => Value::Obj(Obj::Spark),
        _ => return None,
    })
}

fn builder(kind: BuilderKind) -> Value {
    writer(kind, None)
}

/// A reader or writer; a writer's frame, when known.
fn writer(kind: BuilderKind, frame: Option<Rc<frames::FrameLineage>>) -> Value {
    Value::Obj(Obj::Builder(Rc::new(Builder {
        kind,
        format: None,
        options: Vec::new(),
        mode: None,
        table: None,
        frame,
    })))
}

/// `df.writeTo(table)`: a DataFrameWriterV2 on the table.
fn write_to(args: &Args, frame: Option<Rc<frames::FrameLineage>>) -> Value {
    Value::Obj(Obj::Builder(Rc::new(Builder {
        kind: BuilderKind::WriteTo,
        format: None,
        options: Vec::new(),
        mode: None,
        table: Some(
            args.get(0, "table")
                .cloned()
                .unwrap_or_else(|| Value::unknown("table")),
        ),
        frame,
    })))
}

/// A method of an unresolved receiver: only unambiguous Spark names are followed.
pub(crate) fn method_on_unknown(env: &mut Env, name: &str, args: &Args) -> Option<Value> {
    match name {
        "sql" if args.pos.first().is_some_and(|v| matches!(v, Value::Str(_))) => {
            spark_sql::run(env, args.pos.first()?, None);
            Some(Value::Obj(Obj::Frame(None)))
        }
        "createOrReplaceTempView"
        | "createTempView"
        | "createGlobalTempView"
        | "createOrReplaceGlobalTempView"
        | "registerTempTable" => {
            register_view(env, args);
            Some(Value::None)
        }
        "fromDF" => Some(frames::from_df(args).unwrap_or(Value::Obj(Obj::Frame(None)))),
        "toDF" | "getFrame" | "getDynamicFrame" => Some(Value::Obj(Obj::Frame(None))),
        "writeTo" => Some(write_to(args, None)),
        n if spark_read::is_rdd_read(n) => Some(spark_read::rdd_read(env, args)),
        n if spark_write::is_rdd_save(n) => Some(spark_write::rdd_save(env, args)),
        // `from delta.tables import *`: DeltaTable is not a name the interpreter resolves
        "forPath" | "forName" => delta::open(name, args),
        // pandas writers on frames the interpreter lost track of: only S3 targets count
        n if pandas::is_writer(n) => pandas::write(env, args).then_some(Value::None),
        "to_sql" => database::pandas_to_sql(env, args).then_some(Value::None),
        _ => None,
    }
}

fn register_view(env: &mut Env, args: &Args) {
    if let Some(n) = args.get(0, "name").and_then(Value::as_known_str) {
        env.found.views.insert(n.to_ascii_lowercase());
    }
}

/// A method call on an API object.
pub(crate) fn method(env: &mut Env, obj: &Obj, name: &str, args: &Args) -> Value {
    match obj {
        Obj::GlueContext => glue_context(env, name, args),
        Obj::GlueNs(ns) => match (*ns, name) {
            ("create_dynamic_frame", "from_catalog") => {
                glue_catalog::read(env, args, glue_catalog::FROM_CATALOG_READ)
            }
            ("create_data_frame", "from_catalog") => {
                glue_catalog::read(env, args, glue_catalog::DATA_FRAME_FROM_CATALOG_READ)
            }
            ("write_dynamic_frame" | "write_data_frame", "from_catalog") => {
                glue_catalog::write(env, args, glue_catalog::FROM_CATALOG_WRITE)
            }
            ("create_dynamic_frame", "from_options") => {
                glue_options::read(env, args, glue_options::FROM_OPTIONS_READ)
            }
            ("create_data_frame", "from_options") => {
                glue_options::read(env, args, glue_options::DATA_FRAME_FROM_OPTIONS_READ)
            }
            ("write_dynamic_frame" | "write_data_frame", "from_options") => {
                glue_options::write(env, args, glue_options::FROM_OPTIONS_WRITE)
            }
            ("write_dynamic_frame" | "write_data_frame", "from_jdbc_conf") => {
                jdbc::write_jdbc_conf(env, args)
            }
            _ => Value::Obj(Obj::Frame(None)),
        },
        Obj::Spark => match name {
            "sql" => {
                if let Some(q) = args.get(0, "sqlQuery") {
                    spark_sql::run(env, q, None);
                }
                Value::Obj(Obj::Frame(None))
            }
            "table" => spark_read::table(env, args, spark_read::TABLE),
            "getOrCreate" | "appName" | "config" | "enableHiveSupport" | "master"
            | "newSession" => Value::Obj(Obj::Spark),
            "createDataFrame" | "range" => Value::Obj(Obj::Frame(None)),
            _ => Value::Obj(Obj::Opaque(Rc::from(name))),
        },
        Obj::Builder(b) => builder::call(env, b, name, args),
        Obj::Sink(s) => glue_sink::method(env, s, name, args),
        Obj::Frame(lineage) => match name {
            "createOrReplaceTempView"
            | "createTempView"
            | "createGlobalTempView"
            | "createOrReplaceGlobalTempView"
            | "registerTempTable" => {
                register_view(env, args);
                Value::None
            }
            "writeTo" => write_to(args, lineage.clone()),
            n if spark_write::is_rdd_save(n) => spark_write::rdd_save(env, args),
            n if pandas::is_writer(n) => {
                pandas::write(env, args);
                Value::None
            }
            "to_sql" => {
                database::pandas_to_sql(env, args);
                Value::None
            }
            "count" | "collect" | "first" | "isEmpty" | "take" | "head" | "show" => {
                Value::unknown(format!("frame.{name}()"))
            }
            _ => frames::method(lineage.as_deref(), name, args),
        },
        Obj::Boto3(c) => match c.service.as_str() {
            "s3" => boto3_s3::method(env, name, args),
            "dynamodb" => dynamodb::client_method(env, c, name, args),
            "redshift-data" | "athena" => database::client_method(env, c, name, args),
            "kinesis" => kinesis::client_method(env, c, name, args),
            _ => Value::unknown(format!("{}.{name}()", c.service)),
        },
        Obj::Handle(h) => match h.as_ref() {
            Handle::DynamoTable {
                table,
                region,
                batch,
            } => dynamodb::table_method(env, table, region.as_ref(), *batch, name, args),
            _ => boto3_s3::handle_method(env, h, name, args),
        },
        Obj::S3Response(_) if matches!(name, "decode" | "read") => Value::Obj(obj.clone()),
        Obj::Database(t) => database::method(env, t, name, args),
        Obj::DeltaTable(t) => delta::method(env, t, name),
        Obj::Opaque(kind) => match (kind.as_ref(), name) {
            (_, "client" | "resource") => boto3_client(args),
            (_, "getOrCreate") => Value::Obj(Obj::Opaque(Rc::from("sc"))),
            // the SparkContext's RDD reads, by whatever name it was reached
            (_, n) if spark_read::is_rdd_read(n) => spark_read::rdd_read(env, args),
            ("Utils", "runQuery") => {
                if let (Some(o), Some(q)) = (args.get(0, "options"), args.get(1, "query")) {
                    connector::snowflake_run_query(env, o, q);
                }
                Value::unknown("runQuery")
            }
            _ => Value::unknown(format!("{kind}.{name}()")),
        },
        _ => Value::unknown(name),
    }
}

/// `boto3.client(service, region_name=...)` / `boto3.resource(...)` (also on a session).
fn boto3_client(args: &Args) -> Value {
    let service = args
        .get(0, "service_name")
        .and_then(Value::as_known_str)
        .unwrap_or_default();
    Value::Obj(Obj::Boto3(Rc::new(Boto3Client {
        service,
        region: args.get(1, "region_name").cloned(),
    })))
}

fn glue_context(env: &mut Env, name: &str, args: &Args) -> Value {
    match name {
        "getSink" | "getSinkWithFormat" | "getCatalogSink" | "getJDBCSink" => {
            glue_sink::create(env, name, args)
        }
        "getSource" | "getSourceWithFormat" => glue_options::read(
            env,
            args,
            if name == "getSource" {
                glue_options::GET_SOURCE
            } else {
                glue_options::GET_SOURCE_WITH_FORMAT
            },
        ),
        "getCatalogSource" => glue_catalog::read(env, args, glue_catalog::GET_CATALOG_SOURCE),
        // Scala streaming sources
        "createDataFrameFromOptions" => {
            glue_options::read(env, args, glue_options::DATA_FRAME_FROM_OPTIONS_READ)
        }
        // the older flat names on GlueContext
        "create_dynamic_frame_from_catalog" => {
            glue_catalog::read(env, args, glue_catalog::FROM_CATALOG_READ)
        }
        "create_dynamic_frame_from_options" => {
            glue_options::read(env, args, glue_options::FROM_OPTIONS_READ)
        }
        "write_dynamic_frame_from_catalog" => {
            glue_catalog::write(env, args, glue_catalog::FROM_CATALOG_WRITE)
        }
        "write_dynamic_frame_from_options" | "write_from_options" => {
            glue_options::write(env, args, glue_options::FROM_OPTIONS_WRITE)
        }
        "write_dynamic_frame_from_jdbc_conf" => jdbc::write_jdbc_conf(env, args),
        "extract_jdbc_conf" | "extractJDBCConf" => jdbc::extract_conf(env, args),
        "get_logger" | "getLogger" => Value::Obj(Obj::Opaque(Rc::from("logger"))),
        "forEachBatch" | "foreachBatch" => Value::None,
        _ => Value::Obj(Obj::Opaque(Rc::from(name))),
    }
}

/// A module-level function by its qualified name; `None` when it is not an API we know.
pub(crate) fn call_function(env: &mut Env, q: &str, args: &Args) -> Option<Value> {
    let last = q.rsplit('.').next().unwrap_or(q);
    if last == "GlueContext" {
        return Some(Value::Obj(Obj::GlueContext));
    }
    if q.contains("SparkSession") {
        return Some(Value::Obj(Obj::Spark));
    }
    if last == "SparkContext" || q.ends_with("SparkContext.getOrCreate") {
        return Some(Value::Obj(Obj::Opaque(Rc::from("sc"))));
    }
    if q.contains("DynamicFrame") {
        return Some(Value::Obj(Obj::Frame(None)));
    }
    if q.starts_with("awsglue.") && last != "getResolvedOptions" {
        return Some(Value::Obj(Obj::Opaque(Rc::from(last))));
    }
    if q == "boto3.client" || q == "boto3.resource" {
        return Some(boto3_client(args));
    }
    if q.starts_with("boto3.") {
        return Some(Value::Obj(Obj::Opaque(Rc::from("boto3.session"))));
    }
    if q.starts_with("awswrangler.") {
        return wrangler::call(env, q, args);
    }
    if let Some(f) = q.strip_prefix("pandas.") {
        if pandas::is_reader(f) {
            pandas::read(env, args);
            return Some(Value::Obj(Obj::Frame(None)));
        }
        if matches!(f, "read_sql" | "read_sql_query" | "read_sql_table") {
            database::pandas_read(env, f, args);
            return Some(Value::Obj(Obj::Frame(None)));
        }
        if f == "DataFrame" {
            return Some(Value::Obj(Obj::Frame(None)));
        }
    }
    if matches!(q, "io.BytesIO" | "io.StringIO") {
        // a fetched object's body (or text) wrapped for pandas stays what it was
        return match args.pos.first() {
            Some(v @ Value::Obj(Obj::S3Response(_))) => Some(v.clone()),
            Some(v @ Value::Str(s)) if s.prov.iter().any(|p| matches!(p, Source::Extra(..))) => {
                Some(v.clone())
            }
            _ => None,
        };
    }
    if last == "forPath" || last == "forName" {
        return delta::open(last, args);
    }
    if q.ends_with("Utils.runQuery") {
        if let (Some(o), Some(sql)) = (args.get(0, "options"), args.get(1, "query")) {
            connector::snowflake_run_query(env, o, sql);
        }
        return Some(Value::unknown("runQuery"));
    }
    db_connect::connect(env, q, args)
}
