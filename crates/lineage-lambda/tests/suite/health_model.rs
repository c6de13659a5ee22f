//! The health check's model probe through the Lambda handler: the tables and bucket on moto,
//! Bedrock on the fake Converse endpoint, through the real SDK clients and the same Bedrock
//! adapter the pipeline uses. A healthy probe is one minimal call; access problems are
//! `unhealthy` with the reason and the fix; a healthy answer is reused within the TTL; the
//! probe is skipped when the inference policy never asks the model.

use crate::support;
use lineage_fakes::bedrock as bedrock_fake;

use bedrock_fake::{FakeBedrock, Reply};
use lineage_aws::AwsClients;
use lineage_engine::{InferencePolicy, Settings};
use lineage_lambda::{handle, AwsBackend};
use serde_json::{json, Value};
use std::time::Duration;

const MODEL: &str = "us.anthropic.claude-sonnet-4-6";
/// The fake's secret key: it must never appear in a report.
const SECRET: &str = "wJalrXUtnFEMI-health-secret-KEY";

/// A backend whose tables and bucket exist on moto and whose model is the fake.
async fn backend(fake: &FakeBedrock, policy: InferencePolicy) -> AwsBackend {
    let mut clients = support::clients().await;
    let (mappings, contexts) = support::create_tables(&clients).await;
    let bucket = support::create_bucket(&clients).await;
    let bedrock =
        AwsClients::for_endpoint(&fake.url, support::REGION, "AKIAHEALTHTEST", SECRET).await;
    clients.bedrock = bedrock.bedrock;
    let mut settings = Settings {
        job_mapping_table: mappings,
        context_table: contexts,
        lineage_bucket: bucket,
        environment: "test".into(),
        inference_policy: policy,
        ..Settings::default()
    };
    settings.model.model_id = MODEL.into();
    AwsBackend::new(clients, settings)
}

async fn health_check(b: &AwsBackend) -> Value {
    handle(b, json!({"action": "health_check"}))
        .await
        .expect("the health check answers")
}

fn model_dependency(out: &Value) -> Value {
    out["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .find(|d| d["kind"] == "bedrock_model")
        .expect("a bedrock_model dependency")
        .clone()
}

#[tokio::test]
async fn a_healthy_probe_is_one_minimal_converse_call() {
    let fake = FakeBedrock::start(vec![Reply::Text("OK".into())]).await;
    let b = backend(&fake, InferencePolicy::Auto).await;
    let out = health_check(&b).await;
    assert_eq!(out["status"], "healthy", "{out}");
    let model = model_dependency(&out);
    assert_eq!(model["name"], MODEL);
    assert_eq!(model["status"], "healthy");
    assert!(model.get("reason").is_none(), "{model}");
    assert!(
        !out.to_string().contains("\"OK\""),
        "the answer is not reported: {out}"
    );

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, format!("/model/{MODEL}/converse"));
    assert_eq!(r.body["inferenceConfig"]["maxTokens"], 1);
    assert!(r.body.get("toolConfig").is_none(), "{}", r.raw);
    assert!(r.body.get("system").is_none(), "{}", r.raw);
    assert!(r.prompt().len() < 40, "a tiny prompt: {}", r.prompt());
}

#[tokio::test]
async fn access_denied_is_unhealthy_with_the_reason_and_the_fix() {
    let fake = FakeBedrock::start(vec![Reply::Fault(
        403,
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID.",
    )])
    .await;
    let b = backend(&fake, InferencePolicy::Auto).await;
    let out = health_check(&b).await;
    assert_eq!(out["status"], "unhealthy", "{out}");
    let model = model_dependency(&out);
    assert_eq!(model["status"], "unhealthy");
    let reason = model["reason"].as_str().expect("a reason");
    assert_eq!(
        reason,
        "AccessDeniedException: You don't have access to the model with the specified model \
         ID.; fix: enable model access in the Bedrock console (Model access) for \
         anthropic.claude-sonnet-4-6 in us-east-1"
    );
    // the tables and bucket are still reported healthy beside it
    let healthy = out["dependencies"]
        .as_array()
        .expect("dependencies")
        .iter()
        .filter(|d| d["status"] == "healthy")
        .count();
    assert_eq!(healthy, 4, "{out}");
    assert!(!out.to_string().contains(SECRET), "{out}");

    // a failure is not cached: the next check asks again
    health_check(&b).await;
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn on_demand_throughput_asks_for_an_inference_profile() {
    let fake = FakeBedrock::start(vec![Reply::Fault(
        400,
        "ValidationException",
        "Invocation of model ID anthropic.claude-sonnet-4-6 with on-demand throughput isn't \
         supported. Retry your request with the ID or ARN of an inference profile that contains \
         this model.",
    )])
    .await;
    let b = backend(&fake, InferencePolicy::Always).await;
    let model = model_dependency(&health_check(&b).await);
    assert_eq!(model["status"], "unhealthy");
    let reason = model["reason"].as_str().expect("a reason");
    assert!(reason.starts_with("ValidationException: "), "{reason}");
    assert!(
        reason.ends_with(
            "fix: use an inference profile id such as us.anthropic.claude-sonnet-4-6 as \
             BEDROCK_MODEL_ID"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn two_health_checks_within_the_ttl_make_one_converse_call() {
    let fake = FakeBedrock::start(vec![Reply::Text("OK".into())]).await;
    let b = backend(&fake, InferencePolicy::Auto).await;
    let first = health_check(&b).await;
    let second = health_check(&b).await;
    assert_eq!(
        fake.requests().len(),
        1,
        "the second check reuses the probe"
    );
    assert_eq!(first["status"], "healthy");
    assert_eq!(second["status"], "healthy", "{second}");
    let reason = model_dependency(&second)["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(reason.contains("reused for 300 s"), "{reason}");

    // with the TTL over, the next check probes again
    let b = b.with_model_probe_ttl(Duration::ZERO);
    health_check(&b).await;
    health_check(&b).await;
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn the_probe_is_skipped_when_the_policy_never_asks_the_model() {
    let fake = FakeBedrock::start(vec![Reply::Error(403, "AccessDeniedException")]).await;
    let b = backend(&fake, InferencePolicy::Never).await;
    let out = health_check(&b).await;
    assert_eq!(out["status"], "healthy", "{out}");
    let model = model_dependency(&out);
    assert_eq!(model["status"], "healthy");
    assert!(
        model["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("probe skipped: the inference policy is never")),
        "{model}"
    );
    assert!(fake.requests().is_empty());
}
