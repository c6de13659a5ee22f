//! Shared fixtures of the reliability tests: the moto harness of `lineage-aws` (one server per
//! test binary), a "deployment" (output tables and lineage bucket with unique names), Glue jobs
//! whose scripts live in S3, events, settings, the pipeline on the real AWS adapters, and a
//! snapshot of everything the agent wrote (both tables scanned, every lineage object's bytes) so
//! two states can be compared exactly.
#![allow(dead_code)]

#[path = "../../../../lineage-aws/tests/support/mod.rs"]
pub mod support;

use aws_sdk_dynamodb::types::AttributeValue;
use lineage_aws::AwsClients;
use lineage_domain::ports::{Metric, Metrics};
use lineage_domain::GlueJobStateChange;
use lineage_engine::infer::retry::Sleeper;
use lineage_engine::{InferencePolicy, Pipeline, Settings};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Item = HashMap<String, AttributeValue>;

/// Where the agent writes: both tables and the lineage bucket.
#[derive(Debug, Clone)]
pub struct Outputs {
    pub mappings: String,
    pub contexts: String,
    pub bucket: String,
}

impl Outputs {
    pub async fn create(c: &AwsClients) -> Self {
        let (mappings, contexts) = support::create_tables(c).await;
        let bucket = support::create_bucket(c).await;
        Self {
            mappings,
            contexts,
            bucket,
        }
    }
}

/// Settings writing to `out`, with fast model retries.
pub fn settings(out: &Outputs, policy: InferencePolicy) -> Settings {
    Settings {
        environment: "test".into(),
        job_mapping_table: out.mappings.clone(),
        context_table: out.contexts.clone(),
        lineage_bucket: out.bucket.clone(),
        lineage_prefix: "lineage".into(),
        inference_policy: policy,
        retry_delay_seconds: 0.01,
        ..Settings::default()
    }
}

/// Metrics that are kept in memory.
#[derive(Debug, Default)]
pub struct MemMetrics(pub Mutex<Vec<(String, Metric)>>);

impl Metrics for MemMetrics {
    fn record(&self, job_name: &str, metrics: &[Metric]) {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.extend(metrics.iter().map(|x| (job_name.to_string(), x.clone())));
    }
}

/// A sleeper that does not sleep (model retries in tests).
#[derive(Debug)]
pub struct NoSleep;

#[async_trait::async_trait]
impl Sleeper for NoSleep {
    async fn sleep(&self, _d: Duration) {}
}

/// The pipeline on the AWS adapters over `clients` (the model as `aws_ports` wires it).
pub fn pipeline(clients: &AwsClients, settings: &Settings) -> Pipeline {
    let ports =
        lineage_lambda::wiring::aws_ports(clients, settings, Some(Arc::new(MemMetrics::default())));
    Pipeline::new(ports, settings.clone()).with_sleeper(Arc::new(NoSleep))
}

/// A "Glue Job State Change" event.
pub fn event_json(job: &str, run: &str, state: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0", "id": support::unique("evt"), "detail-type": "Glue Job State Change",
        "source": "aws.glue", "account": "123456789012", "time": chrono::Utc::now().to_rfc3339(),
        "region": "us-east-1", "resources": [],
        "detail": {"jobName": job, "severity": "INFO", "state": state, "jobRunId": run,
                   "message": "Job run finished"}
    })
}

pub fn event(job: &str, run: &str) -> GlueJobStateChange {
    GlueJobStateChange::from_value(event_json(job, run, "SUCCEEDED")).expect("a valid event")
}

/// A Glue job whose script (`name.py` or `name.scala`) is stored in `script_bucket`.
pub async fn job_with_script(
    c: &AwsClients,
    script_bucket: &str,
    prefix: &str,
    ext: &str,
    script: &[u8],
    default_arguments: &[(&str, &str)],
    connections: &[&str],
) -> String {
    let job = support::unique(prefix);
    let key = format!("scripts/{job}.{ext}");
    support::put_object(c, script_bucket, &key, script).await;
    let mut args: Vec<(&str, &str)> = default_arguments.to_vec();
    if ext == "scala" {
        args.push(("--job-language", "scala"));
        args.push(("--class", "GlueApp"));
    }
    support::create_job(
        c,
        &job,
        &format!("s3://{script_bucket}/{key}"),
        &args,
        connections,
    )
    .await;
    job
}

/// Everything the agent wrote, normalised for comparison: items sorted by key (the answer
/// cache's `cached_at` and `expires_at` wall-clock stamps removed), objects by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub mappings: Vec<Item>,
    pub contexts: Vec<Item>,
    pub objects: BTreeMap<String, Vec<u8>>,
}

