//! Test support shared by the AWS adapter and Lambda tests: one moto server per test binary
//! (started through `tests/moto/moto.sh`, which installs moto into `target/moto-venv` when
//! missing and stops the server when the test process exits; `LINEAGE_MOTO_URL` points at an
//! already running server instead), SDK clients against it, unique resource names, and fixture
//! builders (tables with their GSI, buckets, Glue jobs and runs, log events).
#![allow(dead_code)]

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use lineage_aws::AwsClients;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

pub const REGION: &str = "us-east-1";

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A moto server of its own over TLS (its certificate signed by a test CA), stopped on drop.
pub struct TlsMoto {
    pub url: String,
    /// The test CA's certificate (PEM): what `SSL_CERT_FILE` names to trust the server.
    pub ca: PathBuf,
    server: std::process::Child,
    _dir: tempfile::TempDir,
}

impl Drop for TlsMoto {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// Starts a moto server over TLS with a fresh test CA (`tests/moto/tls_certs.py`).
pub fn tls_moto() -> TlsMoto {
    let root = workspace_root();
    let run = |cmd: &mut std::process::Command| {
        let out = cmd.output().expect("run");
        assert!(
            out.status.success(),
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(std::process::Command::new(root.join("tests/moto/moto.sh")).arg("install"));
    let venv = std::env::var_os("MOTO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/moto-venv"));
    let dir = tempfile::tempdir().expect("temp dir");
    run(std::process::Command::new(venv.join("bin/python"))
        .arg(root.join("tests/moto/tls_certs.py"))
        .arg(dir.path()));
    let port = free_port();
    let server = std::process::Command::new(venv.join("bin/moto_server"))
        .args(["-H", "127.0.0.1", "-p", &port.to_string(), "-c"])
        .arg(dir.path().join("server.pem"))
        .arg("-k")
        .arg(dir.path().join("server.key"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start moto_server over TLS");
    let moto = TlsMoto {
        url: format!("https://127.0.0.1:{port}"),
        ca: dir.path().join("ca.pem"),
        server,
        _dir: dir,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "moto over TLS did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    moto
}

/// The moto server's URL, starting it on first use.
pub fn moto_url() -> String {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("LINEAGE_MOTO_URL") {
            if !url.is_empty() {
                return Ok(url.trim_end_matches('/').to_string());
            }
        }
        let script = workspace_root().join("tests/moto/moto.sh");
        let mut last = String::new();
        for _ in 0..3 {
            let out = std::process::Command::new("bash")
                .arg(&script)
                .arg("start")
                .arg(free_port().to_string())
                .arg(std::process::id().to_string())
                .stderr(std::process::Stdio::piped())
                .output()
                .map_err(|e| format!("running {}: {e}", script.display()))?;
            if out.status.success() {
                let url = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !url.is_empty() {
                    return Ok(url);
                }
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
        }
        Err(format!("could not start moto: {last}"))
    })
    .clone()
    .unwrap_or_else(|e| panic!("{e}"))
}

/// SDK clients against moto, with test credentials.
pub async fn clients() -> AwsClients {
    let url = moto_url();
    AwsClients::for_endpoint(&url, REGION, "test", "test").await
}

/// A name unique to this process and call: lower case, digits and `-` (valid for buckets).
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}-{}-{n}-{nanos:x}", std::process::id())
}

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("attribute")
}

fn key(name: &str, kind: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kind)
        .build()
        .expect("key")
}

