//! [`BedrockLineageModel`]: the `LineageModel` port on the Amazon Bedrock Converse API. One
//! request per question: the system prompt, one user message (plus, on a retry after an
//! invalid answer, what was wrong with it), `inferenceConfig` from the request, and a forced
//! choice of the request's tool with its JSON input schema. The reply is returned as the model
//! gave it (the tool input, the stop reason, the token usage); whether it is a valid answer is
//! the engine's check. SDK errors are classified into the domain's error kinds; the SDK's own
//! retries are disabled because the engine owns retry and backoff.

use crate::error::AwsError;
use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, InferenceConfiguration, Message, SpecificToolChoice,
    SystemContentBlock, Tool, ToolChoice, ToolConfiguration, ToolInputSchema, ToolSpecification,
};
use aws_sdk_bedrockruntime::Client;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::{Document, Number};
use lineage_domain::ports::{InferenceRequest, LineageModel, ModelReply};
use lineage_domain::record::TokenUsage;
use lineage_domain::{ErrorKind, PortError};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The model used when none is configured: the US cross-region inference profile of Claude
/// Sonnet 4.6 (current Claude models are invoked on demand only through an inference profile).
pub const DEFAULT_MODEL_ID: &str = "us.anthropic.claude-sonnet-4-6";

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
        let config = crate::sdk_defaults().load().await;
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
        let config = crate::sdk_defaults()
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

    /// The region the client calls (`None` when none is configured).
    pub fn region(&self) -> Option<String> {
        self.client.config().region().map(ToString::to_string)
    }

    /// The smallest Converse call that proves the model can be invoked: a one-word prompt,
    /// `maxTokens` 1, no system prompt and no tool. The answer's text is dropped; only that
    /// Bedrock answered (and the tokens it counted) matters. For the health check.
    pub async fn probe(&self) -> Result<TokenUsage, AwsError> {
        let op = self.operation();
        let message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(PROBE_PROMPT.into()))
            .build()
            .map_err(|e| AwsError::invalid(op.clone(), format!("cannot build the message: {e}")))?;
        let output = self
            .client
            .converse()
            .model_id(&self.model_id)
            .messages(message)
            .inference_config(InferenceConfiguration::builder().max_tokens(1).build())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(op, e))?;
        Ok(usage_of(output.usage()))
    }
}

/// The tokens of one Converse request (zero when the reply reports none).
fn usage_of(usage: Option<&aws_sdk_bedrockruntime::types::TokenUsage>) -> TokenUsage {
    usage.map_or(
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
    )
}

/// The prompt of [`BedrockLineageModel::probe`].
pub const PROBE_PROMPT: &str = "Reply with OK.";

/// The text a retry after an invalid answer adds to the user message.
pub fn retry_note(previous_error: &str, tool_name: &str) -> String {
    format!(
        "Your previous answer was rejected: {previous_error}\nCall {tool_name} again, with input that matches its schema exactly."
    )
}

/// The kind of a Bedrock error code: Bedrock's own transient codes first, then the common
/// classification.
fn bedrock_kind(code: &str, fallback: ErrorKind) -> ErrorKind {
    match code.trim_end_matches("Exception") {
        // ModelErrorException: the model failed while answering (Bedrock says: retry)
        "ModelTimeout" | "ModelNotReady" | "ModelStreamError" | "ModelError"
        | "ServiceUnavailable" | "InternalServer" | "Throttling" => ErrorKind::Transient,
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

    async fn infer(&self, request: &InferenceRequest) -> Result<ModelReply, PortError> {
        let op = self.operation();
        let build = |what: &str, e: &dyn std::fmt::Display| {
            PortError::invalid(op.clone(), format!("cannot build the {what}: {e}"))
        };
        let mut message = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text(request.prompt.clone()));
        if let Some(previous) = &request.previous_error {
            message = message.content(ContentBlock::Text(retry_note(previous, &request.tool.name)));
        }
        let message = message.build().map_err(|e| build("message", &e))?;
        let spec = ToolSpecification::builder()
            .name(&request.tool.name)
            .description(&request.tool.description)
            .input_schema(ToolInputSchema::Json(to_document(
                &request.tool.input_schema,
            )))
            .build()
            .map_err(|e| build("tool specification", &e))?;
        let choice = SpecificToolChoice::builder()
            .name(&request.tool.name)
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
        let usage = usage_of(output.usage());
        tracing::debug!(model = %self.model_id, input_tokens = usage.input_tokens, output_tokens = usage.output_tokens, "bedrock answered");
        let content = match output.output() {
            Some(aws_sdk_bedrockruntime::types::ConverseOutput::Message(m)) => m.content(),
            _ => &[],
        };
        let tool_input = content.iter().find_map(|block| match block {
            ContentBlock::ToolUse(t) if t.name() == request.tool.name => {
                Some(from_document(t.input()))
            }
            _ => None,
        });
        Ok(ModelReply {
            tool_input,
            stop_reason: output.stop_reason().as_str().to_string(),
            usage,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip() {
        let v = serde_json::json!({"a": [1, -2, 0.5, "s", true, null], "b": {"c": 3}});
        assert_eq!(from_document(&to_document(&v)), v);
    }

    #[test]
    fn bedrock_codes_classify() {
        assert_eq!(
            bedrock_kind("ModelTimeoutException", ErrorKind::Invalid),
            ErrorKind::Transient
        );
        assert_eq!(
            bedrock_kind("ModelErrorException", ErrorKind::Invalid),
            ErrorKind::Transient
        );
        assert_eq!(
            bedrock_kind("ServiceUnavailableException", ErrorKind::Invalid),
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
