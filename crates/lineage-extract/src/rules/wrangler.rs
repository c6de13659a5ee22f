//! AWS SDK for pandas (awswrangler) 1.x to 3.x, and the 0.x `Session()` API
//! (`session.pandas.read_csv`, `session.pandas.to_parquet`, `session.athena.run_query`...),
//! which is read as its 1.x equivalent. Database modules (`wr.redshift`, `wr.mysql`, ...)
//! are in [`super::database`]; `wr.catalog.*` only reads or changes table metadata and is not
//! lineage.
//!
//! Rule ids: `awswrangler.s3.read` (`wr.s3.read_parquet/csv/json/...`, `select_query`,
//! `download`: paths), `awswrangler.s3.write` (`wr.s3.to_parquet/csv/json/...`: the catalog
//! table when `database` and `table` are given, else the path; `upload`),
//! `awswrangler.s3.copy` (`copy_objects`, `merge_datasets`: source in, target out),
//! `awswrangler.s3.read_parquet_table`, `awswrangler.athena.read_sql_query` (tables of the
//! query, unqualified ones in `database`; `start_query_execution`; `unload` also writes its
//! path; `create_ctas_table` writes its table), `awswrangler.athena.read_sql_table`,
//! `awswrangler.athena.to_iceberg`, `awswrangler.dynamodb` (`read_items`, `put_df`,
//! `put_items`, `put_csv`, `put_json`, `delete_items`, PartiQL `read_partiql_query`).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::as_list;
use crate::rules::{database, dynamodb, spark_sql};
use crate::sql::{analyze, Dialect};
use crate::value::{Handle, Obj, Value};
use lineage_domain::Direction;
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `wr.s3.read_parquet/csv/json/...` paths.
pub(crate) const S3_READ: &str = "awswrangler.s3.read";
pub(crate) const S3_READ_PARQUET_TABLE: &str = "awswrangler.s3.read_parquet_table";
/// `wr.s3.to_parquet/csv/json`.
pub(crate) const S3_WRITE: &str = "awswrangler.s3.write";
/// `wr.s3.copy_objects` / `merge_datasets`.
pub(crate) const S3_COPY: &str = "awswrangler.s3.copy";
/// Tables of an Athena query.
pub(crate) const ATHENA_READ_SQL_QUERY: &str = "awswrangler.athena.read_sql_query";
pub(crate) const ATHENA_READ_SQL_TABLE: &str = "awswrangler.athena.read_sql_table";
pub(crate) const ATHENA_TO_ICEBERG: &str = "awswrangler.athena.to_iceberg";
pub(crate) const DYNAMODB: &str = "awswrangler.dynamodb";

/// The 1.x name of a 0.x `Session` call (`session.pandas.read_csv` → `s3.read_csv`).
fn from_session(f: &str) -> Option<&'static str> {
    Some(match f {
        "pandas.read_csv" => "s3.read_csv",
        "pandas.read_parquet" => "s3.read_parquet",
        "pandas.read_json" => "s3.read_json",
        "pandas.read_fwf" => "s3.read_fwf",
        "pandas.to_csv" => "s3.to_csv",
        "pandas.to_parquet" => "s3.to_parquet",
        "pandas.read_sql_athena" => "athena.read_sql_query",
        "athena.run_query" => "athena.start_query_execution",
        "glue.get_connection" => "catalog.get_engine",
        _ => return None,
    })
}

fn arg(args: &Args, index: usize, name: &str) -> Value {
    args.get(index, name)
        .cloned()
        .unwrap_or_else(|| Value::unknown(name))
}

fn s3_paths(env: &mut Env, p: &Value, direction: Direction, rule: &'static str) {
    for path in as_list(p) {
        let t = naming::s3_dataset(&path);
        env.io(direction, t, rule, &[&path]);
    }
}

fn athena_sql(env: &mut Env, sql: &Value, database: Option<&Value>) {
    let db = database.and_then(Value::as_known_str);
    spark_sql::run_as(env, sql, db.as_deref(), Some(ATHENA_READ_SQL_QUERY));
}

fn dynamodb_table(env: &mut Env, t: &Value, direction: Direction) {
    let target = match t.as_known_str() {
        Some(n) => naming::dynamodb(env.region(), env.account(), &n),
        None => Err(Unresolved::of_value(t, "DynamoDB table")),
    };
    if let Ok(d) = &target {
        dynamodb::used_in_bulk(env, d);
    }
    env.io(direction, target, DYNAMODB, &[t]);
}

