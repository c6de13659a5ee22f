//! The Bedrock adapter through the real SDK client against a fake Converse endpoint: the wire
//! request (path, forced tool, inference config, schema), the reply as the model gave it (tool
//! input, stop reason, token usage), the retry note after an invalid answer, and how service
//! errors map to error kinds (with no SDK retries), and the health check's one-token probe with
//! its cache. Whether a reply is a valid answer is the engine's check
//! (`lineage_engine::infer::answer`).

use lineage_fakes::bedrock as bedrock_fake;

use bedrock_fake::{FakeBedrock, Reply};
use lineage_aws::bedrock::{BedrockLineageModel, DEFAULT_MODEL_ID};
use lineage_domain::ports::{AnswerTool, InferenceRequest, LineageModel};
use lineage_domain::ErrorKind;
use serde_json::json;

const TOOL_NAME: &str = "emit_lineage";

async fn model(fake: &FakeBedrock, model_id: &str) -> BedrockLineageModel {
    BedrockLineageModel::for_endpoint(&fake.url, "us-east-1", "test", "test", model_id).await
}

fn request() -> InferenceRequest {
    InferenceRequest {
        system: "system rules".into(),
        prompt: "the run".into(),
        max_tokens: 4000,
        temperature: 0.1,
        previous_error: None,
        tool: AnswerTool {
            name: TOOL_NAME.into(),
            description: "Report the datasets.".into(),
            input_schema: json!({
                "type": "object",
                "properties": {"datasets": {"type": "array", "items": {"type": "object",
                    "properties": {"direction": {"type": "string", "enum": ["input", "output"]}}}}}
            }),
        },
    }
}

fn good() -> serde_json::Value {
    json!({"datasets": [
        {"namespace": "arn:aws:glue:us-east-1:123456789012", "name": "table/billing/subscriptions",
         "direction": "input", "confidence": 0.85, "evidence": ["read_table(spark, \"billing.subscriptions\")"]},
        {"namespace": "s3://acme-out", "name": "daily", "direction": "output", "confidence": 0.9, "evidence": []}
    ]})
}

