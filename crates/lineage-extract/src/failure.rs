//! Failed runs: what a run did before it failed. The failing statement is found from the
//! Python traceback in the logs or the error message (`File "...", line N, in <module>`); the
//! I/O findings executed at or after it did not happen. Without a located failure, a failed
//! run keeps its findings and a diagnostic says outputs may not have been written.

use crate::emit::Io;
use lineage_domain::{RunContext, RunState};
use regex::Regex;
use std::sync::LazyLock;

#[allow(clippy::unwrap_used)] // constant pattern
static MODULE_LINE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"File "[^"]*", line (\d+), in <module>"#).unwrap());

/// Whether the run failed (not stopped: a stopped streaming run did what it logged).
pub(crate) fn failed(ctx: &RunContext) -> bool {
    let state = ctx
        .run
        .terminal_state()
        .unwrap_or_else(|| ctx.event.state());
    matches!(state, RunState::Failed | RunState::Timeout) && state != RunState::Timeout
}

/// The script line of the top-level statement that failed, when the logs or the error tell.
pub(crate) fn failing_line(ctx: &RunContext, tolerance: u64) -> Option<u32> {
    let window = ctx.run.window(tolerance);
    let mut texts: Vec<&str> = ctx
        .logs
        .iter()
        .filter(|e| window.contains_millis(e.timestamp))
        .map(|e| e.message.as_str())
        .collect();
    if let Some(m) = &ctx.run.error_message {
        texts.push(m);
    }
    for t in texts {
        if let Some(c) = MODULE_LINE.captures_iter(t).last() {
            if let Ok(n) = c[1].parse() {
                return Some(n);
            }
        }
    }
    None
}

/// Drops the findings executed at or after the failing statement.
pub(crate) fn cut(ios: &mut Vec<Io>, line: u32) {
    let at = ios
        .iter()
        .filter(|i| i.top.0 <= line && line <= i.top.1)
        .map(|i| i.seq)
        .min()
        .or_else(|| ios.iter().filter(|i| i.top.0 > line).map(|i| i.seq).min());
    if let Some(at) = at {
        ios.retain(|i| i.seq < at);
    }
}
