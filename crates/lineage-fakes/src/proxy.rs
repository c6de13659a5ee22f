//! An HTTP/1.1 proxy in front of moto (and of a fake Bedrock endpoint), so the real SDK clients
//! and their error mapping are exercised: it injects faults (the reliability tests) or delays
//! every call by a fixed latency, and records each call it forwards (operation, resource, start
//! and end), which the latency benchmark prints as the run's call graph. Every request's head (and body, when
//! it has a `Content-Length`) is read; if the active fault's target matches, the proxy answers
//! the fault instead of forwarding: a throttling or 5xx error in the service's own wire format
//! (`x-amzn-errortype` and JSON `__type` for the JSON protocols, an XML `<Error>` for S3), a
//! connection reset (RST), or a stall past the client's timeout; or it forwards the request and
//! loses the answer (the call is applied upstream, the client sees a reset). Otherwise the
//! request is forwarded (`Connection: close` both ways, so every request gets its own upstream
//! connection and is seen by the proxy). Faults persist until cleared, because the SDK retries;
//! [`FaultProxy::set_from`] lets the first calls through and faults from the Nth on (a crash
//! at the Nth write).
//! A latency is applied once per call, before the request goes upstream (a round trip's worth).
//! DynamoDB writes are applied upstream one at a time: DynamoDB evaluates a conditional write
//! atomically, while moto checks the condition and then writes, unlocked, so two claims of one
//! run arriving in the same instant could both pass there.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which external call a fault hits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// DynamoDB `PutItem` / `UpdateItem` (mappings, answer cache, execution context).
    DynamoDbWrite,
    /// DynamoDB `PutItem` of the execution context only (the done marker), found by table name.
    ContextWrite,
    /// S3 `PUT` of a lineage document (key under `lineage/`).
    S3Write,
    /// Glue `GetJobRun` / `GetJob`.
    GlueRead,
    /// CloudWatch Logs `FilterLogEvents`.
    LogsRead,
    /// Bedrock Runtime `Converse`.
    Bedrock,
    /// S3 `GET` outside the lineage prefix: the job's script (and objects it reads).
    ScriptRead,
    /// Glue `GetConnection`.
    ConnectionRead,
    /// DynamoDB `GetItem` / `Query` / `BatchGetItem` (the done marker, the answer cache).
    DynamoDbRead,
    /// Every write: DynamoDB `PutItem` / `UpdateItem` / `DeleteItem` and S3 `PUT` of a lineage
    /// document (with [`FaultProxy::set_from`]: the Nth write of a run and the ones after).
    AnyWrite,
}

/// What the proxy does instead of forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 429 / S3 503 `SlowDown`.
    Throttle,
    /// 503 `ServiceUnavailable` / S3 500 `InternalError`.
    ServerError,
    /// The connection is reset (TCP RST) without an answer.
    Reset,
    /// No answer until long after the client's timeout.
    Stall,
    /// The request is forwarded and applied upstream, then the connection is reset before the
    /// answer reaches the client (a response lost on the way back).
    ResponseLost,
}

