//! Secrets of every form in every input reach no sink (a property test through the real
//! bootstrap: the function's own binary served by the Runtime API emulator, its SDK clients
//! against moto and its Bedrock adapter against a fake Converse endpoint, both behind one
//! proxy).
//!
//! Each case draws fresh secret values and plants each one in one form a secret takes in Glue
//! jobs ([`FORMS`]: `"password": "…"`, `.option("password", …)`, `password = "…"`, URL
//! user-info (JDBC), Oracle `jdbc:oracle:thin:user/pw@host`, a Hadoop `--conf` secret key, an
//! AWS access key id, a bearer token, a webhook URL), in every input of a run at once: the
//! job's and the run's arguments, a Glue connection, the script (code and comments), a config
//! object the script reads from S3, and the run's log lines. Other fresh values sit under
//! secret-like keys ([`SECRET_KEYED`]), so no form's value is known to the redactor from
//! elsewhere. The run is processed with the model asked (`always`), then a run id that does not
//! exist fails; every sink is read back byte for byte: every S3 object the agent wrote, both
//! DynamoDB tables (the answer cache included), every request the fake Bedrock received, the
//! function's stdout (metric lines) and stderr (its logs, at `LOG_LEVEL=DEBUG`), and its answers
//! (the error messages Lambda records). No secret value appears in any of them.

use crate::common;
use lineage_fakes::bedrock as bedrock_fake;

use bedrock_fake::{FakeBedrock, Reply};
use common::{support, Outputs};
use lineage_fakes::proxy::FaultProxy;
use lineage_fakes::secrets::{self, FORMS};
use proptest::prelude::*;
use serde_json::json;

/// The script: reads a config object, then every form in a comment and in code.
fn script(config_bucket: &str, forms: &[String]) -> String {
    let mut s = format!(
        "import json\nimport boto3\nfrom awsglue.context import GlueContext\nfrom pyspark.context import SparkContext\n\
glue = GlueContext(SparkContext.getOrCreate())\nspark = glue.spark_session\n\
conf = json.loads(boto3.client(\"s3\").get_object(Bucket=\"{config_bucket}\", Key=\"jobs/orders.json\")[\"Body\"].read())\n"
    );
    for (i, f) in forms.iter().enumerate() {
        s.push_str(&format!("# note {i}: {f}\n"));
        s.push_str(&format!("note_{i} = '''{f}'''\n"));
    }
    s.push_str(
        "orders = spark.read.format(\"jdbc\").option(\"url\", \"jdbc:mysql://sales-db:3306/sales\").option(\"dbtable\", \"orders\").load()\n\
orders.write.mode(\"overwrite\").parquet(conf[\"output\"])\n",
    );
    s
}

/// Secret values under secret-like keys (config `password` fields, the connection's password,
/// `--db_password`, `--api_token`), apart from the forms' own, so each form's value appears
/// only in that form and its redaction cannot lean on a value learnt elsewhere.
const SECRET_KEYED: usize = 5;

