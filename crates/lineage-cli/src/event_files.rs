//! Glue job state change events read from files for `replay --from`: a folder of event files
//! or one file, in any JSON layout (one event, pretty-printed or not; a JSON array of events;
//! JSON Lines; events one after another). An entry that is not a valid event is kept with its
//! place and reason so the replay counts it as failed and goes on with the rest.

use crate::error::CliError;
use lineage_domain::GlueJobStateChange;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// An entry that is not a valid event: where it is (`file`, `file:line` or `file[index]`) and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub place: String,
    pub reason: String,
}

/// The events of a file or folder, and the entries that are not events.
#[derive(Debug, Default)]
pub struct ReadEvents {
    pub events: Vec<GlueJobStateChange>,
    pub unreadable: Vec<Unreadable>,
}

impl ReadEvents {
    fn fail(&mut self, place: String, reason: impl std::fmt::Display) {
        self.unreadable.push(Unreadable {
            place,
            reason: reason.to_string(),
        });
    }

    fn value(&mut self, place: String, value: Value) {
        match GlueJobStateChange::from_value(value) {
            Ok(event) => self.events.push(event),
            Err(e) => self.fail(place, e),
        }
    }
}

/// Reads the events of `path`: a folder (its `*.json` and `*.jsonl` files, by name) or a file.
/// Only a path that cannot be read at all is an error; bad entries are [`Unreadable`].
pub fn read_events(path: &Path) -> Result<ReadEvents, CliError> {
    let mut read = ReadEvents::default();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| CliError::input_at(path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            match std::fs::read_to_string(&file) {
                Ok(text) => events_in(&file.display().to_string(), &text, &mut read),
                Err(e) => read.fail(file.display().to_string(), e),
            }
        }
        return Ok(read);
    }
    let text = std::fs::read_to_string(path).map_err(|e| CliError::input_at(path, e))?;
    events_in(&path.display().to_string(), &text, &mut read);
    Ok(read)
}

/// The newlines in a slice of text.
fn newlines(text: &str) -> usize {
    text.bytes().filter(|b| *b == b'\n').count()
}

/// The events of one file's text, whatever its JSON layout.
fn events_in(file: &str, text: &str, read: &mut ReadEvents) {
    if text.trim().is_empty() {
        return read.fail(file.to_string(), "empty: no event");
    }
    // One JSON value after another (a single event, an array, JSON Lines, concatenated).
    let mut values = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    // the 1-based line where each value starts, counted as the stream goes (linear)
    let (mut start, mut line) = (0, 1);
    let parsed = loop {
        let before = start;
        match stream.next() {
            None => break Ok(()),
            Some(Ok(v)) => {
                start = stream.byte_offset();
                let span = &text[before..start];
                let leading = &span[..span.len() - span.trim_start().len()];
                values.push((line + newlines(leading), v));
                line += newlines(span);
            }
            Some(Err(e)) => break Err(e),
        }
    };
    match parsed {
        Ok(()) => {
            let single = values.len() == 1;
            for (line, value) in values {
                match value {
                    Value::Array(items) => {
                        for (i, item) in items.into_iter().enumerate() {
                            read.value(format!("{file}[{i}]"), item);
                        }
                    }
                    v if single => read.value(file.to_string(), v),
                    v => read.value(format!("{file}:{line}"), v),
                }
            }
        }
        // Not a sequence of JSON values: line by line when the file is line-oriented (each
        // bad line on its own), else the file as one bad entry.
        Err(_) if is_json_lines(text) => {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Value>(line) {
                    Ok(v) => read.value(format!("{file}:{}", i + 1), v),
                    Err(e) => read.fail(format!("{file}:{}", i + 1), format!("not JSON: {e}")),
                }
            }
        }
        Err(e) => read.fail(file.to_string(), format!("not JSON: {e}")),
    }
}

/// Whether text looks like JSON Lines: more than one non-empty line, each starting a JSON value
/// of its own (`{` or `[`) at the start of the line.
fn is_json_lines(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines.len() > 1
        && lines
            .iter()
            .all(|l| l.starts_with('{') || l.starts_with('['))
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &str = r#"{"version":"0","id":"e1","detail-type":"Glue Job State Change","source":"aws.glue","account":"123456789012","time":"2024-05-01T02:00:00Z","region":"us-east-1","resources":[],"detail":{"jobName":"j","severity":"INFO","state":"SUCCEEDED","jobRunId":"jr_1","message":"ok"}}"#;

    fn read(text: &str) -> ReadEvents {
        let mut r = ReadEvents::default();
        events_in("f", text, &mut r);
        r
    }

    fn pretty() -> String {
        let v: Value = serde_json::from_str(EVENT).expect("event");
        serde_json::to_string_pretty(&v).expect("pretty")
    }

    #[test]
    fn every_layout_of_the_same_event_reads_alike() {
        let layouts = [
            EVENT.to_string(),
            pretty(),
            format!("[{EVENT}, {EVENT}]"),
            format!("{EVENT}\n\n{EVENT}\n"),
            format!("{}\n{}", pretty(), pretty()),
        ];
        let counts: Vec<(usize, usize)> = layouts
            .iter()
            .map(|t| {
                let r = read(t);
                (r.events.len(), r.unreadable.len())
            })
            .collect();
        assert_eq!(counts, vec![(1, 0), (1, 0), (2, 0), (2, 0), (2, 0)]);
    }

    #[test]
    fn a_bad_line_is_unreadable_with_its_place_and_the_rest_are_read() {
        let r = read(&format!("{EVENT}\n{{\"broken\": \n{EVENT}\n"));
        assert_eq!(r.events.len(), 2);
        assert_eq!(
            r.unreadable
                .iter()
                .map(|u| u.place.as_str())
                .collect::<Vec<_>>(),
            vec!["f:2"]
        );
        let other = read(&format!("{EVENT}\n{{\"source\": \"aws.s3\"}}\n"));
        assert_eq!(other.events.len(), 1);
        assert_eq!(other.unreadable[0].place, "f:2");
        assert!(other.unreadable[0].reason.contains("aws.s3"), "{other:?}");
    }

    #[test]
    fn places_name_the_line_each_event_starts_on() {
        let bad = r#"{"source": "aws.s3"}"#;
        let r = read(&format!("\n{EVENT}\n\n{bad}\n{}\n{bad}\n", pretty()));
        let lines = 1 + pretty().lines().count();
        assert_eq!(
            r.unreadable
                .iter()
                .map(|u| u.place.clone())
                .collect::<Vec<_>>(),
            vec!["f:4".to_string(), format!("f:{}", 5 + lines - 1)]
        );
        assert_eq!(r.events.len(), 2);
    }

    #[test]
    fn a_truncated_pretty_file_is_one_unreadable_entry() {
        let text = pretty();
        let r = read(&text[..text.len() / 2]);
        assert_eq!((r.events.len(), r.unreadable.len()), (0, 1));
        assert_eq!(r.unreadable[0].place, "f");
        assert!(r.unreadable[0].reason.starts_with("not JSON"), "{r:?}");
    }
}
