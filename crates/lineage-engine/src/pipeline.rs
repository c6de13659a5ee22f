//! The use case: event → gather (and extract) → infer → score → validate → persist.
//! `Pipeline` holds the ports and settings; `process` runs one event end to end, `gather`
//! builds the redacted run context and its static extraction, `analyze` runs the middle
//! (infer, score, validate) on what was gathered.

use crate::catalog::{self, CatalogFacts};
use crate::deliver::{deliver, Delivery};
use crate::error::EngineError;
use crate::gather::{gather, Gathered, Sources};
use crate::infer::retry::{Deadline, Sleeper, TokioSleeper};
use crate::openlineage::{run_event, start_event, DocumentInput, RunEvent};
use crate::persist::{mark_done, write_run, Document, PersistReport};
use crate::settings::Settings;
use crate::{completeness, infer, limits, score, storage_check, validate};
use lineage_domain::ports::{
    AnswerCache, DatasetStorage, JobCatalog, LineageEvent, LineageModel, LineageSink, LineageStore,
    LineageTransport, Metric, Metrics, RunLogs, ScriptStore,
};
use lineage_domain::record::{EdgeSummary, Finding, TokenUsage};
use lineage_domain::{
    Dataset, Diagnostic, Direction, ExecutionContext, GlueJobStateChange, JobMapping, LineageEdge,
    LineageSummary, ProcessingStatus, RedactedRunContext, RunOrder,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The adapters the pipeline runs on.
#[derive(Clone)]
pub struct Ports {
    pub catalog: Arc<dyn JobCatalog>,
    pub scripts: Arc<dyn ScriptStore>,
    pub logs: Arc<dyn RunLogs>,
    /// The lineage model; `None` runs static-only.
    pub model: Option<Arc<dyn LineageModel>>,
    pub cache: Arc<dyn AnswerCache>,
    pub store: Arc<dyn LineageStore>,
    pub sink: Arc<dyn LineageSink>,
    pub metrics: Arc<dyn Metrics>,
    /// What storage holds, for the storage checks (`validation.storage_checks`) and the
    /// catalog facts of the run's tables ([`catalog`]: `glue:GetTable`); `None`: neither.
    pub storage: Option<Arc<dyn DatasetStorage>>,
    /// Where events are sent beside the documents (`transport.*`); none by default.
    pub transports: Vec<Arc<dyn LineageTransport>>,
}

impl Ports {
    /// Ports whose run context comes from one source (job catalog, scripts, logs and storage,
    /// as with captured runs) and whose records go to one store (mappings, execution contexts
    /// and cached answers), with no model.
    pub fn from_parts<C, S>(
        context: Arc<C>,
        store: Arc<S>,
        sink: Arc<dyn LineageSink>,
        metrics: Arc<dyn Metrics>,
    ) -> Self
    where
        C: JobCatalog + ScriptStore + RunLogs + DatasetStorage + 'static,
        S: LineageStore + AnswerCache + 'static,
    {
        Self {
            catalog: context.clone(),
            scripts: context.clone(),
            logs: context.clone(),
            storage: Some(context),
            model: None,
            cache: store.clone(),
            store,
            sink,
            metrics,
            transports: Vec::new(),
        }
    }

    /// These ports sending events to `transports` too.
    pub fn with_transports(mut self, transports: Vec<Arc<dyn LineageTransport>>) -> Self {
        self.transports = transports;
        self
    }

    /// These ports with another storage adapter (or none).
    pub fn with_storage(mut self, storage: Option<Arc<dyn DatasetStorage>>) -> Self {
        self.storage = storage;
        self
    }

    /// These ports with a lineage model.
    pub fn with_model(mut self, model: Option<Arc<dyn LineageModel>>) -> Self {
        self.model = model;
        self
    }
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports")
            .field(
                "model",
                &self.model.as_ref().map(|m| m.model_id().to_string()),
            )
            .finish_non_exhaustive()
    }
}

/// Options of one `process` call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProcessOptions {
    /// Process even when the run is already recorded.
    pub force: bool,
    /// Do everything but write.
    pub dry_run: bool,
}

