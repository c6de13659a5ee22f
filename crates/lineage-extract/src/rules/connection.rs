//! Glue connections and connection types: the dataset a `connection_type` + options names
//! (s3 paths, JDBC `dbtable`/`query` through `connectionName` or `url`, Redshift, DynamoDB
//! table name / ARN incl. the export connector, Kinesis stream name / ARN, Kafka topic on the
//! connection's first bootstrap broker). Temporary locations (`redshiftTmpDir`,
//! `dynamodb.s3.bucket`, `TempDir`) are never datasets.

use crate::emit::{Env, Unresolved};
use crate::naming::{self, JdbcUrl};
use crate::rules::options::{as_list, lower, opt};
use crate::sql::{analyze, Dialect};
use crate::value::{PStr, Source, Value};
use lineage_domain::Direction;

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
            let t = opt(
                opts,
                &[
                    "dynamodb.input.tableName",
                    "dynamodb.output.tableName",
                    "dynamodb.tableArn",
                    "tableName",
                ],
            )
            .cloned()
            .unwrap_or_else(|| Value::unknown("dynamodb table"));
            let target = match t.as_known_str() {
                Some(name) => naming::dynamodb(env.region(), env.account(), &name),
                None => Err(Unresolved::of_value(&t, "DynamoDB table")),
            };
            env.io(direction, target, rule, &[&t]);
        }
        "kinesis" => {
            let s = opt(opts, &["streamARN", "streamName", "kinesis.stream.arn"])
                .cloned()
                .unwrap_or_else(|| Value::unknown("kinesis stream"));
            let region = opt(opts, &["region", "awsRegion"])
                .and_then(Value::as_known_str)
                .unwrap_or_else(|| env.region().to_string());
            let target = match s.as_known_str() {
                Some(name) => naming::kinesis(&region, &name),
                None => Err(Unresolved::of_value(&s, "Kinesis stream")),
            };
            env.io(direction, target, rule, &[&s]);
        }
        "kafka" => kafka(env, opts, direction, rule),
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
            let topics: Vec<String> = t.split(',').map(|x| x.trim().to_string()).collect();
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
    let database = opt(opts, &["database"]).cloned();
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
    let parsed = url.as_known_str().and_then(|u| JdbcUrl::parse(&u));
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
    if let Some(table) = opt(opts, &["dbtable", "table"]).cloned() {
        let target = match table.as_known_str() {
            Some(t) => parsed.table(&t, &region),
            None => Err(Unresolved::jdbc_table(&table, parsed.clone(), &region)),
        };
        sources.push(&table);
        env.io(direction, target, rule, &sources);
        return;
    }
    if let Some(query) = opt(opts, &["query", "sampleQuery"]).cloned() {
        match query.as_known_str() {
            Some(q) => {
                let dialect = match parsed.scheme.as_str() {
                    "sqlserver" => Dialect::MsSql,
                    "postgres" => Dialect::Postgres,
                    "mysql" => Dialect::MySql,
                    "redshift" => Dialect::Redshift,
                    _ => Dialect::Generic,
                };
                let (inputs, _) = analyze(&q, dialect).tables();
                for t in inputs {
                    let target = parsed.table(&t, &region);
                    env.io(direction, target, rule, &[url, &query]);
                }
            }
            None => env.io(
                direction,
                Err(Unresolved::of_value(&query, "JDBC query")),
                rule,
                &[&query],
            ),
        }
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

/// The connection type of a from_options call, lower case.
pub(crate) fn connection_type(v: Option<&Value>) -> Option<String> {
    lower(v)
}
