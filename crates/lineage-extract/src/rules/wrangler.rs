//! AWS SDK for pandas (awswrangler).
//!
//! Rule ids: `awswrangler.s3.read` (`wr.s3.read_parquet/csv/json/...` paths),
//! `awswrangler.s3.write` (`wr.s3.to_parquet/csv/json`: the catalog table when `database` and
//! `table` are given, else the path), `awswrangler.s3.read_parquet_table`,
//! `awswrangler.athena.read_sql_query` (tables of the query, unqualified ones in `database`),
//! `awswrangler.athena.read_sql_table`, `awswrangler.dynamodb`.

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::options::as_list;
use crate::rules::spark_sql;
use crate::value::{Obj, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `wr.s3.read_parquet/csv/json/...` paths.
pub(crate) const S3_READ: &str = "awswrangler.s3.read";
pub(crate) const S3_READ_PARQUET_TABLE: &str = "awswrangler.s3.read_parquet_table";
/// `wr.s3.to_parquet/csv/json`.
pub(crate) const S3_WRITE: &str = "awswrangler.s3.write";
/// Tables of an Athena query.
pub(crate) const ATHENA_READ_SQL_QUERY: &str = "awswrangler.athena.read_sql_query";
pub(crate) const ATHENA_READ_SQL_TABLE: &str = "awswrangler.athena.read_sql_table";
pub(crate) const DYNAMODB: &str = "awswrangler.dynamodb";

/// A call of an awswrangler function by its qualified name.
pub(crate) fn call(env: &mut Env, q: &str, args: &Args) -> Option<Value> {
    let f = q.strip_prefix("awswrangler.")?;
    match f {
        "s3.read_parquet" | "s3.read_csv" | "s3.read_json" | "s3.read_orc" | "s3.read_excel"
        | "s3.read_fwf" | "s3.read_deltalake" => {
            let p = args
                .get(0, "path")
                .cloned()
                .unwrap_or(Value::unknown("path"));
            for path in as_list(&p) {
                let t = naming::s3_dataset(&path);
                env.io(Direction::Input, t, S3_READ, &[&path]);
            }
        }
        "s3.read_parquet_table" => {
            let t = args
                .get(0, "table")
                .cloned()
                .unwrap_or(Value::unknown("table"));
            let d = args
                .get(1, "database")
                .cloned()
                .unwrap_or(Value::unknown("database"));
            let target = naming::glue_table(env, &d, &t, args.kw("catalog_id"));
            env.io(Direction::Input, target, S3_READ_PARQUET_TABLE, &[&d, &t]);
        }
        "s3.to_parquet" | "s3.to_csv" | "s3.to_json" | "s3.to_orc" | "s3.to_excel"
        | "s3.to_deltalake" => {
            if let (Some(d), Some(t)) = (args.kw("database"), args.kw("table")) {
                let target = naming::glue_table(env, d, t, args.kw("catalog_id"));
                env.io(Direction::Output, target, S3_WRITE, &[d, t]);
            } else {
                let p = args
                    .get(1, "path")
                    .cloned()
                    .unwrap_or(Value::unknown("path"));
                let t = naming::s3_dataset(&p);
                env.io(Direction::Output, t, S3_WRITE, &[&p]);
            }
        }
        "athena.read_sql_query" | "athena.start_query_execution" => {
            let sql = args.get(0, "sql").cloned().unwrap_or(Value::unknown("sql"));
            let db = args.get(1, "database").and_then(Value::as_known_str);
            spark_sql::run_as(env, &sql, db.as_deref(), Some(ATHENA_READ_SQL_QUERY));
        }
        "athena.read_sql_table" => {
            let t = args
                .get(0, "table")
                .cloned()
                .unwrap_or(Value::unknown("table"));
            let d = args
                .get(1, "database")
                .cloned()
                .unwrap_or(Value::unknown("database"));
            let target = naming::glue_table(env, &d, &t, None);
            env.io(Direction::Input, target, ATHENA_READ_SQL_TABLE, &[&d, &t]);
        }
        "dynamodb.read_items" | "dynamodb.put_df" | "dynamodb.put_items" => {
            let t = args
                .kw("table_name")
                .or_else(|| args.pos.get(if f == "dynamodb.read_items" { 0 } else { 1 }))
                .cloned()
                .unwrap_or(Value::unknown("table_name"));
            let dir = if f == "dynamodb.read_items" {
                Direction::Input
            } else {
                Direction::Output
            };
            let target = match t.as_known_str() {
                Some(n) => naming::dynamodb(env.region(), env.account(), &n),
                None => Err(Unresolved::of_value(&t, "DynamoDB table")),
            };
            env.io(dir, target, DYNAMODB, &[&t]);
        }
        _ => return Some(Value::unknown(q)),
    }
    Some(Value::Obj(Obj::Frame))
}
