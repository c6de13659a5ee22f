//! Names the run's log lines give to targets the script left open: an unresolved target whose
//! unknowns the script's own prints and log calls showed ([`crate::logs::bind`]) is named once
//! per distinct value they took; an S3 target of known shape is matched against the S3 URLs
//! of the run's I/O log lines (Glue, Spark and application messages) of the same direction.
//! Every name found this way carries the log events that showed it.

use crate::emit::{Bindings, Bound, Io, Reopen, Target};
use crate::logs::{self, LogMention, Mention};
use crate::naming;
use crate::value::{PStr, Seg, Value};
use lineage_domain::{Dataset, Direction, Evidence, EvidenceKind, Locator, RunContext};
use std::collections::{BTreeMap, BTreeSet};

/// The rule of evidence that a log line showed the value of one of the script's unknowns.
pub(crate) const LOG_TEMPLATE: &str = "log.template";

/// Most names one open target can take (values of several unknowns multiply).
const MAX_NAMES: usize = 200;

/// The datasets the logs give an unresolved finding, each with its log evidence (empty when
/// the finding is resolved or the logs do not settle it).
pub(crate) fn from_logs(
    ctx: &RunContext,
    io: &Io,
    mentions: &[LogMention],
    bindings: &Bindings,
    explained: &BTreeSet<(Direction, Dataset)>,
) -> Vec<(Dataset, Vec<Evidence>)> {
    let Target::Unresolved {
        s3_pattern, reopen, ..
    } = &io.target
    else {
        return Vec::new();
    };
    let mut out: BTreeMap<Dataset, Vec<Evidence>> = BTreeMap::new();
    // an S3 target of known shape: the URLs of I/O lines of its direction (a target of no
    // known shape at all: those no other read or write explains)
    if let Some(pattern) = s3_pattern {
        let anything = pattern.chars().all(|c| c == crate::value::HOLE);
        let compiled = if anything {
            None
        } else {
            logs::url_pattern(pattern)
        };
        for m in mentions.iter().filter(|m| m.direction == io.direction) {
            let Mention::S3(url) = &m.what else {
                continue;
            };
            let hit = if anything {
                let unexplained = logs::dataset(ctx, &m.what)
                    .is_some_and(|d| !explained.contains(&(m.direction, d)));
                (unexplained && naming::scratch_url(ctx, url).is_none()).then(|| url.clone())
            } else {
                compiled.as_ref().and_then(|r| logs::match_url(r, url))
            };
            let Some(hit) = hit else {
                continue;
            };
            if let Ok(d) = naming::s3_dataset(&Value::str(hit)) {
                out.entry(d)
                    .or_default()
                    .push(log_evidence(&m.event_id, m.rule, io));
            }
        }
    }
    // else the values log lines showed for its unknowns
    if out.is_empty() {
        if let Some(reopen) = reopen {
            for (dataset, events) in fill(ctx, reopen, bindings) {
                let ev = out.entry(dataset).or_default();
                for event_id in events {
                    ev.push(log_evidence(&event_id, LOG_TEMPLATE, io));
                }
            }
        }
    }
    out.into_iter().take(MAX_NAMES).collect()
}

/// The values S3 URLs of the run's I/O log lines give the unknowns of the script's open S3
/// targets of the same direction (`s3://lake/out/{table}` and a line writing
/// `s3://lake/out/orders/part-0` give `table` the value `orders`): the same unknowns may name
/// other targets (the same table written to a database).
pub(crate) fn bindings_from_mentions(ios: &[Io], mentions: &[LogMention]) -> Bindings {
    let mut out = Bindings::new();
    for io in ios {
        let Target::Unresolved {
            reopen: Some(reopen),
            ..
        } = &io.target
        else {
            continue;
        };
        let Reopen::S3(path) = reopen.as_ref() else {
            continue;
        };
        let Some((re, holes)) = path_regex(path) else {
            continue;
        };
        for m in mentions.iter().filter(|m| m.direction == io.direction) {
            let Mention::S3(url) = &m.what else {
                continue;
            };
            let url = naming::normalise_scheme(url);
            let Some(c) = re.captures(&url) else {
                continue;
            };
            for (k, desc) in holes.iter().enumerate() {
                let Some(v) = c.get(k + 1).map(|x| x.as_str()) else {
                    continue;
                };
                let bound = out.entry(desc.clone()).or_default();
                if !bound.iter().any(|b| b.value == v) && bound.len() < MAX_NAMES {
                    bound.push(Bound {
                        value: v.to_string(),
                        event_id: m.event_id.clone(),
                    });
                }
            }
        }
    }
    out
}

