//! Evidence as a reader sees it, in the CLI's summaries, the execution context and the
//! document's evidence facet: `script.py:13 spark.read.parquet`, `argument --target_bucket
//! spark.write.parquet`, `log <stream> <time>: "<quote>"`, each line once.

use lineage_domain::record::EdgeSummary;
use lineage_domain::{Evidence, EvidenceKind, LineageEdge, Locator, LogEvent, RedactedRunContext};
use std::collections::{BTreeSet, HashMap};

/// The longest log quote, in characters.
const QUOTE_CHARS: usize = 80;

/// Renders the evidence of one run: knows the script's file name and the run's log events.
#[derive(Debug)]
pub struct EvidenceReader<'a> {
    script: String,
    logs: HashMap<&'a str, &'a LogEvent>,
}

impl<'a> EvidenceReader<'a> {
    /// The reader of a run's evidence; the redacted context, as log quotes come from it.
    pub fn of(ctx: &'a RedactedRunContext) -> Self {
        let script = ctx
            .script
            .as_ref()
            .map(|s| s.location.as_str())
            .unwrap_or(ctx.job.command.script_location.as_str())
            .rsplit('/')
            .next()
            .filter(|n| !n.is_empty())
            .unwrap_or("script")
            .to_string();
        let logs = ctx
            .logs
            .iter()
            .filter(|e| !e.event_id.is_empty())
            .map(|e| (e.event_id.as_str(), e))
            .collect();
        Self { script, logs }
    }

    /// Where the evidence is: `script.py:13`, `argument --target_bucket`, `connection NAME`,
    /// `s3://b/conf.json:4`, `log <stream> <time>`, `studio node ID`, `model ID`.
    pub fn place(&self, locator: &Locator) -> String {
        match locator {
            Locator::ScriptLine { line } => format!("{}:{line}", self.script),
            Locator::Argument { key } => format!("argument {key}"),
            Locator::Connection { name } => format!("connection {name}"),
            Locator::Extra { uri, line } => format!("{uri}:{line}"),
            Locator::LogEvent { event_id } => match self.logs.get(event_id.as_str()) {
                Some(e) => format!("log {} {}", e.log_stream_name, log_time(e.timestamp)),
                None => format!("log event {event_id}"),
            },
            Locator::StudioNode { node_id } => format!("studio node {node_id}"),
            Locator::Model { model_id } => format!("model {model_id}"),
            Locator::Storage { place } => place.clone(),
        }
    }

    /// The quote of a log event: the evidence's own, else the start of the log line.
    fn quote(&self, evidence: &Evidence) -> String {
        let text = match (&evidence.locator, evidence.detail.is_empty()) {
            (_, false) => evidence.detail.as_str(),
            (Locator::LogEvent { event_id }, true) => self
                .logs
                .get(event_id.as_str())
                .map(|e| e.message.as_str())
                .unwrap_or_default(),
            _ => "",
        };
        lineage_domain::text::cut(without_log_header(text.trim()), QUOTE_CHARS)
    }

    /// One line: `script.py:13 spark.read.parquet`, `log <stream> <time>: "<quote>"`.
    pub fn line(&self, evidence: &Evidence) -> String {
        let place = self.place(&evidence.locator);
        if evidence.kind == EvidenceKind::Storage {
            return format!("{place}: {}", evidence.detail);
        }
        if evidence.kind == EvidenceKind::Log {
            let quote = self.quote(evidence);
            return if quote.is_empty() {
                place
            } else {
                format!("{place}: {quote:?}")
            };
        }
        format!("{place} {}", evidence.rule)
    }

    /// The lines of some evidence, in order, each once.
    pub fn lines(&self, evidence: &[Evidence]) -> Vec<String> {
        let mut seen = BTreeSet::new();
        evidence
            .iter()
            .map(|e| self.line(e))
            .filter(|l| seen.insert(l.clone()))
            .collect()
    }

    /// An edge as the execution context summarises it.
    pub fn summary(&self, edge: &LineageEdge) -> EdgeSummary {
        EdgeSummary {
            dataset: edge.dataset.clone(),
            direction: edge.direction,
            confidence: edge.confidence,
            evidence: self.lines(&edge.evidence),
        }
    }
}

/// A log4j line without its header (`2025-03-02 02:00:09,120 INFO [main] glue.GlueContext
/// (GlueContext.scala:getCatalogSource(207)): `): the stream and time are said already.
fn without_log_header(message: &str) -> &str {
    let dated = message.len() > 4 && message.as_bytes()[..4].iter().all(u8::is_ascii_digit);
    match message.find("): ") {
        Some(at) if dated => &message[at + 3..],
        _ => message,
    }
}

/// A log event's time (epoch milliseconds) as RFC 3339 to the second.
fn log_time(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| millis.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evidence(kind: EvidenceKind, locator: Locator, rule: &str, detail: &str) -> Evidence {
        Evidence {
            kind,
            locator,
            rule: rule.into(),
            detail: detail.into(),
        }
    }

    fn reader() -> EvidenceReader<'static> {
        static LOG: std::sync::OnceLock<LogEvent> = std::sync::OnceLock::new();
        let log = LOG.get_or_init(|| LogEvent {
            log_stream_name: "jr_1-driver".into(),
            timestamp: 1_740_881_647_000,
            message: "Reading s3://raw/orders/ took 3s".into(),
            event_id: "37000000000000000000000000000000000000000000000000000000".into(),
        });
        EvidenceReader {
            script: "rollup.py".into(),
            logs: HashMap::from([(log.event_id.as_str(), log)]),
        }
    }

    #[test]
    fn lines_name_the_file_the_argument_and_the_log_line() {
        let r = reader();
        let log_id = "37000000000000000000000000000000000000000000000000000000";
        let all = [
            evidence(
                EvidenceKind::Script,
                Locator::ScriptLine { line: 13 },
                "spark.read.parquet",
                "",
            ),
            evidence(
                EvidenceKind::Argument,
                Locator::Argument {
                    key: "--target_bucket".into(),
                },
                "spark.write.parquet",
                "",
            ),
            evidence(
                EvidenceKind::Log,
                Locator::LogEvent {
                    event_id: log_id.into(),
                },
                "log.s3_read",
                "",
            ),
            // the same log entry again (another rule): said once
            evidence(
                EvidenceKind::Log,
                Locator::LogEvent {
                    event_id: log_id.into(),
                },
                "log.s3_path",
                "",
            ),
        ];
        assert_eq!(
            r.lines(&all),
            vec![
                "rollup.py:13 spark.read.parquet".to_string(),
                "argument --target_bucket spark.write.parquet".to_string(),
                "log jr_1-driver 2025-03-02T02:14:07Z: \"Reading s3://raw/orders/ took 3s\""
                    .to_string(),
            ]
        );
    }
}
