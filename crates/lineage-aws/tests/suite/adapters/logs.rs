//! CloudWatchRunLogs against moto.

use crate::support;
use chrono::{Duration, Utc};
use lineage_aws::CloudWatchRunLogs;
use lineage_domain::ports::{LogQuery, RunLogs};
use lineage_domain::RunWindow;

fn query(
    run_id: &str,
    groups: &[&str],
    window: RunWindow,
    max_events: usize,
    max_bytes: usize,
) -> LogQuery {
    LogQuery {
        job_name: "job".into(),
        run_id: run_id.into(),
        log_groups: groups.iter().map(|g| g.to_string()).collect(),
        window,
        max_events,
        max_bytes,
    }
}

#[tokio::test]
async fn events_of_the_run_from_every_group_sorted_and_capped() {
    let c = support::clients().await;
    let out = format!("/aws-glue/jobs/{}", support::unique("output"));
    let err = format!("/aws-glue/jobs/{}", support::unique("error"));
    let missing = format!("/aws-glue/jobs/{}", support::unique("missing"));
    let run = format!("jr_{}", support::unique("run").replace('-', ""));
    let now = Utc::now().timestamp_millis();
    let start = now - 60_000;
    support::put_logs(
        &c,
        &out,
        &run,
        &[
            (start + 1_000, "out one"),
            (start + 3_000, "out three"),
            (start + 5_000, "out five"),
        ],
    )
    .await;
    support::put_logs(
        &c,
        &err,
        &format!("{run}-driver"),
        &[(start + 2_000, "err two"), (start + 4_000, "err four")],
    )
    .await;
    // another run's stream and an event outside the window
    support::put_logs(&c, &out, "jr_other", &[(start + 2_500, "other run")]).await;
    support::put_logs(
        &c,
        &err,
        &format!("{run}-late"),
        &[(now + 3_600_000, "too late")],
    )
    .await;

    let window = RunWindow {
        start: Utc::now() - Duration::minutes(5),
        end: Utc::now() + Duration::minutes(5),
    };
    let logs = CloudWatchRunLogs::new(c.logs.clone());
    let all = logs
        .events(&query(&run, &[&out, &missing, &err], window, 100, 1 << 20))
        .await
        .expect("events; a missing group is skipped");
    let messages: Vec<&str> = all.events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        ["out one", "err two", "out three", "err four", "out five"]
    );
    assert!(!all.truncated);
    assert!(all
        .events
        .iter()
        .all(|e| e.log_stream_name.starts_with(&run)));
    assert!(all.events.iter().all(|e| !e.event_id.is_empty()));

    // the same group twice: no duplicates
    let twice = logs
        .events(&query(&run, &[&out, &out], window, 100, 1 << 20))
        .await
        .expect("events");
    assert_eq!(twice.events.len(), 3);

    let capped = logs
        .events(&query(&run, &[&out, &err], window, 3, 1 << 20))
        .await
        .expect("events");
    assert_eq!(capped.events.len(), 3);
    assert!(capped.truncated, "the event cap cut it short");
    assert_eq!(capped.events[0].message, "out one");

    let exact = logs
        .events(&query(&run, &[&out], window, 3, 1 << 20))
        .await
        .expect("events");
    assert_eq!(exact.events.len(), 3);
    assert!(!exact.truncated, "exactly the cap is not truncated");

    let bytes = logs
        .events(&query(&run, &[&out, &err], window, 100, 16))
        .await
        .expect("events");
    assert_eq!(
        bytes
            .events
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>(),
        ["out one", "err two"],
        "7 + 7 bytes fit in 16, the next does not"
    );
    assert!(bytes.truncated);

    let narrow = RunWindow {
        start: chrono::DateTime::from_timestamp_millis(start + 2_500).expect("t"),
        end: chrono::DateTime::from_timestamp_millis(start + 4_500).expect("t"),
    };
    let inside = logs
        .events(&query(&run, &[&out, &err], narrow, 100, 1 << 20))
        .await
        .expect("events");
    assert_eq!(
        inside
            .events
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>(),
        ["out three", "err four"]
    );

    let none = logs
        .events(&query(&run, &[&missing], window, 100, 1 << 20))
        .await
        .expect("only a missing group");
    assert!(none.events.is_empty());
}
