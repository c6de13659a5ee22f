//! Gather: builds a run's context from the ports — the job run and job definition, the job's
//! connections, the script, the Python modules shipped with it and the run's log events —
//! within the configured caps, redacts it
//! once (the trust boundary, [`RedactedRunContext`]), and runs static extraction on it. The
//! extraction says which S3 objects the script reads (JSON configs, SQL files) and which Glue
//! connections it uses without the job attaching them; those are fetched and extraction runs
//! again with them, until it asks for nothing new. The last
//! extraction is the one analysis uses: a script is interpreted once per new input, never
//! twice for the same.

use crate::error::EngineError;
use crate::settings::Settings;
use lineage_domain::ports::{JobCatalog, LogQuery, RunLogs, ScriptStore};
use lineage_domain::{
    ErrorKind, GlueJobStateChange, RedactedRunContext, RunContext, Script, ScriptLanguage,
};
use lineage_extract::{ExtractSettings, Extraction};
use std::collections::{BTreeMap, BTreeSet};

/// How many times extraction may ask for more objects (a config naming a SQL file naming...).
const MAX_OBJECT_ROUNDS: usize = 3;

/// A gathered run: its redacted context, the static extraction over it, and what was wrong
/// with its script, if anything.
#[derive(Debug, Clone)]
pub struct Gathered {
    pub context: RedactedRunContext,
    pub extraction: Extraction,
    pub script_problem: Option<ScriptProblem>,
}

/// What was wrong with a run's script: each is a `script` finding; a missing or unreadable one
/// leaves the run incomplete (a later delivery or replay processes it again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptProblem {
    /// The job names no script location.
    NoLocation,
    /// No object at the script location.
    Missing(String),
    /// The script object exists but could not be read (access denied).
    Unreadable { location: String, reason: String },
    /// The script is empty or only white space.
    Empty(String),
}

impl ScriptProblem {
    /// Whether the run's lineage cannot be complete without the script.
    pub fn leaves_run_incomplete(&self) -> bool {
        matches!(
            self,
            ScriptProblem::Missing(_) | ScriptProblem::Unreadable { .. }
        )
    }

    /// The problem, for a finding (not yet redacted).
    pub fn message(&self) -> String {
        match self {
            ScriptProblem::NoLocation => {
                "the job names no script location: lineage comes from logs only".into()
            }
            ScriptProblem::Missing(l) => format!(
                "the script {l} does not exist: the run is recorded as incomplete; replay it once the script is back"
            ),
            ScriptProblem::Unreadable { location, reason } => format!(
                "the script {location} could not be read ({reason}): the run is recorded as incomplete; replay it once it can be read"
            ),
            ScriptProblem::Empty(l) => format!("the script {l} is empty: it yields no lineage"),
        }
    }
}

/// The ports gathering reads from.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub catalog: &'a dyn JobCatalog,
    pub scripts: &'a dyn ScriptStore,
    pub logs: &'a dyn RunLogs,
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sources")
    }
}

/// The Glue log groups a run writes to: its own `LogGroupName`, the standard ones, and any
/// `--custom-logGroup-prefix`.
pub fn log_groups(ctx_log_group: Option<&str>, args: &BTreeMap<String, String>) -> Vec<String> {
    let mut groups = Vec::new();
    let mut push = |g: String| {
        if !g.is_empty() && !groups.contains(&g) {
            groups.push(g);
        }
    };
    if let Some(base) = ctx_log_group {
        push(format!("{base}/output"));
        push(format!("{base}/error"));
        push(base.to_string());
    }
    push("/aws-glue/jobs/output".into());
    push("/aws-glue/jobs/error".into());
    push("/aws-glue/jobs/logs-v2".into());
    if let Some(prefix) = args.get("--custom-logGroup-prefix") {
        let p = prefix.trim_end_matches('/');
        push(format!("{p}/output"));
        push(format!("{p}/error"));
        push(format!("{p}/logs-v2"));
    }
    groups
}

