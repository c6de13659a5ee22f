//! What storage says of one edge, from what was found for its dataset: confirmed, nothing
//! written (an output), absent (an input), or not checkable, each with a sentence saying what
//! was found and when.

use super::probe::Facts;
use super::MAX_PAGES;
use chrono::{DateTime, SecondsFormat, Utc};
use lineage_domain::RunWindow;

pub(super) fn rfc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// What storage says of one edge.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Verdict {
    Confirmed(String),
    /// An output with nothing written in the window (a contradiction on a succeeded run).
    Nothing(String),
    /// An input with nothing that existed before the run ended.
    Absent(String),
    NotCheckable(String),
}

pub(super) fn span(times: &[DateTime<Utc>]) -> String {
    match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) if a == b => rfc(*a),
        (Some(a), Some(b)) => format!("{}–{}", rfc(*a), rfc(*b)),
        _ => String::new(),
    }
}

pub(super) fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The verdict on an output: something dated inside the window confirms it; a complete
/// listing (or catalog) with nothing inside it says nothing was written.
pub(super) fn output_verdict(f: &Facts, window: RunWindow) -> Verdict {
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
pub(super) fn input_verdict(f: &Facts, window: RunWindow) -> Verdict {
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
