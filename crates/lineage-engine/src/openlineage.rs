//! The lineage documents: two OpenLineage RunEvents per run with one deterministic run id
//! (UUIDv5 of the Glue run id): START at the run's start, and the terminal event (COMPLETE for
//! SUCCEEDED, FAIL for FAILED and TIMEOUT, ABORT for STOPPED) at its end. Serialisation is
//! deterministic: the same run gives byte-identical JSON.

use crate::catalog::CatalogFacts;
use crate::evidence::EvidenceReader;
use lineage_domain::ports::CatalogColumn;
use lineage_domain::record::Finding;
use lineage_domain::{
    Dataset, Diagnostic, Direction, LineageEdge, RedactedRunContext, RunContext, RunState,
    ScriptLanguage,
};
use lineage_extract::{ColumnLineage, SqlQuery};
use serde::Serialize;
use std::collections::BTreeMap;
use uuid::Uuid;

/// Who produced the events: this crate's folder in the repository (Cargo.toml `repository`).
pub const PRODUCER: &str = concat!(
    env!("CARGO_PKG_REPOSITORY"),
    "/tree/main/crates/lineage-engine"
);
pub const RUN_EVENT_SCHEMA: &str =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
/// Where the custom facets' JSON schemas are: `spec/facets/` of the repository (Cargo.toml
/// `repository`); each schema's `$id` is its URL here.
pub const FACETS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/spec/facets");

/// The namespace of our run ids: UUIDv5 of the project URL.
fn run_id_namespace() -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        b"https://github.com/enhanced-lineage-agent",
    )
}

/// The OpenLineage run id of a Glue run: a UUIDv5 of the Glue run id.
pub fn run_uuid(glue_run_id: &str) -> Uuid {
    Uuid::new_v5(&run_id_namespace(), glue_run_id.as_bytes())
}

