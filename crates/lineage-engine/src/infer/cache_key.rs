//! The key under which a model answer is cached: the model id and the SHA-256 of the content
//! that shapes the question — the (redacted) script, the arguments that matter, the
//! connections' properties, the extra objects, the static candidates and the diagnostics, plus
//! what shapes the answer: the SHA-256 of the system prompt and of the tool's schema, the
//! prompt version and budget, and the inference settings (`max_tokens`, `temperature`), so a
//! changed prompt or schema is never answered from an old cache entry. Log lines are left out on purpose: they carry timestamps and
//! ids that change on every run, and a re-run of an unchanged job should not pay again. Run
//! ids and times never enter the key.

use super::answer::tool;
use super::prompt::{relevant_arguments, system_prompt, PROMPT_VERSION};
use crate::settings::Settings;
use lineage_domain::ports::AnswerTool;
use lineage_domain::{LineageEdge, RedactedRunContext};
use lineage_extract::Extraction;
use serde_json::json;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The cache key of the question about a run: `{model_id}#{sha256}`.
pub fn cache_key(
    settings: &Settings,
    ctx: &RedactedRunContext,
    extraction: &Extraction,
    scored: &[LineageEdge],
) -> String {
    cache_key_for(settings, ctx, extraction, scored, &system_prompt(), &tool())
}

/// [`cache_key`] with a given system prompt and answer tool.
pub fn cache_key_for(
    settings: &Settings,
    ctx: &RedactedRunContext,
    extraction: &Extraction,
    scored: &[LineageEdge],
    system: &str,
    answer_tool: &AnswerTool,
) -> String {
    let script = ctx.script.as_ref().map(|s| sha256_hex(s.text.as_bytes()));
    let arguments = relevant_arguments(ctx);
    let connections: Vec<_> = ctx
        .connections
        .iter()
        .map(|c| {
            json!({
                "name": c.name,
                "type": c.connection_type,
                "properties": c.connection_properties,
            })
        })
        .collect();
    let extra: Vec<_> = ctx
        .extra
        .values()
        .map(|x| json!([x.uri, sha256_hex(x.text.as_bytes())]))
        .collect();
    let mut edges: Vec<_> = scored
        .iter()
        .map(|e| format!("{} {}", e.direction, e.dataset.key()))
        .collect();
    edges.sort();
    edges.dedup();
    let mut diagnostics: Vec<_> = extraction
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "kind": d.kind,
                "at": d.locator.to_string(),
                "expression": d.expression,
                "message": d.message,
                "direction": d.direction,
            })
        })
        .collect();
    diagnostics.sort_by_key(|d| d.to_string());
    let content = json!({
        "version": PROMPT_VERSION,
        "system": sha256_hex(system.as_bytes()),
        "tool": sha256_hex(
            format!("{}\n{}\n{}", answer_tool.name, answer_tool.description, answer_tool.input_schema).as_bytes()
        ),
        "budget": settings.model.max_prompt_tokens,
        "max_tokens": settings.model.max_tokens,
        "temperature": settings.model.temperature.to_string(),
        "job": ctx.job.name,
        "state": ctx.event.state(),
        "region": ctx.region(),
        "account": ctx.account(),
        "language": ctx.script.as_ref().map(|s| s.language),
        "script": script,
        "arguments": arguments,
        "connections": connections,
        "extra": extra,
        "edges": edges,
        "diagnostics": diagnostics,
    });
    format!(
        "{}#{}",
        settings.model.model_id,
        sha256_hex(content.to_string().as_bytes())
    )
}
