//! A minimal Lambda Runtime API emulator for tests: serves `GET .../invocation/next` from a
//! queue of payloads and collects `POST .../response` and `.../error` per request id, over
//! plain HTTP/1.1 with keep-alive on a local port.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot, Mutex};

/// What the function answered: `Ok(response)` or `Err(error body with errorType)`.
pub type Answer = Result<Value, Value>;

/// One queued invocation.
struct Invocation {
    id: String,
    payload: Value,
    time_left: Duration,
}

struct Shared {
    queue: Mutex<mpsc::UnboundedReceiver<Invocation>>,
    waiting: Mutex<HashMap<String, oneshot::Sender<Answer>>>,
    init_error: Mutex<Option<Value>>,
}

pub struct RuntimeApi {
    pub address: String,
    send: mpsc::UnboundedSender<Invocation>,
    shared: Arc<Shared>,
    counter: AtomicU64,
}

impl std::fmt::Debug for RuntimeApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeApi")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl RuntimeApi {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("addr").to_string();
        let (send, recv) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared {
            queue: Mutex::new(recv),
            waiting: Mutex::new(HashMap::new()),
            init_error: Mutex::new(None),
        });
        let s = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, s).await;
                });
            }
        });
        Self {
            address,
            send,
            shared,
            counter: AtomicU64::new(0),
        }
    }

    /// A command running `binary` as this emulator's function: a clean environment holding
    /// only `PATH` and the variables the Lambda service sets; killed when dropped. The caller
    /// adds the function's own configuration and where its output goes.
    pub fn function_command(&self, binary: &str) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(binary);
        cmd.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", &self.address)
            .env("AWS_LAMBDA_FUNCTION_NAME", "lineage-agent")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .kill_on_drop(true);
        cmd
    }

    /// Invokes the function with `payload` and waits (at most `timeout`) for its answer; the
    /// invocation's deadline is 300 s away (the function's configured timeout).
    pub async fn invoke(&self, payload: Value, timeout: Duration) -> Answer {
        self.invoke_within(payload, Duration::from_secs(300), timeout)
            .await
    }

    /// Invokes the function with `payload`, its deadline (`Lambda-Runtime-Deadline-Ms`)
    /// `time_left` after the function receives it, and waits (at most `timeout`) for its answer.
    pub async fn invoke_within(
        &self,
        payload: Value,
        time_left: Duration,
        timeout: Duration,
    ) -> Answer {
        let id = format!("req-{}", self.counter.fetch_add(1, Ordering::SeqCst));
        let (tx, rx) = oneshot::channel();
        self.shared.waiting.lock().await.insert(id.clone(), tx);
        let invocation = Invocation {
            id: id.clone(),
            payload,
            time_left,
        };
        self.send.send(invocation).expect("queue");
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => panic!("invocation {id}: the emulator dropped it"),
            Err(_) => {
                let init = self.shared.init_error.lock().await.clone();
                panic!("invocation {id}: no answer in {timeout:?} (init error: {init:?})")
            }
        }
    }
}

async fn serve(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut length = 0usize;
        let mut chunked = false;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                let k = k.trim().to_ascii_lowercase();
                if k == "content-length" {
                    length = v.trim().parse().unwrap_or(0);
                } else if k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked") {
                    chunked = true;
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                reader.read_line(&mut size).await?;
                let n = usize::from_str_radix(size.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap_or(0);
                let mut chunk = vec![0u8; n + 2];
                reader.read_exact(&mut chunk).await?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body).await?;
        }
        let json = || serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        let response = if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let next = shared.queue.lock().await.recv().await;
            let Some(Invocation {
                id,
                payload,
                time_left,
            }) = next
            else {
                return Ok(());
            };
            let payload = payload.to_string();
            let deadline = chrono::Utc::now().timestamp_millis()
                + i64::try_from(time_left.as_millis()).unwrap_or(i64::MAX);
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                 Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: {deadline}\r\n\
                 Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:lineage\r\n\
                 Lambda-Runtime-Trace-Id: Root=1-00000000-000000000000000000000000\r\n\
                 Content-Length: {}\r\n\r\n{payload}",
                payload.len()
            )
        } else if method == "POST" && path.contains("/runtime/invocation/") {
            let id = path
                .trim_end_matches('/')
                .rsplit('/')
                .nth(1)
                .unwrap_or_default()
                .to_string();
            let answer = if path.ends_with("/response") {
                Ok(json())
            } else {
                Err(json())
            };
            if let Some(tx) = shared.waiting.lock().await.remove(&id) {
                let _ = tx.send(answer);
            }
            accepted()
        } else if method == "POST" && path.ends_with("/runtime/init/error") {
            *shared.init_error.lock().await = Some(json());
            accepted()
        } else {
            "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
        };
        write.write_all(response.as_bytes()).await?;
        write.flush().await?;
    }
}

fn accepted() -> String {
    let body = r#"{"status":"OK"}"#;
    format!(
        "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}
