//! GlueJobCatalog against moto.

use crate::support;
use aws_sdk_glue::types::{ConnectionInput, ConnectionPropertyKey, ConnectionType};
use lineage_aws::GlueJobCatalog;
use lineage_domain::ports::JobCatalog;
use lineage_domain::{ErrorKind, JobCommand, RunState};

#[tokio::test]
async fn a_connection_is_read_without_its_password() {
    let c = support::clients().await;
    let conn = support::unique("pg-secret");
    let password = "Zq8!connection-password";
    c.glue
        .create_connection()
        .connection_input(
            ConnectionInput::builder()
                .name(&conn)
                .connection_type(ConnectionType::Jdbc)
                .connection_properties(
                    ConnectionPropertyKey::JdbcConnectionUrl,
                    "jdbc:postgresql://db:5432/sales",
                )
                .connection_properties(ConnectionPropertyKey::UserName, "etl")
                .connection_properties(ConnectionPropertyKey::Password, password)
                .build()
                .expect("connection input"),
        )
        .send()
        .await
        .expect("create connection");
    let got = GlueJobCatalog::new(c.glue.clone())
        .connection(&conn)
        .await
        .expect("connection");
    assert_eq!(
        got.connection_properties
            .get("JDBC_CONNECTION_URL")
            .map(String::as_str),
        Some("jdbc:postgresql://db:5432/sales")
    );
    assert!(!got.connection_properties.contains_key("PASSWORD"));
    assert!(!format!("{got:?}").contains(password), "{got:?}");
}

#[tokio::test]
async fn job_run_and_connection_convert_to_domain_types() {
    let c = support::clients().await;
    let job = support::unique("orders-job");
    let conn = support::unique("pg");
    c.glue
        .create_connection()
        .connection_input(
            ConnectionInput::builder()
                .name(&conn)
                .connection_type(ConnectionType::Jdbc)
                .connection_properties(
                    ConnectionPropertyKey::JdbcConnectionUrl,
                    "jdbc:postgresql://db:5432/sales",
                )
                .connection_properties(ConnectionPropertyKey::UserName, "etl")
                .build()
                .expect("connection input"),
        )
        .send()
        .await
        .expect("create connection");
    support::create_job(
        &c,
        &job,
        "s3://scripts/orders.py",
        &[("--output_path", "s3://out/orders/")],
        &[&conn],
    )
    .await;
    let run_id = support::start_run(&c, &job, &[("--day", "2024-05-14")]).await;

    let catalog = GlueJobCatalog::new(c.glue.clone());
    let def = catalog.job(&job).await.expect("job");
    assert_eq!(def.name, job);
    assert_eq!(def.command.name, JobCommand::Etl);
    assert_eq!(def.command.script_location, "s3://scripts/orders.py");
    assert_eq!(def.default_arguments["--output_path"], "s3://out/orders/");
    assert_eq!(def.connection_names(), std::slice::from_ref(&conn));
    assert_eq!(def.glue_version.as_deref(), Some("4.0"));
    assert_eq!(def.worker_type.as_deref(), Some("G.1X"));
    assert_eq!(def.number_of_workers, Some(2));

    let run = catalog.job_run(&job, &run_id).await.expect("run");
    assert_eq!(run.id, run_id);
    assert_eq!(run.job_name, job);
    assert_eq!(run.arguments["--day"], "2024-05-14");
    assert_eq!(run.terminal_state(), Some(RunState::Succeeded));
    let age = chrono::Utc::now() - run.started_on;
    assert!(
        age.num_minutes().abs() < 10,
        "started_on converts to chrono: {}",
        run.started_on
    );

    let connection = catalog.connection(&conn).await.expect("connection");
    assert_eq!(connection.name, conn);
    // moto 5.2 does not return ConnectionType; when present it is the SDK's string
    assert!(["", "JDBC"].contains(&connection.connection_type.as_str()));
    assert_eq!(
        connection.property("JDBC_CONNECTION_URL"),
        Some("jdbc:postgresql://db:5432/sales")
    );
    assert_eq!(connection.property("USERNAME"), Some("etl"));
}

#[tokio::test]
async fn job_runs_are_newest_first_and_filtered_by_window() {
    let c = support::clients().await;
    let job = support::unique("runs-job");
    support::create_job(&c, &job, "s3://scripts/runs.py", &[], &[]).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(support::start_run(&c, &job, &[]).await);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let catalog = GlueJobCatalog::new(c.glue.clone());
    let runs = catalog.job_runs(&job, None, None).await.expect("runs");
    assert_eq!(runs.len(), 3);
    assert!(
        runs.windows(2)
            .all(|w| (w[0].started_on, &w[0].id) >= (w[1].started_on, &w[1].id)),
        "newest first: {runs:?}"
    );
    let mut got: Vec<_> = runs.iter().map(|r| r.id.clone()).collect();
    got.sort();
    ids.sort();
    assert_eq!(got, ids);

    let future = chrono::Utc::now() + chrono::Duration::hours(1);
    assert!(catalog
        .job_runs(&job, Some(future), None)
        .await
        .expect("runs")
        .is_empty());
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    assert!(catalog
        .job_runs(&job, None, Some(past))
        .await
        .expect("runs")
        .is_empty());
    assert_eq!(
        catalog
            .job_runs(&job, Some(past), Some(future))
            .await
            .expect("runs")
            .len(),
        3
    );
}

#[tokio::test]
async fn missing_things_are_not_found() {
    let c = support::clients().await;
    let catalog = GlueJobCatalog::new(c.glue.clone());
    let missing = support::unique("no-such-job");
    let e = catalog.job(&missing).await.expect_err("no job");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert!(e.operation.contains(&missing), "{e}");
    let e = catalog
        .connection(&missing)
        .await
        .expect_err("no connection");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");

    let job = support::unique("job-without-run");
    support::create_job(&c, &job, "s3://scripts/x.py", &[], &[]).await;
    let e = catalog
        .job_run(&job, "jr_missing")
        .await
        .expect_err("no run");
    assert_eq!(e.kind, ErrorKind::NotFound, "{e}");
    assert!(!e.is_retryable());
}