pub fn item_key(item: &Item, keys: &[&str]) -> Vec<String> {
    keys.iter()
        .map(|k| {
            item.get(*k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        })
        .collect()
}

pub async fn scan(c: &AwsClients, table: &str) -> Vec<Item> {
    let mut pages = c
        .dynamodb
        .scan()
        .table_name(table)
        .consistent_read(true)
        .into_paginator()
        .items()
        .send();
    let mut out = Vec::new();
    while let Some(item) = pages.next().await {
        out.push(item.expect("scan"));
    }
    out
}

pub async fn objects(c: &AwsClients, bucket: &str) -> BTreeMap<String, Vec<u8>> {
    let mut keys = Vec::new();
    let mut pages =
        c.s3.list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
    while let Some(page) = pages.next().await {
        let page = page.expect("list objects");
        keys.extend(
            page.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
    }
    // A bounded number of reads at a time: hundreds of bodies streamed at once from the one moto
    // process starve each other past the SDK's stalled-stream limit on a loaded machine.
    use futures::StreamExt;
    let bodies: Vec<(String, Vec<u8>)> = futures::stream::iter(keys.iter().map(|k| async move {
        let out =
            c.s3.get_object()
                .bucket(bucket)
                .key(k)
                .send()
                .await
                .expect("get object");
        (
            k.clone(),
            out.body
                .collect()
                .await
                .expect("body")
                .into_bytes()
                .to_vec(),
        )
    }))
    .buffered(8)
    .collect()
    .await;
    bodies.into_iter().collect()
}

pub async fn snapshot(c: &AwsClients, out: &Outputs) -> Snapshot {
    let mut mappings = scan(c, &out.mappings).await;
    mappings.sort_by_key(|i| item_key(i, &["job_name", "mapping_key"]));
    let mut contexts = scan(c, &out.contexts).await;
    for i in &mut contexts {
        i.remove("cached_at");
        i.remove("expires_at");
    }
    contexts.sort_by_key(|i| item_key(i, &["job_run_id"]));
    Snapshot {
        mappings,
        contexts,
        objects: objects(c, &out.bucket).await,
    }
}

/// Every text of a snapshot (item attribute values and object bodies), for leak checks.
pub fn snapshot_text(s: &Snapshot) -> String {
    let mut text = String::new();
    for item in s.mappings.iter().chain(&s.contexts) {
        for (k, v) in item {
            text.push_str(k);
            text.push(' ');
            match v {
                AttributeValue::S(x) | AttributeValue::N(x) => text.push_str(x),
                other => text.push_str(&format!("{other:?}")),
            }
            text.push('\n');
        }
    }
    for (k, body) in &s.objects {
        text.push_str(k);
        text.push('\n');
        text.push_str(&String::from_utf8_lossy(body));
        text.push('\n');
    }
    text
}

/// A deterministic shuffle (xorshift), so a failure can be reproduced from the seed.
pub fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut x = seed.max(1);
    for i in (1..v.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap_or(0);
        v.swap(i, j);
    }
}

/// A second moto server (started like the first, stopped when this process exits), so a test
/// that hammers DynamoDB can put it on its own server: moto is one Python process, bound to
/// one core.
pub fn second_moto_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let out = std::process::Command::new("bash")
            .arg(support::workspace_root().join("tests/moto/moto.sh"))
            .arg("start")
            .arg(port.to_string())
            .arg(std::process::id().to_string())
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run moto.sh");
        assert!(out.status.success(), "a second moto server starts");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    })
    .clone()
}

/// Clients against moto with DynamoDB on a second server.
pub async fn split_clients() -> AwsClients {
    let mut c = support::clients().await;
    let other = AwsClients::for_endpoint(&second_moto_url(), support::REGION, "test", "test").await;
    c.dynamodb = other.dynamodb;
    c
}

/// What a listing says of each object: (ETag, size, last modified), by key. Equal listings
/// mean nothing was rewritten.
pub async fn listing(c: &AwsClients, bucket: &str) -> BTreeMap<String, (String, i64, String)> {
    let mut out = BTreeMap::new();
    let mut pages =
        c.s3.list_objects_v2()
            .bucket(bucket)
            .into_paginator()
            .send();
    while let Some(page) = pages.next().await {
        for o in page.expect("list objects").contents() {
            out.insert(
                o.key().unwrap_or_default().to_string(),
                (
                    o.e_tag().unwrap_or_default().to_string(),
                    o.size().unwrap_or_default(),
                    o.last_modified().map(|t| t.to_string()).unwrap_or_default(),
                ),
            );
        }
    }
    out
}

/// Context items with the `model_usage` of the processing dropped from the `context` JSON: a
/// retry that finds the model's answer in the cache records a cache hit instead of a request
/// (by design: a replay never pays twice), and nothing else may differ.
pub fn without_model_usage(items: &[Item]) -> Vec<Item> {
    items
        .iter()
        .map(|i| {
            let mut i = i.clone();
            if let Some(AttributeValue::S(json)) = i.get("context") {
                let mut v: serde_json::Value = serde_json::from_str(json).expect("context JSON");
                if let Some(o) = v.as_object_mut() {
                    o.remove("model_usage");
                }
                i.insert("context".into(), AttributeValue::S(v.to_string()));
            }
            i
        })
        .collect()
}

