//! The answer's contract: the `emit_lineage` tool the model is made to call, the JSON schema
//! of its input, and the one check of an answer against that schema (a maintained JSON-Schema
//! validator, `jsonschema`). Fresh replies and cached answers pass the same check; what fails
//! it is a typed [`ModelError::InvalidAnswer`].

use lineage_domain::ports::{AnswerTool, InferenceAnswer, ModelReply, ProposedDataset};
use lineage_domain::PortError;
use serde_json::{json, Value};
use std::sync::LazyLock;

/// The one tool the model is made to call.
pub const TOOL_NAME: &str = "emit_lineage";

/// Why the model stage failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The call failed (throttled, denied, timed out, ...).
    #[error("{0}")]
    Call(PortError),
    /// The model answered, but not with input that matches the tool's schema.
    #[error("invalid answer from {model_id}: {why}")]
    InvalidAnswer { model_id: String, why: String },
    /// The answer was cut at its output budget (`stopReason` `max_tokens`), already the most
    /// the model allows.
    #[error("the answer of {model_id} was cut at max_tokens {max_tokens}, the model's limit")]
    Truncated { model_id: String, max_tokens: u32 },
    /// No time is left in the invocation for another attempt.
    #[error("no time left for another model attempt before the invocation deadline: {last}")]
    OutOfTime { last: String },
}

impl ModelError {
    /// Whether asking again may succeed (an invalid answer is retried once, separately).
    pub fn is_retryable(&self) -> bool {
        match self {
            ModelError::Call(e) => e.is_retryable(),
            ModelError::InvalidAnswer { .. }
            | ModelError::Truncated { .. }
            | ModelError::OutOfTime { .. } => false,
        }
    }
}

/// The JSON schema of the tool's input.
pub fn tool_schema() -> Value {
    json!({
        "type": "object",
        "required": ["datasets"],
        "properties": {
            "datasets": {
                "type": "array",
                "maxItems": 200,
                "description": "Every dataset the job run read (input) or wrote (output). A dataset both read and written appears twice, once per direction.",
                "items": {
                    "type": "object",
                    "required": ["namespace", "name", "direction", "confidence", "evidence"],
                    "properties": {
                        "namespace": {
                            "type": "string",
                            "minLength": 1,
                            "pattern": "\\S",
                            "description": "OpenLineage namespace: s3://bucket, arn:aws:glue:{region}:{account}, postgres://host:port, mysql://host:port, sqlserver://host:port, redshift://{cluster}.{region}:{port}, kafka://broker:port, kinesis://{region}, arn:aws:dynamodb:{region}:{account}"
                        },
                        "name": {
                            "type": "string",
                            "minLength": 1,
                            "pattern": "\\S",
                            "description": "OpenLineage name: the S3 key prefix (table root, no partitions) or full object key, table/{database}/{table} for Glue tables, {database}.{schema}.{table} for JDBC, the topic, stream or table/{name}"
                        },
                        "direction": {"type": "string", "enum": ["input", "output"]},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                        "evidence": {
                            "type": "array",
                            "maxItems": 10,
                            "description": "Short verbatim quotes from the script, arguments or logs that show the read or write.",
                            "items": {"type": "string", "maxLength": 400}
                        }
                    }
                }
            }
        }
    })
}

/// The tool as the model is given it.
pub fn tool() -> AnswerTool {
    AnswerTool {
        name: TOOL_NAME.into(),
        description: "Report the datasets the Glue job run read and wrote.".into(),
        input_schema: tool_schema(),
    }
}

static VALIDATOR: LazyLock<Result<jsonschema::Validator, String>> =
    LazyLock::new(|| jsonschema::validator_for(&tool_schema()).map_err(|e| e.to_string()));

/// Every way `input` breaks the tool's schema, each with its JSON pointer.
pub fn violations(input: &Value) -> Vec<String> {
    match VALIDATOR.as_ref() {
        Ok(v) => v
            .iter_errors(input)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() { "/".to_string() } else { at };
                format!("{at}: {e}")
            })
            .collect(),
        Err(e) => vec![format!("the answer schema does not compile: {e}")],
    }
}

