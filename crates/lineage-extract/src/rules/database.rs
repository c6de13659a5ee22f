//! SQL a script sends to a database itself, and tables it reads or writes through a database
//! connection: the connection says where (a [`DbTarget`]), the SQL or table says what.
//!
//! Connections (DB-API drivers, SQLAlchemy engines, awswrangler `connect`) are opened in
//! [`super::db_connect`]; the Redshift Data API and Athena clients name their database per call.
//!
//! Rule ids: `dbapi.execute` (`cursor.execute/executemany`, pg8000 `run`, PyGreSQL `query`:
//! every table of the
//! SQL, S3 locations of `COPY`/`UNLOAD` included), `pandas.read_sql` / `pandas.to_sql`,
//! `awswrangler.db.read_sql` / `awswrangler.db.to_sql` (`read_sql_query`, `read_sql_table`,
//! `to_sql`, Redshift `copy`, `copy_from_files`, `unload`, `unload_to_files`),
//! `boto3.redshift_data.execute_statement` (`ClusterIdentifier`/`WorkgroupName`, `Database`,
//! `Sql`), `boto3.athena.start_query_execution` (the tables of `QueryString` in the catalog,
//! default database from `QueryExecutionContext`; the result location is not a dataset).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming::{JdbcUrl, Snowflake, SqlNames};
use crate::rules::connection::dialect_of;
use crate::rules::db_connect::{database_value, redshift_url, wrangler_connect};
use crate::rules::options::as_list;
use crate::rules::spark_sql::{self, SqlRun};
use crate::sql::Dialect;
use crate::value::{Boto3Client, DbTarget, Obj, PStr, Value};
use lineage_domain::{Dataset, Direction};
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// SQL run on a DB-API cursor or connection.
pub(crate) const EXECUTE: &str = "dbapi.execute";
/// `pandas.read_sql` / `read_sql_query` / `read_sql_table`.
pub(crate) const PANDAS_READ_SQL: &str = "pandas.read_sql";
/// `DataFrame.to_sql`.
pub(crate) const PANDAS_TO_SQL: &str = "pandas.to_sql";
/// awswrangler database reads (`read_sql_query`, `read_sql_table`, Redshift `unload`).
pub(crate) const WRANGLER_DB_READ: &str = "awswrangler.db.read_sql";
/// awswrangler database writes (`to_sql`, Redshift `copy`, `copy_from_files`).
pub(crate) const WRANGLER_DB_WRITE: &str = "awswrangler.db.to_sql";
/// Redshift Data API statements.
pub(crate) const REDSHIFT_DATA: &str = "boto3.redshift_data.execute_statement";
/// Athena queries through boto3.
pub(crate) const ATHENA_QUERY: &str = "boto3.athena.start_query_execution";

/// Where a target's SQL goes: a JDBC URL or a Snowflake database, or why it is unknown.
enum Resolved {
    Jdbc(JdbcUrl, Vec<Value>),
    Snowflake(Snowflake, Vec<Value>),
    Athena(Option<String>),
    Unknown(String),
}

fn resolve(target: &DbTarget) -> Resolved {
    match target {
        DbTarget::Jdbc { url, database } => {
            let parsed = JdbcUrl::parse_value(url);
            match parsed {
                Some(mut p) => {
                    if let Some(d) = database.as_ref().and_then(Value::as_known_str) {
                        p.database = Some(d.to_ascii_lowercase());
                    }
                    let mut sources = vec![url.clone()];
                    sources.extend(database.iter().cloned());
                    Resolved::Jdbc(p, sources)
                }
                None => Resolved::Unknown(url.to_pstr().describe()),
            }
        }
        DbTarget::Snowflake {
            url,
            database,
            schema,
        } => {
            let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_known_str);
            let sf = url.as_known_str().and_then(|u| {
                Snowflake::new(&u, text(database).as_deref(), text(schema).as_deref())
            });
            match sf {
                Some(sf) => Resolved::Snowflake(sf, vec![url.clone()]),
                None => Resolved::Unknown(url.to_pstr().describe()),
            }
        }
        DbTarget::Athena { database } => {
            Resolved::Athena(database.as_ref().and_then(Value::as_known_str))
        }
        DbTarget::Unknown(d) => Resolved::Unknown(d.clone()),
    }
}

