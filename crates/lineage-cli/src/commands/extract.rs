//! `lineage-agent extract CASE_DIR [--policy never|auto|always] [--model-id ID]`: the
//! OpenLineage RunEvent of one captured run, on stdout. Nothing is written. By default
//! (`--policy never`) extraction is static only and needs no AWS; with `auto` or `always` the
//! Bedrock client is built from the environment (the AWS default chain; set
//! `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` to talk to a fake) and the model is asked as the policy
//! says, its answers cached in memory for the one run.

use crate::error::CliError;
use crate::local;
use clap::Args;
use lineage_aws::bedrock::BedrockLineageModel;
use lineage_engine::{InferencePolicy, Pipeline, Settings};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// A case folder (job.json, run.json, event.json, script, extra/, logs.json).
    #[arg(value_name = "CASE_DIR")]
    pub case: PathBuf,
    /// When the lineage model (Amazon Bedrock) is asked: never (static only, no AWS), auto
    /// (only when static extraction leaves something unsettled) or always. `INFERENCE_POLICY`
    /// is not consulted here.
    #[arg(long, value_name = "never|auto|always", default_value = "never")]
    pub policy: InferencePolicy,
    /// The Bedrock model or inference profile id (default: `BEDROCK_MODEL_ID`, else
    /// anthropic.claude-3-5-sonnet-20241022-v2:0).
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
}

pub async fn execute(args: ExtractArgs, mut settings: Settings) -> Result<(), CliError> {
    let fixtures = local::open_fixtures(&args.case)?;
    let [case] = fixtures.cases() else {
        return Err(CliError::input_at(
            &args.case,
            "holds several case folders; name one",
        ));
    };
    let event = case
        .event
        .clone()
        .ok_or_else(|| CliError::input_at(&args.case.join("event.json"), "missing"))?;
    settings.inference_policy = args.policy;
    if let Some(id) = args.model_id {
        if id.trim().is_empty() {
            return Err(CliError::Input("--model-id must not be empty".into()));
        }
        settings.model.model_id = id.trim().to_string();
    }
    let mut pipeline = local::read_only_pipeline(fixtures, settings)?;
    if args.policy != InferencePolicy::Never {
        let model = BedrockLineageModel::from_env(pipeline.settings().model.model_id.clone()).await;
        let mut ports = pipeline.ports().clone();
        ports.model = Some(Arc::new(model));
        pipeline = Pipeline::new(ports, pipeline.settings().clone());
    }
    let ctx = pipeline.gather(&event).await?;
    let analysis = pipeline.analyze(&ctx).await?;
    let bytes = pipeline.document_bytes(&ctx, &analysis)?;
    std::io::stdout()
        .write_all(&bytes)
        .map_err(|e| CliError::Failed(format!("stdout: {e}")))?;
    Ok(())
}
