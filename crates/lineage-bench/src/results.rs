//! The result file each measurement writes (`target/bench/results/{name}.json`): the figures,
//! the exact commands that produced them, and when. The report is built from these files only.

use crate::{read_text, write_file, BenchError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One measurement's record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub name: String,
    /// The harness command line, then any command it ran whose output is a figure.
    pub commands: Vec<String>,
    pub measured_at: String,
    /// The load average (1 min) when the measurement started.
    pub load_before: Option<f64>,
    pub data: Value,
}

/// The 1-minute load average.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The harness's own command line, as typed (relative to the workspace root).
pub fn own_command() -> String {
    let args: Vec<String> = std::env::args().collect();
    shell_words(&args)
}

/// Quotes words for a shell where needed.
pub fn shell_words<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| {
            let w = w.as_ref();
            if !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
            {
                w.to_string()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Record {
    pub fn new(name: &str, load_before: Option<f64>) -> Self {
        Self {
            name: name.into(),
            commands: vec![own_command()],
            measured_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            load_before,
            data: Value::Null,
        }
    }
    pub fn path(dir: &Path, name: &str) -> PathBuf {
        dir.join(format!("{name}.json"))
    }
    pub fn save(&self, dir: &Path) -> Result<PathBuf, BenchError> {
        let path = Self::path(dir, &self.name);
        let text =
            serde_json::to_string_pretty(self).map_err(|e| BenchError::invalid(e.to_string()))?;
        write_file(&path, text)?;
        Ok(path)
    }
    pub fn load(dir: &Path, name: &str) -> Option<Self> {
        let path = Self::path(dir, name);
        serde_json::from_str(&read_text(&path).ok()?).ok()
    }
}
