//! Probing storage for one dataset: where it is stored (S3 prefix, catalog table, or a kind
//! that is not checked) and what storage shows for it (objects' and catalog entries' dates),
//! within the page limits.

use super::MAX_PAGES;
use chrono::{DateTime, NaiveDate, Utc};
use lineage_domain::ports::{DatasetStorage, ObjectListing, StoredObject};
use lineage_domain::{Dataset, PortError, RunWindow};

/// Where a dataset is stored, as far as it can be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Target {
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

pub(super) fn target(ds: &Dataset) -> Target {
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
pub(super) struct Facts {
    /// Where it was looked at: `s3://b/p/`, `glue table db.t`.
    pub(super) place: String,
    /// The objects' last-modified times (of the dataset only, not its siblings).
    pub(super) objects: Vec<DateTime<Utc>>,
    /// Where the objects were listed, when that is not `place`.
    pub(super) listed_at: Option<String>,
    /// The listing stopped at the page limit.
    pub(super) truncated: bool,
    /// Whether the objects say anything (a listing was made and answered).
    pub(super) listed: bool,
    pub(super) created: Option<DateTime<Utc>>,
    pub(super) updated: Option<DateTime<Utc>>,
    pub(super) partitions: Vec<DateTime<Utc>>,
    /// Why part of it could not be looked at (a partition listing, the location).
    pub(super) partial: Vec<String>,
}

/// The outcome of probing one dataset.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Probe {
    Facts(Facts),
    /// Not checkable, and why (redacted later), with the place when known.
    NotCheckable {
        place: String,
        reason: String,
    },
}

/// Why a call failed, without the operation (the evidence names the place already):
/// `not found: NoSuchBucket ...`, `access denied: ...`.
pub(super) fn port_reason(e: &PortError) -> String {
    format!("{}: {}", e.kind, e.message)
}

/// The objects of a listing that belong to the dataset at `key`: the key itself or under it.
pub(super) fn own_objects<'a>(listing: &'a ObjectListing, key: &str) -> Vec<&'a StoredObject> {
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
pub(super) fn dated_prefix(
    objects: &[&StoredObject],
    root: &str,
    day: NaiveDate,
) -> Option<String> {
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
pub(super) async fn probe_s3(
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

pub(super) fn with_slash(key: &str) -> String {
    let key = key.trim_end_matches('/');
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}/")
    }
}

/// A Glue partition expression selecting the run's days, when a partition key looks like a
/// date (`dt`, `date`, `ds`, `day`, `*_date`).
pub(super) fn partition_expression(keys: &[String], window: RunWindow) -> Option<String> {
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
pub(super) async fn probe_glue(
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
    let expression = partition_expression(&info.partition_key_names(), window);
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

pub(super) async fn probe(
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