/// One parsed request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The AWS operation: the `X-Amz-Target` header (`AWSGlue.GetJob`), `Bedrock.Converse`, or
    /// `S3.{METHOD}` for the REST protocol.
    pub fn operation(&self) -> String {
        match self.target() {
            "" if self.is_bedrock() => "Bedrock.Converse".into(),
            "" => format!("S3.{}", self.method),
            t => t.to_string(),
        }
    }
    /// What the call is about: the S3 path (no query), or the JSON body's `TableName`,
    /// `logGroupName`, `JobName`, `Name` or `RunId`.
    pub fn resource(&self) -> String {
        if self.target().is_empty() {
            return self.path.split('?').next().unwrap_or_default().to_string();
        }
        let body: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        ["TableName", "logGroupName", "JobName", "Name", "RunId"]
            .iter()
            .filter_map(|k| body[k].as_str())
            .next()
            .unwrap_or_default()
            .to_string()
    }
    /// The DynamoDB item a call is about: the string values of its `Key` (or, for `PutItem`,
    /// of the item's `job_run_id` and `mapping_key`), joined by `/`; empty otherwise.
    pub fn item_key(&self) -> String {
        let body: serde_json::Value = serde_json::from_slice(&self.body).unwrap_or_default();
        let of = |v: &serde_json::Value, names: &[&str]| -> Vec<String> {
            names
                .iter()
                .filter_map(|k| v[k]["S"].as_str().map(str::to_string))
                .collect()
        };
        let mut parts = match body["Key"].as_object() {
            Some(key) => {
                let mut names: Vec<&str> = key.keys().map(String::as_str).collect();
                names.sort_unstable();
                of(&body["Key"], &names)
            }
            None => of(&body["Item"], &["job_name", "job_run_id", "mapping_key"]),
        };
        parts.retain(|p| !p.is_empty());
        parts.join("/")
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn target(&self) -> &str {
        self.header("x-amz-target").unwrap_or_default()
    }
    fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn is_bedrock(&self) -> bool {
        self.path.starts_with("/model/")
    }
    /// Whether this is a DynamoDB write (what DynamoDB applies atomically).
    fn is_dynamodb_write(&self) -> bool {
        self.target()
            .strip_prefix("DynamoDB_20120810.")
            .is_some_and(|op| {
                matches!(
                    op,
                    "PutItem"
                        | "UpdateItem"
                        | "DeleteItem"
                        | "BatchWriteItem"
                        | "TransactWriteItems"
                )
            })
    }
    /// Whether `target` names this request. `context_table` is the execution-contexts table.
    pub fn matches(&self, target: Target, context_table: &str) -> bool {
        let t = self.target();
        match target {
            Target::DynamoDbWrite => {
                t == "DynamoDB_20120810.PutItem" || t == "DynamoDB_20120810.UpdateItem"
            }
            Target::ContextWrite => {
                t == "DynamoDB_20120810.PutItem"
                    && self
                        .body_text()
                        .contains(&format!("\"TableName\":\"{context_table}\""))
                    && self.body_text().contains("\"lineage_key\"")
            }
            Target::S3Write => {
                self.method == "PUT" && t.is_empty() && self.path.contains("/lineage/")
            }
            Target::GlueRead => t == "AWSGlue.GetJobRun" || t == "AWSGlue.GetJob",
            Target::LogsRead => t == "Logs_20140328.FilterLogEvents",
            Target::Bedrock => self.is_bedrock(),
            Target::ScriptRead => {
                self.method == "GET"
                    && t.is_empty()
                    && !self.is_bedrock()
                    && !self.path.contains("/lineage/")
            }
            Target::ConnectionRead => t == "AWSGlue.GetConnection",
            Target::DynamoDbRead => matches!(
                t,
                "DynamoDB_20120810.GetItem"
                    | "DynamoDB_20120810.Query"
                    | "DynamoDB_20120810.BatchGetItem"
            ),
            Target::AnyWrite => {
                matches!(
                    t,
                    "DynamoDB_20120810.PutItem"
                        | "DynamoDB_20120810.UpdateItem"
                        | "DynamoDB_20120810.DeleteItem"
                ) || self.matches(Target::S3Write, context_table)
            }
        }
    }
}

/// One forwarded call, with its times since the proxy started (the latency included).
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub operation: String,
    pub resource: String,
    /// The DynamoDB item, when the call names one ([`Request::item_key`]).
    pub key: String,
    pub start: Duration,
    pub end: Duration,
}

#[derive(Debug, Default)]
struct State {
    /// The requests watched: counted, and faulted when there is a fault.
    watched: Option<Target>,
    fault: Option<Fault>,
    /// The fault hits the watched requests from this one on (1-based; 1: every one).
    from_nth: usize,
    /// Watched requests seen since the target was set.
    matched: usize,
    context_table: String,
    latency: Duration,
    calls: Vec<Call>,
}

/// The proxy; `url` is the endpoint to give the SDK.
#[derive(Debug, Clone)]
pub struct FaultProxy {
    pub url: String,
    state: Arc<Mutex<State>>,
    injected: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
    /// Held while a DynamoDB write is applied upstream.
    dynamodb_writes: Arc<tokio::sync::Mutex<()>>,
    started: Instant,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Reads an HTTP head (and what follows it in the buffer); `None` at EOF.
async fn read_head(sock: &mut TcpStream) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if let Some(p) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).into_owned();
            return Ok(Some((head, buf[p + 4..].to_vec())));
        }
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn parse_headers(head: &str) -> (String, Vec<(String, String)>) {
    let mut lines = head.split("\r\n");
    let first = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (first, headers)
}