/// Runs SQL text on a target with the given rule.
pub(crate) fn run_sql(env: &mut Env, target: &DbTarget, sql: &Value, rule: &'static str) {
    let r = resolve(target);
    let sql = with_sources(sql, &r);
    match &r {
        Resolved::Jdbc(url, _) => {
            let how = SqlRun {
                dialect: dialect_of(url),
                names: SqlNames::Jdbc(url),
                input_rule: rule,
                output_rule: Some(rule),
            };
            spark_sql::run_with(env, &sql, &how);
        }
        Resolved::Snowflake(sf, _) => {
            let how = SqlRun {
                dialect: Dialect::Snowflake,
                names: SqlNames::Snowflake(sf),
                input_rule: rule,
                output_rule: Some(rule),
            };
            spark_sql::run_with(env, &sql, &how);
        }
        Resolved::Athena(db) => {
            let how = SqlRun {
                dialect: Dialect::Hive,
                names: SqlNames::Catalog(db.as_deref()),
                input_rule: rule,
                output_rule: Some(rule),
            };
            spark_sql::run_with(env, &sql, &how);
        }
        Resolved::Unknown(what) => unknown_database(env, what, &sql, rule),
    }
}

/// The SQL value with the connection's provenance added (its evidence names the connection).
fn with_sources(sql: &Value, r: &Resolved) -> Value {
    let sources = match r {
        Resolved::Jdbc(_, s) | Resolved::Snowflake(_, s) => s,
        _ => return sql.clone(),
    };
    let mut p = sql.to_pstr();
    for s in sources {
        let mut prov = Vec::new();
        s.provenance(&mut prov);
        p.add_prov(&prov);
    }
    Value::Str(p)
}

/// SQL on a database that could not be told: each table it names is unresolved, while the S3
/// locations it loads or unloads are still named.
fn unknown_database(env: &mut Env, what: &str, sql: &Value, rule: &'static str) {
    let how = SqlRun {
        dialect: Dialect::Generic,
        names: SqlNames::Unknown(what),
        input_rule: rule,
        output_rule: Some(rule),
    };
    spark_sql::run_with(env, sql, &how);
}

/// A table on a target: `schema.table` or `table`.
fn table_on(
    target: &DbTarget,
    table: &Value,
    schema: Option<&Value>,
    region: &str,
) -> Result<Dataset, Unresolved> {
    let Some(t) = table.as_known_str() else {
        return Err(Unresolved::of_value(table, "table"));
    };
    let name = match schema.and_then(Value::as_known_str) {
        Some(s) if !t.contains('.') => format!("{s}.{t}"),
        _ => t,
    };
    match resolve(target) {
        Resolved::Jdbc(url, _) => url.table(&name, region),
        Resolved::Snowflake(sf, _) => sf.table(&name),
        Resolved::Athena(_) | Resolved::Unknown(_) => Err(Unresolved::new(
            name,
            "the database the table is on could not be resolved",
        )),
    }
}

fn record_table(
    env: &mut Env,
    target: &DbTarget,
    table: &Value,
    schema: Option<&Value>,
    direction: Direction,
    rule: &'static str,
) {
    let d = table_on(target, table, schema, env.region());
    let mut sources = vec![table];
    let url_value;
    if let DbTarget::Jdbc { url, .. } = target {
        url_value = url.clone();
        sources.push(&url_value);
    }
    env.io(direction, d, rule, &sources);
}

