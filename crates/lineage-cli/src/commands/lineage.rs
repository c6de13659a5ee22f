//! `lineage-agent lineage upstream|downstream DATASET` and `lineage-agent graph`: impact
//! queries and the merged table-level lineage graph, read from the embedded store or (with
//! `--aws`) from the DynamoDB job-mappings table. Without `--store` the embedded store is the
//! first of [`DEFAULT_STORES`] that exists: where `run`/`replay` write by default, then where
//! `make demo` writes.

use crate::error::CliError;
use crate::output::{emit, emit_json, say};
use clap::{Args, Subcommand, ValueEnum};
use lineage_domain::ports::LineageStore;
use lineage_engine::graph::{LineageGraph, Node};
use lineage_engine::Settings;
use lineage_local::SqliteLineageStore;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct LineageArgs {
    /// The answer as one JSON object on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub side: Side,
}

#[derive(Debug, Subcommand)]
pub enum Side {
    /// What a dataset is built from: the jobs that write it and what they read, recursively.
    Upstream(QueryArgs),
    /// What is built from a dataset: the jobs that read it and what they write, recursively.
    Downstream(QueryArgs),
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// `s3://bucket/prefix` (or an object under it), `glue:db.table`, `db.table`, or
    /// `namespace|name` (e.g. `arn:aws:glue:us-east-1:123456789012|table/db/t`).
    pub dataset: String,
    /// How many jobs away to look.
    #[arg(long, default_value_t = 3)]
    pub depth: usize,
    /// The embedded store [default: the first of out/lineage.db, out/demo/lineage.db].
    #[arg(long, env = "LINEAGE_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Read the DynamoDB tables the environment configures instead of the embedded store.
    #[arg(long)]
    pub aws: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Dot,
    Mermaid,
    /// One self-contained page (no network access needed) to open in a browser.
    Html,
    /// One standalone SVG picture, laid out without Graphviz.
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Only the part of the graph around this dataset (same forms as `lineage upstream`).
    #[arg(long, value_name = "DATASET")]
    pub around: Option<String>,
    /// With --around: how many jobs away to look, both ways.
    #[arg(long, default_value_t = 2, requires = "around")]
    pub depth: usize,
    /// The embedded store [default: the first of out/lineage.db, out/demo/lineage.db].
    #[arg(long, env = "LINEAGE_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Read the DynamoDB tables the environment configures instead of the embedded store.
    #[arg(long)]
    pub aws: bool,
}

/// Where the embedded store is looked for without `--store`, in order: the default `--out` of
/// `run` and `replay`, then the folder `make demo` writes.
pub const DEFAULT_STORES: &[&str] = &["out/lineage.db", "out/demo/lineage.db"];

/// The embedded store to read: `--store` (which must exist), else the first of
/// [`DEFAULT_STORES`]; the error names every place looked at.
fn store_path(explicit: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(path) = explicit {
        if !path.is_file() {
            return Err(CliError::input_at(
                path,
                "no such store (run `lineage-agent run` or `replay` first)",
            ));
        }
        return Ok(path.to_path_buf());
    }
    DEFAULT_STORES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            CliError::Input(format!(
                "no embedded store: looked for {} (`lineage-agent run`/`replay` write \
                 out/lineage.db, `make demo` out/demo/lineage.db); run one of them first, or \
                 pass --store PATH (or --aws)",
                DEFAULT_STORES.join(" and ")
            ))
        })
}

async fn open_store(
    path: Option<&Path>,
    aws: bool,
    settings: &Settings,
) -> Result<(Box<dyn LineageStore>, String), CliError> {
    if aws {
        let store = crate::aws::lineage_store(settings).await?;
        return Ok((store, settings.job_mapping_table.clone()));
    }
    let path = store_path(path)?;
    tracing::info!(store = %path.display(), "reading the embedded store");
    let store = SqliteLineageStore::open(&path).map_err(|e| CliError::Failed(e.to_string()))?;
    Ok((Box::new(store), path.display().to_string()))
}

async fn graph_of(store: &dyn LineageStore) -> Result<LineageGraph, CliError> {
    let mappings = store
        .all_mappings()
        .await
        .map_err(|e| CliError::Failed(e.to_string()))?;
    Ok(LineageGraph::from_mappings(&mappings))
}

pub async fn execute_lineage(args: LineageArgs, settings: Settings) -> Result<(), CliError> {
    let (q, upstream) = match &args.side {
        Side::Upstream(q) => (q, true),
        Side::Downstream(q) => (q, false),
    };
    let side = if upstream { "upstream" } else { "downstream" };
    let (store, store_name) = open_store(q.store.as_deref(), q.aws, &settings).await?;
    let graph = graph_of(store.as_ref()).await?;
    // the names people type: `glue:db.table`, `db.table`, an object under a prefix, ...
    let found = graph.find_dataset(&q.dataset);
    let known = found.is_some();
    let dataset = found
        .as_ref()
        .map_or_else(|| q.dataset.clone(), Node::label);
    let steps = found
        .map(|start| graph.walk(&start, upstream, q.depth))
        .unwrap_or_default();
    // each step as seen from the dataset: (distance, confidence, near side, far side, run)
    let rows: Vec<_> = steps
        .iter()
        .map(|(distance, e)| {
            let (near, far) = if upstream {
                (&e.to, &e.from)
            } else {
                (&e.from, &e.to)
            };
            (*distance, e.confidence, near.label(), far.label(), e)
        })
        .collect();
    if args.json {
        return emit_json(&serde_json::json!({
            "dataset": dataset,
            "direction": side,
            "depth": q.depth,
            "store": store_name,
            "known": known,
            "steps": rows.iter().map(|(distance, confidence, _, _, e)| serde_json::json!({
                "distance": distance,
                "confidence": confidence,
                "from": e.from.label(),
                "to": e.to.label(),
                "last_seen_run": e.last_seen_run,
            })).collect::<Vec<_>>(),
        }));
    }
    if !known {
        return say!("{dataset}: no job reads or writes it");
    }
    say!("{side} of {dataset} (up to {} jobs away):", q.depth)?;
    if rows.is_empty() {
        say!("  nothing")?;
    }
    for (distance, confidence, near, far, e) in &rows {
        say!(
            "  {:>2}  {:.2}  {} {} {}   (last run {})",
            distance,
            confidence,
            near,
            if upstream { "<-" } else { "->" },
            far,
            e.last_seen_run
        )?;
    }
    Ok(())
}

pub async fn execute_graph(args: GraphArgs, settings: Settings) -> Result<(), CliError> {
    let (store, _) = open_store(args.store.as_deref(), args.aws, &settings).await?;
    let mut graph = graph_of(store.as_ref()).await?;
    let mut title = "Lineage graph".to_string();
    let mut focus = None;
    if let Some(around) = &args.around {
        let Some(start) = graph.find_dataset(around) else {
            return Err(CliError::Input(format!(
                "--around {around}: no job in the store reads or writes it (give `s3://bucket/prefix`, `glue:db.table` or `namespace|name`; `lineage-agent graph` lists the datasets the store knows)"
            )));
        };
        graph = graph.around(&start, args.depth);
        title = format!(
            "Lineage around {} ({} jobs away)",
            start.short_label(),
            args.depth
        );
        focus = Some(start);
    }
    match args.format {
        Format::Json => emit_json(&graph),
        Format::Dot => emit(&graph.to_dot()),
        Format::Mermaid => emit(&graph.to_mermaid()),
        Format::Html => emit(&crate::graph_page::render(&graph, &title, focus.as_ref())),
        Format::Svg => emit(&crate::graph_svg::render(&graph)?),
    }
}
