//! Secrets of every form in every input of a local case reach no output of the CLI: planted in
//! the job's and the run's arguments, a Glue connection (URL and password), the script (code
//! and comments), a config object the script reads (`extra/`), and the log lines, then `run`
//! (with trace logging), `extract`, `graph` and a failing `run` are read back byte for byte:
//! their stdout and stderr, and every file under `--out` (the SQLite store with its journal
//! files, the OpenLineage documents).

use crate::common::files_with_text;
use lineage_fakes::secrets;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RUN_ID: &str = "jr_0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(args)
        .env_remove("LINEAGE_LOG")
        .output()
        .expect("run lineage-agent")
}

/// A case folder under `root` holding the forms and the secret-keyed values.
fn plant(root: &Path, forms: &[String], keyed: &[String]) -> PathBuf {
    let case = root.join("forms-case");
    std::fs::create_dir_all(case.join("extra/jobs")).expect("case folder");
    let mut defaults = serde_json::Map::new();
    for (i, f) in forms.iter().enumerate() {
        defaults.insert(format!("--note_{i}"), json!(f));
    }
    defaults.insert("--db_password".into(), json!(keyed[0]));
    defaults.insert("--conf".into(), json!(forms[5]));
    defaults.insert("--job-language".into(), json!("python"));
    let job = json!({
        "Job": {
            "Name": "forms-job",
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts-bucket/forms.py", "PythonVersion": "3"},
            "DefaultArguments": defaults,
            "GlueVersion": "4.0",
            "Connections": {"Connections": ["forms-db"]}
        },
        "Connections": [{
            "Name": "forms-db",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": forms[3],
                "USERNAME": "etl",
                "PASSWORD": keyed[1]
            }
        }]
    });
    let mut run_args = serde_json::Map::new();
    for (i, f) in forms.iter().enumerate() {
        run_args.insert(format!("--run_note_{i}"), json!(f));
    }
    run_args.insert("--api_token".into(), json!(keyed[2]));
    let run = json!({"JobRun": {
        "Id": RUN_ID, "Attempt": 0, "JobName": "forms-job",
        "StartedOn": "2025-03-02T02:00:04.000000+00:00",
        "CompletedOn": "2025-03-02T02:06:41.000000+00:00",
        "JobRunState": "SUCCEEDED", "Arguments": run_args, "ExecutionTime": 397,
        "LogGroupName": "/aws-glue/jobs", "GlueVersion": "4.0"
    }});
    let event = json!({
        "version": "0", "id": "5e1d2c3b-0000-4000-8000-000000000001",
        "detail-type": "Glue Job State Change", "source": "aws.glue",
        "account": "111122223333", "time": "2025-03-02T02:06:42Z", "region": "us-east-1",
        "resources": [],
        "detail": {"jobName": "forms-job", "severity": "INFO", "state": "SUCCEEDED",
                   "jobRunId": RUN_ID, "message": "Job run succeeded"}
    });
    let mut script = String::from(
        "import json\nimport boto3\nfrom awsglue.context import GlueContext\nfrom pyspark.context import SparkContext\n\
glue = GlueContext(SparkContext.getOrCreate())\nspark = glue.spark_session\n\
conf = json.loads(boto3.client(\"s3\").get_object(Bucket=\"config-bucket\", Key=\"jobs/orders.json\")[\"Body\"].read())\n",
    );
    for (i, f) in forms.iter().enumerate() {
        script.push_str(&format!("# note {i}: {f}\nnote_{i} = '''{f}'''\n"));
    }
    script.push_str(
        "orders = spark.read.format(\"jdbc\").option(\"url\", \"jdbc:mysql://sales-db:3306/sales\").option(\"dbtable\", \"orders\").load()\n\
orders.write.mode(\"overwrite\").parquet(conf[\"output\"])\n",
    );
    let config = json!({
        "output": "s3://curated-zone/orders_clean/",
        "forms": forms,
        "password": keyed[3],
        "connection": {"user": "etl", "password": keyed[4]},
    });
    let start = 1_740_880_804_000_i64;
    let lines: Vec<String> = forms
        .iter()
        .map(|f| format!("INFO connecting with {f}"))
        .chain([format!("ERROR Py4JJavaError: {} rejected", forms[4])])
        .collect();
    let events: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            json!({"logStreamName": RUN_ID, "timestamp": start + 1000 * i as i64, "message": l,
                   "ingestionTime": start + 1000 * i as i64 + 300, "eventId": format!("{:056}", i)})
        })
        .collect();
    for (name, body) in [
        ("job.json", job.to_string()),
        ("run.json", run.to_string()),
        ("event.json", event.to_string()),
        ("script.py", script),
        ("extra/jobs/orders.json", config.to_string()),
        ("logs.json", json!({ "events": events }).to_string()),
    ] {
        std::fs::write(case.join(name), body).expect("write the case");
    }
    case
}