async fn leaks_in_one_run(drawn: Vec<String>) -> Vec<String> {
    let (values, secret_keyed) = drawn.split_at(FORMS.len());
    let (values, secret_keyed) = (values.to_vec(), secret_keyed.to_vec());
    let direct = support::clients().await;
    let bedrock = FakeBedrock::start(vec![Reply::Tool(json!({"datasets": [
        {"namespace": "s3://curated-zone", "name": "orders_clean", "direction": "output",
         "confidence": 0.9, "evidence": ["orders.write.mode(\"overwrite\").parquet(conf[\"output\"])"]}
    ]}))])
    .await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&bedrock.url)).await;
    let forms = secrets::planted(&values);

    // the inputs
    let scripts = support::create_bucket(&direct).await;
    let config_bucket = support::create_bucket(&direct).await;
    let config = json!({
        "output": "s3://curated-zone/orders_clean/",
        "forms": forms,
        "password": secret_keyed[0],
        "connection": {"user": "etl", "password": secret_keyed[1]},
    });
    support::put_object(
        &direct,
        &config_bucket,
        "jobs/orders.json",
        config.to_string().as_bytes(),
    )
    .await;
    let connection =
        common::jdbc_connection(&direct, "forms-db", &forms[3], Some(&secret_keyed[2])).await;
    let default_args: Vec<(String, String)> = forms
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("--note_{i}"), f.clone()))
        .chain([
            ("--db_password".to_string(), secret_keyed[3].clone()),
            ("--conf".to_string(), forms[5].clone()),
        ])
        .collect();
    let default_refs: Vec<(&str, &str)> = default_args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let job = common::job_with_script(
        &direct,
        &scripts,
        "forms",
        "py",
        script(&config_bucket, &forms).as_bytes(),
        &default_refs,
        &[&connection],
    )
    .await;
    let run_args: Vec<(String, String)> = forms
        .iter()
        .enumerate()
        .map(|(i, f)| (format!("--run_note_{i}"), f.clone()))
        .chain([("--api_token".to_string(), secret_keyed[4].clone())])
        .collect();
    let run_refs: Vec<(&str, &str)> = run_args
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = support::start_run(&direct, &job, &run_refs).await;
    let now = chrono::Utc::now().timestamp_millis();
    let lines: Vec<String> = forms
        .iter()
        .map(|f| format!("INFO connecting with {f}"))
        .chain([format!("ERROR Py4JJavaError: {} rejected", forms[4])])
        .collect();
    let events: Vec<(i64, &str)> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| (now + i as i64, l.as_str()))
        .collect();
    support::put_logs(&direct, "/aws-glue/jobs/output", &run, &events).await;

    // the run, the model asked, through the function's own binary
    let out = Outputs::create(&direct).await;
    let bootstrap = common::Bootstrap::start(
        &out,
        &[
            ("AWS_ENDPOINT_URL", proxy.url.as_str()),
            ("INFERENCE_POLICY", "always"),
            ("LOG_LEVEL", "DEBUG"),
        ],
    )
    .await;
    let mut answers = Vec::new();
    let outcome = bootstrap
        .invoke(common::event_json(&job, &run, "SUCCEEDED"))
        .await;
    answers.push(format!("{outcome:?}"));
    // failing runs: a run id that does not exist
    let failed = bootstrap
        .invoke(common::event_json(&job, "jr_no_such_run", "SUCCEEDED"))
        .await;
    assert!(
        failed.is_err(),
        "a run that does not exist fails: {failed:?}"
    );
    answers.push(format!("{failed:?}"));
    let (stdout, stderr) = bootstrap.stop().await;

    // the sinks
    let mut sinks: Vec<(String, String)> = Vec::new();
    let state = common::snapshot(&direct, &out).await;
    sinks.push(("S3 and DynamoDB".into(), common::snapshot_text(&state)));
    for r in bedrock.requests() {
        sinks.push(("a Bedrock request".into(), r.raw));
    }
    sinks.push(("the function's answers".into(), answers.join("\n")));
    sinks.push(("the function's stdout".into(), stdout));
    let log_text = stderr;
    // the sinks are not empty: the agent logged, and every input reached the model (redacted)
    assert!(
        log_text.contains(&job),
        "the agent's logs were captured: {log_text:.300}"
    );
    let asked: String = bedrock.requests().iter().map(|r| r.raw.clone()).collect();
    for input in [
        "jobs/orders.json",
        "--note_0",
        "--run_note_0",
        "INFO connecting with",
        "note_0 = ",
    ] {
        assert!(asked.contains(input), "{input} reached the model");
    }
    assert!(
        asked.contains(lineage_domain::redact::REDACTED),
        "redacted text reached the model"
    );
    sinks.push(("the agent's logs".into(), log_text));

    assert!(
        outcome.is_ok_and(|a| a["status"] == "processed"),
        "the run is processed: {}",
        answers.join("; ")
    );
    assert!(
        !bedrock.requests().is_empty(),
        "the model was asked (a Bedrock request is a sink)"
    );
    let needles: Vec<(String, &str)> = secrets::needles(&values)
        .into_iter()
        .chain(
            secret_keyed
                .iter()
                .map(|v| (v.clone(), "secret-keyed value")),
        )
        .collect();
    secrets::leaks(&needles, &sinks)
}

proptest! {
    #![proptest_config(ProptestConfig {
        // each case is a whole run on moto; `PROPTEST_CASES` asks for more
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(6),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn secrets_of_every_form_in_every_input_reach_no_sink(
        values in proptest::collection::vec("[A-Za-z0-9]{4}[A-Za-z0-9!*_+~-]{8,20}", FORMS.len() + SECRET_KEYED)
            .prop_filter("distinct values", |v| {
                let set: std::collections::BTreeSet<&String> = v.iter().collect();
                set.len() == v.len()
            })
    ) {
        // a prefix no input holds otherwise, so a hit is this case's secret
        let values: Vec<String> = values.into_iter().enumerate().map(|(i, v)| format!("Zx{i}{v}")).collect();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let leaks = rt.block_on(leaks_in_one_run(values));
        prop_assert!(leaks.is_empty(), "{} leak(s):\n{}", leaks.len(), leaks.join("\n"));
    }
}
