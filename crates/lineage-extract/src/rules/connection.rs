//! Glue connections and connection types: the dataset a `connection_type` + options names
//! (s3 paths, JDBC `dbtable`/`query` through `connectionName` or `url`, Redshift, DynamoDB
//! table name / ARN incl. the export connector, Kinesis stream name / ARN, Kafka topic on the
//! connection's first bootstrap broker). Temporary locations (`redshiftTmpDir`,
//! `dynamodb.s3.bucket`, `TempDir`) are never datasets.

use crate::emit::{Env, Unresolved};
use crate::naming::{self, JdbcUrl, SqlNames};
use crate::rules::options::{as_list, lower, opt};
use crate::rules::spark_sql::{self, SqlRun};
use crate::rules::{connector, dynamodb, lakehouse};
use crate::sql::Dialect;
use crate::value::{PStr, Source, Value};
use lineage_domain::Direction;
use regex::Regex;
use std::sync::OnceLock;

/// A property of a Glue connection as a value carrying the connection as its source.
pub(crate) fn connection_property(env: &Env, name: &Value, key: &str) -> Option<Value> {
    let n = name.as_known_str()?;
    let c = env.connection(&n)?;
    let v = c.property(key)?;
    Some(Value::Str(
        PStr::lit(v.to_string()).with_source(Source::Conn(n.clone())),
    ))
}

/// Records the datasets of a connection type and its options.
pub(crate) fn record(
    env: &mut Env,
    ctype: &str,
    opts: &Value,
    direction: Direction,
    rule: &'static str,
) {
    match ctype {
        "s3" if direction == Direction::Output
            && lakehouse::hudi_synced_table_of(env, opts).is_some() =>
        {
            // Hudi with hive sync: the synced catalog table, not its base path
            if let Some(t) = lakehouse::hudi_synced_table_of(env, opts) {
                env.io(direction, t, rule, &[]);
            }
        }
        "s3" => {
            let paths = opt(opts, &["paths", "path"]).cloned();
            match paths {
                Some(p) => {
                    for path in as_list(&p) {
                        let target = naming::s3_dataset(&path);
                        env.io(direction, target, rule, &[&path]);
                    }
                }
                None => env.io(
                    direction,
                    Err(Unresolved::new("connection_options", "no S3 path")),
                    rule,
                    &[],
                ),
            }
        }
        "postgresql" | "mysql" | "sqlserver" | "oracle" | "redshift" | "jdbc" | "custom.jdbc"
        | "marketplace.jdbc" => jdbc(env, opts, None, direction, rule),
        "dynamodb" => {
            // the export connector names the table by ARN; `dynamodb.s3.bucket` is its
            // staging area, not a dataset
            let keys: &[&str] = if direction == Direction::Input {
                &["dynamodb.tableArn", "dynamodb.input.tableName", "tableName"]
            } else {
                &[
                    "dynamodb.output.tableName",
                    "dynamodb.tableArn",
                    "tableName",
                ]
            };
            let t = opt(opts, keys)
                .cloned()
                .unwrap_or_else(|| Value::unknown("dynamodb table"));
            let region = opt(opts, &["dynamodb.region"])
                .and_then(Value::as_known_str)
                .unwrap_or_else(|| env.region().to_string());
            let target = match t.as_known_str() {
                Some(name) => naming::dynamodb(&region, env.account(), &name),
                None => Err(Unresolved::of_value(&t, "DynamoDB table")),
            };
            if let Ok(d) = &target {
                dynamodb::used_in_bulk(env, d);
            }
            env.io(direction, target, rule, &[&t]);
        }
        "kinesis" => {
            let s = opt(opts, &["streamARN", "streamName", "kinesis.stream.arn"])
                .cloned()
                .unwrap_or_else(|| Value::unknown("kinesis stream"));
            let region = opt(opts, &["region", "awsRegion"])
                .and_then(Value::as_known_str)
                .or_else(|| {
                    opt(opts, &["endpointUrl", "kinesis.endpointUrl"])
                        .and_then(Value::as_known_str)
                        .and_then(|u| naming::region_of_endpoint(&u))
                })
                .unwrap_or_else(|| env.region().to_string());
            let target = match s.as_known_str() {
                Some(name) => naming::kinesis(&region, &name),
                None => Err(Unresolved::of_value(&s, "Kinesis stream")),
            };
            env.io(direction, target, rule, &[&s]);
        }
        "kafka" => kafka(env, opts, direction, rule),
        "custom.spark" | "marketplace.spark" => connector::spark(env, ctype, opts, direction, rule),
        "snowflake" => connector::snowflake(env, opts, direction, rule),
        _ => {
            let text = env.site.text.clone();
            env.diagnostic(
                lineage_domain::DiagnosticKind::OpaqueCall,
                &text,
                format!("connection type {ctype:?} is not modelled"),
            );
        }
    }
}