/// The datasets of a tool input, or every way it breaks the schema.
pub fn datasets(input: &Value) -> Result<Vec<ProposedDataset>, String> {
    let problems = violations(input);
    if !problems.is_empty() {
        return Err(format!(
            "the {TOOL_NAME} input does not match its schema: {}",
            problems.join("; ")
        ));
    }
    let datasets = input.get("datasets").cloned().unwrap_or(Value::Null);
    serde_json::from_value(datasets)
        .map_err(|e| format!("the {TOOL_NAME} input does not match its schema: {e}"))
}

/// A fresh reply as a checked answer.
pub fn read_reply(model_id: &str, reply: &ModelReply) -> Result<InferenceAnswer, ModelError> {
    if is_cut(reply) {
        return Err(ModelError::InvalidAnswer {
            model_id: model_id.to_string(),
            why: format!("the answer was cut at its output budget (stop reason {STOP_MAX_TOKENS}); a partial answer is never used"),
        });
    }
    let invalid = |why: String| ModelError::InvalidAnswer {
        model_id: model_id.to_string(),
        why,
    };
    let input = reply.tool_input.as_ref().ok_or_else(|| {
        invalid(format!(
            "the answer has no {TOOL_NAME} tool call (stop reason {})",
            reply.stop_reason
        ))
    })?;
    Ok(InferenceAnswer {
        datasets: datasets(input).map_err(invalid)?,
        usage: reply.usage,
    })
}

/// The stop reason of an answer cut at its output budget.
pub const STOP_MAX_TOKENS: &str = "max_tokens";

/// Whether the model stopped because the answer reached `maxTokens` (even if the partial tool
/// input happens to parse, it may be short).
pub fn is_cut(reply: &ModelReply) -> bool {
    reply.stop_reason == STOP_MAX_TOKENS
}

/// Whether a cached answer still passes the schema (a cache is storage like any other).
pub fn is_valid_cached(answer: &InferenceAnswer) -> bool {
    serde_json::to_value(&answer.datasets)
        .map(|d| violations(&json!({ "datasets": d })).is_empty())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_input_validates() {
        let input = json!({"datasets": [{
            "namespace": "s3://b", "name": "orders", "direction": "output",
            "confidence": 0.8, "evidence": ["df.write.parquet('s3://b/orders/')"]
        }]});
        let ds = datasets(&input).expect("valid");
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].direction, lineage_domain::Direction::Output);
    }

    #[test]
    fn violations_name_their_path() {
        let input = json!({"datasets": [
            {"namespace": "s3://b", "name": "", "direction": "sideways", "confidence": 1.5, "evidence": []},
            {"name": "x", "direction": "input", "confidence": "high", "evidence": "q"}
        ]});
        let err = datasets(&input).expect_err("invalid");
        for part in [
            "/datasets/0/name",
            "/datasets/0/direction",
            "/datasets/0/confidence",
            "/datasets/1: \"namespace\" is a required property",
            "/datasets/1/confidence",
            "/datasets/1/evidence",
        ] {
            assert!(err.contains(part), "{part} not in {err}");
        }
        assert!(datasets(&json!({"items": []})).is_err());
        assert!(datasets(&json!([])).is_err());
        assert!(datasets(&json!({"datasets": [{"namespace": " ", "name": "x", "direction": "input", "confidence": 0.5, "evidence": []}]})).is_err());
    }

    #[test]
    fn a_reply_without_the_tool_call_is_an_invalid_answer() {
        let reply = ModelReply {
            tool_input: None,
            stop_reason: "end_turn".into(),
            usage: Default::default(),
        };
        let err = read_reply("m", &reply).expect_err("invalid");
        assert!(matches!(&err, ModelError::InvalidAnswer { why, .. } if why.contains("end_turn")));
        assert!(!err.is_retryable());
    }

    #[test]
    fn cached_answers_pass_the_same_check() {
        let mut a = InferenceAnswer {
            datasets: vec![ProposedDataset {
                namespace: "s3://b".into(),
                name: "orders".into(),
                direction: lineage_domain::Direction::Input,
                confidence: 0.9,
                evidence: vec![],
            }],
            usage: Default::default(),
        };
        assert!(is_valid_cached(&a));
        a.datasets[0].confidence = 7.0;
        assert!(!is_valid_cached(&a));
    }
}
