//! Storage checks (a validation): does storage confirm a run's edges? An output must show
//! objects (or catalog entries) dated inside the run window widened by the time tolerance, an
//! input must have existed before the run ended. Each checked edge gets one `storage` evidence
//! item saying what was found and when; a confirmation raises its confidence a little
//! ([`crate::score::STORAGE_CONFIRMED_WEIGHT`]); an output of a succeeded run that storage
//! contradicts counts one contradiction ([`crate::score::CONTRADICTION_FACTOR`]) and is
//! reported so validation keeps it as a candidate. Bounded: at most
//! [`MAX_PAGES`] pages per listing and a few calls per dataset, every dataset probed once per
//! run, concurrently, within [`STORAGE_BUDGET`], and skipped when the invocation has no time
//! left.

use crate::infer::retry::Deadline;
use crate::score;
use crate::settings::Settings;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use lineage_domain::ports::{DatasetStorage, ObjectListing, StoredObject};
use lineage_domain::record::Finding;
use lineage_domain::redact::Redactor;
use lineage_domain::{
    Dataset, Direction, Evidence, EvidenceKind, LineageEdge, Locator, PortError,
    RedactedRunContext, RunState, RunWindow,
};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// The most pages (of at most 1000 keys or partitions) one listing reads.
pub const MAX_PAGES: usize = 2;

/// The longest all the storage checks of one run may take; beyond it the edges are "not
/// checkable".
pub const STORAGE_BUDGET: Duration = Duration::from_secs(10);

/// Time kept after the storage checks for validating and persisting, under a deadline.
const AFTER_MARGIN: Duration = Duration::from_secs(15);

/// Evidence rules.
pub const RULE_S3_CONFIRMED: &str = "storage.s3.confirmed";
pub const RULE_GLUE_CONFIRMED: &str = "storage.glue.confirmed";
pub const RULE_CONTRADICTED: &str = "storage.contradicted";
pub const RULE_ABSENT: &str = "storage.absent";
pub const RULE_NOT_CHECKABLE: &str = "storage.not_checkable";

/// What the storage checks of a run found beyond the evidence they added to its edges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StorageReport {
    /// Outputs of a succeeded run with nothing written in the window: kept as candidates.
    pub contradicted: BTreeSet<(Dataset, Direction)>,
    pub findings: Vec<Finding>,
}

impl StorageReport {
    /// Moves contradicted edges from `accepted` to `candidates`.
    pub fn apply(&self, accepted: &mut Vec<LineageEdge>, candidates: &mut Vec<LineageEdge>) {
        if self.contradicted.is_empty() {
            return;
        }
        let (keep, demoted): (Vec<_>, Vec<_>) =
            std::mem::take(accepted).into_iter().partition(|e| {
                !self
                    .contradicted
                    .contains(&(e.dataset.clone(), e.direction))
            });
        *accepted = keep;
        candidates.extend(demoted);
    }
}

/// Where a dataset is stored, as far as it can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    S3 {
        bucket: String,
        key: String,
    },
    Glue {
        database: String,
        table: String,
    },
    /// Not checkable: what kind of dataset it is.
    Other(&'static str),
}

fn target(ds: &Dataset) -> Target {
    if let Some(loc) = ds.s3_location() {
        return Target::S3 {
            bucket: loc.bucket,
            key: loc.key,
        };
    }
    let ns = ds.namespace.to_ascii_lowercase();
    if ns.starts_with("arn:aws:glue:") {
        let mut parts = ds.name.splitn(3, '/');
        if let (Some("table"), Some(db), Some(t)) = (parts.next(), parts.next(), parts.next()) {
            return Target::Glue {
                database: db.to_string(),
                table: t.to_string(),
            };
        }
        return Target::Other("a Glue catalog entry that is not a table");
    }
    Target::Other(if ns.starts_with("redshift") {
        "a Redshift dataset"
    } else if ns.starts_with("kafka") {
        "a Kafka topic"
    } else if ns.starts_with("kinesis") {
        "a Kinesis stream"
    } else if ns.starts_with("arn:aws:dynamodb") {
        "a DynamoDB table"
    } else if ns.contains("://") || ns.starts_with("jdbc") {
        "a JDBC dataset"
    } else {
        "this kind of dataset"
    })
}