/// A call of an awswrangler function by its qualified name.
pub(crate) fn call(env: &mut Env, q: &str, args: &Args) -> Option<Value> {
    let f = q.strip_prefix("awswrangler.")?;
    if f == "Session" {
        return Some(Value::Module(Rc::from("awswrangler.session")));
    }
    let (session, f) = match f.strip_prefix("session.") {
        Some(rest) => match from_session(rest) {
            Some(g) => (true, g),
            None if rest.starts_with("pandas.") && rest.contains("redshift") => {
                return session_redshift(env, rest, args);
            }
            None => return Some(Value::unknown(q)),
        },
        None => (false, f),
    };
    if let Some(v) = database::wrangler(env, f, args) {
        return Some(v);
    }
    match f {
        "s3.read_parquet" | "s3.read_csv" | "s3.read_json" | "s3.read_orc" | "s3.read_excel"
        | "s3.read_fwf" | "s3.read_deltalake" | "s3.download" => {
            s3_paths(env, &arg(args, 0, "path"), Direction::Input, S3_READ);
        }
        "s3.select_query" => s3_paths(env, &arg(args, 1, "path"), Direction::Input, S3_READ),
        "s3.read_parquet_table" => {
            let t = arg(args, 0, "table");
            let d = arg(args, 1, "database");
            let target = naming::glue_table(env, &d, &t, args.kw("catalog_id"));
            env.io(Direction::Input, target, S3_READ_PARQUET_TABLE, &[&d, &t]);
        }
        "s3.to_parquet" | "s3.to_csv" | "s3.to_json" | "s3.to_orc" | "s3.to_excel"
        | "s3.to_deltalake" => {
            // 0.x: to_parquet(dataframe, path, database, table); 1.x: keywords only
            let (d, t) = if session {
                (args.get(2, "database"), args.get(3, "table"))
            } else {
                (args.kw("database"), args.kw("table"))
            };
            match (d, t) {
                (Some(d), Some(t)) if !matches!(d, Value::None) && !matches!(t, Value::None) => {
                    let target = naming::glue_table(env, d, t, args.kw("catalog_id"));
                    env.io(Direction::Output, target, S3_WRITE, &[d, t]);
                }
                _ => s3_paths(env, &arg(args, 1, "path"), Direction::Output, S3_WRITE),
            }
        }
        "s3.upload" => s3_paths(env, &arg(args, 1, "path"), Direction::Output, S3_WRITE),
        "s3.copy_objects" | "s3.merge_datasets" => {
            let (src, dst) = if f == "s3.copy_objects" {
                (arg(args, 0, "paths"), arg(args, 2, "target_path"))
            } else {
                (arg(args, 0, "source_path"), arg(args, 1, "target_path"))
            };
            s3_paths(env, &src, Direction::Input, S3_COPY);
            s3_paths(env, &dst, Direction::Output, S3_COPY);
        }
        "athena.read_sql_query" | "athena.start_query_execution" => {
            // 0.x `run_query(query=...)`
            let sql = args
                .kw("query")
                .cloned()
                .unwrap_or_else(|| arg(args, 0, "sql"));
            athena_sql(env, &sql, args.get(1, "database"));
        }
        "athena.unload" => {
            athena_sql(env, &arg(args, 0, "sql"), args.get(2, "database"));
            s3_paths(env, &arg(args, 1, "path"), Direction::Output, S3_WRITE);
        }
        "athena.create_ctas_table" => {
            let db = args.get(1, "database");
            athena_sql(env, &arg(args, 0, "sql"), db);
            let table = args.kw("ctas_table").cloned();
            let ctas_db = args.kw("ctas_database").or(db).cloned();
            if let (Some(t), Some(d)) = (table, ctas_db) {
                let target = naming::glue_table(env, &d, &t, None);
                env.io(Direction::Output, target, ATHENA_READ_SQL_QUERY, &[&d, &t]);
            }
        }
        "athena.read_sql_table" => {
            let t = arg(args, 0, "table");
            let d = arg(args, 1, "database");
            let target = naming::glue_table(env, &d, &t, None);
            env.io(Direction::Input, target, ATHENA_READ_SQL_TABLE, &[&d, &t]);
        }
        "athena.to_iceberg" => {
            let d = arg(args, 1, "database");
            let t = arg(args, 2, "table");
            let target = naming::glue_table(env, &d, &t, args.kw("catalog_id"));
            env.io(Direction::Output, target, ATHENA_TO_ICEBERG, &[&d, &t]);
        }
        "dynamodb.read_items" => dynamodb_table(env, &arg(args, 0, "table_name"), Direction::Input),
        "dynamodb.put_df"
        | "dynamodb.put_items"
        | "dynamodb.put_csv"
        | "dynamodb.put_json"
        | "dynamodb.delete_items" => {
            dynamodb_table(env, &arg(args, 1, "table_name"), Direction::Output);
        }
        "dynamodb.read_partiql_query" | "dynamodb.execute_statement" => {
            let q = arg(args, 0, "query");
            if let Some(text) = q.as_known_str() {
                let (inputs, outputs) = analyze(&text, Dialect::Generic).tables();
                for (names, dir) in [(inputs, Direction::Input), (outputs, Direction::Output)] {
                    for n in names {
                        dynamodb_table(env, &Value::str(n), dir);
                    }
                }
            }
        }
        "dynamodb.get_table" => {
            return Some(Value::Obj(Obj::Handle(Rc::new(Handle::DynamoTable {
                table: arg(args, 0, "table_name"),
                region: None,
                batch: false,
            }))));
        }
        _ => return Some(Value::unknown(q)),
    }
    Some(Value::Obj(Obj::Frame(None)))
}

/// 0.x `session.pandas.to_redshift(dataframe, path, connection, schema, table)` and
/// `read_sql_redshift(sql, connection, temp_s3_path)`: the `path`s are staging areas.
fn session_redshift(env: &mut Env, f: &str, args: &Args) -> Option<Value> {
    let g = match f {
        "pandas.to_redshift" => "redshift.copy",
        "pandas.read_sql_redshift" => "redshift.read_sql_query",
        _ => return Some(Value::unknown(f)),
    };
    let mut a = Args {
        pos: args.pos.clone(),
        kw: args.kw.clone(),
    };
    if let Some(c) = args.kw("connection") {
        a.kw.push(("con".into(), c.clone()));
    }
    if g == "redshift.read_sql_query" {
        if let Some(c) = args.pos.get(1) {
            a.kw.push(("con".into(), c.clone()));
        }
    } else {
        if let Some(c) = args.pos.get(2) {
            a.kw.push(("con".into(), c.clone()));
        }
        for (i, k) in [(3, "schema"), (4, "table")] {
            if let Some(v) = args.pos.get(i).filter(|_| args.kw(k).is_none()) {
                a.kw.push((k.into(), v.clone()));
            }
        }
    }
    database::wrangler(env, g, &a).or(Some(Value::Obj(Obj::Frame(None))))
}