/// Gathers the context of the run an event announces, redacts it, and extracts its static
/// lineage (fetching the objects the script reads).
pub async fn gather(
    sources: Sources<'_>,
    settings: &Settings,
    event: &GlueJobStateChange,
) -> Result<Gathered, EngineError> {
    let (context, script_problem) = gather_context(sources, settings, event).await?;
    let mut gathered = extract_with_objects(sources, settings, context.redact()).await?;
    gathered.script_problem = script_problem;
    Ok(gathered)
}

/// Static extraction over a gathered context, fetching the objects it reads.
async fn extract_with_objects(
    sources: Sources<'_>,
    settings: &Settings,
    mut context: RedactedRunContext,
) -> Result<Gathered, EngineError> {
    let extract_settings = ExtractSettings {
        time_tolerance_seconds: settings.time_tolerance_seconds,
        ..ExtractSettings::default()
    };
    let extract = |c: &RedactedRunContext| {
        lineage_extract::extract(c, &extract_settings)
            .map_err(|e| EngineError::Extraction(e.to_string()))
    };
    let mut extraction = extract(&context)?;
    let mut tried: BTreeSet<String> = BTreeSet::new();
    let mut tried_connections: BTreeSet<String> = BTreeSet::new();
    for _ in 0..MAX_OBJECT_ROUNDS {
        let budget = settings.max_extra_objects.saturating_sub(tried.len());
        let wanted: Vec<String> = extraction
            .objects_read
            .iter()
            .filter(|u| context.extra_object(u).is_none())
            .filter(|u| !tried.contains(&lineage_domain::context::normalise_s3_uri(u)))
            .take(budget)
            .cloned()
            .collect();
        let connections: Vec<String> = extraction
            .connections_wanted
            .iter()
            .filter(|c| !tried_connections.contains(*c))
            .take(settings.max_extra_objects)
            .cloned()
            .collect();
        if wanted.is_empty() && connections.is_empty() {
            break;
        }
        tried.extend(
            wanted
                .iter()
                .map(|u| lineage_domain::context::normalise_s3_uri(u)),
        );
        tried_connections.extend(connections.iter().cloned());
        let (fetched, fetched_connections) = futures::join!(
            futures::future::join_all(
                wanted
                    .iter()
                    .map(|url| sources.scripts.object_text(url, settings.max_script_bytes)),
            ),
            futures::future::join_all(connections.iter().map(|c| sources.catalog.connection(c)))
        );
        let mut added = false;
        for (url, result) in wanted.iter().zip(fetched) {
            match result {
                Ok(text) => {
                    context.add_extra(url, &text);
                    added = true;
                }
                Err(e) if e.kind == ErrorKind::NotFound || e.kind == ErrorKind::Invalid => {
                    let e = context.redactor().redact(&e.to_string()).into_owned();
                    tracing::warn!(object = %url, error = %e, "extra object not gathered");
                }
                Err(e) => return Err(EngineError::port("gather extra object", e)),
            }
        }
        for (name, result) in connections.iter().zip(fetched_connections) {
            match result {
                Ok(c) => {
                    context.add_connection(c);
                    added = true;
                }
                Err(e) if e.kind == ErrorKind::NotFound || e.kind == ErrorKind::AccessDenied => {
                    tracing::warn!(connection = %name, error = %e, "connection the script uses not gathered");
                }
                Err(e) => return Err(EngineError::port("gather connection", e)),
            }
        }
        if !added {
            break;
        }
        extraction = extract(&context)?;
    }
    Ok(Gathered {
        context,
        extraction,
        script_problem: None,
    })
}