#[tokio::test]
async fn the_reply_is_returned_as_given_and_the_request_is_the_converse_wire_format() {
    let fake = FakeBedrock::start(vec![Reply::Tool(good())]).await;
    let m = model(&fake, DEFAULT_MODEL_ID).await;
    let answer = m.infer(&request()).await.expect("answer");
    assert_eq!(answer.tool_input, Some(good()));
    assert_eq!(answer.stop_reason, "tool_use");
    assert_eq!(
        (
            answer.usage.requests,
            answer.usage.input_tokens,
            answer.usage.output_tokens
        ),
        (1, 1200, 150)
    );

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/model/{DEFAULT_MODEL_ID}/converse"));
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.contains("Credential=test/")),
        "signed with the static credentials: {:?}",
        r.headers
    );
    let b = &r.body;
    assert_eq!(b["inferenceConfig"]["maxTokens"], 4000);
    assert!((b["inferenceConfig"]["temperature"].as_f64().expect("t") - 0.1).abs() < 1e-6);
    assert_eq!(b["toolConfig"]["toolChoice"]["tool"]["name"], TOOL_NAME);
    let spec = &b["toolConfig"]["tools"][0]["toolSpec"];
    assert_eq!(spec["name"], TOOL_NAME);
    let schema = &spec["inputSchema"]["json"];
    assert_eq!(
        schema["properties"]["datasets"]["items"]["properties"]["direction"]["enum"],
        json!(["input", "output"])
    );
    assert_eq!(b["system"][0]["text"], "system rules");
    assert_eq!(b["messages"][0]["role"], "user");
    assert_eq!(b["messages"][0]["content"][0]["text"], "the run");
    assert_eq!(
        b["messages"][0]["content"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn inference_profile_ids_are_accepted() {
    let fake = FakeBedrock::start(vec![Reply::Tool(json!({"datasets": []}))]).await;
    let id = "us.anthropic.claude-3-5-sonnet-20241022-v2:0";
    let m = model(&fake, id).await;
    assert_eq!(m.model_id(), id);
    let answer = m.infer(&request()).await.expect("answer");
    assert_eq!(answer.tool_input, Some(json!({"datasets": []})));
    assert_eq!(fake.requests()[0].path, format!("/model/{id}/converse"));
}

#[tokio::test]
async fn a_text_only_reply_has_no_tool_input_and_the_retry_carries_the_error() {
    let bad = json!({"datasets": [{"namespace": "s3://b", "name": "x", "direction": "sideways", "confidence": 2}]});
    let fake = FakeBedrock::start(vec![
        Reply::Tool(bad.clone()),
        Reply::Text("I think it reads s3://b".into()),
    ])
    .await;
    let m = model(&fake, DEFAULT_MODEL_ID).await;
    // the adapter does not judge the input: the engine's schema check does
    let first = m.infer(&request()).await.expect("a reply");
    assert_eq!(first.tool_input, Some(bad));

    let mut retry = request();
    retry.previous_error = Some("/datasets/0/direction: \"sideways\" is not one of".into());
    let second = m.infer(&retry).await.expect("a reply");
    assert_eq!(second.tool_input, None, "a text answer calls no tool");
    assert_eq!(second.stop_reason, "end_turn");
    let reqs = fake.requests();
    let content = &reqs[1].body["messages"][0]["content"];
    assert_eq!(content.as_array().map(Vec::len), Some(2));
    let note = content[1]["text"].as_str().expect("note");
    assert!(
        note.contains("direction") && note.contains(TOOL_NAME),
        "{note}"
    );
}

#[tokio::test]
async fn service_errors_map_to_kinds_and_the_sdk_does_not_retry() {
    let cases = [
        (429, "ThrottlingException", ErrorKind::Transient),
        (500, "InternalServerException", ErrorKind::Transient),
        (503, "ServiceUnavailableException", ErrorKind::Transient),
        (408, "ModelTimeoutException", ErrorKind::Transient),
        (403, "AccessDeniedException", ErrorKind::AccessDenied),
        (400, "ValidationException", ErrorKind::Invalid),
        (404, "ResourceNotFoundException", ErrorKind::NotFound),
    ];
    for (status, code, kind) in cases {
        let fake = FakeBedrock::start(vec![Reply::Error(status, code)]).await;
        let m = model(&fake, DEFAULT_MODEL_ID).await;
        let err = m.infer(&request()).await.expect_err(code);
        assert_eq!(err.kind, kind, "{code}: {err}");
        assert!(err.message.contains(code), "{err}");
        assert_eq!(fake.requests().len(), 1, "{code}: exactly one request");
    }
}

#[tokio::test]
async fn an_unreachable_endpoint_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let m = BedrockLineageModel::for_endpoint(&url, "us-east-1", "test", "test", DEFAULT_MODEL_ID)
        .await;
    let err = m.infer(&request()).await.expect_err("refused");
    assert_eq!(err.kind, ErrorKind::Transient, "{err}");
}

#[tokio::test]
async fn the_health_probe_is_one_token_and_its_healthy_answer_is_reused_within_the_ttl() {
    use lineage_aws::health::model::{check_model, MODEL_PROBE_TTL};
    use lineage_aws::{HealthStatus, ModelCheck};
    let fake = FakeBedrock::start(vec![Reply::Text("OK".into())]).await;
    let check = ModelCheck::new(model(&fake, DEFAULT_MODEL_ID).await, MODEL_PROBE_TTL);
    let first = check.check().await;
    let second = check.check().await;
    assert_eq!(first.status, HealthStatus::Healthy, "{first:?}");
    assert_eq!(second.status, HealthStatus::Healthy, "{second:?}");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "one Converse call for two checks");
    assert_eq!(reqs[0].body["inferenceConfig"]["maxTokens"], 1);
    assert!(reqs[0].body.get("toolConfig").is_none());

    let denied = FakeBedrock::start(vec![Reply::Error(403, "AccessDeniedException")]).await;
    let d = check_model(&model(&denied, DEFAULT_MODEL_ID).await).await;
    assert_eq!(d.status, HealthStatus::Unhealthy);
    let reason = d.reason.unwrap_or_default();
    assert!(
        reason.starts_with("AccessDeniedException: ")
            && reason.ends_with(
                "fix: enable model access in the Bedrock console (Model access) for \
                 anthropic.claude-sonnet-4-6 in us-east-1"
            ),
        "{reason}"
    );
}
