//! Glue connectors: `custom.spark` / `marketplace.spark` (a Spark data source), and the Glue
//! 4.0+ native `snowflake` connection type. The data source is the `className` option, else the
//! `CONNECTOR_CLASS_NAME` of the connection named by `connectionName`; the connection's own
//! properties (`sfUrl`...) are defaults under the options. By data source:
//! - Delta Lake (`delta`, `io.delta...`, `...DeltaDataSource`): the `path`, an S3 dataset
//!   (or a catalog table given by name);
//! - Apache Hudi (`org.apache.hudi`, `hudi`): the hive-synced catalog table when
//!   `hoodie.datasource.hive_sync.enable` is on, else the base `path`;
//! - Apache Iceberg (`iceberg`, `org.apache.iceberg...`): the `path`, a catalog table
//!   (`glue_catalog.db.tbl`) or an S3 location;
//! - Snowflake (`net.snowflake.spark.snowflake`, `snowflake`): `snowflake://{account of
//!   sfUrl}`, `{sfDatabase}.{sfSchema}.{dbtable}`, or every table of `query`;
//! - a JDBC data source class (`jdbc`): as a JDBC read or write.
//!
//! Other connectors (OpenSearch, MongoDB, BigQuery...) are reported as not modelled. Rule ids
//! are those of the Glue call that uses the connector, and `snowflake.runQuery` for SQL the
//! Snowflake connector's `Utils.runQuery(options, sql)` runs.

use crate::emit::{Env, Unresolved};
use crate::naming::{Snowflake, SqlNames};
use crate::rules::connection;
use crate::rules::lakehouse;
use crate::rules::options::opt;
use crate::rules::spark_sql::{self, SqlRun};
use crate::sql::Dialect;
use crate::value::{PStr, Source, Value};
use lineage_domain::{DiagnosticKind, Direction};

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// SQL run on Snowflake with the connector's `Utils.runQuery`.
pub(crate) const SNOWFLAKE_RUN_QUERY: &str = "snowflake.runQuery";

/// The kind of data source a connector class names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SourceKind {
    Delta,
    Hudi,
    Iceberg,
    Snowflake,
    Jdbc,
    Other,
}

fn kind_of(class: &str) -> SourceKind {
    let c = class.to_ascii_lowercase();
    if c.contains("delta") {
        SourceKind::Delta
    } else if c.contains("hudi") {
        SourceKind::Hudi
    } else if c.contains("iceberg") {
        SourceKind::Iceberg
    } else if c.contains("snowflake") {
        SourceKind::Snowflake
    } else if c == "jdbc" || c.contains(".jdbc") || c.ends_with("driver") {
        SourceKind::Jdbc
    } else {
        SourceKind::Other
    }
}

/// The options with the named connection's properties under them (as values carrying the
/// connection as their source).
pub(crate) fn with_connection_properties(env: &Env, opts: &Value) -> Value {
    let mut items: Vec<(Value, Value)> = Vec::new();
    if let Some(name) =
        opt(opts, &["connectionName", "connection_name"]).and_then(Value::as_known_str)
    {
        if let Some(c) = env.connection(&name) {
            for (k, v) in &c.connection_properties {
                items.push((
                    Value::str(k.clone()),
                    Value::Str(PStr::lit(v.clone()).with_source(Source::Conn(name.clone()))),
                ));
            }
        }
    }
    if let Value::Dict(d) = opts {
        items.extend(d.iter().cloned());
    }
    Value::dict(items)
}

/// A read or write through a `custom.spark` / `marketplace.spark` connector.
pub(crate) fn spark(
    env: &mut Env,
    ctype: &str,
    opts: &Value,
    direction: Direction,
    rule: &'static str,
) {
    let all = with_connection_properties(env, opts);
    let class = opt(&all, &["className", "CONNECTOR_CLASS_NAME"]).cloned();
    let Some(class_text) = class.as_ref().and_then(Value::as_known_str) else {
        env.io(
            direction,
            Err(Unresolved::new(
                ctype,
                "the connector's data source class could not be resolved",
            )),
            rule,
            &[],
        );
        return;
    };
    match kind_of(&class_text) {
        SourceKind::Delta => by_path(env, &all, "delta", direction, rule),
        SourceKind::Iceberg => by_path(env, &all, "iceberg", direction, rule),
        SourceKind::Hudi => match lakehouse::hudi_synced_table_of(env, &all) {
            Some(t) if direction == Direction::Output => env.io(direction, t, rule, &[]),
            _ => by_path(env, &all, "hudi", direction, rule),
        },
        SourceKind::Snowflake => snowflake(env, &all, direction, rule),
        SourceKind::Jdbc => connection::jdbc(env, &all, None, direction, rule),
        SourceKind::Other => {
            let text = env.site.text.clone();
            env.diagnostic(
                DiagnosticKind::OpaqueCall,
                &text,
                format!("connector class {class_text:?} is not modelled"),
            );
        }
    }
}

