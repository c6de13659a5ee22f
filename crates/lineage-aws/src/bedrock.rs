//! [`BedrockLineageModel`]: the `LineageModel` port on the Amazon Bedrock Converse API. One
//! request per question: the system prompt, one user message (plus, on a retry after an
//! invalid answer, what was wrong with it), `inferenceConfig` from the request, and a forced
//! tool choice of [`TOOL_NAME`] whose JSON input schema ([`tool_schema`]) describes the
//! datasets. Models do not enforce tool schemas, so the tool input is checked here against that
//! same schema ([`validate_tool_input`]); an answer that fails is reported as an *invalid
//! answer* (see [`invalid_answer`]), which the engine retries once with the error in the
//! request. SDK errors are classified into the domain's error kinds; the SDK's own retries are
//! disabled because the engine owns retry and backoff.

use crate::error::AwsError;
use async_trait::async_trait;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SpecificToolChoice,
    SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::{Document, Number};
use lineage_domain::ports::{InferenceAnswer, InferenceRequest, LineageModel, ProposedDataset};
use lineage_domain::record::TokenUsage;
use lineage_domain::{ErrorKind, PortError};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The model used when none is configured.
pub const DEFAULT_MODEL_ID: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

/// The one tool the model is made to call.
pub const TOOL_NAME: &str = "emit_lineage";

/// The suffix of the `operation` of a [`PortError`] that reports an invalid answer (the model
/// answered, but not with input that matches [`tool_schema`]). Its kind is `Invalid`.
pub const INVALID_ANSWER_SUFFIX: &str = " answer";

/// The error for an answer that does not match the tool schema.
pub fn invalid_answer(model_id: &str, message: impl Into<String>) -> PortError {
    PortError::new(
        ErrorKind::Invalid,
        format!("bedrock:Converse {model_id}{INVALID_ANSWER_SUFFIX}"),
        message,
    )
}

/// The JSON schema of the [`TOOL_NAME`] tool's input.
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
                            "description": "OpenLineage namespace: s3://bucket, arn:aws:glue:{region}:{account}, postgres://host:port, mysql://host:port, sqlserver://host:port, redshift://{cluster}.{region}:{port}, kafka://broker:port, kinesis://{region}, arn:aws:dynamodb:{region}:{account}"
                        },
                        "name": {
                            "type": "string",
                            "minLength": 1,
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

/// Checks a value against a JSON schema (the subset [`tool_schema`] uses: `type`, `required`,
/// `properties`, `items`, `enum`, `minimum`, `maximum`, `minLength`, `maxLength`,
/// `minItems`, `maxItems`). Returns every violation, each with its JSON path.
pub fn schema_violations(schema: &Value, value: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(schema, value, "$", &mut out);
    out
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check(schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    let Some(s) = schema.as_object() else {
        return;
    };
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "integer" => value.as_i64().is_some() || value.as_u64().is_some(),
            "number" => value.is_number(),
            other => type_name(value) == other,
        };
        if !ok {
            out.push(format!("{path}: expected {t}, found {}", type_name(value)));
            return;
        }
    }
    if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
        if !allowed.contains(value) {
            let names: Vec<String> = allowed.iter().map(Value::to_string).collect();
            out.push(format!(
                "{path}: {value} is not one of {}",
                names.join(", ")
            ));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
            if n < min {
                out.push(format!("{path}: {n} is less than {min}"));
            }
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
            if n > max {
                out.push(format!("{path}: {n} is more than {max}"));
            }
        }
    }
    if let Some(text) = value.as_str() {
        let len = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
            if len < min {
                out.push(format!("{path}: shorter than {min} characters"));
            }
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
            if len > max {
                out.push(format!("{path}: longer than {max} characters"));
            }
        }
    }
    if let Some(items) = value.as_array() {
        let len = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
            if len < min {
                out.push(format!("{path}: fewer than {min} items"));
            }
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
            if len > max {
                out.push(format!("{path}: more than {max} items"));
            }
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                check(item_schema, item, &format!("{path}[{i}]"), out);
            }
        }
    }
    if let Some(obj) = value.as_object() {
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for key in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(key) {
                    out.push(format!("{path}: missing required property {key:?}"));
                }
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (key, prop_schema) in props {
                if let Some(v) = obj.get(key) {
                    check(prop_schema, v, &format!("{path}.{key}"), out);
                }
            }
        }
    }
}