/// What storage showed for one dataset.
#[derive(Debug, Clone, Default, PartialEq)]
struct Facts {
    /// Where it was looked at: `s3://b/p/`, `glue table db.t`.
    place: String,
    /// The objects' last-modified times (of the dataset only, not its siblings).
    objects: Vec<DateTime<Utc>>,
    /// Where the objects were listed, when that is not `place`.
    listed_at: Option<String>,
    /// The listing stopped at the page limit.
    truncated: bool,
    /// Whether the objects say anything (a listing was made and answered).
    listed: bool,
    created: Option<DateTime<Utc>>,
    updated: Option<DateTime<Utc>>,
    partitions: Vec<DateTime<Utc>>,
    /// Why part of it could not be looked at (a partition listing, the location).
    partial: Vec<String>,
}

/// The outcome of probing one dataset.
#[derive(Debug, Clone, PartialEq)]
enum Probe {
    Facts(Facts),
    /// Not checkable, and why (redacted later), with the place when known.
    NotCheckable {
        place: String,
        reason: String,
    },
}

/// Why a call failed, without the operation (the evidence names the place already):
/// `not found: NoSuchBucket ...`, `access denied: ...`.
fn port_reason(e: &PortError) -> String {
    format!("{}: {}", e.kind, e.message)
}

fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The objects of a listing that belong to the dataset at `key`: the key itself or under it.
fn own_objects<'a>(listing: &'a ObjectListing, key: &str) -> Vec<&'a StoredObject> {
    let root = key.trim_end_matches('/');
    listing
        .objects
        .iter()
        .filter(|o| {
            root.is_empty()
                || o.key == root
                || o.key
                    .strip_prefix(root)
                    .is_some_and(|rest| rest.starts_with('/'))
        })
        .collect()
}

/// A narrower prefix for the run's day, when the listed keys show a date partition right under
/// the root (`root/dt=2026-01-02/...`, `root/date=20260102/...`): the same segment with the
/// run's date.
fn dated_prefix(objects: &[&StoredObject], root: &str, day: NaiveDate) -> Option<String> {
    let root = root.trim_end_matches('/');
    objects.iter().find_map(|o| {
        let rest = o.key.strip_prefix(root)?.trim_start_matches('/');
        let (segment, _) = rest.split_once('/')?;
        let (name, value) = segment.split_once('=')?;
        ["%Y-%m-%d", "%Y%m%d"].iter().find_map(|fmt| {
            NaiveDate::parse_from_str(value, fmt)
                .ok()
                .map(|_| format!("{root}/{name}={}/", day.format(fmt)))
        })
    })
}

/// Lists an S3 dataset: up to [`MAX_PAGES`] pages, then, for an output whose listing was cut
/// before anything in the window showed, the run's date partition when the layout has one.
async fn probe_s3(
    storage: &dyn DatasetStorage,
    bucket: &str,
    key: &str,
    window: RunWindow,
    narrow: bool,
) -> Result<Facts, PortError> {
    let listing = storage.list_objects(bucket, key, MAX_PAGES).await?;
    let own = own_objects(&listing, key);
    let mut facts = Facts {
        place: format!("s3://{bucket}/{}", with_slash(key)),
        objects: own.iter().map(|o| o.last_modified).collect(),
        truncated: listing.truncated,
        listed: true,
        ..Facts::default()
    };
    let in_window = facts.objects.iter().any(|t| window.contains(*t));
    if narrow && listing.truncated && !in_window {
        if let Some(prefix) = dated_prefix(&own, key, window.start.date_naive()) {
            let dated = storage.list_objects(bucket, &prefix, MAX_PAGES).await?;
            facts.objects = dated.objects.iter().map(|o| o.last_modified).collect();
            facts.listed_at = Some(format!("s3://{bucket}/{prefix}"));
        }
    }
    Ok(facts)
}

fn with_slash(key: &str) -> String {
    let key = key.trim_end_matches('/');
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}/")
    }
}

