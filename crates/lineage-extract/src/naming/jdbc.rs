//! JDBC URLs (PostgreSQL, MySQL/MariaDB/Aurora, SQL Server, Oracle, Redshift) and the names
//! of their tables: `{scheme}://{host}:{port}` (Redshift `{cluster-id}.{region}`),
//! `{database}.{schema}.{table}` with default schemas (MySQL `{database}.{table}`), system tables
//! in `pg_catalog`.

use super::HOLE;
use crate::emit::Unresolved;
use crate::value::Value;
use lineage_domain::Dataset;

/// A parsed JDBC URL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JdbcUrl {
    /// `postgres`, `mysql`, `sqlserver`, `oracle`, `redshift`.
    pub scheme: String,
    pub host: String,
    pub port: u16,
    pub database: Option<String>,
}

impl JdbcUrl {
    pub(crate) fn parse(url: &str) -> Option<Self> {
        let rest = url.trim().strip_prefix("jdbc:").unwrap_or(url.trim());
        // the AWS JDBC wrapper (`jdbc:aws-wrapper:postgresql://`)
        let rest = rest.strip_prefix("aws-wrapper:").unwrap_or(rest);
        let (sub, after) = rest.split_once(':')?;
        let sub = sub.to_ascii_lowercase();
        // `jdbc:redshift:iam://`, `jdbc:mysql:aurora://`: a driver mode before the authority
        let after = ["iam:", "aurora:", "replication:", "loadbalance:"]
            .iter()
            .find_map(|m| after.strip_prefix(m))
            .unwrap_or(after);
        let (scheme, default_port) = match sub.as_str() {
            "postgresql" | "postgres" => ("postgres", 5432),
            "mysql" | "mariadb" | "aurora" => ("mysql", 3306),
            "sqlserver" => ("sqlserver", 1433),
            "oracle" => ("oracle", 1521),
            "redshift" => ("redshift", 5439),
            _ => return None,
        };
        let (hostport, database) = if scheme == "oracle" {
            // thin:@host:port/service, thin:@//host:port/service, thin:@host:port:sid
            let at = after.split_once('@').map(|(_, r)| r).unwrap_or(after);
            let at = at.trim_start_matches('/');
            match at.split_once('/') {
                Some((hp, svc)) => (hp.to_string(), Some(svc.to_string())),
                None => {
                    let parts: Vec<&str> = at.split(':').collect();
                    if parts.len() == 3 {
                        (
                            format!("{}:{}", parts[0], parts[1]),
                            Some(parts[2].to_string()),
                        )
                    } else {
                        (at.to_string(), None)
                    }
                }
            }
        } else {
            let after = after.trim_start_matches('/');
            if scheme == "sqlserver" {
                let mut parts = after.split(';');
                let hp = parts.next().unwrap_or("").to_string();
                let mut db = None;
                for p in parts {
                    if let Some((k, v)) = p.split_once('=') {
                        if k.trim().eq_ignore_ascii_case("databaseName")
                            || k.trim().eq_ignore_ascii_case("database")
                        {
                            db = Some(v.trim().to_string());
                        }
                    }
                }
                let (hp, inline_db) = match hp.split_once('/') {
                    Some((h, d)) => (h.to_string(), Some(d.to_string())),
                    None => (hp, None),
                };
                (hp, db.or(inline_db))
            } else {
                let no_query = after.split(['?', ';']).next().unwrap_or("");
                match no_query.split_once('/') {
                    Some((hp, db)) => (hp.to_string(), Some(db.to_string())),
                    None => (no_query.to_string(), None),
                }
            }
        };
        // credentials in the authority are never kept
        let hostport = hostport.rsplit('@').next().unwrap_or("").to_string();
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().ok()?),
            None => (hostport.clone(), default_port),
        };
        if host.is_empty() || host.contains(HOLE) {
            return None;
        }
        Some(Self {
            scheme: scheme.to_string(),
            host: host.to_ascii_lowercase(),
            port,
            database: database
                .filter(|d| !d.is_empty() && !d.contains(HOLE))
                .map(|d| d.to_ascii_lowercase()),
        })
    }

    /// A JDBC URL value whose unknown pieces are all in its properties (`?user=...&password=`,
    /// `;user=...`), which never name the database: parsed from its known part.
    pub(crate) fn parse_value(url: &Value) -> Option<Self> {
        if let Some(u) = url.as_known_str() {
            return Self::parse(&u);
        }
        let text = url.to_pstr().render();
        let hole = text.find(HOLE)?;
        let cut = text[..hole].rfind(['?', '&', ';'])?;
        Self::parse(&text[..cut])
    }

    /// The namespace: `{scheme}://{host}:{port}`; Redshift uses `{cluster-id}.{region}`.
    pub(crate) fn namespace(&self, fallback_region: &str) -> String {
        if self.scheme == "redshift" {
            let cluster = self.host.split('.').next().unwrap_or("");
            let region = self.region(fallback_region);
            return format!("redshift://{cluster}.{region}:{}", self.port);
        }
        format!("{}://{}:{}", self.scheme, self.host, self.port)
    }

    /// The AWS region of a Redshift endpoint (`c.x.{region}.redshift.amazonaws.com`), else the
    /// fallback.
    pub(crate) fn region<'a>(&'a self, fallback: &'a str) -> &'a str {
        let labels: Vec<&str> = self.host.split('.').collect();
        labels
            .iter()
            .position(|l| l.starts_with("redshift"))
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| labels.get(i))
            .filter(|r| r.contains('-'))
            .copied()
            .unwrap_or(fallback)
    }

    /// The dataset of a table (`dbtable`, possibly `schema.table` or `db.schema.table`).
    pub(crate) fn table(&self, table: &str, region: &str) -> Result<Dataset, Unresolved> {
        let t = table
            .trim()
            .replace(['"', '`', '[', ']'], "")
            .to_ascii_lowercase();
        let parts: Vec<&str> = t.split('.').collect();
        let db = self.database.clone();
        let name = match self.scheme.as_str() {
            "mysql" => match parts.as_slice() {
                [t] => db.map(|d| format!("{d}.{t}")),
                [d, t] => Some(format!("{d}.{t}")),
                _ => None,
            },
            _ => {
                let default_schema = match (self.scheme.as_str(), parts.as_slice()) {
                    ("redshift" | "postgres", [t]) if is_system_table(&self.scheme, t) => {
                        "pg_catalog"
                    }
                    ("sqlserver", _) => "dbo",
                    ("postgres" | "redshift", _) => "public",
                    _ => "",
                };
                match parts.as_slice() {
                    [t] if !default_schema.is_empty() => {
                        db.map(|d| format!("{d}.{default_schema}.{t}"))
                    }
                    [t] => db.map(|d| format!("{d}.{t}")),
                    [s, t] => db.map(|d| format!("{d}.{s}.{t}")),
                    [d, s, t] => Some(format!("{d}.{s}.{t}")),
                    _ => None,
                }
            }
        };
        let Some(name) = name else {
            return Err(Unresolved::new(
                table,
                "JDBC database or table could not be resolved",
            ));
        };
        Dataset::new(self.namespace(region), name)
            .map_err(|e| Unresolved::new(table, e.to_string()))
    }
}

