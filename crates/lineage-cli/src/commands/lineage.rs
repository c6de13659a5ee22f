//! `lineage-agent lineage upstream|downstream DATASET` and `lineage-agent graph`: impact
//! queries and the merged table-level lineage graph, read from the embedded store or (with
//! `--aws`) from the DynamoDB job-mappings table.

use crate::error::CliError;
use clap::{Args, Subcommand, ValueEnum};
use lineage_domain::ports::LineageStore;
use lineage_engine::graph::LineageGraph;
use lineage_engine::Settings;
use lineage_local::SqliteLineageStore;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct LineageArgs {
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
    /// The embedded store.
    #[arg(long, default_value = "out/lineage.db")]
    pub store: PathBuf,
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
    /// The embedded store.
    #[arg(long, default_value = "out/lineage.db")]
    pub store: PathBuf,
    /// Read the DynamoDB tables the environment configures instead of the embedded store.
    #[arg(long)]
    pub aws: bool,
}

async fn open_store(
    path: &Path,
    aws: bool,
    settings: &Settings,
) -> Result<Box<dyn LineageStore>, CliError> {
    if aws {
        let clients = crate::aws::clients().await;
        return Ok(Box::new(clients.lineage_store(
            &settings.job_mapping_table,
            &settings.context_table,
        )));
    }
    if !path.is_file() {
        return Err(CliError::input_at(
            path,
            "no such store (run `lineage-agent run` or `replay` first, or pass --store)",
        ));
    }
    Ok(Box::new(
        SqliteLineageStore::open(path).map_err(|e| CliError::Failed(e.to_string()))?,
    ))
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
    let store = open_store(&q.store, q.aws, &settings).await?;
    let graph = graph_of(store.as_ref()).await?;
    let Some(start) = graph.find_dataset(&q.dataset) else {
        println!("{}: no job reads or writes it", q.dataset);
        return Ok(());
    };
    let dataset = start.label();
    let steps = graph.walk(&start, upstream, q.depth);
    println!(
        "{} of {dataset} (up to {} jobs away):",
        if upstream { "upstream" } else { "downstream" },
        q.depth
    );
    if steps.is_empty() {
        println!("  nothing");
    }
    for (distance, e) in steps {
        let (a, b) = if upstream {
            (&e.to, &e.from)
        } else {
            (&e.from, &e.to)
        };
        println!(
            "  {:>2}  {:.2}  {} {} {}   (last run {})",
            distance,
            e.confidence,
            a.label(),
            if upstream { "<-" } else { "->" },
            b.label(),
            e.last_seen_run
        );
    }
    Ok(())
}

pub async fn execute_graph(args: GraphArgs, settings: Settings) -> Result<(), CliError> {
    let store = open_store(&args.store, args.aws, &settings).await?;
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
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&graph).map_err(|e| CliError::Failed(e.to_string()))?
        ),
        Format::Dot => print!("{}", graph.to_dot()),
        Format::Mermaid => print!("{}", graph.to_mermaid()),
        Format::Html => print!(
            "{}",
            crate::graph_page::render(&graph, &title, focus.as_ref())
        ),
    }
    Ok(())
}