/// Clients whose every call goes to `url` (a fault proxy in front of moto and a fake Bedrock),
/// with a short attempt timeout (the adapters set none, so a stalled connection would otherwise
/// hang until the Lambda's own timeout) and few fast retries.
pub async fn clients_via(url: &str) -> AwsClients {
    let credentials = aws_sdk_s3::config::Credentials::new("test", "test", None, None, "static");
    let config = lineage_aws::sdk_defaults()
        .endpoint_url(url)
        .region(aws_config::Region::new(support::REGION))
        .credentials_provider(credentials)
        .retry_config(
            aws_smithy_types::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(20))
                .with_max_backoff(Duration::from_millis(100)),
        )
        .timeout_config(
            aws_smithy_types::timeout::TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_secs(6))
                .build(),
        )
        .load()
        .await;
    AwsClients::from_config(config, true)
}

#[path = "../../../../lineage-lambda/tests/suite/runtime_api/mod.rs"]
pub mod runtime_api;

/// The real `bootstrap` (the Lambda's own `main`, built as `reliability-bootstrap`) serving
/// invocations from the Runtime API emulator, with a deployment's environment writing to
/// `out`, its stdout (EMF metric lines) and stderr (logs) captured.
pub struct Bootstrap {
    api: runtime_api::RuntimeApi,
    child: tokio::process::Child,
    /// Readers draining stdout and stderr as the binary writes them (a full pipe would block it).
    output: Vec<tokio::task::JoinHandle<String>>,
}

impl Bootstrap {
    /// Starts the binary; `env` adds to (or overrides) the deployment's variables.
    pub async fn start(out: &Outputs, env: &[(&str, &str)]) -> Self {
        let api = runtime_api::RuntimeApi::start().await;
        let mut cmd = api.function_command(env!("CARGO_BIN_EXE_reliability-bootstrap"));
        cmd.env("ENVIRONMENT", "test")
            .env("JOB_MAPPING_TABLE", &out.mappings)
            .env("CONTEXT_TABLE", &out.contexts)
            .env("LINEAGE_BUCKET", &out.bucket)
            .env("INFERENCE_POLICY", "never")
            .env("LOG_LEVEL", "INFO")
            .envs(support::aws_env())
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("spawn bootstrap");
        let drain = |pipe: Option<Box<dyn tokio::io::AsyncRead + Send + Unpin>>| {
            tokio::spawn(async move {
                use tokio::io::AsyncReadExt;
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes).await;
                }
                String::from_utf8_lossy(&bytes).into_owned()
            })
        };
        let output = vec![
            drain(child.stdout.take().map(|p| Box::new(p) as _)),
            drain(child.stderr.take().map(|p| Box::new(p) as _)),
        ];
        Self { api, child, output }
    }

    /// Invokes the function with `event` and returns its answer (`Err` for a function error).
    pub async fn invoke(&self, event: serde_json::Value) -> runtime_api::Answer {
        self.api.invoke(event, Duration::from_secs(120)).await
    }

    /// Invokes the function with `event`, its deadline `time_left` away, and returns its answer.
    pub async fn invoke_within(
        &self,
        event: serde_json::Value,
        time_left: Duration,
    ) -> runtime_api::Answer {
        self.api
            .invoke_within(event, time_left, Duration::from_secs(120))
            .await
    }

    /// Stops the binary and returns what it wrote: (stdout, stderr).
    pub async fn stop(mut self) -> (String, String) {
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.child.start_kill().expect("stop bootstrap");
        let _ = self.child.wait().await;
        let mut texts = Vec::new();
        for reader in self.output {
            texts.push(reader.await.unwrap_or_default());
        }
        let stderr = texts.pop().unwrap_or_default();
        let stdout = texts.pop().unwrap_or_default();
        (stdout, stderr)
    }
}

/// The sum of an EMF metric's values over the bootstrap's stdout.
pub fn emf_sum(stdout: &str, metric: &str) -> f64 {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v.get(metric).and_then(serde_json::Value::as_f64))
        .sum()
}

/// A Glue JDBC connection named `prefix-…` with `url` (and a password property, when given).
pub async fn jdbc_connection(
    c: &AwsClients,
    prefix: &str,
    url: &str,
    password: Option<&str>,
) -> String {
    use aws_sdk_glue::types::{ConnectionInput, ConnectionPropertyKey, ConnectionType};
    let name = support::unique(prefix);
    let mut input = ConnectionInput::builder()
        .name(&name)
        .connection_type(ConnectionType::Jdbc)
        .connection_properties(ConnectionPropertyKey::JdbcConnectionUrl, url);
    if let Some(p) = password {
        input = input
            .connection_properties(ConnectionPropertyKey::UserName, "etl")
            .connection_properties(ConnectionPropertyKey::Password, p);
    }
    c.glue
        .create_connection()
        .connection_input(input.build().expect("connection input"))
        .send()
        .await
        .expect("create connection");
    name
}
