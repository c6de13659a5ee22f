//! Secrets of every form in every input reach no sink (a property test against moto, the real
//! SDK clients and the real Bedrock adapter in front of a fake Converse endpoint).
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
//! agent's own log output (tracing, captured at `debug`) and the error messages. No secret
//! value appears in any of them.

use crate::common;
use lineage_fakes::bedrock as bedrock_fake;

use bedrock_fake::{FakeBedrock, Reply};
use common::{support, Outputs};
use lineage_engine::{InferencePolicy, ProcessOptions};
use lineage_fakes::proxy::FaultProxy;
use proptest::prelude::*;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// One form a secret takes: its name and the text that carries `value`.
struct Form {
    name: &'static str,
    text: fn(&str) -> String,
}

const FORMS: &[Form] = &[
    Form {
        name: "quoted key/value",
        text: |v| format!("\"password\": \"{v}\""),
    },
    Form {
        name: "option call",
        text: |v| format!(".option(\"password\", \"{v}\")"),
    },
    Form {
        name: "assignment",
        text: |v| format!("db_password = \"{v}\""),
    },
    Form {
        name: "URL user-info (JDBC)",
        text: |v| format!("jdbc:mysql://etl:{v}@sales-db:3306/sales"),
    },
    Form {
        name: "Oracle user/pw@host",
        text: |v| format!("jdbc:oracle:thin:etl/{v}@orahost:1521/ORCL"),
    },
    Form {
        name: "Hadoop conf secret key",
        text: |v| format!("spark.hadoop.fs.s3a.secret.key={v}"),
    },
    Form {
        name: "AWS access key id",
        text: |v| format!("AKIA{}", access_key_tail(v)),
    },
    Form {
        name: "bearer token",
        text: |v| format!("Authorization: Bearer {v}"),
    },
    Form {
        name: "webhook URL",
        text: |v| format!("https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{v}"),
    },
];

/// The 16 characters after `AKIA` that the access-key form makes of a value.
fn access_key_tail(v: &str) -> String {
    let mut t: String = v
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    while t.len() < 16 {
        t.push('Q');
    }
    t[..16].to_string()
}

/// What must never be found: each value, and for the access-key form the key it makes.
fn needles(values: &[String]) -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (v, f) in values.iter().zip(FORMS) {
        out.push((v.clone(), f.name));
        if f.name == "AWS access key id" {
            out.push((format!("AKIA{}", access_key_tail(v)), f.name));
        }
    }
    out
}

/// The agent's log output, captured in-process for every case.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = Capture(buf.clone());
        let _ = tracing_subscriber::fmt()
            .with_env_filter("debug,hyper=info,aws_smithy_runtime=info,aws_config=info,h2=info")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buf
    })
}

#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

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
    let logs = captured_logs();
    let direct = support::clients().await;
    let bedrock = FakeBedrock::start(vec![Reply::Tool(json!({"datasets": [
        {"namespace": "s3://curated-zone", "name": "orders_clean", "direction": "output",
         "confidence": 0.9, "evidence": ["orders.write.mode(\"overwrite\").parquet(conf[\"output\"])"]}
    ]}))])
    .await;
    let proxy = FaultProxy::start(&support::moto_url(), Some(&bedrock.url)).await;
    let clients = common::clients_via(&proxy.url).await;
    let forms: Vec<String> = values.iter().zip(FORMS).map(|(v, f)| (f.text)(v)).collect();

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

    // the run, the model asked
    let out = Outputs::create(&direct).await;
    let settings = common::settings(&out, InferencePolicy::Always);
    let pipeline = common::pipeline(&clients, &settings);
    let mut errors = Vec::new();
    let outcome = pipeline
        .process(&common::event(&job, &run), ProcessOptions::default())
        .await;
    if let Err(e) = &outcome {
        errors.push(format!("{e} {e:?}"));
    }
    // failing runs: a run id that does not exist
    if let Err(e) = pipeline
        .process(
            &common::event(&job, "jr_no_such_run"),
            ProcessOptions::default(),
        )
        .await
    {
        errors.push(format!("{e} {e:?}"));
    }

    // the sinks
    let mut sinks: Vec<(String, String)> = Vec::new();
    let state = common::snapshot(&direct, &out).await;
    sinks.push(("S3 and DynamoDB".into(), common::snapshot_text(&state)));
    for r in bedrock.requests() {
        sinks.push(("a Bedrock request".into(), r.raw));
    }
    sinks.push(("error messages".into(), errors.join("\n")));
    let log_text = {
        let mut l = logs.lock().unwrap_or_else(|p| p.into_inner());
        let text = String::from_utf8_lossy(&l).into_owned();
        l.clear();
        text
    };
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

    let mut leaks = Vec::new();
    assert!(
        outcome.is_ok(),
        "the run is processed: {}",
        errors.join("; ")
    );
    assert!(
        !bedrock.requests().is_empty(),
        "the model was asked (a Bedrock request is a sink)"
    );
    let keyed = secret_keyed
        .iter()
        .map(|v| (v.clone(), "secret-keyed value"));
    for (needle, form) in needles(&values).into_iter().chain(keyed) {
        for (sink, text) in &sinks {
            if let Some(at) = text.find(&needle) {
                // the text around the leak, on char boundaries
                let from = (0..=at.saturating_sub(160))
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                let to = (at + needle.len()..text.len().min(at + needle.len() + 60))
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(text.len());
                leaks.push(format!(
                    "{form} ({needle}) in {sink}: …{}…",
                    &text[from..to]
                ));
            }
        }
    }
    leaks
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