/// A method of a connection, cursor or engine.
pub(crate) fn method(env: &mut Env, target: &Rc<DbTarget>, name: &str, args: &Args) -> Value {
    match name {
        "cursor" | "__enter__" | "connect" | "begin" | "raw_connection" => {
            Value::Obj(Obj::Database(target.clone()))
        }
        // PyGreSQL runs SQL with `query`
        "execute" | "executemany" | "run" | "exec_driver_sql" | "executescript" | "query" => {
            if let Some(sql) = args
                .get(0, "sql")
                .or_else(|| args.kw("operation"))
                .or_else(|| args.kw("command"))
            {
                run_sql(env, target, sql, EXECUTE);
            }
            Value::Obj(Obj::Database(target.clone()))
        }
        _ => Value::unknown(format!("connection.{name}()")),
    }
}

/// The connection a pandas or awswrangler call names (`con=`).
fn con_of(args: &Args, index: usize) -> Option<Rc<DbTarget>> {
    match args.get(index, "con") {
        Some(Value::Obj(Obj::Database(t))) => Some(t.clone()),
        _ => None,
    }
}

/// `pandas.read_sql*` (module functions).
pub(crate) fn pandas_read(env: &mut Env, f: &str, args: &Args) -> bool {
    let Some(con) = con_of(args, 1) else {
        return false;
    };
    match f {
        "read_sql_table" => {
            let t = args.get(0, "table_name").cloned().unwrap_or(Value::None);
            record_table(
                env,
                &con,
                &t,
                args.kw("schema"),
                Direction::Input,
                PANDAS_READ_SQL,
            );
        }
        _ => {
            let sql = args.get(0, "sql").cloned().unwrap_or(Value::None);
            // `read_sql` also takes a bare table name
            if sql
                .as_known_str()
                .is_some_and(|s| !s.trim().contains(char::is_whitespace))
            {
                record_table(env, &con, &sql, None, Direction::Input, PANDAS_READ_SQL);
            } else {
                run_sql(env, &con, &sql, PANDAS_READ_SQL);
            }
        }
    }
    true
}

/// `DataFrame.to_sql(name, con, schema=...)`.
pub(crate) fn pandas_to_sql(env: &mut Env, args: &Args) -> bool {
    let Some(con) = con_of(args, 1) else {
        return false;
    };
    let t = args.get(0, "name").cloned().unwrap_or(Value::None);
    record_table(
        env,
        &con,
        &t,
        args.kw("schema"),
        Direction::Output,
        PANDAS_TO_SQL,
    );
    true
}