/// The pure result of analysing one run context.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub accepted: Vec<LineageEdge>,
    pub candidates: Vec<LineageEdge>,
    pub diagnostics: Vec<Diagnostic>,
    pub findings: Vec<Finding>,
    pub model_usage: TokenUsage,
    pub fallback: bool,
    /// Why the model was (or would have been) asked.
    pub inference_reason: Option<&'static str>,
    /// The run lacks something its lineage rests on (see [`completeness`]).
    pub incomplete: bool,
    /// The SQL the job runs, as extraction found it (the `sql` job facet).
    pub sql: Vec<lineage_extract::SqlQuery>,
    /// Written columns and the input columns each is computed from (the `columnLineage`
    /// dataset facet).
    pub columns: Vec<lineage_extract::ColumnLineage>,
    /// What the Data Catalog says of the run's datasets (symlinks, schema).
    pub catalog: CatalogFacts,
}

/// What the model stage leaves: the edges, its findings and token usage, and whether the run
/// fell back to static evidence.
#[derive(Debug, Default)]
struct ModelStageOutcome {
    edges: Vec<LineageEdge>,
    findings: Vec<Finding>,
    usage: TokenUsage,
    fallback: bool,
}

/// Time spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimings {
    pub gather: Duration,
    pub analyze: Duration,
    pub persist: Duration,
}

/// What happened to one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Processed,
    /// The run was already recorded; nothing was written.
    AlreadyRecorded,
    /// `dry_run`: analysed, nothing written.
    DryRun,
}

/// The outcome of processing one event.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    pub disposition: Disposition,
    pub context: ExecutionContext,
    pub accepted: Vec<LineageEdge>,
    pub document_key: String,
    pub document_location: String,
    pub document: Vec<u8>,
    /// The key of the run's START event, beside the document.
    pub start_document_key: String,
    pub persist: PersistReport,
    /// What the transports were sent (nothing on a dry run or a recorded run).
    pub delivery: Delivery,
    pub timings: StageTimings,
}

/// The lineage pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    ports: Ports,
    settings: Settings,
    sleeper: Arc<dyn Sleeper>,
}

