//! A fake Amazon Bedrock Runtime endpoint for tests: a tokio TCP listener speaking just enough
//! HTTP/1.1 for the real SDK client (one request per connection, `Connection: close`) and the
//! Converse wire protocol (`POST /model/{modelId}/converse`). Answers are scripted in order
//! (the last one repeats); every request is recorded.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;

/// One scripted answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// A tool call of `emit_lineage` with this input.
    Tool(Value),
    /// Text only, no tool call.
    Text(String),
    /// A tool call with this (partial) input, cut at the output budget (`stopReason`
    /// `max_tokens`).
    Cut(Value),
    /// A tool call of `emit_lineage` with this input, whose reported usage is estimated from
    /// the sizes: input tokens = characters of the request's texts and tool schema / 4, output
    /// tokens = characters of the tool input / 4 (an estimate: no tokenizer is a dependency).
    Measured(Value),
    /// An error: HTTP status and `x-amzn-errortype`.
    Error(u16, &'static str),
    /// An error with Bedrock's own message: HTTP status, `x-amzn-errortype`, message.
    Fault(u16, &'static str, &'static str),
}

/// Tokens estimated from characters (≈ 4 characters a token for English and code).
pub fn estimated_tokens(chars: usize) -> u64 {
    chars.div_ceil(4) as u64
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Percent-decoded path.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub raw: String,
}

impl Recorded {
    /// Every text the request sends to the model (system and message texts).
    pub fn texts(&self) -> String {
        let mut out = String::new();
        for s in self.body["system"].as_array().into_iter().flatten() {
            out.push_str(s["text"].as_str().unwrap_or_default());
            out.push('\n');
        }
        for m in self.body["messages"].as_array().into_iter().flatten() {
            for c in m["content"].as_array().into_iter().flatten() {
                out.push_str(c["text"].as_str().unwrap_or_default());
                out.push('\n');
            }
        }
        out
    }
    /// Characters the model reads: the texts plus the tool specification.
    pub fn input_chars(&self) -> usize {
        self.texts().chars().count() + self.body["toolConfig"].to_string().chars().count()
    }
    /// The user message's first text.
    pub fn prompt(&self) -> String {
        self.body["messages"][0]["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Debug, Default)]
struct State {
    replies: VecDeque<Reply>,
    last: Option<Reply>,
    requests: Vec<Recorded>,
    /// How long each answer takes (a slow model).
    delay: std::time::Duration,
}

/// The fake endpoint.
#[derive(Debug, Clone)]
pub struct FakeBedrock {
    pub url: String,
    state: Arc<Mutex<State>>,
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl FakeBedrock {
    /// Starts the fake on a free local port with the scripted replies.
    pub async fn start(replies: Vec<Reply>) -> Self {
        let state = Arc::new(Mutex::new(State {
            replies: replies.into(),
            ..State::default()
        }));
        let st = state.clone();
        let url = crate::http::serve(move |mut sock, request| {
            let st = st.clone();
            async move {
                let raw = String::from_utf8_lossy(&request.body).into_owned();
                let method = request.method;
                let path = percent_decode(&request.path);
                let headers = request.headers;
                let body: Value = serde_json::from_str(&raw).unwrap_or(Value::Null);
                let recorded = Recorded {
                    method,
                    path,
                    headers,
                    body,
                    raw,
                };
                let input_tokens = estimated_tokens(recorded.input_chars());
                let (reply, delay) = {
                    let mut s = st.lock().expect("lock");
                    s.requests.push(recorded);
                    let next = s.replies.pop_front().or_else(|| s.last.clone());
                    s.last = next.clone();
                    (
                        next.unwrap_or(Reply::Error(500, "InternalServerException")),
                        s.delay,
                    )
                };
                tokio::time::sleep(delay).await;
                let (status, extra, body) = match reply {
                    Reply::Tool(input) => (
                        200,
                        String::new(),
                        tool_use(&input, "tool_use", (1200, 150)),
                    ),
                    Reply::Measured(input) => {
                        let output_tokens = estimated_tokens(input.to_string().chars().count());
                        let usage = (input_tokens, output_tokens);
                        (200, String::new(), tool_use(&input, "tool_use", usage))
                    }
                    Reply::Cut(input) => (
                        200,
                        String::new(),
                        tool_use(&input, "max_tokens", (1200, 150)),
                    ),
                    Reply::Text(t) => (
                        200,
                        String::new(),
                        json!({
                            "output": {"message": {"role": "assistant", "content": [{"text": t}]}},
                            "stopReason": "end_turn",
                            "usage": {"inputTokens": 1000, "outputTokens": 20, "totalTokens": 1020},
                            "metrics": {"latencyMs": 10}
                        }),
                    ),
                    Reply::Error(status, kind) => (
                        status,
                        format!("x-amzn-errortype: {kind}\r\n"),
                        json!({"message": format!("fake {kind}")}),
                    ),
                    Reply::Fault(status, kind, message) => (
                        status,
                        format!("x-amzn-errortype: {kind}\r\n"),
                        json!({"message": message}),
                    ),
                };
                let body = body.to_string();
                let reason = if status == 200 { "OK" } else { "Error" };
                let response = format!(
                    "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n{extra}x-amzn-requestid: fake-1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(response.as_bytes()).await;
                let _ = sock.shutdown().await;
            }
        })
        .await;
        Self { url, state }
    }

    /// Answers `reply` from now on (the scripted answers left are dropped).
    pub fn set_reply(&self, reply: Reply) {
        let mut s = self.state.lock().expect("lock");
        s.replies.clear();
        s.last = Some(reply);
    }

    /// Takes `delay` before each answer from now on (a slow model, so that concurrent
    /// deliveries of a run overlap).
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.state.lock().expect("lock").delay = delay;
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().expect("lock").requests.clone()
    }
}

/// A Converse answer that calls the `emit_lineage` tool with `input`, stopping for
/// `stop_reason`, with `(input, output)` token usage.
fn tool_use(input: &Value, stop_reason: &str, (inp, out): (u64, u64)) -> Value {
    json!({
        "output": {"message": {"role": "assistant", "content": [
            {"toolUse": {"toolUseId": "tooluse_1", "name": "emit_lineage", "input": input}}
        ]}},
        "stopReason": stop_reason,
        "usage": {"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out},
        "metrics": {"latencyMs": 42}
    })
}