/// The job-mappings table: pk `job_name`, sk `mapping_key`, GSI `dataset-index`.
pub async fn create_mapping_table(c: &AwsClients, name: &str) {
    let gsi = GlobalSecondaryIndex::builder()
        .index_name(lineage_aws::dynamodb::DATASET_INDEX)
        .key_schema(key("dataset_key", KeyType::Hash))
        .key_schema(key("job_name", KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .expect("gsi");
    c.dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("job_name"))
        .attribute_definitions(attr("mapping_key"))
        .attribute_definitions(attr("dataset_key"))
        .key_schema(key("job_name", KeyType::Hash))
        .key_schema(key("mapping_key", KeyType::Range))
        .global_secondary_indexes(gsi)
        .send()
        .await
        .expect("create the job-mappings table");
}

/// The execution-contexts table: pk `job_run_id`.
pub async fn create_context_table(c: &AwsClients, name: &str) {
    c.dynamodb
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("job_run_id"))
        .key_schema(key("job_run_id", KeyType::Hash))
        .send()
        .await
        .expect("create the execution-contexts table");
}

/// Both tables, with unique names: (mappings, contexts).
pub async fn create_tables(c: &AwsClients) -> (String, String) {
    let m = unique("job-mappings");
    let x = unique("execution-contexts");
    create_mapping_table(c, &m).await;
    create_context_table(c, &x).await;
    (m, x)
}

/// A bucket with a unique name.
pub async fn create_bucket(c: &AwsClients) -> String {
    let b = unique("lineage");
    c.s3.create_bucket()
        .bucket(&b)
        .send()
        .await
        .expect("create bucket");
    b
}

/// The bytes of an object.
pub async fn get_object(c: &AwsClients, bucket: &str, key: &str) -> Vec<u8> {
    c.s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect("get object")
        .body
        .collect()
        .await
        .expect("object body")
        .into_bytes()
        .to_vec()
}

pub async fn put_object(c: &AwsClients, bucket: &str, key: &str, body: &[u8]) {
    c.s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from(body.to_vec()))
        .send()
        .await
        .expect("put object");
}

/// A Glue ETL job whose script is at `script_location`.
pub async fn create_job(
    c: &AwsClients,
    name: &str,
    script_location: &str,
    default_arguments: &[(&str, &str)],
    connections: &[&str],
) {
    let mut req = c
        .glue
        .create_job()
        .name(name)
        .role("arn:aws:iam::123456789012:role/glue")
        .glue_version("4.0")
        .worker_type(aws_sdk_glue::types::WorkerType::G1X)
        .number_of_workers(2)
        .description("a test job")
        .command(
            aws_sdk_glue::types::JobCommand::builder()
                .name("glueetl")
                .script_location(script_location)
                .python_version("3")
                .build(),
        );
    for (k, v) in default_arguments {
        req = req.default_arguments(*k, *v);
    }
    if !connections.is_empty() {
        req = req.connections(
            aws_sdk_glue::types::ConnectionsList::builder()
                .set_connections(Some(connections.iter().map(|s| s.to_string()).collect()))
                .build(),
        );
    }
    req.send().await.expect("create job");
}

/// Starts a run (moto marks it SUCCEEDED) and returns its id.
pub async fn start_run(c: &AwsClients, job: &str, arguments: &[(&str, &str)]) -> String {
    let mut req = c.glue.start_job_run().job_name(job);
    for (k, v) in arguments {
        req = req.arguments(*k, *v);
    }
    req.send()
        .await
        .expect("start job run")
        .job_run_id()
        .expect("run id")
        .to_string()
}

/// A log stream in `group` (created if missing) with `(timestamp_ms, message)` events.
pub async fn put_logs(c: &AwsClients, group: &str, stream: &str, events: &[(i64, &str)]) {
    let _ = c.logs.create_log_group().log_group_name(group).send().await;
    c.logs
        .create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .expect("create log stream");
    if events.is_empty() {
        return;
    }
    let mut req = c
        .logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for (t, m) in events {
        req = req.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(*t)
                .message(*m)
                .build()
                .expect("log event"),
        );
    }
    req.send().await.expect("put log events");
}

/// The environment a process needs to reach moto as AWS.
pub fn aws_env() -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_DEFAULT_REGION", REGION.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_ENDPOINT_URL", moto_url()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