/// The datasets of a tool input, or why it does not match [`tool_schema`] (every violation,
/// at most ten, one per line).
pub fn validate_tool_input(input: &Value) -> Result<Vec<ProposedDataset>, String> {
    let violations = schema_violations(&tool_schema(), input);
    if !violations.is_empty() {
        let shown: Vec<&str> = violations.iter().take(10).map(String::as_str).collect();
        return Err(format!(
            "the {TOOL_NAME} input does not match its schema: {}",
            shown.join("; ")
        ));
    }
    let datasets = input.get("datasets").cloned().unwrap_or(Value::Null);
    serde_json::from_value(datasets)
        .map_err(|e| format!("the {TOOL_NAME} input does not match its schema: {e}"))
}

/// A JSON value as a Smithy document.
pub fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Document::Number(Number::PosInt(u))
            } else if let Some(i) = n.as_i64() {
                Document::Number(Number::NegInt(i))
            } else {
                Document::Number(Number::Float(n.as_f64().unwrap_or(0.0)))
            }
        }
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(to_document).collect()),
        Value::Object(o) => Document::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A Smithy document as a JSON value (a non-finite float becomes `null`).
pub fn from_document(doc: &Document) -> Value {
    match doc {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(a) => Value::Array(a.iter().map(from_document).collect()),
        Document::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), from_document(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// The lineage model on Amazon Bedrock (Converse API).
#[derive(Debug, Clone)]
pub struct BedrockLineageModel {
    client: Client,
    model_id: String,
}

impl BedrockLineageModel {
    /// Over an existing client. Its own retries (if any) add to the engine's; prefer
    /// [`BedrockLineageModel::from_config`].
    pub fn new(client: Client, model_id: impl Into<String>) -> Self {
        Self {
            client,
            model_id: model_id.into(),
        }
    }

    /// A client built from a loaded config with the SDK's retries disabled (the engine retries
    /// transient errors with its own backoff). `model_id` may be a foundation model id or an
    /// inference profile id (`us.anthropic.…`).
    pub fn from_config(config: &SdkConfig, model_id: impl Into<String>) -> Self {
        let conf = aws_sdk_bedrockruntime::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        Self::new(Client::from_conf(conf), model_id)
    }

    /// From the standard AWS environment (credentials chain, `AWS_REGION`,
    /// `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` to reach a fake).
    pub async fn from_env(model_id: impl Into<String>) -> Self {
        let config = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Self::from_config(&config, model_id)
    }

    /// Against one endpoint with static credentials: for tests and local fakes.
    pub async fn for_endpoint(
        endpoint_url: &str,
        region: &str,
        key: &str,
        secret: &str,
        model_id: impl Into<String>,
    ) -> Self {
        let credentials =
            aws_sdk_bedrockruntime::config::Credentials::new(key, secret, None, None, "static");
        let config = aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(endpoint_url)
            .region(Region::new(region.to_string()))
            .credentials_provider(credentials)
            .load()
            .await;
        Self::from_config(&config, model_id)
    }

    fn operation(&self) -> String {
        format!("bedrock:Converse {}", self.model_id)
    }
}

/// The text a retry after an invalid answer adds to the user message.
pub fn retry_note(previous_error: &str) -> String {
    format!(
        "Your previous answer was rejected: {previous_error}\nCall {TOOL_NAME} again, with input that matches its schema exactly."
    )
}

/// The kind of a Bedrock error code: Bedrock's own transient codes first, then the common
/// classification.
fn bedrock_kind(code: &str, fallback: ErrorKind) -> ErrorKind {
    match code.trim_end_matches("Exception") {
        "ModelTimeout" | "ModelNotReady" | "ModelStreamError" | "ServiceUnavailable"
        | "InternalServer" | "Throttling" => ErrorKind::Transient,
        "AccessDenied" => ErrorKind::AccessDenied,
        "ResourceNotFound" => ErrorKind::NotFound,
        "Validation" => ErrorKind::Invalid,
        _ => fallback,
    }
}

#[async_trait]
impl LineageModel for BedrockLineageModel {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    async fn infer(&self, request: &InferenceRequest) -> Result<InferenceAnswer, PortError> {
        let op = self.operation();
        let build = |what: &str, e: &dyn std::fmt::Display| {
            PortError::invalid(op.clone(), format!("cannot build the {what}: {e}"))
        };
        let mut message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(request.prompt.clone()));
        if let Some(previous) = &request.previous_error {
            message = message.content(ContentBlock::Text(retry_note(previous)));
        }
        let message = message.build().map_err(|e| build("message", &e))?;
        let spec = ToolSpecification::builder()
            .name(TOOL_NAME)
            .description("Report the datasets the Glue job run read and wrote.")
            .input_schema(ToolInputSchema::Json(to_document(&tool_schema())))
            .build()
            .map_err(|e| build("tool specification", &e))?;
        let choice = SpecificToolChoice::builder()
            .name(TOOL_NAME)
            .build()
            .map_err(|e| build("tool choice", &e))?;
        let tools = ToolConfiguration::builder()
            .tools(Tool::ToolSpec(spec))
            .tool_choice(ToolChoice::Tool(choice))
            .build()
            .map_err(|e| build("tool configuration", &e))?;
        let inference = InferenceConfiguration::builder()
            .max_tokens(i32::try_from(request.max_tokens).unwrap_or(i32::MAX))
            .temperature(request.temperature)
            .build();
        let output = self
            .client
            .converse()
            .model_id(&self.model_id)
            .system(SystemContentBlock::Text(request.system.clone()))
            .messages(message)
            .inference_config(inference)
            .tool_config(tools)
            .send()
            .await
            .map_err(|e| {
                let aws = AwsError::from_sdk(op.clone(), e);
                let kind = aws
                    .code()
                    .map_or(aws.kind(), |c| bedrock_kind(c, aws.kind()));
                let p = PortError::from(aws);
                PortError { kind, ..p }
            })?;
        let usage = output.usage().map_or(
            TokenUsage {
                requests: 1,
                ..TokenUsage::default()
            },
            |u| TokenUsage {
                requests: 1,
                input_tokens: u64::try_from(u.input_tokens()).unwrap_or(0),
                output_tokens: u64::try_from(u.output_tokens()).unwrap_or(0),
                cache_hits: 0,
            },
        );
        tracing::debug!(model = %self.model_id, input_tokens = usage.input_tokens, output_tokens = usage.output_tokens, "bedrock answered");
        let content = match output.output() {
            Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(m)) => m.content(),
            _ => &[],
        };
        let tool_input = content.iter().find_map(|block| match block {
            ContentBlock::ToolUse(t) if t.name() == TOOL_NAME => Some(t.input()),
            _ => None,
        });
        let Some(input) = tool_input else {
            return Err(invalid_answer(
                &self.model_id,
                format!(
                    "the answer has no {TOOL_NAME} tool call (stop reason {})",
                    output.stop_reason().as_str()
                ),
            ));
        };
        let datasets = validate_tool_input(&from_document(input))
            .map_err(|why| invalid_answer(&self.model_id, why))?;
        Ok(InferenceAnswer { datasets, usage })
    }
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
        let ds = validate_tool_input(&input).expect("valid");
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].direction, lineage_domain::Direction::Output);
    }

    #[test]
    fn violations_name_their_path() {
        let input = json!({"datasets": [
            {"namespace": "s3://b", "name": "", "direction": "sideways", "confidence": 1.5, "evidence": []},
            {"name": "x", "direction": "input", "confidence": "high", "evidence": "q"}
        ]});
        let err = validate_tool_input(&input).expect_err("invalid");
        for part in [
            "$.datasets[0].name",
            "$.datasets[0].direction",
            "$.datasets[0].confidence",
            "$.datasets[1]: missing required property \"namespace\"",
            "$.datasets[1].confidence: expected number",
            "$.datasets[1].evidence: expected array",
        ] {
            assert!(err.contains(part), "{part} not in {err}");
        }
        assert!(validate_tool_input(&json!({"items": []})).is_err());
        assert!(validate_tool_input(&json!([])).is_err());
    }

    #[test]
    fn documents_round_trip() {
        let v = json!({"a": [1, -2, 0.5, "s", true, null], "b": {"c": 3}});
        assert_eq!(from_document(&to_document(&v)), v);
    }

    #[test]
    fn bedrock_codes_classify() {
        assert_eq!(
            bedrock_kind("ModelTimeoutException", ErrorKind::Invalid),
            ErrorKind::Transient
        );
        assert_eq!(
            bedrock_kind("ValidationException", ErrorKind::Transient),
            ErrorKind::Invalid
        );
        assert_eq!(
            bedrock_kind("ResourceNotFoundException", ErrorKind::Invalid),
            ErrorKind::NotFound
        );
        assert_eq!(
            bedrock_kind("AccessDeniedException", ErrorKind::Invalid),
            ErrorKind::AccessDenied
        );
        assert_eq!(
            bedrock_kind("Other", ErrorKind::Conflict),
            ErrorKind::Conflict
        );
    }
}
