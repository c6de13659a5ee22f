//! Amazon DataZone as the transport, through the real bootstrap: the deployment's variables
//! (`OPENLINEAGE__TRANSPORT__TYPE=amazon_datazone_api`, `OPENLINEAGE__TRANSPORT__DOMAIN_ID`) and
//! `AWS_ENDPOINT_URL_DATAZONE` pointing at a fake `PostLineageEvent` endpoint that checks each
//! event against the official schema. A run's START and terminal events arrive once, in order,
//! with one run id; a redelivery sends nothing; a DataZone outage leaves the run recorded with
//! a `transport` finding and a `LineageTransportFailures` metric line.

use crate::common;

use common::{support, Outputs};
use lineage_domain::ports::LineageStore;
use lineage_fakes::openlineage::{Answer, FakeOpenLineage};

const SCRIPT: &str = r#"from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
df = spark.read.parquet("s3://raw-zone/orders/")
df.write.parquet("s3://curated-zone/orders_clean/")
"#;

#[tokio::test]
async fn through_the_bootstrap_a_runs_events_reach_datazone_once() {
    let clients = support::clients().await;
    let out = Outputs::create(&clients).await;
    let fake = FakeOpenLineage::start_datazone(Vec::new()).await;
    let scripts = support::create_bucket(&clients).await;
    let job =
        common::job_with_script(&clients, &scripts, "dz", "py", SCRIPT.as_bytes(), &[], &[]).await;
    let bootstrap = common::Bootstrap::start(
        &out,
        &[
            ("OPENLINEAGE__TRANSPORT__TYPE", "amazon_datazone_api"),
            ("OPENLINEAGE__TRANSPORT__DOMAIN_ID", "dzd_lineage01"),
            ("AWS_ENDPOINT_URL_DATAZONE", fake.url.as_str()),
        ],
    )
    .await;

    let run = support::start_run(&clients, &job, &[]).await;
    let event = common::event_json(&job, &run, "SUCCEEDED");
    let answer = bootstrap.invoke(event.clone()).await.expect("processed");
    assert_eq!(answer["status"], "processed", "{answer}");
    let received = fake.received();
    assert_eq!(received.len(), 2, "START and COMPLETE");
    for r in &received {
        assert_eq!(r.request.path, "/v2/domains/dzd_lineage01/lineage/events");
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r.request.header("client-token").is_some());
    }
    let kinds: Vec<&str> = received
        .iter()
        .filter_map(|r| r.event["eventType"].as_str())
        .collect();
    assert_eq!(kinds, ["START", "COMPLETE"]);
    assert_eq!(
        received[0].event["run"]["runId"],
        received[1].event["run"]["runId"]
    );
    // the documents written are the events sent
    let snap = common::snapshot(&clients, &out).await;
    for r in &received {
        assert!(
            snap.objects.values().any(|body| *body == r.request.body),
            "an event sent is a document written"
        );
    }

    // a redelivery finds the run recorded and sends nothing
    let again = bootstrap.invoke(event).await.expect("answered");
    assert_eq!(again["status"], "already_recorded");
    assert_eq!(fake.received().len(), 2, "nothing resent");

    // DataZone failing: the run is still recorded, the failure is a finding and a metric
    fake.set_answer(Answer::Status(500));
    let failing = support::start_run(&clients, &job, &[]).await;
    let answer = bootstrap
        .invoke(common::event_json(&job, &failing, "SUCCEEDED"))
        .await
        .expect("recorded although DataZone fails");
    assert_eq!(answer["status"], "processed", "{answer}");
    let ctx = clients
        .lineage_store(&out.mappings, &out.contexts)
        .execution_context(&failing)
        .await
        .expect("get")
        .expect("recorded");
    assert!(
        ctx.findings
            .iter()
            .any(|f| f.check == "transport" && f.message.contains("dzd_lineage01")),
        "{:?}",
        ctx.findings
    );
    let (stdout, stderr) = bootstrap.stop().await;
    assert_eq!(
        common::emf_sum(&stdout, "LineageEventsSent"),
        2.0,
        "{stdout}"
    );
    assert!(
        common::emf_sum(&stdout, "LineageTransportFailures") >= 1.0,
        "{stdout}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