/// The run's context as the ports give it (not yet redacted), and what was wrong with its
/// script.
async fn gather_context(
    sources: Sources<'_>,
    settings: &Settings,
    event: &GlueJobStateChange,
) -> Result<(RunContext, Option<ScriptProblem>), EngineError> {
    let (job_name, run_id) = (event.job_name(), event.job_run_id());
    let run_fut = sources.catalog.job_run(job_name, run_id);
    let job_fut = sources.catalog.job(job_name);
    let (run, job) = futures::join!(run_fut, job_fut);
    let run = run.map_err(|e| EngineError::port("gather job run", e))?;
    let job = job.map_err(|e| EngineError::port("gather job", e))?;
    if run.id != run_id || run.job_name != job_name {
        return Err(EngineError::Mismatch {
            event_job: job_name.into(),
            event_run: run_id.into(),
            found: format!("{}/{}", run.job_name, run.id),
        });
    }

    // Everything below depends only on the job and the run: connections, the script, the
    // shipped modules and the logs are fetched at once (errors are still reported in this order).
    let location = job.command.script_location.clone();
    let args = {
        let mut a = job.default_arguments.clone();
        a.extend(run.arguments.clone());
        a
    };
    let query = LogQuery {
        job_name: job_name.into(),
        run_id: run_id.into(),
        log_groups: log_groups(run.log_group_name.as_deref(), &args),
        window: run.window(settings.time_tolerance_seconds),
        max_events: settings.max_log_events,
        max_bytes: settings.max_log_bytes,
    };
    let script_fut = async {
        if location.is_empty() {
            None
        } else {
            Some(
                sources
                    .scripts
                    .object_text(&location, settings.max_script_bytes)
                    .await,
            )
        }
    };
    let (fetched_connections, fetched_script, logs, modules) = futures::join!(
        futures::future::join_all(
            job.connection_names()
                .iter()
                .map(|name| async move { (name, sources.catalog.connection(name).await) })
        ),
        script_fut,
        sources.logs.events(&query),
        crate::modules::gather_modules(sources.scripts, settings, &args)
    );

    let mut connections = Vec::new();
    for (name, result) in fetched_connections {
        match result {
            Ok(c) => connections.push(c),
            // A deleted connection leaves the run's lineage partly unresolved, not lost.
            Err(e) if e.kind == ErrorKind::NotFound => {
                tracing::warn!(connection = %name, "connection not found");
            }
            Err(e) => return Err(EngineError::port("gather connection", e)),
        }
    }

    let mut script_problem = None;
    let script = match fetched_script {
        None => {
            script_problem = Some(ScriptProblem::NoLocation);
            None
        }
        Some(Ok(text)) => {
            if text.trim().is_empty() {
                script_problem = Some(ScriptProblem::Empty(location.clone()));
            }
            Some(Script {
                language: ScriptLanguage::detect(
                    &location,
                    job.default_arguments
                        .get("--job-language")
                        .map(String::as_str),
                ),
                location: location.clone(),
                text,
            })
        }
        Some(Err(e)) if e.kind == ErrorKind::NotFound => {
            tracing::warn!(script = %location, "script not found");
            script_problem = Some(ScriptProblem::Missing(location.clone()));
            None
        }
        Some(Err(e)) if e.kind == ErrorKind::AccessDenied => {
            tracing::warn!(script = %location, "script not readable");
            script_problem = Some(ScriptProblem::Unreadable {
                location: location.clone(),
                reason: e.to_string(),
            });
            None
        }
        Some(Err(e)) => return Err(EngineError::port("gather script", e)),
    };

    let logs = logs.map_err(|e| EngineError::port("gather logs", e))?;
    let modules = modules?;
    if logs.truncated {
        tracing::warn!(run = %run_id, "log events capped at {} events / {} bytes", settings.max_log_events, settings.max_log_bytes);
    }

    let context = RunContext {
        event: event.clone(),
        job,
        run,
        connections,
        script,
        extra: BTreeMap::new(),
        modules,
        logs: logs.events,
    };
    Ok((context, script_problem))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_groups_cover_the_run_group_standard_groups_and_custom_prefix() {
        let args: BTreeMap<String, String> = [(
            "--custom-logGroup-prefix".to_string(),
            "/acme/glue".to_string(),
        )]
        .into();
        let g = log_groups(Some("/aws-glue/jobs"), &args);
        assert_eq!(g[0], "/aws-glue/jobs/output");
        assert!(g.contains(&"/aws-glue/jobs/logs-v2".to_string()));
        assert!(g.contains(&"/acme/glue/output".to_string()));
        let unique: std::collections::BTreeSet<_> = g.iter().collect();
        assert_eq!(unique.len(), g.len(), "no group twice");
    }
}