impl Pipeline {
    pub fn new(ports: Ports, settings: Settings) -> Self {
        Self {
            ports,
            settings,
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// The same pipeline waiting between model retries on `sleeper` (tests use one that
    /// records the delays instead of sleeping).
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }
    pub fn settings(&self) -> &Settings {
        &self.settings
    }
    pub fn ports(&self) -> &Ports {
        &self.ports
    }

    /// Gathers the context of the run an event announces (redacted) and its static
    /// extraction.
    pub async fn gather(&self, event: &GlueJobStateChange) -> Result<Gathered, EngineError> {
        let sources = Sources {
            catalog: self.ports.catalog.as_ref(),
            scripts: self.ports.scripts.as_ref(),
            logs: self.ports.logs.as_ref(),
        };
        gather(sources, &self.settings, event).await
    }

    /// Infer → score → validate on a gathered run.
    ///
    /// The model is asked only when a model is configured and the policy calls for it
    /// ([`infer::reason_to_ask`]). Its grounded proposals join the static edges (see
    /// [`infer::apply_answer`]); when it fails for good the run is recorded from static evidence
    /// with `fallback` set (`enable_fallback`), or the error is returned as
    /// [`EngineError::ModelFailed`], which is retryable.
    pub async fn analyze(&self, gathered: &Gathered) -> Result<Analysis, EngineError> {
        self.analyze_until(gathered, None).await
    }

    /// [`Pipeline::analyze`] with the model attempts bounded by `deadline`: when no time is
    /// left for another one the run is recorded from static evidence with a finding. A model
    /// failure retrying cannot fix (invalid answers, validation, access denied, no time left) is
    /// recorded that way even without `enable_fallback`.
    pub async fn analyze_until(
        &self,
        gathered: &Gathered,
        deadline: Option<Deadline>,
    ) -> Result<Analysis, EngineError> {
        let cache = self.table_cache();
        self.analyze_with(gathered, deadline, cache.as_ref()).await
    }

    /// A run's catalog lookups (one `GetTable` per table), when storage is wired.
    fn table_cache(&self) -> Option<catalog::TableCache> {
        self.ports.storage.clone().map(catalog::TableCache::new)
    }

    /// [`Pipeline::analyze_until`] with the run's catalog lookups in `cache` (some perhaps
    /// started already).
    async fn analyze_with(
        &self,
        gathered: &Gathered,
        deadline: Option<Deadline>,
        cache: Option<&catalog::TableCache>,
    ) -> Result<Analysis, EngineError> {
        let (ctx, extraction) = (&gathered.context, &gathered.extraction);
        let mut edges = extraction.edges.clone();
        score::score_all(&mut edges);
        let inference_reason =
            infer::reason_to_ask(&self.settings, ctx.event.state(), extraction, &edges);
        // the catalog tables static extraction names are looked up while the model thinks
        let asked = beside(
            self.ask_model(gathered, edges, inference_reason, deadline),
            warm(cache, gathered),
        )
        .await;
        let ModelStageOutcome {
            mut edges,
            findings: mut model_findings,
            usage: model_usage,
            fallback,
        } = asked?;
        // storage checks and catalog facts at once, each table asked for once
        let datasets: Vec<Dataset> = edges.iter().map(|e| e.dataset.clone()).collect();
        let checks = async {
            match (cache, self.settings.storage_checks) {
                (Some(cache), true) => {
                    storage_check::check(cache, ctx, &mut edges, &self.settings, deadline).await
                }
                _ => storage_check::StorageReport::default(),
            }
        };
        let facts = async {
            match cache {
                Some(cache) => catalog::lookup(cache, &datasets, ctx.redactor(), deadline).await,
                None => catalog::CatalogReport::default(),
            }
        };
        let (storage, catalog) = futures::join!(checks, facts);
        let mut validated = validate::validate(ctx, extraction, edges, &self.settings);
        storage.apply(&mut validated.accepted, &mut validated.candidates);
        model_findings.extend(storage.findings);
        model_findings.extend(catalog.findings);
        model_findings.extend(limits::cap_edges(
            &mut validated.accepted,
            &mut validated.candidates,
            &self.settings,
        ));
        model_findings.extend(completeness::findings(
            gathered,
            &validated.accepted,
            &validated.candidates,
        ));
        if !model_findings.is_empty() {
            validated.findings.extend(model_findings);
            validated.findings.sort();
            validated.findings.dedup();
        }
        Ok(Analysis {
            accepted: validated.accepted,
            candidates: validated.candidates,
            diagnostics: extraction.diagnostics.clone(),
            findings: validated.findings,
            model_usage,
            fallback,
            inference_reason,
            incomplete: completeness::incomplete(gathered),
            sql: extraction.sql.clone(),
            columns: extraction.columns.clone(),
            catalog: catalog.datasets,
        })
    }

    /// The model stage: the static edges with the model's grounded proposals merged in, when
    /// a model is configured and `reason` calls for it (see [`Pipeline::analyze_until`]).
    async fn ask_model(
        &self,
        gathered: &Gathered,
        edges: Vec<LineageEdge>,
        reason: Option<&'static str>,
        deadline: Option<Deadline>,
    ) -> Result<ModelStageOutcome, EngineError> {
        let (ctx, extraction) = (&gathered.context, &gathered.extraction);
        let mut outcome = ModelStageOutcome {
            edges,
            ..ModelStageOutcome::default()
        };
        let (Some(reason), Some(model)) = (reason, self.ports.model.as_deref()) else {
            return Ok(outcome);
        };
        let stage = infer::ModelStage {
            model,
            cache: self.ports.cache.as_ref(),
            metrics: self.ports.metrics.as_ref(),
            sleeper: self.sleeper.as_ref(),
            settings: &self.settings,
            deadline,
        };
        let asked = infer::ask(stage, ctx, extraction, &outcome.edges, reason).await;
        outcome.usage = asked.usage;
        match asked.answer {
            Ok(answer) => {
                let edges = std::mem::take(&mut outcome.edges);
                let (merged, findings) = infer::apply_answer(ctx, model.model_id(), edges, &answer);
                outcome.edges = merged;
                outcome.findings = findings;
            }
            Err(e) if self.settings.enable_fallback || !e.is_retryable() => {
                outcome.fallback = true;
                outcome.findings.push(Finding {
                    check: "model".into(),
                    severity: "warning".into(),
                    message: ctx
                        .redactor()
                        .redact(&format!(
                            "lineage model {} failed ({reason} was the reason to ask); recorded from static evidence only: {e}",
                            model.model_id()
                        ))
                        .into_owned(),
                });
            }
            Err(e) => return Err(EngineError::ModelFailed(e)),
        }
        Ok(outcome)
    }

    fn document_input<'a>(&self, analysis: &'a Analysis) -> DocumentInput<'a> {
        DocumentInput {
            accepted: &analysis.accepted,
            findings: &analysis.findings,
            candidates_below_threshold: analysis.candidates.len(),
            diagnostics: &analysis.diagnostics,
            min_confidence_score: self.settings.min_confidence_score,
            sql: &analysis.sql,
            columns: &analysis.columns,
            catalog: &analysis.catalog,
        }
    }

    /// The OpenLineage RunEvent of an analysed run (the terminal event).
    pub fn document(&self, ctx: &RedactedRunContext, analysis: &Analysis) -> RunEvent {
        run_event(ctx, &self.document_input(analysis))
    }

    /// The START event of an analysed run.
    pub fn start_document(&self, ctx: &RedactedRunContext, analysis: &Analysis) -> RunEvent {
        start_event(ctx, &self.document_input(analysis))
    }

    /// The RunEvent as the bytes that are written: deterministic JSON, passed once more through
    /// the run's redactor (a last line of defence: the context was redacted where it entered,
    /// and model answers where they arrived).
    pub fn document_bytes(
        &self,
        ctx: &RedactedRunContext,
        analysis: &Analysis,
    ) -> Result<Vec<u8>, EngineError> {
        event_bytes(ctx, &self.document(ctx, analysis))
    }

    /// The START event as the bytes that are written and sent (as [`Pipeline::document_bytes`]).
    pub fn start_document_bytes(
        &self,
        ctx: &RedactedRunContext,
        analysis: &Analysis,
    ) -> Result<Vec<u8>, EngineError> {
        event_bytes(ctx, &self.start_document(ctx, analysis))
    }

    /// Processes one event end to end.
    pub async fn process(
        &self,
        event: &GlueJobStateChange,
        options: ProcessOptions,
    ) -> Result<RunOutcome, EngineError> {
        self.process_until(event, options, None).await
    }

    /// [`Pipeline::process`] within an invocation's `deadline` (see
    /// [`Pipeline::analyze_until`]).
    pub async fn process_until(
        &self,
        event: &GlueJobStateChange,
        options: ProcessOptions,
        deadline: Option<Deadline>,
    ) -> Result<RunOutcome, EngineError> {
        let started = Instant::now();
        let result = self.process_inner(event, options, deadline).await;
        let job = event.job_name();
        match &result {
            Ok(outcome) if outcome.disposition == Disposition::Processed => {
                let low = outcome.context.summary.candidates.len();
                self.ports.metrics.record(
                    job,
                    &[
                        Metric::count("RunsProcessed", 1.0),
                        Metric::count("DatasetsFound", outcome.accepted.len() as f64),
                        Metric::count("LowConfidenceEdges", low as f64),
                        Metric::millis(
                            "ProcessingLatency",
                            started.elapsed().as_secs_f64() * 1000.0,
                        ),
                    ],
                );
                self.ports.metrics.record(
                    job,
                    &completeness::metrics(&outcome.context, "ErrorOccurrence"),
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!(job = %job, run = %event.job_run_id(), error = %e, retryable = e.is_retryable(), "run not processed");
                self.ports
                    .metrics
                    .record(job, &[Metric::count("ErrorOccurrence", 1.0)]);
            }
        }
        result
    }

    async fn process_inner(
        &self,
        event: &GlueJobStateChange,
        options: ProcessOptions,
        deadline: Option<Deadline>,
    ) -> Result<RunOutcome, EngineError> {
        let run_id = event.job_run_id();
        if !options.force {
            let existing = self
                .ports
                .store
                .execution_context(run_id)
                .await
                .map_err(|e| EngineError::port("check execution context", e))?;
            // an incomplete record is not done: this delivery completes it
            if let Some(context) = existing.filter(|c| c.processing_status.is_done()) {
                return Ok(self.already_recorded(context));
            }
        }
        let t0 = Instant::now();
        let gathered = self.gather(event).await?;
        let t1 = Instant::now();
        let cache = self.table_cache();
        if options.dry_run {
            return self
                .record(&gathered, options, deadline, cache.as_ref(), t0, t1)
                .await;
        }
        // of concurrent deliveries of the run, one goes on (and asks the model); the catalog
        // tables static extraction names are looked up meanwhile
        let owner = claim_owner();
        let lease = Duration::from_secs(self.settings.claim_lease_seconds);
        let store = self.ports.store.as_ref();
        let claimed = beside(
            store.claim_run(run_id, &owner, lease, options.force),
            warm(cache.as_ref(), &gathered),
        )
        .await
        .map_err(|e| EngineError::port("claim run", e))?;
        if !claimed {
            let recorded = store
                .execution_context(run_id)
                .await
                .map_err(|e| EngineError::port("check execution context", e))?;
            return match recorded.filter(|c| c.processing_status.is_done() && !options.force) {
                Some(context) => Ok(self.already_recorded(context)),
                None => Err(EngineError::Busy {
                    run_id: run_id.to_string(),
                }),
            };
        }
        let result = self
            .record(&gathered, options, deadline, cache.as_ref(), t0, t1)
            .await;
        // a written context ended the claim; otherwise it is released (best effort: an
        // unreleased claim ends with its lease)
        if !result.as_ref().is_ok_and(|o| o.persist.context_written) {
            if let Err(e) = store.release_run(run_id, &owner).await {
                tracing::warn!(run = %run_id, error = %e, "claim not released");
            }
        }
        result
    }

    fn already_recorded(&self, context: ExecutionContext) -> RunOutcome {
        let location = self.ports.sink.location(&context.lineage_key);
        RunOutcome {
            disposition: Disposition::AlreadyRecorded,
            document_key: context.lineage_key.clone(),
            document_location: location,
            context,
            start_document_key: String::new(),
            accepted: Vec::new(),
            document: Vec::new(),
            persist: PersistReport::default(),
            delivery: Delivery::default(),
            timings: StageTimings::default(),
        }
    }

    /// Analyses a gathered run and writes what it found (unless `dry_run`).
    async fn record(
        &self,
        gathered: &Gathered,
        options: ProcessOptions,
        deadline: Option<Deadline>,
        cache: Option<&catalog::TableCache>,
        t0: Instant,
        t1: Instant,
    ) -> Result<RunOutcome, EngineError> {
        let analysis = self.analyze_with(gathered, deadline, cache).await?;
        let ctx = &gathered.context;
        let document = self.document_bytes(ctx, &analysis)?;
        let start = self.start_document_bytes(ctx, &analysis)?;
        let key = self
            .settings
            .lineage_key(&ctx.job.name, &ctx.run.id, ctx.run.started_on);
        let start_key = self
            .settings
            .start_key(&ctx.job.name, &ctx.run.id, ctx.run.started_on);
        let mut context = execution_context(ctx, &analysis, &key);
        if let Some(f) = limits::fit_context(&mut context) {
            tracing::warn!(run = %ctx.run.id, "{}", f.message);
        }
        let mappings = job_mappings(ctx, &analysis.accepted, &analysis.catalog);
        limits::check_writes(&key, &mappings, &context)?;
        let t2 = Instant::now();
        let (disposition, report, delivery) = if options.dry_run {
            (
                Disposition::DryRun,
                PersistReport::default(),
                Delivery::default(),
            )
        } else {
            let documents = [
                Document {
                    key: &start_key,
                    body: &start,
                },
                Document {
                    key: &key,
                    body: &document,
                },
            ];
            let events = [
                LineageEvent {
                    run_id: &ctx.run.id,
                    event_type: "START",
                    body: &start,
                },
                LineageEvent {
                    run_id: &ctx.run.id,
                    event_type: crate::openlineage::event_type(ctx.event.state()),
                    body: &document,
                },
            ];
            let secrets: Vec<_> = self.settings.transport.api_key.iter().collect();
            let (written, delivery) = futures::join!(
                write_run(
                    self.ports.store.as_ref(),
                    self.ports.sink.as_ref(),
                    &documents,
                    &mappings,
                ),
                deliver(&self.ports.transports, &events, ctx.redactor(), &secrets),
            );
            let mut report = written?;
            if !delivery.findings.is_empty() {
                context.findings.extend(delivery.findings.iter().cloned());
                context.findings.sort();
                context.findings.dedup();
            }
            let transport_metrics = delivery.metrics();
            if !transport_metrics.is_empty() {
                self.ports.metrics.record(&ctx.job.name, &transport_metrics);
            }
            report.context_written =
                mark_done(self.ports.store.as_ref(), &context, options.force).await?;
            (Disposition::Processed, report, delivery)
        };
        let t3 = Instant::now();
        Ok(RunOutcome {
            disposition,
            document_location: self.ports.sink.location(&key),
            document_key: key,
            start_document_key: start_key,
            context,
            accepted: analysis.accepted,
            document,
            persist: report,
            delivery,
            timings: StageTimings {
                gather: t1 - t0,
                analyze: t2 - t1,
                persist: t3 - t2,
            },
        })
    }
}