/// awswrangler database functions (`wr.redshift.read_sql_query`, `wr.mysql.to_sql`, 1.x
/// `wr.db.*`), `f` without the `awswrangler.` prefix; `None` when not one of them.
pub(crate) fn wrangler(env: &mut Env, f: &str, args: &Args) -> Option<Value> {
    let (module, func) = f.split_once('.')?;
    if !matches!(
        module,
        "redshift" | "postgresql" | "mysql" | "sqlserver" | "oracle" | "db" | "catalog"
    ) {
        return None;
    }
    match func {
        "connect" | "get_engine" if module != "db" => return Some(wrangler_connect(env, args)),
        "connect_temp" => {
            let cluster = args
                .get(0, "cluster_identifier")
                .and_then(Value::as_known_str);
            let db = args.kw("database").cloned();
            return Some(match cluster {
                Some(c) => database_value(DbTarget::Jdbc {
                    url: Value::str(redshift_url(&c, env.region(), "dev")),
                    database: db,
                }),
                None => database_value(DbTarget::Unknown("connect_temp".into())),
            });
        }
        _ => {}
    }
    let con = args.kw("con").and_then(|v| match v {
        Value::Obj(Obj::Database(t)) => Some(t.clone()),
        _ => None,
    });
    let pos_con = |i: usize| -> Option<Rc<DbTarget>> {
        match args.pos.get(i) {
            Some(Value::Obj(Obj::Database(t))) => Some(t.clone()),
            _ => None,
        }
    };
    match func {
        "read_sql_query" | "unload_redshift" | "unload" => {
            let con = con.or_else(|| pos_con(1)).or_else(|| pos_con(2))?;
            let sql = args.get(0, "sql").cloned().unwrap_or(Value::None);
            run_sql(env, &con, &sql, WRANGLER_DB_READ);
        }
        "unload_to_files" => {
            let con = con.or_else(|| pos_con(2))?;
            let sql = args.get(0, "sql").cloned().unwrap_or(Value::None);
            run_sql(env, &con, &sql, WRANGLER_DB_READ);
            let p = args.get(1, "path").cloned().unwrap_or(Value::None);
            env.io(
                Direction::Output,
                crate::naming::s3_dataset(&p),
                WRANGLER_DB_WRITE,
                &[&p],
            );
        }
        "read_sql_table" => {
            let con = con.or_else(|| pos_con(1))?;
            let t = args.get(0, "table").cloned().unwrap_or(Value::None);
            record_table(
                env,
                &con,
                &t,
                args.kw("schema"),
                Direction::Input,
                WRANGLER_DB_READ,
            );
        }
        "to_sql" | "copy" | "copy_to_redshift" => {
            // to_sql(df, con, table, schema); copy(df, path, con, table, schema): the path is
            // a staging area
            let (ci, ti, si) = if func == "to_sql" {
                (1, 2, 3)
            } else {
                (2, 3, 4)
            };
            let con = con.or_else(|| pos_con(ci))?;
            let t = args
                .kw("table")
                .or_else(|| args.kw("name"))
                .or_else(|| args.pos.get(ti))
                .cloned()
                .unwrap_or(Value::None);
            let schema = args.get(si, "schema").cloned();
            record_table(
                env,
                &con,
                &t,
                schema.as_ref(),
                Direction::Output,
                WRANGLER_DB_WRITE,
            );
        }
        "copy_from_files" | "copy_files_to_redshift" => {
            let con = con.or_else(|| pos_con(1))?;
            let p = args.get(0, "path").cloned().unwrap_or(Value::None);
            for path in as_list(&p) {
                env.io(
                    Direction::Input,
                    crate::naming::s3_dataset(&path),
                    WRANGLER_DB_READ,
                    &[&path],
                );
            }
            let t = args.get(2, "table").cloned().unwrap_or(Value::None);
            let schema = args.get(3, "schema").cloned();
            record_table(
                env,
                &con,
                &t,
                schema.as_ref(),
                Direction::Output,
                WRANGLER_DB_WRITE,
            );
        }
        _ => return None,
    }
    Some(Value::Obj(Obj::Frame(None)))
}

/// A method on a `redshift-data` or `athena` boto3 client.
pub(crate) fn client_method(env: &mut Env, c: &Boto3Client, name: &str, args: &Args) -> Value {
    match (c.service.as_str(), name) {
        ("redshift-data", "execute_statement" | "batch_execute_statement") => {
            let cluster = args
                .kw("ClusterIdentifier")
                .or_else(|| args.kw("WorkgroupName"))
                .and_then(Value::as_known_str);
            let region = c
                .region
                .as_ref()
                .and_then(Value::as_known_str)
                .unwrap_or_else(|| env.region().to_string());
            let target = match (cluster, args.kw("Database")) {
                (Some(cl), Some(db)) => {
                    let mut url = PStr::lit(redshift_url(&cl, &region, ""));
                    url.push_str(&db.to_pstr());
                    DbTarget::Jdbc {
                        url: Value::Str(url),
                        database: None,
                    }
                }
                _ => DbTarget::Unknown("redshift-data cluster or database".into()),
            };
            let sqls = match args.kw("Sqls") {
                Some(v) => as_list(v),
                None => args.kw("Sql").cloned().into_iter().collect(),
            };
            for sql in sqls {
                run_sql(env, &target, &sql, REDSHIFT_DATA);
            }
        }
        ("athena", "start_query_execution") => {
            let sql = args.kw("QueryString").cloned().unwrap_or(Value::None);
            let database = args
                .kw("QueryExecutionContext")
                .and_then(|c| c.get_key("Database"))
                .cloned();
            run_sql(env, &DbTarget::Athena { database }, &sql, ATHENA_QUERY);
        }
        _ => {}
    }
    Value::unknown(format!("{}.{name}()", c.service))
}