/// A Kafka source or sink: topic and the first bootstrap broker.
pub(crate) fn kafka(env: &mut Env, opts: &Value, direction: Direction, rule: &'static str) {
    let servers = opt(
        opts,
        &[
            "bootstrap.servers",
            "kafka.bootstrap.servers",
            "bootstrapServers",
        ],
    )
    .cloned()
    .or_else(|| {
        opt(opts, &["connectionName"])
            .and_then(|c| connection_property(env, c, "KAFKA_BOOTSTRAP_SERVERS"))
    })
    .unwrap_or_else(|| Value::unknown("kafka bootstrap servers"));
    let topic = opt(opts, &["topicName", "subscribe", "topic", "assign"])
        .cloned()
        .unwrap_or_else(|| Value::unknown("kafka topic"));
    let target = match (servers.as_known_str(), topic.as_known_str()) {
        (Some(s), Some(t)) => {
            let topics = topic_names(&t);
            for t in &topics[1..] {
                let d = naming::kafka(&s, t);
                env.io(direction, d, rule, &[&servers, &topic]);
            }
            naming::kafka(&s, topics.first().map(String::as_str).unwrap_or(""))
        }
        _ => Err(Unresolved::new(
            format!(
                "{} / {}",
                servers.to_pstr().describe(),
                topic.to_pstr().describe()
            ),
            "Kafka brokers or topic could not be resolved",
        )),
    };
    env.io(direction, target, rule, &[&servers, &topic]);
}

/// The topics of `subscribe`/`topicName` (comma-separated) or `assign` (JSON
/// `{"topic": [partitions]}`).
fn topic_names(text: &str) -> Vec<String> {
    if text.trim_start().starts_with('{') {
        if let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(text) {
            return m.keys().cloned().collect();
        }
    }
    text.split(',').map(|x| x.trim().to_string()).collect()
}

/// A JDBC source or sink: URL from the options or the named connection, `database` option
/// overriding the URL's database, `dbtable` or every table of a `query`.
pub(crate) fn jdbc(
    env: &mut Env,
    opts: &Value,
    connection: Option<&Value>,
    direction: Direction,
    rule: &'static str,
) {
    let conn_name = connection.cloned().or_else(|| {
        opt(
            opts,
            &["connectionName", "catalog_connection", "connection_name"],
        )
        .cloned()
    });
    let url = opt(opts, &["url"]).cloned().or_else(|| {
        conn_name
            .as_ref()
            .and_then(|c| connection_property(env, c, "JDBC_CONNECTION_URL"))
    });
    let Some(url) = url else {
        let what = conn_name
            .map(|c| c.to_pstr().describe())
            .unwrap_or_else(|| "url".to_string());
        env.io(
            direction,
            Err(Unresolved::new(
                what,
                "JDBC URL or connection could not be resolved",
            )),
            rule,
            &[],
        );
        return;
    };
    let database = opt(opts, &["database", "databaseName"]).cloned();
    record_jdbc_tables(env, &url, database.as_ref(), opts, direction, rule);
}

/// The tables of a JDBC read/write given its URL value.
pub(crate) fn record_jdbc_tables(
    env: &mut Env,
    url: &Value,
    database: Option<&Value>,
    opts: &Value,
    direction: Direction,
    rule: &'static str,
) {
    let parsed = JdbcUrl::parse_value(url);
    let Some(mut parsed) = parsed else {
        env.io(
            direction,
            Err(Unresolved::of_value(url, "JDBC URL")),
            rule,
            &[url],
        );
        return;
    };
    if let Some(db) = database.and_then(Value::as_known_str) {
        parsed.database = Some(db.to_ascii_lowercase());
    }
    let region = env.region().to_string();
    let mut sources: Vec<&Value> = vec![url];
    if let Some(d) = database {
        sources.push(d);
    }
    let how = SqlRun {
        dialect: dialect_of(&parsed),
        names: SqlNames::Jdbc(&parsed),
        input_rule: rule,
        output_rule: Some(rule),
    };
    // a write's pre- and post-actions: SQL run on the same database around it
    let actions = if direction == Direction::Output {
        Actions::of(opts)
    } else {
        Actions::default()
    };
    if let Some(table) = opt(opts, &["dbtable", "table"]).cloned() {
        if let Some(sub) = table.as_known_str().as_deref().and_then(subquery) {
            // `dbtable` given as `(SELECT ...) alias`: the tables the subquery reads
            spark_sql::run_with(env, &with_sources(sub, &table), &how);
            return;
        }
        let transient = table.as_known_str().is_some_and(|t| actions.drops(&t));
        if !transient {
            let target = match table.as_known_str() {
                Some(t) => parsed.table(&t, &region),
                None => Err(Unresolved::jdbc_table(&table, parsed.clone(), &region)),
            };
            sources.push(&table);
            env.io(direction, target, rule, &sources);
        }
        actions.run(env, &how);
        return;
    }
    if let Some(query) = opt(opts, &["query", "sampleQuery"]).cloned() {
        spark_sql::run_with(env, &query, &how);
        actions.run(env, &how);
        return;
    }
    env.io(
        direction,
        Err(Unresolved::new(
            "dbtable",
            "JDBC read/write without dbtable or query",
        )),
        rule,
        &[url],
    );
}