/// `main`'s output, with `side` polled while `main` runs (and dropped when it is done first:
/// what `side` started goes on where it is awaited later).
async fn beside<T>(
    main: impl std::future::Future<Output = T>,
    side: impl std::future::Future<Output = ()>,
) -> T {
    futures::pin_mut!(main, side);
    match futures::future::select(main, side).await {
        futures::future::Either::Left((out, _)) => out,
        futures::future::Either::Right(((), main)) => main.await,
    }
}

/// Starts the catalog lookups of the tables a run's static extraction names.
async fn warm(cache: Option<&catalog::TableCache>, gathered: &Gathered) {
    if let Some(cache) = cache {
        let named: Vec<Dataset> = gathered
            .extraction
            .edges
            .iter()
            .map(|e| e.dataset.clone())
            .collect();
        cache.warm(&named).await;
    }
}

/// An event as the bytes that are written and sent: deterministic JSON, passed once more
/// through the run's redactor.
fn event_bytes(ctx: &RedactedRunContext, event: &RunEvent) -> Result<Vec<u8>, EngineError> {
    let bytes = event
        .to_bytes()
        .map_err(|e| EngineError::Serialise(e.to_string()))?;
    let text = String::from_utf8(bytes).map_err(|e| EngineError::Serialise(e.to_string()))?;
    Ok(ctx.redactor().redact(&text).into_owned().into_bytes())
}