/// The OpenLineage event type of a terminal Glue state.
pub fn event_type(state: RunState) -> &'static str {
    match state {
        RunState::Succeeded => "COMPLETE",
        RunState::Failed | RunState::Timeout => "FAIL",
        RunState::Stopped => "ABORT",
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunEvent {
    pub event_type: &'static str,
    pub event_time: String,
    pub producer: &'static str,
    #[serde(rename = "schemaURL")]
    pub schema_url: &'static str,
    pub run: Run,
    pub job: Job,
    pub inputs: Vec<DatasetRef>,
    pub outputs: Vec<DatasetRef>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub run_id: String,
    pub facets: RunFacets,
}

#[derive(Debug, Serialize)]
pub struct RunFacets {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentRunFacet>,
    #[serde(rename = "errorMessage", skip_serializing_if = "Option::is_none")]
    pub error_message: Option<ErrorMessageFacet>,
    #[serde(rename = "extractionError", skip_serializing_if = "Option::is_none")]
    pub extraction_error: Option<ExtractionErrorFacet>,
    /// The run as Glue reported it (terminal events only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub glue_run: Option<GlueRunFacet>,
    /// What validation found (terminal events only: it is known at the end).
    #[serde(rename = "lineage_validation", skip_serializing_if = "Option::is_none")]
    pub validation: Option<ValidationFacet>,
    pub processing_engine: ProcessingEngineFacet,
}

/// The Glue workflow run that started this job run (Glue passes `--WORKFLOW_NAME` and
/// `--WORKFLOW_RUN_ID` to the jobs a workflow's triggers start): the workflow is the parent job
/// (`workflow/NAME` in the job's namespace), its run the parent run.
#[derive(Debug, Serialize)]
pub struct ParentRunFacet {
    #[serde(flatten)]
    pub base: Base,
    pub run: ParentRun,
    pub job: ParentJob,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ParentRun {
    pub run_id: String,
}

#[derive(Debug, Serialize)]
pub struct ParentJob {
    pub namespace: String,
    pub name: String,
}

impl ParentRunFacet {
    fn of(ctx: &RunContext) -> Option<Self> {
        let arg = |key: &str| {
            ctx.run
                .arguments
                .get(&format!("--{key}"))
                .or_else(|| ctx.run.arguments.get(key))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let (name, run_id) = (arg("WORKFLOW_NAME")?, arg("WORKFLOW_RUN_ID")?);
        Some(Self {
            base: Base::standard("1-2-0/ParentRunFacet.json#/$defs/ParentRunFacet"),
            run: ParentRun {
                run_id: run_uuid(&format!("workflow/{name}/{run_id}")).to_string(),
            },
            job: ParentJob {
                namespace: job_namespace(ctx),
                name: format!("workflow/{name}"),
            },
        })
    }
}

#[derive(Debug, Serialize)]
pub struct Base {
    #[serde(rename = "_producer")]
    pub producer: &'static str,
    #[serde(rename = "_schemaURL")]
    pub schema_url: String,
}

impl Base {
    fn standard(schema: &str) -> Self {
        Self {
            producer: PRODUCER,
            schema_url: format!("https://openlineage.io/spec/facets/{schema}"),
        }
    }
    fn custom(file: &str) -> Self {
        Self {
            producer: PRODUCER,
            schema_url: format!("{FACETS_BASE}/{file}"),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorMessageFacet {
    #[serde(flatten)]
    pub base: Base,
    pub message: String,
    pub programming_language: String,
}

/// What static extraction could not settle (the standard `extractionError` facet): one error
/// per unresolved read or write, parse error, missing argument or opaque call, with its line,
/// the API and the reason.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractionErrorFacet {
    #[serde(flatten)]
    pub base: Base,
    pub total_tasks: usize,
    pub failed_tasks: usize,
    pub errors: Vec<ExtractionError>,
}

/// One thing extraction could not settle.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExtractionError {
    pub error_message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub task: String,
    pub task_number: usize,
}

impl ExtractionErrorFacet {
    /// The facet of a run's diagnostics (`None` when there are none); `found` is the number
    /// of datasets extraction did settle.
    pub fn of(diagnostics: &[Diagnostic], found: usize) -> Option<Self> {
        if diagnostics.is_empty() {
            return None;
        }
        let errors: Vec<ExtractionError> = diagnostics
            .iter()
            .enumerate()
            .map(|(i, d)| ExtractionError {
                error_message: diagnostic_line(d),
                task: d.expression.clone(),
                task_number: i,
            })
            .collect();
        Some(Self {
            base: Base::standard(
                "1-1-2/ExtractionErrorRunFacet.json#/$defs/ExtractionErrorRunFacet",
            ),
            total_tasks: found + errors.len(),
            failed_tasks: errors.len(),
            errors,
        })
    }
}

/// One diagnostic as a line a person reads: where, which way, why.
pub fn diagnostic_line(d: &Diagnostic) -> String {
    let direction = d
        .direction
        .map(|x| match x {
            Direction::Input => " (read)",
            Direction::Output => " (write)",
        })
        .unwrap_or_default();
    format!("{}{direction}: {}", d.locator, d.message)
}

/// The raw Glue run, kept beside the UUID.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GlueRunFacet {
    #[serde(flatten)]
    pub base: Base,
    pub job_run_id: String,
    pub attempt: i64,
    pub state: &'static str,
    pub started_on: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_time_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number_of_workers: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidationFacet {
    #[serde(flatten)]
    pub base: Base,
    pub min_confidence_score: f64,
    pub findings: Vec<Finding>,
    pub candidates_below_threshold: usize,
    pub unresolved: usize,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessingEngineFacet {
    #[serde(flatten)]
    pub base: Base,
    pub version: String,
    pub name: &'static str,
    pub openlineage_adapter_version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct Job {
    pub namespace: String,
    pub name: String,
    pub facets: JobFacets,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobFacets {
    pub job_type: JobTypeFacet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_code_location: Option<SourceCodeLocationFacet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sql: Option<SqlJobFacet>,
}

/// The SQL the job runs (the standard `sql` job facet): each wholly known text extraction
/// found, in the order run, separated by `;` and a blank line; the dialect when they share one.
#[derive(Debug, Serialize)]
pub struct SqlJobFacet {
    #[serde(flatten)]
    pub base: Base,
    pub query: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dialect: Option<&'static str>,
}

impl SqlJobFacet {
    /// The facet of the SQL a run's extraction found (`None` when there is none).
    pub fn of(queries: &[SqlQuery]) -> Option<Self> {
        let first = queries.first()?;
        let query = queries
            .iter()
            .map(|q| q.query.trim().trim_end_matches(';').trim_end())
            .collect::<Vec<_>>()
            .join(";\n\n");
        Some(Self {
            base: Base::standard("1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet"),
            query,
            dialect: queries
                .iter()
                .all(|q| q.dialect == first.dialect)
                .then_some(first.dialect),
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JobTypeFacet {
    #[serde(flatten)]
    pub base: Base,
    pub processing_type: &'static str,
    pub integration: &'static str,
    pub job_type: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SourceCodeLocationFacet {
    #[serde(flatten)]
    pub base: Base,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct DatasetRef {
    pub namespace: String,
    pub name: String,
    pub facets: DatasetFacets,
}

#[derive(Debug, Serialize)]
pub struct DatasetFacets {
    pub lineage_evidence: EvidenceFacet,
    /// The catalog table's columns and partition keys (the standard `schema` facet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaFacet>,
    /// The dataset's other names: a catalog table's S3 location, or the catalog table an S3
    /// location stores (the standard `symlinks` facet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub symlinks: Option<SymlinksFacet>,
    /// Each written column and the input columns it is computed from (outputs only; the
    /// standard `columnLineage` facet).
    #[serde(rename = "columnLineage", skip_serializing_if = "Option::is_none")]
    pub column_lineage: Option<ColumnLineageFacet>,
}

/// The standard `columnLineage` dataset facet: by output field, the input fields it is made
/// from, each with its `DIRECT` transformation subtype.
#[derive(Debug, Serialize)]
pub struct ColumnLineageFacet {
    #[serde(flatten)]
    pub base: Base,
    pub fields: BTreeMap<String, ColumnLineageField>,
}

#[derive(Debug, Serialize)]
pub struct ColumnLineageField {
    #[serde(rename = "inputFields")]
    pub input_fields: Vec<InputFieldRef>,
}

/// One input field of an output field.
#[derive(Debug, Serialize)]
pub struct InputFieldRef {
    pub namespace: String,
    pub name: String,
    pub field: String,
    pub transformations: Vec<FieldTransformation>,
}

#[derive(Debug, Serialize)]
pub struct FieldTransformation {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub subtype: &'static str,
}

impl ColumnLineageFacet {
    /// The facet of output `dataset`: the column lineage found for it, with the input fields
    /// of datasets the run's accepted lineage holds (`None` when nothing is left).
    fn of(dataset: &Dataset, columns: &[ColumnLineage], accepted: &[LineageEdge]) -> Option<Self> {
        let known = |d: &Dataset| accepted.iter().any(|e| &e.dataset == d);
        let mut fields = BTreeMap::new();
        for c in columns.iter().filter(|c| &c.output == dataset) {
            let input_fields: Vec<InputFieldRef> = c
                .inputs
                .iter()
                .filter(|i| known(&i.dataset))
                .map(|i| InputFieldRef {
                    namespace: i.dataset.namespace.clone(),
                    name: i.dataset.name.clone(),
                    field: i.field.clone(),
                    transformations: vec![FieldTransformation {
                        kind: "DIRECT",
                        subtype: i.transformation.subtype(),
                    }],
                })
                .collect();
            if !input_fields.is_empty() {
                fields.insert(c.field.clone(), ColumnLineageField { input_fields });
            }
        }
        (!fields.is_empty()).then(|| Self {
            base: Base::standard(
                "1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet",
            ),
            fields,
        })
    }
}

/// The standard `schema` dataset facet: a catalog table's columns, then its partition keys.
#[derive(Debug, Serialize)]
pub struct SchemaFacet {
    #[serde(flatten)]
    pub base: Base,
    pub fields: Vec<SchemaField>,
}

/// One field of the `schema` facet.
#[derive(Debug, Serialize)]
pub struct SchemaField {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 1-based.
    pub ordinal_position: usize,
}

impl SchemaFacet {
    fn of(fields: &[CatalogColumn]) -> Option<Self> {
        if fields.is_empty() {
            return None;
        }
        Some(Self {
            base: Base::standard("1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"),
            fields: fields
                .iter()
                .enumerate()
                .map(|(i, c)| SchemaField {
                    name: c.name.clone(),
                    kind: c.data_type.clone(),
                    description: c.comment.clone(),
                    ordinal_position: i + 1,
                })
                .collect(),
        })
    }
}

/// The standard `symlinks` dataset facet.
#[derive(Debug, Serialize)]
pub struct SymlinksFacet {
    #[serde(flatten)]
    pub base: Base,
    pub identifiers: Vec<SymlinkIdentifier>,
}

/// One other name of a dataset: `TABLE` for a catalog table, `LOCATION` for the storage
/// location of one (OpenLineage's `DatasetIdentifier.SymlinkType`).
#[derive(Debug, Serialize)]
pub struct SymlinkIdentifier {
    pub namespace: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl SymlinksFacet {
    fn of(symlinks: &[Dataset]) -> Option<Self> {
        if symlinks.is_empty() {
            return None;
        }
        Some(Self {
            base: Base::standard("1-0-1/SymlinksDatasetFacet.json#/$defs/SymlinksDatasetFacet"),
            identifiers: symlinks
                .iter()
                .map(|d| SymlinkIdentifier {
                    namespace: d.namespace.clone(),
                    name: d.name.clone(),
                    kind: if d.catalog_table().is_some() {
                        "TABLE"
                    } else {
                        "LOCATION"
                    },
                })
                .collect(),
        })
    }
}

/// Our custom dataset facet: the edge's confidence and the evidence behind it.
#[derive(Debug, Serialize)]
pub struct EvidenceFacet {
    #[serde(flatten)]
    pub base: Base,
    pub confidence: f64,
    pub evidence: Vec<EvidenceItem>,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct EvidenceItem {
    pub kind: &'static str,
    pub locator: String,
    pub rule: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// The evidence facet's items: readable places (`script.py:13`, `argument --target_bucket`,
/// `log <stream> <time>`), each item once.
fn evidence_items(
    reader: &EvidenceReader<'_>,
    evidence: &[lineage_domain::Evidence],
) -> Vec<EvidenceItem> {
    let mut items: Vec<EvidenceItem> = Vec::new();
    for ev in evidence {
        let item = EvidenceItem {
            kind: ev.kind.as_str(),
            locator: reader.place(&ev.locator),
            rule: ev.rule.clone(),
            detail: ev.detail.clone(),
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    items
}

/// What the document needs beyond the run context.
#[derive(Debug)]
pub struct DocumentInput<'a> {
    pub accepted: &'a [LineageEdge],
    pub findings: &'a [Finding],
    pub candidates_below_threshold: usize,
    /// What static extraction could not settle.
    pub diagnostics: &'a [Diagnostic],
    pub min_confidence_score: f64,
    /// The SQL the job runs, as extraction found it.
    pub sql: &'a [SqlQuery],
    /// Written columns and the input columns each is computed from.
    pub columns: &'a [ColumnLineage],
    /// What the Data Catalog says of the datasets (symlinks, schema).
    pub catalog: &'a CatalogFacts,
}

/// Builds the RunEvent of a run.
pub fn run_event(ctx: &RedactedRunContext, input: &DocumentInput<'_>) -> RunEvent {
    let state = ctx.event.state();
    let language = ctx
        .script
        .as_ref()
        .map(|s| s.language)
        .unwrap_or(ScriptLanguage::Python);
    let error_message = match state {
        RunState::Failed | RunState::Timeout => Some(ErrorMessageFacet {
            base: Base::standard("1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet"),
            message: ctx
                .run
                .error_message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| ctx.event.detail.message.clone()),
            programming_language: match language {
                ScriptLanguage::Scala => "SCALA".into(),
                ScriptLanguage::Sql => "SQL".into(),
                ScriptLanguage::Python => "PYTHON".into(),
            },
        }),
        _ => None,
    };
    let event_time = ctx
        .run
        .ended_on()
        .map(rfc3339)
        .unwrap_or_else(|| ctx.event.envelope.time.clone());
    let reader = EvidenceReader::of(ctx);
    let datasets = |dir: Direction| -> Vec<DatasetRef> {
        let mut v: Vec<DatasetRef> = input
            .accepted
            .iter()
            .filter(|e| e.direction == dir)
            .map(|e| {
                let catalog = input.catalog.get(&e.dataset);
                DatasetRef {
                    namespace: e.dataset.namespace.clone(),
                    name: e.dataset.name.clone(),
                    facets: DatasetFacets {
                        lineage_evidence: EvidenceFacet {
                            base: Base::custom("LineageEvidenceDatasetFacet.json"),
                            confidence: e.confidence.rounded(),
                            evidence: evidence_items(&reader, &e.evidence),
                        },
                        schema: catalog.and_then(|c| SchemaFacet::of(&c.fields)),
                        symlinks: catalog.and_then(|c| SymlinksFacet::of(&c.symlinks)),
                        column_lineage: match dir {
                            Direction::Output => {
                                ColumnLineageFacet::of(&e.dataset, input.columns, input.accepted)
                            }
                            Direction::Input => None,
                        },
                    },
                }
            })
            .collect();
        v.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        v
    };
    RunEvent {
        event_type: event_type(state),
        event_time,
        producer: PRODUCER,
        schema_url: RUN_EVENT_SCHEMA,
        run: Run {
            run_id: run_uuid(&ctx.run.id).to_string(),
            facets: RunFacets {
                parent: ParentRunFacet::of(ctx),
                error_message,
                extraction_error: ExtractionErrorFacet::of(input.diagnostics, input.accepted.len()),
                glue_run: Some(GlueRunFacet {
                    base: Base::custom("GlueRunFacet.json"),
                    job_run_id: ctx.run.id.clone(),
                    attempt: ctx.run.attempt,
                    state: state.as_str(),
                    started_on: rfc3339(ctx.run.started_on),
                    completed_on: ctx.run.completed_on.map(rfc3339),
                    execution_time_seconds: ctx.run.execution_time,
                    worker_type: ctx.run.worker_type.clone().or_else(|| ctx.job.worker_type.clone()),
                    number_of_workers: ctx.run.number_of_workers.or(ctx.job.number_of_workers),
                }),
                validation: Some(ValidationFacet {
                    base: Base::custom("LineageValidationRunFacet.json"),
                    min_confidence_score: input.min_confidence_score,
                    findings: input.findings.to_vec(),
                    candidates_below_threshold: input.candidates_below_threshold,
                    unresolved: input.diagnostics.len(),
                }),
                processing_engine: ProcessingEngineFacet {
                    base: Base::standard("1-1-1/ProcessingEngineRunFacet.json#/$defs/ProcessingEngineRunFacet"),
                    version: ctx
                        .run
                        .glue_version
                        .clone()
                        .or_else(|| ctx.job.glue_version.clone())
                        .unwrap_or_else(|| "unknown".into()),
                    name: "AWS Glue",
                    openlineage_adapter_version: env!("CARGO_PKG_VERSION"),
                },
            },
        },
        job: Job {
            namespace: job_namespace(ctx),
            name: ctx.job.name.clone(),
            facets: JobFacets {
                job_type: JobTypeFacet {
                    base: Base::standard("2-0-4/JobTypeJobFacet.json#/$defs/JobTypeJobFacet"),
                    processing_type: if ctx.job.command.name.is_streaming() { "STREAMING" } else { "BATCH" },
                    integration: "GLUE",
                    job_type: "JOB",
                },
                source_code_location: script_url(&ctx.job.command.script_location).map(|url| {
                    SourceCodeLocationFacet {
                        base: Base::standard(
                            "1-1-0/SourceCodeLocationJobFacet.json#/$defs/SourceCodeLocationJobFacet",
                        ),
                        kind: "s3",
                        url,
                    }
                }),
                sql: SqlJobFacet::of(input.sql),
            },
        },
        inputs: datasets(Direction::Input),
        outputs: datasets(Direction::Output),
    }
}

/// The START event of a run: the terminal event's run id, job and datasets, at the run's
/// start (`StartedOn`), with the run facets known then (parent, processing engine); what is
/// known only at the end (the Glue run's outcome, validation, extraction errors, the error
/// message) stays in the terminal event.
pub fn start_event(ctx: &RedactedRunContext, input: &DocumentInput<'_>) -> RunEvent {
    let mut event = run_event(ctx, input);
    event.event_type = "START";
    event.event_time = rfc3339(ctx.run.started_on);
    let facets = &mut event.run.facets;
    facets.error_message = None;
    facets.extraction_error = None;
    facets.glue_run = None;
    facets.validation = None;
    event
}

/// The script location as an absolute URI: characters a URI cannot hold (spaces, quotes,
/// non-ASCII) are percent-encoded, so `s3://b/My Job.py` becomes `s3://b/My%20Job.py`.
/// A location that is no URI at all (no scheme) gives no facet rather than an invalid one.
fn script_url(location: &str) -> Option<String> {
    let location = location.trim();
    if location.is_empty() {
        return None;
    }
    match url::Url::parse(location) {
        Ok(url) if !url.cannot_be_a_base() => Some(url.to_string()),
        _ => {
            tracing::warn!("the job's script location is not a URI; the run event names no source code location");
            None
        }
    }
}

/// The job namespace: the Glue ARN prefix of the account and region.
pub fn job_namespace(ctx: &RunContext) -> String {
    format!("arn:aws:glue:{}:{}", ctx.region(), ctx.account())
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl RunEvent {
    /// Deterministic pretty JSON bytes (struct field order, sorted datasets).
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_uuid_is_deterministic_v5() {
        let a = run_uuid("jr_abc");
        assert_eq!(a, run_uuid("jr_abc"));
        assert_ne!(a, run_uuid("jr_abd"));
        assert_eq!(a.get_version_num(), 5);
    }

    #[test]
    fn event_types_follow_the_state() {
        assert_eq!(event_type(RunState::Succeeded), "COMPLETE");
        assert_eq!(event_type(RunState::Failed), "FAIL");
        assert_eq!(event_type(RunState::Timeout), "FAIL");
        assert_eq!(event_type(RunState::Stopped), "ABORT");
    }

    #[test]
    fn script_locations_become_absolute_uris() {
        assert_eq!(
            script_url("s3://scripts/Hands on/Kafka to Hudi.py").as_deref(),
            Some("s3://scripts/Hands%20on/Kafka%20to%20Hudi.py")
        );
        assert_eq!(
            script_url("s3://b/job.py").as_deref(),
            Some("s3://b/job.py")
        );
        assert_eq!(script_url("  "), None);
        assert_eq!(script_url("scripts/job.py"), None);
        assert_eq!(script_url("mailto:x"), None);
    }
}
