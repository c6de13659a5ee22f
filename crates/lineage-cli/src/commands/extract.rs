//! `lineage-agent extract CASE_DIR [--policy never|auto|always] [--model-id ID]`: the
//! OpenLineage RunEvent of one captured run, on stdout. Nothing is written. By default
//! (`--policy never`) extraction is static only and needs no AWS; with `auto` or `always` the
//! Bedrock client is built from the environment (the AWS default chain; set
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` to talk to a fake) and the model is asked as the policy
//! says, its answers cached in memory for the one run.
//!
//! `lineage-agent extract --job-name NAME [--run-id ID] [--output-path s3://bucket/prefix]
//! [--dry-run]` does the same for a run on AWS (the latest finished run of the job unless
//! `--run-id`), and writes the RunEvent to S3 (the configured lineage bucket and prefix, or
//! `--output-path`) with its START event beside it (`{run}.start.json`) unless `--dry-run`.

use crate::error::CliError;
use crate::local;
use clap::Args;
use lineage_engine::{InferencePolicy, Pipeline, Settings};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A case folder (job.json, run.json, event.json, script, extra/, logs.json).
    #[arg(
        value_name = "CASE_DIR",
        required_unless_present = "job_name",
        conflicts_with = "job_name"
    )]
    pub case: Option<PathBuf>,
    /// On AWS: the Glue job whose run to extract.
    #[arg(long, value_name = "NAME")]
    pub job_name: Option<String>,
    /// On AWS: the run (default: the job's latest finished run).
    #[arg(long, value_name = "ID", requires = "job_name")]
    pub run_id: Option<String>,
    /// On AWS: the account the run belongs to (dataset names use it).
    #[arg(long, env = "AWS_ACCOUNT_ID", value_name = "ID")]
    pub account: Option<String>,
    /// On AWS: where to write the RunEvent, `s3://bucket/prefix` (default: the lineage bucket
    /// and prefix, `storage.*` or LINEAGE_BUCKET and LINEAGE_PREFIX).
    #[arg(long, value_name = "S3_URL", requires = "job_name")]
    pub output_path: Option<String>,
    /// On AWS: print the RunEvent, write nothing.
    #[arg(long, requires = "job_name")]
    pub dry_run: bool,
    /// When the lineage model (Amazon Bedrock) is asked: never (static only, no AWS), auto
    /// (only when static extraction leaves something unsettled) or always. `INFERENCE_POLICY`
    /// is not consulted here.
    #[arg(long, value_name = "never|auto|always", default_value = "never")]
    pub policy: InferencePolicy,
    /// The Bedrock model or inference profile id (default: `BEDROCK_MODEL_ID`, else
    /// `bedrock.model_id`, else the inference profile us.anthropic.claude-sonnet-4-6).
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
}

pub async fn execute(args: ExtractArgs, mut settings: Settings) -> Result<(), CliError> {
    settings.inference_policy = args.policy;
    if let Some(id) = &args.model_id {
        if id.trim().is_empty() {
            return Err(CliError::Input("--model-id must not be empty".into()));
        }
        settings.model.model_id = id.trim().to_string();
    }
    let Some(case_dir) = &args.case else {
        return execute_aws(&args, settings).await;
    };
    let fixtures = local::open_fixtures(case_dir)?;
    let [case] = fixtures.cases() else {
        return Err(CliError::input_at(
            case_dir,
            "holds several case folders; name one",
        ));
    };
    let event = case
        .event
        .clone()
        .ok_or_else(|| CliError::input_at(&case_dir.join("event.json"), "missing"))?;
    let mut pipeline = local::read_only_pipeline(fixtures, settings)?;
    if args.policy != InferencePolicy::Never {
        let model = crate::aws::lineage_model(&pipeline.settings().model.model_id).await?;
        let mut ports = pipeline.ports().clone();
        ports.model = Some(model);
        pipeline = Pipeline::new(ports, pipeline.settings().clone());
    }
    let gathered = pipeline.gather(&event).await?;
    let analysis = pipeline.analyze(&gathered).await?;
    let bytes = pipeline.document_bytes(&gathered.context, &analysis)?;
    summarise_unresolved(&analysis.diagnostics);
    print_document(&bytes)
}