/// A claim owner unique to one `process` call: process id, time and a counter.
fn claim_owner() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("{}-{nanos}-{n}", std::process::id())
}

/// The run's order among the runs of its job.
pub fn run_order(ctx: &RedactedRunContext) -> RunOrder {
    RunOrder {
        started_on: ctx.run.started_on,
        run_id: ctx.run.id.clone(),
    }
}

/// The mappings one run contributes: one per accepted edge, its evidence in readable lines,
/// with the dataset's symlinks when the catalog knows them.
pub fn job_mappings(
    ctx: &RedactedRunContext,
    accepted: &[LineageEdge],
    catalog: &CatalogFacts,
) -> Vec<JobMapping> {
    let order = run_order(ctx);
    let reader = crate::evidence::EvidenceReader::of(ctx);
    accepted
        .iter()
        .map(|e| {
            let symlinks = catalog
                .get(&e.dataset)
                .map(|c| c.symlinks.clone())
                .unwrap_or_default();
            JobMapping {
                evidence_summary: reader.lines(&e.evidence).join("; "),
                ..JobMapping::from_edge(&ctx.job.name, &order, e)
            }
            .with_symlinks(symlinks)
        })
        .collect()
}

/// The execution context recorded for a run (of a redacted context: arguments and
/// diagnostics are already free of secrets).
pub fn execution_context(
    ctx: &RedactedRunContext,
    analysis: &Analysis,
    lineage_key: &str,
) -> ExecutionContext {
    let reader = crate::evidence::EvidenceReader::of(ctx);
    let summaries = |dir: Direction| -> Vec<EdgeSummary> {
        analysis
            .accepted
            .iter()
            .filter(|e| e.direction == dir)
            .map(|e| reader.summary(e))
            .collect()
    };
    ExecutionContext {
        job_run_id: ctx.run.id.clone(),
        job_name: ctx.job.name.clone(),
        state: ctx.event.state(),
        started_on: ctx.run.started_on,
        completed_on: ctx.run.ended_on(),
        arguments: ctx.effective_arguments(),
        glue_version: ctx
            .run
            .glue_version
            .clone()
            .or_else(|| ctx.job.glue_version.clone()),
        worker_type: ctx
            .run
            .worker_type
            .clone()
            .or_else(|| ctx.job.worker_type.clone()),
        summary: LineageSummary {
            inputs: summaries(Direction::Input),
            outputs: summaries(Direction::Output),
            candidates: analysis
                .candidates
                .iter()
                .map(|e| reader.summary(e))
                .collect(),
            diagnostics: analysis.diagnostics.clone(),
        },
        findings: analysis.findings.clone(),
        model_usage: analysis.model_usage,
        processing_status: if analysis.incomplete {
            ProcessingStatus::Incomplete
        } else if analysis.fallback {
            ProcessingStatus::CompletedWithFallback
        } else {
            ProcessingStatus::Completed
        },
        lineage_key: lineage_key.to_string(),
    }
}