/// A Glue partition expression selecting the run's days, when a partition key looks like a
/// date (`dt`, `date`, `ds`, `day`, `*_date`).
fn partition_expression(keys: &[String], window: RunWindow) -> Option<String> {
    let key = keys.iter().find(|k| {
        let k = k.to_ascii_lowercase();
        matches!(k.as_str(), "dt" | "date" | "ds" | "day") || k.ends_with("_date")
    })?;
    let mut days = vec![window.start.date_naive(), window.end.date_naive()];
    days.dedup();
    let values: Vec<String> = days
        .iter()
        .flat_map(|d| {
            [
                format!("{key} = '{}'", d.format("%Y-%m-%d")),
                format!("{key} = '{}'", d.format("%Y%m%d")),
            ]
        })
        .collect();
    Some(values.join(" OR "))
}

/// Probes a catalog table: `GetTable`, then its partitions of the run's days (outputs of a
/// partitioned table) and the objects under its location, concurrently.
async fn probe_glue(
    storage: &dyn DatasetStorage,
    database: &str,
    table: &str,
    window: RunWindow,
    output: bool,
) -> Result<Facts, PortError> {
    let info = storage.table(database, table).await?;
    let mut facts = Facts {
        place: format!("glue table {database}.{table}"),
        created: info.create_time,
        updated: info.update_time,
        ..Facts::default()
    };
    if !output {
        return Ok(facts);
    }
    let expression = partition_expression(&info.partition_keys, window);
    let partitions = async {
        if info.partition_keys.is_empty() {
            return None;
        }
        Some(
            storage
                .partitions(database, table, expression.as_deref(), 1)
                .await,
        )
    };
    let location = info
        .location
        .as_deref()
        .and_then(lineage_domain::S3Location::parse);
    let objects = async {
        let loc = location.as_ref()?;
        Some(probe_s3(storage, &loc.bucket, &loc.key, window, true).await)
    };
    let (partitions, objects) = futures::join!(partitions, objects);
    match partitions {
        Some(Ok(p)) => {
            facts.partitions = p
                .partitions
                .iter()
                .filter_map(|p| p.creation_time)
                .collect()
        }
        Some(Err(e)) => facts
            .partial
            .push(format!("partitions not checkable: {}", port_reason(&e))),
        None => {}
    }
    match objects {
        Some(Ok(o)) => {
            facts.objects = o.objects;
            facts.truncated = o.truncated;
            facts.listed = true;
            facts.listed_at = Some(o.listed_at.unwrap_or(o.place));
        }
        Some(Err(e)) => facts
            .partial
            .push(format!("location not checkable: {}", port_reason(&e))),
        None => {}
    }
    Ok(facts)
}

async fn probe(
    storage: &dyn DatasetStorage,
    dataset: &Dataset,
    window: RunWindow,
    output: bool,
) -> Probe {
    let place = dataset.to_string();
    match target(dataset) {
        Target::Other(kind) => Probe::NotCheckable {
            place,
            reason: format!("{kind}: storage is not checked"),
        },
        Target::S3 { bucket, key } => {
            match probe_s3(storage, &bucket, &key, window, output).await {
                Ok(f) => Probe::Facts(f),
                Err(e) => Probe::NotCheckable {
                    place: format!("s3://{bucket}/{}", with_slash(&key)),
                    reason: port_reason(&e),
                },
            }
        }
        Target::Glue { database, table } => {
            match probe_glue(storage, &database, &table, window, output).await {
                Ok(f) => Probe::Facts(f),
                Err(e) => Probe::NotCheckable {
                    place: format!("glue table {database}.{table}"),
                    reason: port_reason(&e),
                },
            }
        }
    }
}

/// What storage says of one edge.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    Confirmed(String),
    /// An output with nothing written in the window (a contradiction on a succeeded run).
    Nothing(String),
    /// An input with nothing that existed before the run ended.
    Absent(String),
    NotCheckable(String),
}

