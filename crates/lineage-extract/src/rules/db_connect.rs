//! Database connections a script opens: Python DB-API drivers (`pg8000`, `psycopg2`,
//! `psycopg`, `pgdb`, PyGreSQL `pg`, `redshift_connector`, `pymysql`, `mysql.connector`,
//! `pymssql`, `pyodbc`, `snowflake.connector`) by their `host`/`port`/`database` arguments (or a
//! libpq/ODBC connection string; `redshift_connector` also by `cluster_identifier`),
//! `pyathena.connect` (Athena over the catalog, default database `schema_name`), SQLAlchemy
//! `create_engine(url)`, and awswrangler's `connect(connection)` on a Glue connection. A driver
//! whose host is read at run time uses the job's one attached JDBC connection of the same kind
//! of database; one whose database is read at run time, the attached connection to its host.
//! What runs on a connection is in [`super::database`].

use crate::builtins::Args;
use crate::emit::Env;
use crate::naming::JdbcUrl;
use crate::rules::connection::connection_property;
use crate::value::{DbTarget, Obj, PStr, Value};
use std::rc::Rc;

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

pub(crate) fn database_value(target: DbTarget) -> Value {
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

/// A Redshift JDBC URL from a cluster id and region (the naming only uses those two).
pub(crate) fn redshift_url(cluster: &str, region: &str, database: &str) -> String {
    format!("jdbc:redshift://{cluster}.cluster.{region}.redshift.amazonaws.com:5439/{database}")
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