/// A table-format data source by its `path` (or `table`) option.
fn by_path(env: &mut Env, opts: &Value, format: &str, direction: Direction, rule: &'static str) {
    match opt(opts, &["path", "table", "tableName"]).cloned() {
        Some(p) => {
            let target = lakehouse::path_or_table(env, &p, format);
            env.io(direction, target, rule, &[&p]);
        }
        None => env.io(
            direction,
            Err(Unresolved::new(
                env.site.text.clone(),
                format!("{format} connector without a path"),
            )),
            rule,
            &[],
        ),
    }
}

/// A Snowflake read or write (connector or Glue's `snowflake` connection type): the account of
/// `sfUrl`, `sfDatabase`, `sfSchema`, and `dbtable` or the tables of `query`.
pub(crate) fn snowflake(env: &mut Env, opts: &Value, direction: Direction, rule: &'static str) {
    let all = with_connection_properties(env, opts);
    let url = opt(&all, &["sfUrl", "sfURL", "HOST", "SNOWFLAKE_URL"]).cloned();
    let database = opt(&all, &["sfDatabase", "sfDb"]).cloned();
    let schema = opt(&all, &["sfSchema"]).cloned();
    let text = |v: &Option<Value>| v.as_ref().and_then(Value::as_known_str);
    let target = url
        .as_ref()
        .and_then(Value::as_known_str)
        .and_then(|u| Snowflake::new(&u, text(&database).as_deref(), text(&schema).as_deref()));
    let mut sources: Vec<&Value> = Vec::new();
    sources.extend(url.iter());
    sources.extend(database.iter());
    sources.extend(schema.iter());
    let Some(sf) = target else {
        env.io(
            direction,
            Err(Unresolved::new(
                "sfUrl",
                "the Snowflake account (sfUrl) could not be resolved",
            )),
            rule,
            &sources,
        );
        return;
    };
    if let Some(table) = opt(&all, &["dbtable", "table"]).cloned() {
        let t = match table.as_known_str() {
            Some(t) => sf.table(&t),
            None => Err(Unresolved::of_value(&table, "Snowflake table")),
        };
        sources.push(&table);
        env.io(direction, t, rule, &sources);
        return;
    }
    if let Some(query) = opt(&all, &["query"]).cloned() {
        let how = SqlRun {
            dialect: Dialect::Snowflake,
            names: SqlNames::Snowflake(&sf),
            input_rule: rule,
            output_rule: Some(rule),
        };
        spark_sql::run_with(env, &query, &how);
        return;
    }
    env.io(
        direction,
        Err(Unresolved::new(
            "dbtable",
            "Snowflake read/write without dbtable or query",
        )),
        rule,
        &sources,
    );
}

/// `net.snowflake.spark.snowflake.Utils.runQuery(options, sql)` (through `sc._jvm` in Python):
/// SQL run on the Snowflake database the options name (`snowflake.runQuery`).
pub(crate) fn snowflake_run_query(env: &mut Env, opts: &Value, sql: &Value) {
    let all = with_connection_properties(env, opts);
    let text = |k: &[&str]| opt(&all, k).and_then(Value::as_known_str);
    let sf = text(&["sfUrl", "sfURL"]).and_then(|u| {
        Snowflake::new(
            &u,
            text(&["sfDatabase"]).as_deref(),
            text(&["sfSchema"]).as_deref(),
        )
    });
    let Some(sf) = sf else {
        env.io(
            Direction::Output,
            Err(Unresolved::new(
                "sfUrl",
                "the Snowflake account (sfUrl) could not be resolved",
            )),
            SNOWFLAKE_RUN_QUERY,
            &[sql],
        );
        return;
    };
    let how = SqlRun {
        dialect: Dialect::Snowflake,
        names: SqlNames::Snowflake(&sf),
        input_rule: SNOWFLAKE_RUN_QUERY,
        output_rule: Some(SNOWFLAKE_RUN_QUERY),
    };
    spark_sql::run_with(env, sql, &how);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_source_classes() {
        assert_eq!(
            kind_of("io.delta.sql.DeltaSparkSessionExtension"),
            SourceKind::Delta
        );
        assert_eq!(
            kind_of("org.apache.spark.sql.delta.sources.DeltaDataSource"),
            SourceKind::Delta
        );
        assert_eq!(kind_of("org.apache.hudi"), SourceKind::Hudi);
        assert_eq!(kind_of("iceberg"), SourceKind::Iceberg);
        assert_eq!(
            kind_of("net.snowflake.spark.snowflake"),
            SourceKind::Snowflake
        );
        assert_eq!(kind_of("com.mysql.cj.jdbc.Driver"), SourceKind::Jdbc);
        assert_eq!(
            kind_of("com.mongodb.spark.sql.DefaultSource"),
            SourceKind::Other
        );
    }
}