fn span(times: &[DateTime<Utc>]) -> String {
    match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if a == b => rfc(*a),
        (Some(a), Some(b)) => format!("{}–{}", rfc(*a), rfc(*b)),
        _ => String::new(),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The verdict on an output: something dated inside the window confirms it; a complete
/// listing (or catalog) with nothing inside it says nothing was written.
fn output_verdict(f: &Facts, window: RunWindow) -> Verdict {
    let w = format!("the run window {}–{}", rfc(window.start), rfc(window.end));
    let inside = |ts: &[DateTime<Utc>]| -> Vec<DateTime<Utc>> {
        ts.iter().copied().filter(|t| window.contains(*t)).collect()
    };
    let listed_at = f.listed_at.clone().unwrap_or_else(|| f.place.clone());
    let objects = inside(&f.objects);
    if !objects.is_empty() {
        return Verdict::Confirmed(format!(
            "{} under {listed_at} modified {}, inside {w}",
            count(objects.len(), "object"),
            span(&objects)
        ));
    }
    if let Some(t) = f.updated.filter(|t| window.contains(*t)) {
        return Verdict::Confirmed(format!("table updated {}, inside {w}", rfc(t)));
    }
    let partitions = inside(&f.partitions);
    if !partitions.is_empty() {
        return Verdict::Confirmed(format!(
            "{} created {}, inside {w}",
            count(partitions.len(), "partition"),
            span(&partitions)
        ));
    }
    if !f.listed {
        let why = if f.partial.is_empty() {
            "the table has no S3 location to list".to_string()
        } else {
            f.partial.join("; ")
        };
        return Verdict::NotCheckable(format!("the catalog shows no update inside {w}, and {why}"));
    }
    if f.truncated {
        return Verdict::NotCheckable(format!(
            "more objects under {listed_at} than {MAX_PAGES} pages list, none of those listed modified inside {w}"
        ));
    }
    let seen = if f.objects.is_empty() {
        format!("no object under {listed_at}")
    } else {
        format!(
            "{} under {listed_at}, modified {}, none inside {w}",
            count(f.objects.len(), "object"),
            span(&f.objects)
        )
    };
    Verdict::Nothing(seen)
}

/// The verdict on an input: an object (or the table) that existed before the run ended.
fn input_verdict(f: &Facts, window: RunWindow) -> Verdict {
    let end = rfc(window.end);
    let listed_at = f.listed_at.clone().unwrap_or_else(|| f.place.clone());
    let before: Vec<DateTime<Utc>> = f
        .objects
        .iter()
        .copied()
        .filter(|t| *t <= window.end)
        .collect();
    if !before.is_empty() {
        return Verdict::Confirmed(format!(
            "{} under {listed_at} modified {}, before the run ended ({end} with the tolerance)",
            count(before.len(), "object"),
            span(&before)
        ));
    }
    if let Some(t) = f.created.filter(|t| *t <= window.end) {
        return Verdict::Confirmed(format!(
            "table created {}, before the run ended ({end} with the tolerance)",
            rfc(t)
        ));
    }
    if !f.listed && f.created.is_none() {
        return Verdict::NotCheckable("the catalog gives no creation time".into());
    }
    Verdict::Absent(if f.objects.is_empty() && f.listed {
        format!("no object under {listed_at}")
    } else {
        format!("nothing under {listed_at} existed before the run ended ({end})")
    })
}

/// What the checks need of a run: its window widened by the tolerance, whether it succeeded,
/// and its redactor (nothing storage says reaches evidence unredacted).
#[derive(Debug, Clone, Copy)]
pub struct CheckedRun<'a> {
    pub window: RunWindow,
    pub succeeded: bool,
    pub redactor: &'a Redactor,
}

impl<'a> CheckedRun<'a> {
    pub fn of(ctx: &'a RedactedRunContext, settings: &Settings) -> Self {
        Self {
            window: ctx.run.window(settings.time_tolerance_seconds),
            succeeded: ctx.event.state() == RunState::Succeeded,
            redactor: ctx.redactor(),
        }
    }
}

/// Checks the edges of a run against storage, adding one `storage` evidence item to each and
/// scoring it again; returns the contradicted outputs and the findings. Never fails: what cannot
/// be checked says so in its evidence.
pub async fn check(
    storage: &dyn DatasetStorage,
    ctx: &RedactedRunContext,
    edges: &mut [LineageEdge],
    settings: &Settings,
    deadline: Option<Deadline>,
) -> StorageReport {
    check_run(storage, CheckedRun::of(ctx, settings), edges, deadline).await
}