/// An S3 path with unknowns as a regex over URLs: its bucket must be known, each unknown is
/// one or more characters of one path segment.
fn path_regex(p: &PStr) -> Option<(regex::Regex, Vec<String>)> {
    let Some(Seg::Lit(first)) = p.segs.first() else {
        return None;
    };
    let first = naming::normalise_scheme(first);
    let bucket = first.strip_prefix("s3://")?;
    if !bucket.contains('/') {
        return None;
    }
    let mut re = String::from("^");
    let mut holes = Vec::new();
    for (i, seg) in p.segs.iter().enumerate() {
        match seg {
            Seg::Lit(_) if i == 0 => re.push_str(&regex::escape(&first)),
            Seg::Lit(t) => re.push_str(&regex::escape(t)),
            Seg::Hole(d) => {
                re.push_str("([^/\\s]+?)");
                holes.push(d.clone());
            }
        }
    }
    if holes.is_empty() {
        return None;
    }
    re.push_str("(?:/|$)");
    regex::Regex::new(&re).ok().map(|r| (r, holes))
}

fn log_evidence(event_id: &str, rule: &str, io: &Io) -> Evidence {
    Evidence {
        kind: EvidenceKind::Log,
        locator: Locator::LogEvent {
            event_id: event_id.to_string(),
        },
        rule: rule.to_string(),
        detail: format!("resolves {}", io.detail),
    }
}

/// Every name of a reopened target whose unknowns are all bound, with the events that bound
/// them.
fn fill(ctx: &RunContext, reopen: &Reopen, bindings: &Bindings) -> Vec<(Dataset, Vec<String>)> {
    match reopen {
        Reopen::S3(path) => texts(path, bindings)
            .into_iter()
            .filter_map(|(text, events)| {
                naming::s3_dataset(&Value::str(text))
                    .ok()
                    .map(|d| (d, events))
            })
            .collect(),
        Reopen::GlueTable {
            database,
            table,
            catalog_id,
        } => {
            let region = if ctx.region().is_empty() {
                "us-east-1"
            } else {
                ctx.region()
            };
            let account = catalog_id.as_deref().unwrap_or(ctx.account());
            let mut out = Vec::new();
            for (db, db_events) in texts(database, bindings) {
                for (tbl, tbl_events) in texts(table, bindings) {
                    if let Ok(d) = Dataset::glue_table(region, account, db.trim(), tbl.trim()) {
                        let mut events = db_events.clone();
                        events.extend(tbl_events);
                        out.push((d, events));
                    }
                }
            }
            out
        }
        Reopen::Jdbc { url, region, table } => texts(table, bindings)
            .into_iter()
            .filter_map(|(t, events)| url.table(&t, region).ok().map(|d| (d, events)))
            .collect(),
    }
}

/// Every text a partially known string takes when each of its unknowns takes each value the
/// logs showed (none when one of them was not shown), with the events behind each.
fn texts(p: &PStr, bindings: &Bindings) -> Vec<(String, Vec<String>)> {
    let mut acc: Vec<(String, Vec<String>)> = vec![(String::new(), Vec::new())];
    for seg in &p.segs {
        match seg {
            Seg::Lit(t) => acc.iter_mut().for_each(|(s, _)| s.push_str(t)),
            Seg::Hole(desc) => {
                let Some(values) = bindings.get(desc).filter(|v| !v.is_empty()) else {
                    return Vec::new();
                };
                acc = acc
                    .into_iter()
                    .flat_map(|(s, events)| {
                        values.iter().map(move |Bound { value, event_id }| {
                            let mut e = events.clone();
                            e.push(event_id.clone());
                            (format!("{s}{value}"), e)
                        })
                    })
                    .take(MAX_NAMES)
                    .collect();
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_of_bound_values_is_a_text() {
        let p = PStr {
            segs: vec![
                Seg::Lit("s3://b/".into()),
                Seg::Hole("t".into()),
                Seg::Lit("/".into()),
                Seg::Hole("d".into()),
            ],
            prov: Vec::new(),
        };
        let bound = |vals: &[&str]| -> Vec<Bound> {
            vals.iter()
                .enumerate()
                .map(|(i, v)| Bound {
                    value: (*v).into(),
                    event_id: format!("e{i}"),
                })
                .collect()
        };
        let mut b = Bindings::new();
        b.insert("t".into(), bound(&["x", "y"]));
        assert!(texts(&p, &b).is_empty(), "d is not bound");
        b.insert("d".into(), bound(&["1"]));
        let got: Vec<String> = texts(&p, &b).into_iter().map(|(t, _)| t).collect();
        assert_eq!(got, ["s3://b/x/1", "s3://b/y/1"]);
    }
}