fn with_close(first: &str, headers: &[(String, String)]) -> Vec<u8> {
    let mut out = format!("{first}\r\n");
    for (k, v) in headers {
        if !k.eq_ignore_ascii_case("connection") && !k.eq_ignore_ascii_case("keep-alive") {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

fn error_response(req: &Request, fault: Fault) -> Vec<u8> {
    let s3 = req.target().is_empty() && !req.is_bedrock();
    let (status, reason, code) = match (fault, s3) {
        (Fault::Throttle, false) => (429, "Too Many Requests", "ThrottlingException"),
        (Fault::Throttle, true) => (503, "Slow Down", "SlowDown"),
        (_, false) => (503, "Service Unavailable", "ServiceUnavailableException"),
        (_, true) => (500, "Internal Server Error", "InternalError"),
    };
    let (content_type, body) = if s3 {
        (
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>injected {code}</Message><RequestId>fault-1</RequestId></Error>"
            ),
        )
    } else {
        (
            "application/x-amz-json-1.0",
            format!("{{\"__type\":\"{code}\",\"message\":\"injected {code}\"}}"),
        )
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nx-amzn-errortype: {code}\r\nx-amzn-requestid: fault-1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The upstream of a request: the fake Bedrock endpoint for `/model/…`, else moto.
fn upstream_of<'a>(req: &Request, (moto, bedrock): (&'a str, Option<&'a str>)) -> &'a str {
    match (req.is_bedrock(), bedrock) {
        (true, Some(b)) => b,
        _ => moto,
    }
}

/// Sends `req` upstream and reads its whole answer, which nobody receives.
async fn apply_upstream(
    req: &Request,
    first: &str,
    upstreams: (&str, Option<&str>),
) -> std::io::Result<()> {
    let mut up = TcpStream::connect(upstream_of(req, upstreams)).await?;
    up.write_all(&with_close(first, &req.headers)).await?;
    up.write_all(&req.body).await?;
    let mut answer = Vec::new();
    let _ = up.read_to_end(&mut answer).await;
    Ok(())
}

impl FaultProxy {
    /// Starts a proxy forwarding to `moto` (and `/model/…` to `bedrock`, when given).
    pub async fn start(moto: &str, bedrock: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let host = |u: &str| {
            u.trim_start_matches("http://")
                .trim_end_matches('/')
                .to_string()
        };
        let moto = host(moto);
        let bedrock = bedrock.map(host);
        let proxy = Self {
            url,
            state: Arc::new(Mutex::new(State::default())),
            injected: Arc::new(AtomicUsize::new(0)),
            forwarded: Arc::new(AtomicUsize::new(0)),
            dynamodb_writes: Arc::new(tokio::sync::Mutex::new(())),
            started: Instant::now(),
        };
        let p = proxy.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let p = p.clone();
                let (moto, bedrock) = (moto.clone(), bedrock.clone());
                tokio::spawn(async move {
                    let _ = p.serve(sock, &moto, bedrock.as_deref()).await;
                });
            }
        });
        proxy
    }

    /// Injects `fault` on every request `target` names, until cleared.
    pub fn set(&self, target: Target, fault: Fault, context_table: &str) {
        self.set_from(target, fault, 1, context_table);
    }

    /// Lets the first `nth - 1` requests `target` names through and injects `fault` on the
    /// `nth` and every one after it, until cleared (SDK retries of the `nth` included).
    pub fn set_from(&self, target: Target, fault: Fault, nth: usize, context_table: &str) {
        self.watch(target, context_table);
        let mut s = self.lock();
        s.fault = Some(fault);
        s.from_nth = nth.max(1);
    }

    /// Counts the requests `target` names from now on ([`FaultProxy::matched`]), faulting none.
    pub fn watch(&self, target: Target, context_table: &str) {
        let mut s = self.lock();
        s.watched = Some(target);
        s.fault = None;
        s.matched = 0;
        s.context_table = context_table.to_string();
    }

    /// How many requests the watched target named since it was set.
    pub fn matched(&self) -> usize {
        self.lock().matched
    }

    /// Stops faulting and watching.
    pub fn clear(&self) {
        let mut s = self.lock();
        s.watched = None;
        s.fault = None;
    }

    /// Delays every forwarded call by `latency` (before it goes upstream).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The calls forwarded since the last `take_calls`, in the order they started.
    pub fn take_calls(&self) -> Vec<Call> {
        let mut calls = std::mem::take(&mut self.lock().calls);
        calls.sort_by_key(|c| c.start);
        calls
    }

    /// The time since the proxy started, on the clock of [`Call`].
    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many requests were answered with a fault.
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }

    async fn serve(
        &self,
        mut sock: TcpStream,
        moto: &str,
        bedrock: Option<&str>,
    ) -> std::io::Result<()> {
        let Some((head, mut body)) = read_head(&mut sock).await? else {
            return Ok(());
        };
        let (first, headers) = parse_headers(&head);
        let mut parts = first.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let length: Option<usize> = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok());
        if let Some(len) = length {
            let mut chunk = [0u8; 16 * 1024];
            while body.len() < len {
                let n = sock.read(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        }
        let req = Request {
            method,
            path,
            headers,
            body,
        };
        let start = self.now();
        let (fault, latency) = {
            let mut s = self.lock();
            let hit = s.watched.is_some_and(|t| req.matches(t, &s.context_table));
            if hit {
                s.matched += 1;
            }
            let fault = s.fault.filter(|_| hit && s.matched >= s.from_nth);
            (fault, s.latency)
        };
        if let Some(fault) = fault {
            self.injected.fetch_add(1, Ordering::SeqCst);
            match fault {
                Fault::ResponseLost => {
                    if length.is_some() || req.header("transfer-encoding").is_none() {
                        apply_upstream(&req, &first, (moto, bedrock)).await?;
                    }
                    // (a streamed body is not forwarded: its end is only known by parsing it)
                    sock.set_zero_linger()?;
                    drop(sock);
                }
                Fault::Throttle | Fault::ServerError => {
                    sock.write_all(&error_response(&req, fault)).await?;
                    sock.shutdown().await?;
                }
                Fault::Reset => {
                    sock.set_zero_linger()?;
                    drop(sock);
                }
                Fault::Stall => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
            }
            return Ok(());
        }
        self.forwarded.fetch_add(1, Ordering::SeqCst);
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        let mut end = None;
        let one_at_a_time = if req.is_dynamodb_write() {
            Some(self.dynamodb_writes.lock().await)
        } else {
            None
        };
        let result = self
            .forward(&mut sock, &req, &first, length, (moto, bedrock), &mut end)
            .await;
        drop(one_at_a_time);
        let call = Call {
            operation: req.operation(),
            resource: req.resource(),
            key: req.item_key(),
            start,
            end: end.unwrap_or_else(|| self.now()),
        };
        self.lock().calls.push(call);
        result
    }

    /// Sends `req` upstream and copies the answer back; `end` is when its last byte was written
    /// to the client (upstream closes a little later).
    async fn forward(
        &self,
        sock: &mut TcpStream,
        req: &Request,
        first: &str,
        length: Option<usize>,
        (moto, bedrock): (&str, Option<&str>),
        end: &mut Option<Duration>,
    ) -> std::io::Result<()> {
        let mut up = TcpStream::connect(upstream_of(req, (moto, bedrock))).await?;
        up.write_all(&with_close(first, &req.headers)).await?;
        up.write_all(&req.body).await?;
        if length.is_none() && req.header("transfer-encoding").is_some() {
            // a streamed request body (aws-chunked): copy both ways as is
            let _ = tokio::io::copy_bidirectional(sock, &mut up).await;
            return Ok(());
        }
        // the answer: its head with `Connection: close`, then everything until upstream closes
        let Some((rhead, rest)) = read_head(&mut up).await? else {
            return Ok(());
        };
        let (rfirst, rheaders) = parse_headers(&rhead);
        sock.write_all(&with_close(&rfirst, &rheaders)).await?;
        sock.write_all(&rest).await?;
        *end = Some(self.now());
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match up.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    sock.write_all(&chunk[..n]).await?;
                    *end = Some(self.now());
                }
            }
        }
        sock.shutdown().await?;
        Ok(())
    }
}
