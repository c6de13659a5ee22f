//! The Amazon DataZone transport through the real `aws-sdk-datazone` client against a fake
//! endpoint speaking `PostLineageEvent`'s documented REST shape (`POST
//! /v2/domains/{domainIdentifier}/lineage/events`, the event as the body, the idempotency token
//! in `Client-Token`), which checks every event against the official OpenLineage schema.

use crate::support;
use lineage_aws::datazone::{client_token, MAX_EVENT_BYTES};
use lineage_aws::AwsClients;
use lineage_domain::ports::{LineageEvent, LineageTransport};
use lineage_fakes::openlineage::{Answer, FakeOpenLineage};
use serde_json::json;

fn event_json(kind: &str) -> Vec<u8> {
    json!({
        "eventType": kind,
        "eventTime": "2026-01-01T00:00:00.000Z",
        "producer": "https://example.com/p",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8", "facets": {}},
        "job": {"namespace": "glue", "name": "orders-nightly", "facets": {}},
        "inputs": [], "outputs": []
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn events_are_posted_to_the_domain_with_a_stable_client_token() {
    let fake = FakeOpenLineage::start_datazone(Vec::new()).await;
    let clients = AwsClients::for_endpoint(&fake.url, support::REGION, "test", "test").await;
    let transport = clients.datazone_transport("dzd_abc123");
    assert_eq!(transport.destination(), "Amazon DataZone domain dzd_abc123");
    let (start, complete) = (event_json("START"), event_json("COMPLETE"));
    for (kind, body) in [("START", &start), ("COMPLETE", &complete)] {
        let event = LineageEvent {
            run_id: "jr_0123",
            event_type: kind,
            body,
        };
        transport.send(&event).await.expect("posted");
    }
    let received = fake.received();
    assert_eq!(received.len(), 2);
    for (r, (kind, body)) in received
        .iter()
        .zip([("START", &start), ("COMPLETE", &complete)])
    {
        assert_eq!(r.request.method, "POST");
        assert_eq!(r.request.path, "/v2/domains/dzd_abc123/lineage/events");
        assert_eq!(&r.request.body, body, "the event's bytes as the body");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        let token = client_token(&LineageEvent {
            run_id: "jr_0123",
            event_type: kind,
            body,
        });
        assert_eq!(r.request.header("client-token"), Some(token.as_str()));
        assert!(
            r.request
                .header("authorization")
                .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")),
            "signed with SigV4"
        );
    }
    assert_eq!(fake.accepted().len(), 2);
}

#[tokio::test]
async fn refusals_and_oversized_events_are_errors_that_name_the_call() {
    let fake = FakeOpenLineage::start_datazone(vec![Answer::Status(403)]).await;
    let clients = AwsClients::for_endpoint(&fake.url, support::REGION, "test", "test").await;
    let transport = clients.datazone_transport("dzd_abc123");
    let body = event_json("START");
    let event = LineageEvent {
        run_id: "jr_0123",
        event_type: "START",
        body: &body,
    };
    let denied = transport.send(&event).await.expect_err("access denied");
    let text = denied.to_string();
    assert!(
        text.contains("datazone:PostLineageEvent dzd_abc123"),
        "{text}"
    );
    assert!(text.contains("AccessDenied"), "{text}");
    assert!(!text.contains('\n'), "one line: {text}");

    // an event over DataZone's limit is refused before any request
    let before = fake.received().len();
    let big = vec![b' '; MAX_EVENT_BYTES + 1];
    let too_big = transport
        .send(&LineageEvent {
            run_id: "jr_0123",
            event_type: "COMPLETE",
            body: &big,
        })
        .await
        .expect_err("too big");
    assert!(too_big.to_string().contains("300000"), "{too_big}");
    assert_eq!(fake.received().len(), before, "nothing sent");
}
