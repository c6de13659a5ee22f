//! SQL a script sends to a database itself, and tables it reads or writes through a database
//! connection: the connection says where (a [`DbTarget`]), the SQL or table says what.
//!
//! Connections: Python DB-API drivers (`pg8000`, `psycopg2`, `psycopg`, `pgdb`,
//! `redshift_connector`, `pymysql`, `mysql.connector`, `pymssql`, `snowflake.connector`) by
//! their `host`/`port`/`database` arguments (or a libpq `dsn`; `redshift_connector` also by
//! `cluster_identifier`), `pyathena.connect` (Athena over the catalog, default database
//! `schema_name`), SQLAlchemy `create_engine(url)`,
//! and awswrangler's `wr.{redshift,postgresql,mysql,sqlserver,oracle}.connect(connection)`
//! (a Glue connection's JDBC URL; 1.x `wr.catalog.get_engine(connection)`). A driver whose
//! host is not known (read from a secret at run time) uses the job's one attached JDBC
//! connection of the same kind of database, when there is exactly one: Glue attaches it so
//! the job can reach that database.
//!
//! Rule ids: `dbapi.execute` (`cursor.execute/executemany`, pg8000 `run`: every table of the
//! SQL, S3 locations of `COPY`/`UNLOAD` included), `pandas.read_sql` / `pandas.to_sql`,
//! `awswrangler.db.read_sql` / `awswrangler.db.to_sql` (`read_sql_query`, `read_sql_table`,
//! `to_sql`, Redshift `copy`, `copy_from_files`, `unload`, `unload_to_files`),
//! `boto3.redshift_data.execute_statement` (`ClusterIdentifier`/`WorkgroupName`, `Database`,
//! `Sql`), `boto3.athena.start_query_execution` (the tables of `QueryString` in the catalog,
//! default database from `QueryExecutionContext`; the result location is not a dataset).

use crate::builtins::Args;
use crate::emit::{Env, Unresolved};
use crate::naming::{JdbcUrl, Snowflake, SqlNames};
use crate::rules::connection::{connection_property, dialect_of};
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

/// The kind of database a driver talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// PostgreSQL wire protocol: PostgreSQL, or Redshift by host or driver.
    Postgres,
    Redshift,
    MySql,
    SqlServer,
}

impl Family {
    fn of_driver(q: &str) -> Option<Self> {
        let root = q.split('.').next().unwrap_or(q);
        Some(match root {
            "pg8000" | "psycopg2" | "psycopg" | "pgdb" | "pg" => Family::Postgres,
            "redshift_connector" => Family::Redshift,
            "pymysql" | "MySQLdb" | "mysql" => Family::MySql,
            "pymssql" | "pyodbc" => Family::SqlServer,
            _ => return None,
        })
    }
    fn schemes(self) -> &'static [&'static str] {
        match self {
            Family::Postgres => &["postgres", "redshift"],
            Family::Redshift => &["redshift"],
            Family::MySql => &["mysql"],
            Family::SqlServer => &["sqlserver"],
        }
    }
    fn default_port(self) -> i64 {
        match self {
            Family::Postgres => 5432,
            Family::Redshift => 5439,
            Family::MySql => 3306,
            Family::SqlServer => 1433,
        }
    }
}

fn database_value(target: DbTarget) -> Value {
    Value::Obj(Obj::Database(Rc::new(target)))
}

/// `key=value` pairs of a libpq DSN (`host=h port=5439 dbname=d`) or an ODBC connection string
/// (`SERVER=h,1433;DATABASE=d`).
fn conn_string_value(s: &str, keys: &[&str]) -> Option<String> {
    for part in s.split([' ', ';']) {
        if let Some((k, v)) = part.split_once('=') {
            if keys.iter().any(|x| x.eq_ignore_ascii_case(k.trim())) {
                return Some(v.trim().trim_matches(['{', '}', '\'']).to_string());
            }
        }
    }
    None
}