/// [`check`] for a run described by [`CheckedRun`].
pub async fn check_run(
    storage: &dyn DatasetStorage,
    run: CheckedRun<'_>,
    edges: &mut [LineageEdge],
    deadline: Option<Deadline>,
) -> StorageReport {
    let mut report = StorageReport::default();
    if edges.is_empty() {
        return report;
    }
    let (window, redactor, succeeded) = (run.window, run.redactor, run.succeeded);
    let out_of_time = deadline.is_some_and(|d| {
        !d.with_margin(AFTER_MARGIN)
            .allows_attempt_after(STORAGE_BUDGET)
    });
    // one probe per dataset and side (an output probe also lists what an input needs)
    let mut wanted: BTreeMap<Dataset, bool> = BTreeMap::new();
    for e in edges.iter() {
        *wanted.entry(e.dataset.clone()).or_default() |= e.direction == Direction::Output;
    }
    let probes: BTreeMap<Dataset, Probe> = if out_of_time {
        report.findings.push(Finding {
            check: "storage".into(),
            severity: "info".into(),
            message: "storage checks skipped: not enough time left in the invocation".into(),
        });
        wanted
            .keys()
            .map(|d| {
                let probe = Probe::NotCheckable {
                    place: d.to_string(),
                    reason: "skipped, not enough time left in the invocation".into(),
                };
                (d.clone(), probe)
            })
            .collect()
    } else {
        let all = futures::future::join_all(
            wanted
                .iter()
                .map(|(d, output)| probe(storage, d, window, *output)),
        );
        match tokio::time::timeout(STORAGE_BUDGET, all).await {
            Ok(results) => wanted.keys().cloned().zip(results).collect(),
            Err(_) => wanted
                .keys()
                .map(|d| {
                    let probe = Probe::NotCheckable {
                        place: d.to_string(),
                        reason: format!("storage took longer than {}s", STORAGE_BUDGET.as_secs()),
                    };
                    (d.clone(), probe)
                })
                .collect(),
        }
    };
    for edge in edges.iter_mut() {
        let Some(probe) = probes.get(&edge.dataset) else {
            continue;
        };
        let (place, verdict) = match probe {
            Probe::NotCheckable { place, reason } => {
                (place.clone(), Verdict::NotCheckable(reason.clone()))
            }
            Probe::Facts(f) => (
                f.place.clone(),
                match edge.direction {
                    Direction::Output => output_verdict(f, window),
                    Direction::Input => input_verdict(f, window),
                },
            ),
        };
        let glue = place.starts_with("glue ");
        let (rule, detail) = match verdict {
            Verdict::Confirmed(d) => (
                if glue {
                    RULE_GLUE_CONFIRMED
                } else {
                    RULE_S3_CONFIRMED
                },
                d,
            ),
            Verdict::Nothing(d) if succeeded => {
                report
                    .contradicted
                    .insert((edge.dataset.clone(), edge.direction));
                report.findings.push(Finding {
                    check: "storage".into(),
                    severity: "warning".into(),
                    message: redactor
                        .redact(&format!(
                            "output {} kept as a candidate: the run succeeded but storage shows nothing written inside the run window ({d})",
                            edge.dataset
                        ))
                        .into_owned(),
                });
                (RULE_CONTRADICTED, format!("nothing written: {d}"))
            }
            Verdict::Nothing(d) => (
                RULE_ABSENT,
                format!("nothing written (the run did not succeed): {d}"),
            ),
            Verdict::Absent(d) => {
                report.findings.push(Finding {
                    check: "storage".into(),
                    severity: "info".into(),
                    message: redactor
                        .redact(&format!(
                            "input {} not found in storage before the run ended ({d})",
                            edge.dataset
                        ))
                        .into_owned(),
                });
                (RULE_ABSENT, d)
            }
            Verdict::NotCheckable(d) => (RULE_NOT_CHECKABLE, format!("not checkable: {d}")),
        };
        let evidence = Evidence {
            kind: EvidenceKind::Storage,
            locator: Locator::Storage {
                place: redactor.redact(&place).into_owned(),
            },
            rule: rule.into(),
            detail: redactor.redact(&detail).into_owned(),
        };
        let contradicted = rule == RULE_CONTRADICTED;
        score::add_evidence(edge, [evidence]);
        if contradicted {
            // one contradiction, as the score counts them
            edge.confidence = lineage_domain::Confidence::clamped(
                edge.confidence.value() * score::CONTRADICTION_FACTOR,
            );
        }
    }
    report.findings.sort();
    report.findings.dedup();
    report
}

#[cfg(test)]
mod tests;
