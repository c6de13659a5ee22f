//! Glue Studio's visual DAG (`Job.CodeGenConfigurationNodes`): source nodes (`*Source`) are
//! inputs, target nodes (`*Target`) outputs; a node naming `Database` + `Table` (or a target
//! whose `SchemaChangePolicy` updates a catalog table) is that catalog table, otherwise its
//! `Path` / `Paths` are S3 datasets. Nodes that name a connection rather than the catalog go
//! through the connection rules: `DirectJDBCSource` (`ConnectionName`, `ConnectionType`,
//! `Database`, `Table`), `JDBCConnectorSource`/`Target` (`ConnectionTable` or `Query`),
//! `SparkConnectorSource`/`Target` (`AdditionalOptions`), `DirectKinesisSource` and
//! `DirectKafkaSource` (`StreamingOptions`). Rule id `glue.studio.node`. The script is
//! authoritative: the DAG only yields edges when there is no script, and otherwise
//! corroborates them.

use crate::emit::{Env, Target};
use crate::naming;
use crate::rules::connection;
use crate::value::Value;
use lineage_domain::{Dataset, Direction, Evidence, EvidenceKind, Locator, RunContext};
use std::collections::BTreeMap;

/// Rule id of the DAG's edges and corroborating evidence.
pub(crate) const RULE: &str = "glue.studio.node";

/// The datasets of the DAG's nodes: `(node id, direction, dataset)`.
pub(crate) fn nodes(ctx: &RunContext) -> Vec<(String, Direction, Dataset)> {
    let mut out = Vec::new();
    let Some(serde_json::Value::Object(nodes)) = &ctx.job.code_gen_configuration_nodes else {
        return out;
    };
    let env = Env::new(ctx);
    for (id, node) in nodes {
        let Some(obj) = node.as_object() else {
            continue;
        };
        for (ty, body) in obj {
            let direction = if ty.ends_with("Source") {
                Direction::Input
            } else if ty.ends_with("Target") {
                Direction::Output
            } else {
                continue;
            };
            if let Some(found) = through_connection(ctx, ty, body, direction) {
                out.extend(found.into_iter().map(|d| (id.clone(), direction, d)));
                continue;
            }
            let s = |k: &str| body.get(k).and_then(|v| v.as_str()).map(str::to_string);
            let policy = body.get("SchemaChangePolicy");
            let ps = |k: &str| {
                policy
                    .and_then(|p| p.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            let updates = policy
                .and_then(|p| p.get("EnableUpdateCatalog"))
                .and_then(|v| v.as_bool())
                .unwrap_or(false);
            let table = match (s("Database"), s("Table")) {
                (Some(d), Some(t)) => Some((d, t)),
                _ if updates => ps("Database").zip(ps("Table")),
                _ => None,
            };
            if let Some((d, t)) = table {
                if let Ok(ds) = naming::glue_table(&env, &Value::str(d), &Value::str(t), None) {
                    out.push((id.clone(), direction, ds));
                }
                continue;
            }
            let mut paths: Vec<String> = Vec::new();
            if let Some(p) = s("Path") {
                paths.push(p);
            }
            if let Some(serde_json::Value::Array(ps)) = body.get("Paths") {
                paths.extend(ps.iter().filter_map(|p| p.as_str().map(str::to_string)));
            }
            for p in paths {
                if let Ok(ds) = naming::s3_dataset(&Value::str(p)) {
                    out.push((id.clone(), direction, ds));
                }
            }
        }
    }
    out
}

/// A node that names a connection rather than the catalog: its datasets by the connection
/// rules (`None` for other nodes).
fn through_connection(
    ctx: &RunContext,
    ty: &str,
    body: &serde_json::Value,
    direction: Direction,
) -> Option<Vec<Dataset>> {
    let s = |k: &str| body.get(k).and_then(|v| v.as_str()).map(Value::str);
    let mut opts: Vec<(Value, Value)> = Vec::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            opts.push((Value::str(k), v));
        }
    };
    let ctype = match ty {
        "DirectJDBCSource" => {
            put("connectionName", s("ConnectionName"));
            put("database", s("Database"));
            put("dbtable", s("Table"));
            body.get("ConnectionType")?.as_str()?.to_ascii_lowercase()
        }
        "JDBCConnectorSource" | "JDBCConnectorTarget" => {
            put("connectionName", s("ConnectionName"));
            put("dbtable", s("ConnectionTable"));
            put("query", s("Query"));
            "custom.jdbc".to_string()
        }
        "SparkConnectorSource" | "SparkConnectorTarget" => {
            put("connectionName", s("ConnectionName"));
            if let Some(serde_json::Value::Object(extra)) = body.get("AdditionalOptions") {
                for (k, v) in extra {
                    put(k, v.as_str().map(Value::str));
                }
            }
            "custom.spark".to_string()
        }
        "DirectKinesisSource" | "DirectKafkaSource" => {
            let so = body.get("StreamingOptions")?;
            let so_s = |k: &str| so.get(k).and_then(|v| v.as_str()).map(Value::str);
            put("streamName", so_s("StreamName"));
            put("streamARN", so_s("StreamArn"));
            put("endpointUrl", so_s("EndpointUrl"));
            put("connectionName", so_s("ConnectionName"));
            put("topicName", so_s("TopicName"));
            put("assign", so_s("Assign"));
            put("bootstrap.servers", so_s("BootstrapServers"));
            if ty == "DirectKinesisSource" {
                "kinesis"
            } else {
                "kafka"
            }
            .to_string()
        }
        _ => return None,
    };
    let mut env = Env::new(ctx);
    connection::record(&mut env, &ctype, &Value::dict(opts), direction, RULE);
    Some(
        env.found
            .ios
            .into_iter()
            .filter_map(|io| match io.target {
                Target::Dataset(d) => Some(d),
                Target::Unresolved { .. } => None,
            })
            .collect(),
    )
}

/// Edges from the DAG when the script is missing.
pub(crate) fn run(ctx: &RunContext, env: &mut Env) {
    for (id, direction, ds) in nodes(ctx) {
        env.io(direction, Ok(ds), RULE, &[]);
        if let Some(last) = env.found.ios.last_mut() {
            last.kind = EvidenceKind::StudioDag;
            last.locator = Locator::StudioNode { node_id: id };
        }
    }
}

/// Adds DAG evidence to edges the script already shows.
pub(crate) fn corroborate(
    ctx: &RunContext,
    edges: &mut BTreeMap<(Direction, Dataset), Vec<Evidence>>,
) {
    if ctx.script.is_none() {
        return;
    }
    for (id, direction, ds) in nodes(ctx) {
        if let Some(ev) = edges.get_mut(&(direction, ds)) {
            ev.push(Evidence {
                kind: EvidenceKind::StudioDag,
                locator: Locator::StudioNode { node_id: id },
                rule: RULE.to_string(),
                detail: String::new(),
            });
        }
    }
}