/// The dialect SQL for a JDBC database is parsed with.
pub(crate) fn dialect_of(url: &JdbcUrl) -> Dialect {
    match url.scheme.as_str() {
        "sqlserver" => Dialect::MsSql,
        "postgres" => Dialect::Postgres,
        "mysql" => Dialect::MySql,
        "redshift" => Dialect::Redshift,
        _ => Dialect::Generic,
    }
}

/// The query inside a `dbtable` given as a subquery: `(SELECT ...) [AS] alias`.
fn subquery(dbtable: &str) -> Option<String> {
    let t = dbtable.trim();
    if !t.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    for (i, c) in t.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(t[1..i].to_string());
                }
            }
            _ => {}
        }
    }
    None
}

/// A text carrying the provenance of the value it came from.
fn with_sources(text: String, from: &Value) -> Value {
    let mut p = PStr::lit(text);
    if let Value::Str(s) = from {
        p.add_prov(&s.prov);
    }
    Value::Str(p)
}

/// The `preactions` / `postactions` of a JDBC or Redshift write.
#[derive(Debug, Default)]
struct Actions {
    sql: Vec<Value>,
    /// Tables the post-actions drop: the write's staging tables.
    dropped: Vec<String>,
}

impl Actions {
    fn of(opts: &Value) -> Self {
        let mut out = Self::default();
        for key in ["preactions", "postactions"] {
            if let Some(v) = opt(opts, &[key]) {
                out.sql.push(v.clone());
                if key == "postactions" {
                    if let Some(text) = v.as_known_str() {
                        out.dropped = dropped_tables(&text);
                    }
                }
            }
        }
        out
    }

    /// Whether the post-actions drop this table (a transient staging table).
    fn drops(&self, table: &str) -> bool {
        let t = table.trim().replace(['"', '`'], "").to_ascii_lowercase();
        let last = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
        self.dropped
            .iter()
            .any(|d| *d == t || ((!d.contains('.') || !t.contains('.')) && last(d) == last(&t)))
    }

    /// Runs the actions' SQL; statements on the dropped staging tables are not lineage.
    fn run(&self, env: &mut Env, how: &SqlRun) {
        for sql in &self.sql {
            let before = env.found.ios.len();
            spark_sql::run_with(env, sql, how);
            let mut i = 0;
            env.found.ios.retain(|io| {
                i += 1;
                i <= before || !io.sql_name.as_deref().is_some_and(|n| self.drops(n))
            });
        }
    }
}

/// The tables a SQL text drops (`DROP TABLE [IF EXISTS] a, b`), lower case.
fn dropped_tables(sql: &str) -> Vec<String> {
    static DROP: OnceLock<Regex> = OnceLock::new();
    let re = DROP.get_or_init(|| {
        Regex::new(r#"(?i)\bDROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?([\w."`]+(?:\s*,\s*[\w."`]+)*)"#)
            .unwrap_or_else(|_| unreachable!("constant regex"))
    });
    let mut out = Vec::new();
    for c in re.captures_iter(sql) {
        for n in c[1].split(',') {
            out.push(n.trim().replace(['"', '`'], "").to_ascii_lowercase());
        }
    }
    out
}

/// The connection type of a from_options call, lower case.
pub(crate) fn connection_type(v: Option<&Value>) -> Option<String> {
    lower(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kafka_topics() {
        assert_eq!(topic_names("a, b"), vec!["a", "b"]);
        assert_eq!(
            topic_names(r#"{"orders":[0,1],"refunds":[2]}"#),
            vec!["orders", "refunds"]
        );
    }

    #[test]
    fn dbtable_subqueries_and_dropped_tables() {
        assert_eq!(
            subquery("(SELECT * FROM a JOIN (SELECT id FROM b) x ON x.id = a.id) AS t").as_deref(),
            Some("SELECT * FROM a JOIN (SELECT id FROM b) x ON x.id = a.id")
        );
        assert_eq!(subquery("public.orders"), None);
        assert_eq!(
            dropped_tables(
                "BEGIN; INSERT INTO t SELECT * FROM s; DROP TABLE IF EXISTS public.s, x;"
            ),
            vec!["public.s", "x"]
        );
    }
}