/// One line on stderr when extraction left something open (the document's `extractionError`
/// facet lists each).
fn summarise_unresolved(diagnostics: &[lineage_domain::Diagnostic]) {
    let Some(first) = diagnostics.first() else {
        return;
    };
    let more = match diagnostics.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    eprintln!(
        "lineage-agent: {} not settled statically: {}{more}; see the extractionError run facet",
        diagnostics.len(),
        lineage_engine::openlineage::diagnostic_line(first)
    );
}

fn print_document(bytes: &[u8]) -> Result<(), CliError> {
    crate::output::emit(&String::from_utf8_lossy(bytes))
}

/// The on-demand extraction from AWS (needs the `aws` feature).
#[cfg(not(feature = "aws"))]
async fn execute_aws(_: &ExtractArgs, _: Settings) -> Result<(), CliError> {
    Err(crate::aws::command_unavailable())
}

/// The on-demand extraction from AWS.
#[cfg(feature = "aws")]
async fn execute_aws(args: &ExtractArgs, settings: Settings) -> Result<(), CliError> {
    use lineage_domain::ports::{JobCatalog, LineageSink};
    use lineage_engine::replay::event_for_run;
    let job = args.job_name.as_deref().unwrap_or_default();
    let account = args.account.clone().ok_or_else(|| {
        CliError::Input(
            "--job-name needs --account (or AWS_ACCOUNT_ID): dataset names carry it".into(),
        )
    })?;
    let (bucket, prefix) = match &args.output_path {
        Some(url) => {
            let loc = lineage_domain::S3Location::parse(url).ok_or_else(|| {
                CliError::Input(format!("--output-path {url:?} is not an s3:// URL"))
            })?;
            (loc.bucket, loc.key.trim_matches('/').to_string())
        }
        None => (
            settings.lineage_bucket.clone(),
            settings.lineage_prefix.clone(),
        ),
    };
    if bucket.is_empty() && !args.dry_run {
        return Err(CliError::Input(
            "say where to write: --output-path s3://bucket/prefix or LINEAGE_BUCKET (or --dry-run)"
                .into(),
        ));
    }
    if !args.dry_run {
        crate::aws::resolved_bucket(&bucket)?;
    }
    let clients = crate::aws::clients().await?;
    let catalog = clients.job_catalog();
    let run = match &args.run_id {
        Some(id) => catalog
            .job_run(job, id)
            .await
            .map_err(|e| CliError::Input(e.to_string()))?,
        None => catalog
            .job_runs(job, None, None)
            .await
            .map_err(|e| CliError::Input(e.to_string()))?
            .into_iter()
            .find(|r| r.terminal_state().is_some())
            .ok_or_else(|| CliError::Input(format!("job {job:?} has no finished run")))?,
    };
    let region = clients
        .config
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "us-east-1".into());
    let event = event_for_run(&run, &account, &region, "lineage-agent-extract")
        .ok_or_else(|| CliError::Input(format!("run {} of {job} has not finished", run.id)))?;
    let settings = Settings {
        lineage_prefix: prefix,
        ..settings
    };
    let pipeline = Pipeline::new(
        lineage_lambda::wiring::aws_ports(&clients, &settings, None),
        settings.clone(),
    );
    let gathered = pipeline.gather(&event).await?;
    let analysis = pipeline.analyze(&gathered).await?;
    let ctx = &gathered.context;
    let bytes = pipeline.document_bytes(ctx, &analysis)?;
    summarise_unresolved(&analysis.diagnostics);
    print_document(&bytes)?;
    if !args.dry_run {
        // the run's START event beside its terminal one, as the Lambda writes them
        let start = pipeline.start_document_bytes(ctx, &analysis)?;
        let started_on = ctx.run.started_on;
        let sink = clients.lineage_sink(&bucket, "");
        for (key, body) in [
            (
                settings.start_key(&ctx.job.name, &ctx.run.id, started_on),
                &start,
            ),
            (
                settings.lineage_key(&ctx.job.name, &ctx.run.id, started_on),
                &bytes,
            ),
        ] {
            sink.put_document(&key, body)
                .await
                .map_err(|e| CliError::Failed(e.to_string()))?;
            eprintln!("wrote {}", sink.location(&key));
        }
    }
    Ok(())
}
