//! JDBC through Glue connections and Spark.
//!
//! Rule ids: `glue.write_dynamic_frame.from_jdbc_conf` (`catalog_connection`,
//! `connection_options.dbtable`/`database`), `spark.read.jdbc` / `spark.write.jdbc`
//! (`url`, `table`), and `extract_jdbc_conf(connection)` which yields the connection's
//! `url` (without the database), `fullUrl` and `vendor` (the URL's sub-protocol: `mysql`,
//! `postgresql`, `sqlserver`, `oracle`, `redshift`); credentials stay unknown.

use crate::builtins::Args;
use crate::emit::Env;
use crate::naming::JdbcUrl;
use crate::rules::connection;
use crate::value::{Obj, PStr, Source, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `write_dynamic_frame.from_jdbc_conf`.
pub(crate) const FROM_JDBC_CONF_WRITE: &str = "glue.write_dynamic_frame.from_jdbc_conf";
/// `spark.read.jdbc(url, table)`.
pub(crate) const SPARK_READ_JDBC: &str = "spark.read.jdbc";
/// `df.write.jdbc(url, table)`.
pub(crate) const SPARK_WRITE_JDBC: &str = "spark.write.jdbc";

/// `glueContext.write_dynamic_frame.from_jdbc_conf(frame, catalog_connection, connection_options)`.
pub(crate) fn write_jdbc_conf(env: &mut Env, args: &Args) -> Value {
    let before = env.found.ios.len();
    let conn = args.get(1, "catalog_connection").cloned();
    let opts = args
        .get(2, "connection_options")
        .cloned()
        .unwrap_or_else(|| Value::dict(vec![]));
    connection::jdbc(
        env,
        &opts,
        conn.as_ref(),
        Direction::Output,
        FROM_JDBC_CONF_WRITE,
    );
    super::frames::record_write(env, args.get(0, "frame"), before);
    Value::Obj(Obj::Frame(None))
}

/// `glueContext.extract_jdbc_conf(name)`.
pub(crate) fn extract_conf(env: &mut Env, args: &Args) -> Value {
    let Some(name) = args.get(0, "connection_name") else {
        return Value::unknown("extract_jdbc_conf");
    };
    let Some(full) = connection::connection_property(env, name, "JDBC_CONNECTION_URL") else {
        return Value::unknown("extract_jdbc_conf");
    };
    let conn = name.as_known_str().unwrap_or_default();
    let full_text = full.as_known_str().unwrap_or_default();
    let sub = full_text
        .strip_prefix("jdbc:")
        .and_then(|r| r.split_once(':'))
        .map(|(s, _)| s.to_ascii_lowercase())
        .unwrap_or_default();
    let base = match JdbcUrl::parse(&full_text) {
        Some(u) => format!("jdbc:{sub}://{}:{}", u.host, u.port),
        None => full_text.clone(),
    };
    let src = Source::Conn(conn);
    // `vendor` is the URL's sub-protocol, which is also the Glue connection type
    let vendor = if sub.is_empty() {
        Value::unknown("vendor")
    } else {
        Value::Str(PStr::lit(sub).with_source(src.clone()))
    };
    Value::dict(vec![
        (
            Value::str("url"),
            Value::Str(PStr::lit(base).with_source(src.clone())),
        ),
        (Value::str("fullUrl"), full),
        (Value::str("user"), Value::unknown("connection user")),
        (
            Value::str("password"),
            Value::unknown("connection password"),
        ),
        (Value::str("vendor"), vendor),
    ])
}

/// `spark.read.jdbc(url, table, properties=...)` / `df.write.jdbc(url, table, ...)`.
pub(crate) fn spark_jdbc(env: &mut Env, args: &Args, direction: Direction) {
    let rule = if direction == Direction::Input {
        SPARK_READ_JDBC
    } else {
        SPARK_WRITE_JDBC
    };
    let url = args.get(0, "url").cloned().unwrap_or(Value::unknown("url"));
    let table = args
        .get(1, "table")
        .cloned()
        .unwrap_or(Value::unknown("table"));
    let opts = Value::dict(vec![(Value::str("dbtable"), table)]);
    connection::record_jdbc_tables(env, &url, None, &opts, direction, rule);
}