/// The job's one attached JDBC connection of these schemes (and on this host, when given):
/// its URL value.
fn attached_connection(env: &Env, schemes: &[&str], host: Option<&str>) -> Option<Value> {
    let mut found = Vec::new();
    for name in env.ctx.job.connection_names() {
        let Some(url) = connection_property(env, &Value::str(name.clone()), "JDBC_CONNECTION_URL")
        else {
            continue;
        };
        let parsed = JdbcUrl::parse_value(&url);
        if parsed.is_some_and(|p| {
            schemes.contains(&p.scheme.as_str())
                && host.is_none_or(|h| h.eq_ignore_ascii_case(&p.host))
        }) {
            found.push(url);
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// A DB-API driver's `connect(...)` (or SQLAlchemy `create_engine(url)`), by its qualified name.
pub(crate) fn connect(env: &mut Env, q: &str, args: &Args) -> Option<Value> {
    if q == "sqlalchemy.create_engine" {
        let url = args.get(0, "url").cloned().unwrap_or(Value::None);
        return Some(database_value(sqlalchemy_target(&url)));
    }
    if q == "pyathena.connect" {
        // Athena over the catalog; `schema_name` is the default database
        return Some(database_value(DbTarget::Athena {
            database: Some(
                args.kw("schema_name")
                    .cloned()
                    .unwrap_or_else(|| Value::str("default")),
            ),
        }));
    }
    if q == "redshift_connector.connect" && args.kw("host").is_none() {
        // IAM authentication by cluster identifier
        if let Some(cluster) = args.kw("cluster_identifier").and_then(Value::as_known_str) {
            let region = args
                .kw("region")
                .and_then(Value::as_known_str)
                .unwrap_or_else(|| env.region().to_string());
            let mut url = PStr::lit(redshift_url(&cluster, &region, ""));
            url.push_str(
                &args
                    .kw("database")
                    .cloned()
                    .unwrap_or(Value::str("dev"))
                    .to_pstr(),
            );
            return Some(database_value(DbTarget::Jdbc {
                url: Value::Str(url),
                database: None,
            }));
        }
    }
    if q == "snowflake.connector.connect" {
        let account = args.kw("account").cloned().unwrap_or(Value::None);
        return Some(database_value(DbTarget::Snowflake {
            url: account,
            database: args.kw("database").cloned(),
            schema: args.kw("schema").cloned(),
        }));
    }
    // PyGreSQL's classic `pg.DB(...)` too
    let connects = [".connect", ".Connection", ".connect_db", ".DB"];
    if !connects.iter().any(|c| q.ends_with(c)) {
        return None;
    }
    let family = Family::of_driver(q)?;
    // a libpq connection string, also when given as `dbname` (PyGreSQL, psycopg2)
    let dsn = args
        .get(0, "dsn")
        .or_else(|| args.kw("conninfo"))
        .or_else(|| args.kw("dbname"))
        .and_then(Value::as_known_str)
        .filter(|s| s.contains('='));
    let from_dsn = |keys: &[&str]| {
        dsn.as_deref()
            .and_then(|d| conn_string_value(d, keys))
            .map(Value::str)
    };
    let host = args
        .kw("host")
        .or_else(|| args.kw("server"))
        .cloned()
        .or_else(|| from_dsn(&["host", "server", "data source"]));
    let port = args.kw("port").cloned().or_else(|| from_dsn(&["port"]));
    let database = from_dsn(&["dbname", "database", "initial catalog"]).or_else(|| {
        args.kw("database")
            .or_else(|| args.kw("dbname"))
            .or_else(|| args.kw("db"))
            .cloned()
    });
    let host_known = host.as_ref().and_then(Value::as_known_str);
    let Some(host_text) = host_known else {
        // the host is read at run time (a secret): the job's attached connection, if only one
        return Some(match attached_connection(env, family.schemes(), None) {
            Some(url) => database_value(DbTarget::Jdbc {
                url,
                database: database.filter(|d| d.as_known_str().is_some()),
            }),
            None => database_value(DbTarget::Unknown(format!(
                "{q}(host={})",
                host.map(|h| h.to_pstr().describe()).unwrap_or_default()
            ))),
        });
    };
    let family = if family == Family::Postgres && host_text.contains(".redshift") {
        Family::Redshift
    } else {
        family
    };
    let sub = match family {
        Family::Postgres => "postgresql",
        Family::Redshift => "redshift",
        Family::MySql => "mysql",
        Family::SqlServer => "sqlserver",
    };
    // `host` may carry its port (`pgdb`: "host:port"; ODBC: "host,port")
    let (host_only, inline_port) = match host_text.replace(',', ":").rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (h.to_string(), Some(p.to_string()))
        }
        _ => (host_text.clone(), None),
    };
    let port_text = match (inline_port, port.as_ref()) {
        (Some(p), _) => p,
        (None, Some(Value::Int(i))) => i.to_string(),
        (None, Some(v)) => v
            .as_known_str()
            .unwrap_or_else(|| family.default_port().to_string()),
        (None, None) => family.default_port().to_string(),
    };
    let database_known = database
        .as_ref()
        .is_some_and(|d| d.as_known_str().is_some());
    if !database_known {
        // the database is read at run time: the job's attached connection to the same host
        if let Some(url) = attached_connection(env, family.schemes(), Some(&host_only)) {
            let mut p = url.to_pstr();
            if let Some(h) = &host {
                p.add_prov(&h.to_pstr().prov);
            }
            return Some(database_value(DbTarget::Jdbc {
                url: Value::Str(p),
                database: None,
            }));
        }
    }
    let mut url = PStr::lit(format!("jdbc:{sub}://{host_only}:{port_text}/"));
    if let Some(h) = &host {
        url.add_prov(&h.to_pstr().prov);
    }
    if let Some(d) = &database {
        url.push_str(&d.to_pstr());
    }
    Some(database_value(DbTarget::Jdbc {
        url: Value::Str(url),
        database: None,
    }))
}

/// A SQLAlchemy URL (`postgresql+psycopg2://user:pw@host:port/db`) as a JDBC URL.
fn sqlalchemy_target(url: &Value) -> DbTarget {
    let Some(text) = url.as_known_str() else {
        return DbTarget::Unknown(url.to_pstr().describe());
    };
    let Some((scheme, rest)) = text.split_once("://") else {
        return DbTarget::Unknown(text);
    };
    let dialect = scheme.split('+').next().unwrap_or(scheme);
    let sub = match dialect {
        "postgresql" | "postgres" => "postgresql",
        "redshift" => "redshift",
        "mysql" | "mariadb" => "mysql",
        "mssql" => "sqlserver",
        "oracle" => "oracle",
        "snowflake" => {
            // snowflake://user:pw@account/db/schema
            let after = rest.rsplit('@').next().unwrap_or(rest);
            let mut parts = after.split('/');
            let account = parts.next().unwrap_or("").to_string();
            return DbTarget::Snowflake {
                url: Value::str(account),
                database: parts
                    .next()
                    .map(|d| Value::str(d.split('?').next().unwrap_or(d))),
                schema: parts
                    .next()
                    .map(|s| Value::str(s.split('?').next().unwrap_or(s))),
            };
        }
        _ => return DbTarget::Unknown(text),
    };
    let mut p = PStr::lit(format!("jdbc:{sub}://{rest}"));
    if let Value::Str(s) = url {
        p.add_prov(&s.prov);
    }
    DbTarget::Jdbc {
        url: Value::Str(p),
        database: None,
    }
}

/// awswrangler `wr.<db>.connect(connection=...)` / 1.x `wr.catalog.get_engine(connection)`:
/// the Glue connection's JDBC URL (`dbname=` overrides its database).
pub(crate) fn wrangler_connect(env: &Env, args: &Args) -> Value {
    let conn = args.get(0, "connection").cloned();
    let url = conn
        .as_ref()
        .and_then(|c| connection_property(env, c, "JDBC_CONNECTION_URL"));
    match url {
        Some(url) => database_value(DbTarget::Jdbc {
            url,
            database: args.kw("dbname").or_else(|| args.kw("database")).cloned(),
        }),
        None => database_value(DbTarget::Unknown(
            conn.map(|c| c.to_pstr().describe())
                .unwrap_or_else(|| "connection".to_string()),
        )),
    }
}

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
    Some(Value::Obj(Obj::Frame))
}

/// A Redshift JDBC URL from a cluster id and region (the naming only uses those two).
fn redshift_url(cluster: &str, region: &str, database: &str) -> String {
    format!("jdbc:redshift://{cluster}.cluster.{region}.redshift.amazonaws.com:5439/{database}")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_strings() {
        assert_eq!(
            conn_string_value("host=h1 port=5439 dbname=dw user=u", &["dbname"]).as_deref(),
            Some("dw")
        );
        assert_eq!(
            conn_string_value("DRIVER={ODBC};SERVER=ms1,1433;DATABASE=erp", &["server"]).as_deref(),
            Some("ms1,1433")
        );
        match sqlalchemy_target(&Value::str("postgresql+psycopg2://u:p@pg.h:5433/app")) {
            DbTarget::Jdbc { url, .. } => {
                let u = JdbcUrl::parse(&url.as_known_str().expect("url")).expect("parsed");
                assert_eq!((u.host.as_str(), u.port), ("pg.h", 5433));
                assert_eq!(u.database.as_deref(), Some("app"));
            }
            other => panic!("{other:?}"),
        }
    }
}