fn leaks_for(values: &[String], keyed: &[String]) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixtures = tmp.path().join("fixtures");
    let forms = secrets::planted(values);
    let case = plant(&fixtures, &forms, keyed);
    let out = tmp.path().join("out");
    let (fx, out_s) = (
        fixtures.to_str().expect("utf8"),
        out.to_str().expect("utf8"),
    );
    let event = case.join("event.json");
    let event_s = event.to_str().expect("utf8");
    let mut sinks: Vec<(String, String)> = Vec::new();
    let mut record = |what: &str, o: &Output| {
        sinks.push((
            format!("{what} stdout"),
            String::from_utf8_lossy(&o.stdout).into_owned(),
        ));
        sinks.push((
            format!("{what} stderr"),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        ));
    };

    let run = agent(&[
        "-vvv",
        "run",
        "--fixtures",
        fx,
        "--out",
        out_s,
        "--json",
        event_s,
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    // the outputs are not empty: the run's lineage and its redacted arguments are there
    assert!(stdout.contains("curated-zone"), "{stdout:.400}");
    assert!(stdout.contains("--note_0"), "{stdout:.400}");
    assert!(
        stdout.contains(lineage_domain::redact::REDACTED),
        "{stdout:.400}"
    );
    assert!(!run.stderr.is_empty(), "trace logging wrote to stderr");
    record("run -vvv --json", &run);
    let extract = agent(&["-vvv", "extract", case.to_str().expect("utf8")]);
    assert!(extract.status.success());
    record("extract", &extract);
    let store = out.join("lineage.db");
    let graph = agent(&["graph", "--store", store.to_str().expect("utf8")]);
    assert!(graph.status.success());
    record("graph", &graph);
    // a failing run: the event names a run the case does not hold
    let text = std::fs::read_to_string(&event).expect("event");
    let bad = tmp.path().join("bad-event.json");
    std::fs::write(&bad, text.replace(RUN_ID, "jr_no_such_run")).expect("write");
    let failed = agent(&[
        "-vvv",
        "run",
        "--fixtures",
        fx,
        "--out",
        out_s,
        bad.to_str().expect("utf8"),
    ]);
    assert!(!failed.status.success());
    record("a failing run", &failed);
    let written = files_with_text(&out);
    assert!(
        written.iter().any(|(p, _)| p.ends_with(".json")),
        "documents were written: {written:?}"
    );
    sinks.extend(written);

    let needles: Vec<(String, &str)> = secrets::needles(values)
        .into_iter()
        .chain(keyed.iter().map(|v| (v.clone(), "secret-keyed value")))
        .collect();
    secrets::leaks(&needles, &sinks)
}

#[test]
fn secrets_of_every_form_in_every_input_reach_no_output_of_the_cli() {
    for (round, tail) in ["Ab3q9Tk2mW", "k!9*_+~-Zq7"].iter().enumerate() {
        let values: Vec<String> = (0..secrets::FORMS.len())
            .map(|i| format!("Zx{round}{i}{tail}"))
            .collect();
        let keyed: Vec<String> = (0..5).map(|i| format!("Kq{round}{i}{tail}")).collect();
        let leaks = leaks_for(&values, &keyed);
        assert!(
            leaks.is_empty(),
            "{} leak(s):\n{}",
            leaks.len(),
            leaks.join("\n")
        );
    }
}
