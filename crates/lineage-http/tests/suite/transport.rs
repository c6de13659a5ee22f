//! The HTTP transport against the fake OpenLineage receiver: events posted with the API key as
//! a Bearer token to the endpoint path, retries on 5xx then acceptance, giving up after the
//! retries with an error that says so, no retry on a 4xx, timeouts, and the key never in an
//! error.

use lineage_domain::ports::{LineageEvent, LineageTransport};
use lineage_domain::{ErrorKind, Secret};
use lineage_fakes::openlineage::{Answer, FakeOpenLineage};
use lineage_http::{HttpEndpoint, HttpLineageTransport};
use std::time::{Duration, Instant};

const KEY: &str = "ol-key-3c1f9e0b7d";

fn event() -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "eventType": "START",
        "eventTime": "2026-03-02T10:00:00.000Z",
        "producer": "https://github.com/enhanced-lineage-agent/enhanced-lineage-agent/tree/main/crates/lineage-engine",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "run": {"runId": "0d8ba2a4-6a3e-5b1c-9a61-0c5e0ad3e9b5", "facets": {}},
        "job": {"namespace": "arn:aws:glue:us-east-1:123456789012", "name": "orders", "facets": {}},
        "inputs": [],
        "outputs": []
    }))
    .expect("ok")
}

fn transport(
    url: &str,
    key: Option<&str>,
    retries: u32,
    timeout: Duration,
) -> HttpLineageTransport {
    HttpLineageTransport::new(HttpEndpoint {
        url: format!("{url}/api/v1/lineage"),
        timeout,
        api_key: key.map(Secret::new),
        retries,
        backoff: Duration::from_millis(10),
    })
    .expect("transport")
}

async fn send(t: &HttpLineageTransport) -> Result<(), lineage_domain::PortError> {
    let body = event();
    t.send(&LineageEvent {
        run_id: "jr_1",
        event_type: "START",
        body: &body,
    })
    .await
}

#[tokio::test]
async fn an_event_is_posted_as_json_with_the_key_as_a_bearer_token() {
    let fake = FakeOpenLineage::start(vec![]).await;
    let t = transport(&fake.url, Some(KEY), 3, Duration::from_secs(5));
    send(&t).await.expect("sent");
    let got = fake.received();
    assert_eq!(got.len(), 1);
    let r = &got[0].request;
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v1/lineage")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(got[0].problems.is_empty(), "{:?}", got[0].problems);
    assert_eq!(got[0].event["eventType"], "START");
    assert_eq!(t.destination(), format!("{}/api/v1/lineage", fake.url));
    assert!(!format!("{t:?}").contains(KEY));
}

#[tokio::test]
async fn without_a_key_no_authorization_header_is_sent() {
    let fake = FakeOpenLineage::start(vec![]).await;
    send(&transport(&fake.url, None, 0, Duration::from_secs(5)))
        .await
        .expect("sent");
    assert_eq!(fake.received()[0].request.header("authorization"), None);
}

#[tokio::test]
async fn server_errors_are_retried_until_the_event_is_accepted() {
    let fake = FakeOpenLineage::start(vec![
        Answer::Status(503),
        Answer::Status(500),
        Answer::Accept,
    ])
    .await;
    send(&transport(&fake.url, Some(KEY), 3, Duration::from_secs(5)))
        .await
        .expect("accepted on the third attempt");
    let statuses: Vec<u16> = fake.received().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 500, 201]);
}

#[tokio::test]
async fn after_its_retries_the_transport_gives_up_with_an_error_that_says_so() {
    let fake = FakeOpenLineage::start(vec![Answer::Status(502)]).await;
    let e = send(&transport(&fake.url, Some(KEY), 2, Duration::from_secs(5)))
        .await
        .expect_err("gave up");
    assert_eq!(fake.received().len(), 3, "one attempt and two retries");
    assert_eq!(e.kind, ErrorKind::Transient);
    let text = e.to_string();
    assert!(text.contains("HTTP 502 after 3 attempt(s)"), "{text}");
    assert!(text.contains("START event of run jr_1"), "{text}");
    assert!(!text.contains(KEY), "{text}");
}

#[tokio::test]
async fn a_client_error_is_not_retried_and_names_the_fix() {
    let fake = FakeOpenLineage::start(vec![Answer::Status(401)]).await;
    let e = send(&transport(&fake.url, Some(KEY), 3, Duration::from_secs(5)))
        .await
        .expect_err("refused");
    assert_eq!(fake.received().len(), 1);
    assert_eq!(e.kind, ErrorKind::AccessDenied);
    assert!(e.to_string().contains("check OPENLINEAGE_API_KEY"), "{e}");
    assert!(!e.to_string().contains(KEY));
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_in_time_times_out_per_attempt() {
    let fake = FakeOpenLineage::start(vec![Answer::Stall(Duration::from_secs(3))]).await;
    let started = Instant::now();
    let e = send(&transport(
        &fake.url,
        Some(KEY),
        1,
        Duration::from_millis(200),
    ))
    .await
    .expect_err("timed out");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(
        e.to_string()
            .contains("no answer within 200 ms after 2 attempt(s)"),
        "{e}"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    // a port nothing listens on
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("ok");
    let url = format!("http://{}", listener.local_addr().expect("ok"));
    drop(listener);
    let e = send(&transport(&url, Some(KEY), 1, Duration::from_secs(2)))
        .await
        .expect_err("refused");
    assert_eq!(e.kind, ErrorKind::Transient);
    assert!(
        e.to_string()
            .contains("could not connect after 2 attempt(s)"),
        "{e}"
    );
    assert!(!e.to_string().contains(KEY));
}

#[test]
fn bad_urls_are_refused_at_start() {
    for url in ["ftp://x/api", "not a url", "/api/v1/lineage"] {
        let e = HttpLineageTransport::new(HttpEndpoint {
            url: url.into(),
            timeout: Duration::from_secs(1),
            api_key: None,
            retries: 0,
            backoff: Duration::ZERO,
        })
        .expect_err(url);
        assert!(e.to_string().contains("OPENLINEAGE_URL"), "{e}");
    }
}