/// Whether an unqualified table is one of the database's system tables, which live in
/// `pg_catalog` rather than the default schema (Redshift `stl_`/`stv_`/`svl_`/`svv_`/`svcs_`/
/// `sys_`/`pg_` tables and views, PostgreSQL `pg_` catalogs).
fn is_system_table(scheme: &str, table: &str) -> bool {
    let prefixes: &[&str] = match scheme {
        "redshift" => &[
            "stl_", "stv_", "svl_", "svv_", "svcs_", "stcs_", "sys_", "pg_",
        ],
        _ => &["pg_"],
    };
    prefixes.iter().any(|p| table.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::naming::Snowflake;
    use crate::value::PStr;

    #[test]
    fn jdbc_urls() {
        let u = JdbcUrl::parse("jdbc:sqlserver://h.x:1433;databaseName=ERP;databaseName=Sales")
            .expect("url");
        assert_eq!(u.database.as_deref(), Some("sales"));
        assert_eq!(
            u.table("Invoices", "r").map(|d| d.name).ok().as_deref(),
            Some("sales.dbo.invoices")
        );
        let r = JdbcUrl::parse("jdbc:redshift://c1.abc.eu-west-1.redshift.amazonaws.com:5439/dw")
            .expect("url");
        assert_eq!(r.namespace("x"), "redshift://c1.eu-west-1:5439");
        let m = JdbcUrl::parse("jdbc:mysql://u:p@h:3307/app?x=1").expect("url");
        assert_eq!(m.host, "h");
        assert_eq!(
            m.table("t", "r").map(|d| d.name).ok().as_deref(),
            Some("app.t")
        );
        let mut partly =
            PStr::lit("jdbc:redshift://c9.x.us-east-1.redshift.amazonaws.com:5439/dw?user=");
        partly.push_str(&PStr::hole("user"));
        let p = JdbcUrl::parse_value(&Value::Str(partly)).expect("url");
        assert_eq!(p.database.as_deref(), Some("dw"));
        let mut no_db = PStr::lit("jdbc:postgresql://h:5432/");
        no_db.push_str(&PStr::hole("db"));
        assert!(JdbcUrl::parse_value(&Value::Str(no_db)).is_none());
        let o = JdbcUrl::parse("jdbc:oracle:thin:@//ora.h:1521/ORCL").expect("url");
        assert_eq!(o.namespace("r"), "oracle://ora.h:1521");
        let iam = JdbcUrl::parse(
            "jdbc:redshift:iam://wg1.123456789012.eu-west-1.redshift-serverless.amazonaws.com:5439/dev",
        )
        .expect("url");
        assert_eq!(iam.namespace("r"), "redshift://wg1.eu-west-1:5439");
        assert_eq!(iam.database.as_deref(), Some("dev"));
        let w = JdbcUrl::parse("jdbc:aws-wrapper:postgresql://db.h:5432/app").expect("url");
        assert_eq!((w.scheme.as_str(), w.host.as_str()), ("postgres", "db.h"));
        let a = JdbcUrl::parse("jdbc:mysql:aurora://cl.h:3306/shop").expect("url");
        assert_eq!(a.database.as_deref(), Some("shop"));
    }

    #[test]
    fn system_tables_and_snowflake() {
        let r = JdbcUrl::parse("jdbc:redshift://a1.xyz.us-east-1.redshift.amazonaws.com:5439/dw")
            .expect("url");
        let name = |t: &str| r.table(t, "r").map(|d| d.name).ok();
        assert_eq!(
            name("stl_query").as_deref(),
            Some("dw.pg_catalog.stl_query")
        );
        assert_eq!(
            name("SVV_TABLE_INFO").as_deref(),
            Some("dw.pg_catalog.svv_table_info")
        );
        assert_eq!(
            name("stl_query_log").as_deref(),
            Some("dw.pg_catalog.stl_query_log")
        );
        assert_eq!(name("style").as_deref(), Some("dw.public.style"));
        assert_eq!(name("admin.stl_x").as_deref(), Some("dw.admin.stl_x"));
        let sf = Snowflake::new(
            "https://XY12345.us-east-1.snowflakecomputing.com",
            Some("SALES"),
            None,
        )
        .expect("account");
        let d = sf.table("ORDERS").expect("table");
        assert_eq!(
            (d.namespace.as_str(), d.name.as_str()),
            ("snowflake://xy12345.us-east-1", "sales.public.orders")
        );
        assert_eq!(
            sf.table("raw.orders").map(|d| d.name).ok().as_deref(),
            Some("sales.raw.orders")
        );
        assert!(Snowflake::new("", None, None).is_none());
    }
}
