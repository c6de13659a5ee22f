//! The Bedrock adapter through the real SDK client against a fake Converse endpoint: the wire
//! request (path, forced tool, inference config, schema), answer parsing and token usage,
//! invalid answers, and how service errors map to error kinds (with no SDK retries).

mod bedrock_fake;

use bedrock_fake::{FakeBedrock, Reply};
use lineage_aws::bedrock::{BedrockLineageModel, DEFAULT_MODEL_ID, TOOL_NAME};
use lineage_domain::ports::{InferenceRequest, LineageModel};
use lineage_domain::{Direction, ErrorKind};
use serde_json::json;

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
async fn a_good_answer_is_parsed_and_the_request_is_the_converse_wire_format() {
    let fake = FakeBedrock::start(vec![Reply::Tool(good())]).await;
    let m = model(&fake, DEFAULT_MODEL_ID).await;
    let answer = m.infer(&request()).await.expect("answer");
    assert_eq!(answer.datasets.len(), 2);
    assert_eq!(answer.datasets[0].name, "table/billing/subscriptions");
    assert_eq!(answer.datasets[0].direction, Direction::Input);
    assert_eq!(answer.datasets[1].direction, Direction::Output);
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
    assert!(answer.datasets.is_empty());
    assert_eq!(fake.requests()[0].path, format!("/model/{id}/converse"));
}

#[tokio::test]
async fn an_invalid_tool_input_is_an_invalid_answer_and_the_retry_carries_the_error() {
    let bad = json!({"datasets": [{"namespace": "s3://b", "name": "x", "direction": "sideways", "confidence": 2}]});
    let fake = FakeBedrock::start(vec![
        Reply::Tool(bad),
        Reply::Text("I think it reads s3://b".into()),
    ])
    .await;
    let m = model(&fake, DEFAULT_MODEL_ID).await;
    let err = m.infer(&request()).await.expect_err("invalid");
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.operation.ends_with(" answer"), "{err}");
    assert!(
        err.message.contains("direction") && err.message.contains("evidence"),
        "{err}"
    );

    let mut retry = request();
    retry.previous_error = Some(err.message.clone());
    let err2 = m.infer(&retry).await.expect_err("no tool call");
    assert!(
        err2.operation.ends_with(" answer") && err2.message.contains("no emit_lineage"),
        "{err2}"
    );
    let reqs = fake.requests();
    let content = &reqs[1].body["messages"][0]["content"];
    assert_eq!(content.as_array().map(Vec::len), Some(2));
    assert!(content[1]["text"]
        .as_str()
        .expect("note")
        .contains("direction"));
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
        assert!(
            !err.operation.ends_with(" answer"),
            "{code} is not an invalid answer"
        );
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
