//! A fake OpenLineage receiver (Marquez's `POST /api/v1/lineage`, or Amazon DataZone's
//! `PostLineageEvent`, `POST /v2/domains/{domain}/lineage/events`, as its REST API documents it)
//! for tests: a tokio TCP listener that checks every posted event against the official schema
//! ([`schema`]) and records it. Answers are scripted in order (the last one repeats): accept, an HTTP error
//! status, or a stall (for timeouts); an event that breaks the schema is answered 400 with the
//! problems, and recorded with them.

pub mod schema;

use crate::http::{respond_with, Request};
use serde_json::Value;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One scripted answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `201 Created` (as Marquez answers) when the event is valid.
    Accept,
    /// This HTTP status, with a short JSON error body.
    Status(u16),
    /// No answer for this long, then `201`.
    Stall(Duration),
}

/// One posted event.
#[derive(Debug, Clone)]
pub struct Received {
    pub request: Request,
    /// The body as JSON (`Null` when it is not JSON).
    pub event: Value,
    /// How it breaks the official schema (empty: valid).
    pub problems: Vec<String>,
    /// The status answered.
    pub status: u16,
}

impl Received {
    /// The raw request as text: head values and body, for "never leaks" checks.
    pub fn raw(&self) -> String {
        let mut out = format!("{} {}\n", self.request.method, self.request.path);
        for (k, v) in &self.request.headers {
            out.push_str(&format!("{k}: {v}\n"));
        }
        out.push_str(&String::from_utf8_lossy(&self.request.body));
        out
    }
}

#[derive(Debug, Default)]
struct State {
    /// Answers as Amazon DataZone does: `201` with `{"domainId", "id"}`, errors with
    /// `x-amzn-errortype`, and only on the `PostLineageEvent` path.
    datazone: bool,
    answers: VecDeque<Answer>,
    last: Option<Answer>,
    received: Vec<Received>,
}

/// The fake receiver.
#[derive(Debug, Clone)]
pub struct FakeOpenLineage {
    /// `http://127.0.0.1:PORT` (the transport's base URL).
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl FakeOpenLineage {
    /// Starts the receiver on a free local port with the scripted answers (none: accept all).
    pub async fn start(answers: Vec<Answer>) -> Self {
        Self::serve(false, answers).await
    }

    /// Starts a fake Amazon DataZone endpoint (`AWS_ENDPOINT_URL_DATAZONE`): `PostLineageEvent`
    /// requests are checked and recorded as [`FakeOpenLineage::start`] does; any other path is
    /// answered `404` as an unknown operation.
    pub async fn start_datazone(answers: Vec<Answer>) -> Self {
        Self::serve(true, answers).await
    }

    async fn serve(datazone: bool, answers: Vec<Answer>) -> Self {
        let state = Arc::new(Mutex::new(State {
            datazone,
            answers: answers.into(),
            ..State::default()
        }));
        let st = state.clone();
        let url = crate::http::serve(move |mut sock, request| {
            let st = st.clone();
            async move {
                let event: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
                let problems = if event.is_null() {
                    vec!["the body is not JSON".to_string()]
                } else {
                    schema::problems(&event)
                };
                let answer = {
                    let mut s = st.lock().expect("lock");
                    let next = s.answers.pop_front().or(s.last);
                    s.last = next;
                    next.unwrap_or(Answer::Accept)
                };
                let datazone = st.lock().expect("lock").datazone;
                // DataZone: POST /v2/domains/{domain}/lineage/events
                let domain = request
                    .path
                    .strip_prefix("/v2/domains/")
                    .and_then(|p| p.split('?').next())
                    .and_then(|p| p.strip_suffix("/lineage/events"))
                    .map(str::to_string);
                let created = || match &domain {
                    Some(d) if datazone => {
                        serde_json::json!({"domainId": d, "id": format!("event-{}", event["eventType"].as_str().unwrap_or("x"))})
                            .to_string()
                    }
                    _ => String::new(),
                };
                let (status, body) = match answer {
                    _ if datazone && (request.method != "POST" || domain.is_none()) => {
                        (404, "{\"message\": \"unknown operation\"}".to_string())
                    }
                    _ if !problems.is_empty() => {
                        let kind = if datazone { "ValidationException: " } else { "" };
                        (400, serde_json::json!({"message": format!("{kind}{}", problems.join("; ")), "problems": problems}).to_string())
                    }
                    Answer::Accept => (201, created()),
                    Answer::Stall(d) => {
                        tokio::time::sleep(d).await;
                        (201, created())
                    }
                    Answer::Status(code) => {
                        (code, format!("{{\"message\": \"fake error {code}\"}}"))
                    }
                };
                let headers = match status {
                    _ if !datazone || (200..300).contains(&status) => "",
                    400 => "x-amzn-errortype: ValidationException\r\n",
                    403 => "x-amzn-errortype: AccessDeniedException\r\n",
                    404 => "x-amzn-errortype: ResourceNotFoundException\r\n",
                    429 => "x-amzn-errortype: ThrottlingException\r\n",
                    _ => "x-amzn-errortype: InternalServerException\r\n",
                };
                st.lock().expect("lock").received.push(Received {
                    request,
                    event,
                    problems,
                    status,
                });
                respond_with(&mut sock, status, headers, &body).await;
            }
        })
        .await;
        Self { url, state }
    }

    /// Every request received so far (answered or not yet answered: a stalled one is recorded
    /// when it is answered).
    pub fn received(&self) -> Vec<Received> {
        self.state.lock().expect("lock").received.clone()
    }

    /// The events accepted (answered 2xx), in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| (200..300).contains(&r.status))
            .map(|r| r.event)
            .collect()
    }

    /// Answers `answer` from now on (the scripted answers left are dropped).
    pub fn set_answer(&self, answer: Answer) {
        let mut s = self.state.lock().expect("lock");
        s.answers.clear();
        s.last = Some(answer);
    }
}
