//! Glue Studio's visual DAG (`Job.CodeGenConfigurationNodes`): source nodes (`*Source`) are
//! inputs, target nodes (`*Target`) outputs; a node naming `Database` + `Table` (or a target
//! whose `SchemaChangePolicy` updates a catalog table) is that catalog table, otherwise its
//! `Path` / `Paths` are S3 datasets. Rule id `glue.studio.node`. The script is authoritative:
//! the DAG only yields edges when there is no script, and otherwise corroborates them.

use crate::emit::Env;
use crate::naming;
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
