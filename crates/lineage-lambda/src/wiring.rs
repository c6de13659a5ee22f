//! The composition root on AWS: the pipeline's ports built from one set of SDK clients and the
//! settings (tables, bucket, model, metrics namespace). The Lambda builds them once at init;
//! the CLI's AWS mode uses the same wiring, so it runs exactly as the Lambda does.

use lineage_aws::{AwsClients, EmfMetrics};
use lineage_domain::ports::{LineageModel, LineageTransport, Metrics};
use lineage_engine::{EngineError, InferencePolicy, Ports, Settings};
use lineage_http::HttpLineageTransport;
use std::sync::Arc;

/// The transports `transport.*` asks for (none by default): an OpenLineage HTTP endpoint, or an
/// Amazon DataZone domain (`amazon_datazone_api`, through `clients`). An incomplete or
/// unusable transport is a configuration error, found at init.
pub fn transports(
    settings: &Settings,
    clients: &AwsClients,
) -> Result<Vec<Arc<dyn LineageTransport>>, EngineError> {
    if let Some(domain) = settings.transport.datazone().map_err(EngineError::Config)? {
        return Ok(vec![Arc::new(clients.datazone_transport(&domain))]);
    }
    let Some(http) = settings.transport.http().map_err(EngineError::Config)? else {
        return Ok(Vec::new());
    };
    let transport = HttpLineageTransport::new(http)
        .map_err(|e| EngineError::Config(format!("transport: {e}")))?;
    Ok(vec![Arc::new(transport)])
}

/// The ports for `settings`. The lineage model (Bedrock, `BEDROCK_MODEL_ID`) is wired unless
/// the inference policy is `never`; metrics are EMF lines on stdout unless `metrics` is given;
/// events go to the [`transports`] too (a transport [`transports`] refuses is left out and
/// logged: callers check it first, at init).
pub fn aws_ports(
    clients: &AwsClients,
    settings: &Settings,
    metrics: Option<Arc<dyn Metrics>>,
) -> Ports {
    let model: Option<Arc<dyn LineageModel>> = (settings.inference_policy
        != InferencePolicy::Never)
        .then(|| Arc::new(clients.lineage_model(&settings.model.model_id)) as _);
    let transports = transports(settings, clients).unwrap_or_else(|e| {
        tracing::error!(error = %e, "no lineage transport");
        Vec::new()
    });
    Ports {
        transports,
        catalog: Arc::new(clients.job_catalog()),
        scripts: Arc::new(clients.script_store()),
        logs: Arc::new(clients.run_logs()),
        // the storage checks (when `storage_checks` is on) and the catalog facts of a run's tables
        storage: Some(Arc::new(clients.dataset_storage())),
        model,
        cache: Arc::new(clients.answer_cache(&settings.context_table)),
        store: Arc::new(
            clients.lineage_store(&settings.job_mapping_table, &settings.context_table),
        ),
        // the engine's document keys already carry LINEAGE_PREFIX
        sink: Arc::new(clients.lineage_sink(&settings.lineage_bucket, "")),
        metrics: metrics.unwrap_or_else(|| {
            Arc::new(EmfMetrics::new(
                settings.metrics_namespace.clone(),
                settings.environment.clone(),
            ))
        }),
    }
}
