//! `HttpLineageTransport`: posts one event per request (`Content-Type: application/json`),
//! retrying what may pass later (5xx, 429, timeouts, connection failures) with exponential
//! backoff, and giving up at once on other answers (a 4xx will not change).

use crate::error::{status_hint, HttpTransportError};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use lineage_domain::ports::{HttpEndpoint, LineageEvent, LineageTransport};
use lineage_domain::PortError;

/// The most of an error answer's body a message quotes.
const BODY_QUOTE_CHARS: usize = 200;

/// The OpenLineage HTTP transport.
pub struct HttpLineageTransport {
    config: HttpEndpoint,
    uri: http::Uri,
    client: Client<Connector, Full<Bytes>>,
}

impl std::fmt::Debug for HttpLineageTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the config's Debug masks the key
        f.debug_struct("HttpLineageTransport")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HttpLineageTransport {
    /// A transport posting to `config.url` (checked here: a bad URL or key fails at start).
    pub fn new(config: HttpEndpoint) -> Result<Self, HttpTransportError> {
        let invalid = || HttpTransportError::InvalidUrl {
            url: config.url.clone(),
        };
        let uri: http::Uri = config.url.parse().map_err(|_| invalid())?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(invalid());
        }
        if let Some(key) = &config.api_key {
            http::HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| HttpTransportError::InvalidKey)?;
        }
        let connector = connector(&uri, &config.url)?;
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self {
            config,
            uri,
            client,
        })
    }

    /// One attempt: the status and the answer's body, or why there was none.
    async fn attempt(&self, body: &[u8]) -> Attempt {
        let mut request = http::Request::post(self.uri.clone())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("enhanced-lineage-agent/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(key) = &self.config.api_key {
            match http::HeaderValue::from_str(&format!("Bearer {}", key.expose())) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    request = request.header(http::header::AUTHORIZATION, value);
                }
                Err(_) => return Attempt::Fatal(HttpTransportError::InvalidKey),
            }
        }
        let request = match request.body(Full::new(Bytes::copy_from_slice(body))) {
            Ok(r) => r,
            Err(_) => {
                return Attempt::Fatal(HttpTransportError::InvalidUrl {
                    url: self.config.url.clone(),
                })
            }
        };
        let exchange = async {
            let response = self.client.request(request).await?;
            let status = response.status().as_u16();
            let bytes = response.into_body().collect().await?.to_bytes();
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((status, bytes))
        };
        match tokio::time::timeout(self.config.timeout, exchange).await {
            Err(_) => Attempt::TimedOut,
            Ok(Err(e)) => Attempt::Failed(error_chain(e.as_ref())),
            Ok(Ok((status, bytes))) => Attempt::Answered(status, bytes),
        }
    }

    /// The text of `message` without the API key (a receiver may echo a header).
    fn scrub(&self, message: String) -> String {
        match &self.config.api_key {
            Some(key) if !key.expose().is_empty() => {
                message.replace(key.expose(), lineage_domain::secret::MASK)
            }
            _ => message,
        }
    }

    async fn post(&self, body: &[u8]) -> Result<(), HttpTransportError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = match self.attempt(body).await {
                Attempt::Answered(status, _) if (200..300).contains(&status) => return Ok(()),
                Attempt::Answered(status, bytes) => {
                    let text: String = String::from_utf8_lossy(&bytes)
                        .chars()
                        .take(BODY_QUOTE_CHARS)
                        .collect();
                    HttpTransportError::Status {
                        status,
                        attempts,
                        hint: status_hint(status),
                        body: self.scrub(text.trim().to_string()),
                    }
                }
                Attempt::TimedOut => HttpTransportError::Timeout {
                    timeout_ms: self.config.timeout.as_millis(),
                    attempts,
                },
                Attempt::Failed(message) => HttpTransportError::Connect {
                    attempts,
                    message: self.scrub(message),
                },
                Attempt::Fatal(e) => return Err(e),
            };
            if !error.kind().is_retryable() || attempts > self.config.retries {
                return Err(error);
            }
            let wait = self.config.backoff * 2u32.saturating_pow(attempts - 1);
            tracing::debug!(url = %self.config.url, attempts, wait_ms = wait.as_millis(), error = %error, "lineage event not accepted; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// The connector: TLS (rustls with ring, the system's roots) for https://, none needed for http://.
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;
/// The connector of a build without TLS: http:// only.
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;

#[cfg(feature = "tls")]
fn connector(uri: &http::Uri, _url: &str) -> Result<Connector, HttpTransportError> {
    let builder = hyper_rustls::HttpsConnectorBuilder::new();
    let connector = if uri.scheme_str() == Some("https") {
        builder
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| HttpTransportError::Tls(e.to_string()))?
            .https_or_http()
            .enable_http1()
            .build()
    } else {
        // plain HTTP needs no roots (a host without certificates still posts)
        builder
            .with_tls_config(
                rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
                    rustls::crypto::ring::default_provider(),
                ))
                .with_safe_default_protocol_versions()
                .map_err(|e| HttpTransportError::Tls(e.to_string()))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth(),
            )
            .https_or_http()
            .enable_http1()
            .build()
    };
    Ok(connector)
}

#[cfg(not(feature = "tls"))]
fn connector(uri: &http::Uri, url: &str) -> Result<Connector, HttpTransportError> {
    if uri.scheme_str() == Some("https") {
        return Err(HttpTransportError::NoTls {
            url: url.to_string(),
        });
    }
    Ok(HttpConnector::new())
}

/// What one attempt gave.
enum Attempt {
    Answered(u16, Bytes),
    TimedOut,
    /// No answer (refused, reset, DNS): the error's text.
    Failed(String),
    /// Nothing to retry (the request could not be built).
    Fatal(HttpTransportError),
}

/// An error and its sources, on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[async_trait::async_trait]
impl LineageTransport for HttpLineageTransport {
    async fn send(&self, event: &LineageEvent<'_>) -> Result<(), PortError> {
        self.post(event.body).await.map_err(|e| {
            e.into_port_error(format!(
                "POST {} {} event of run {}",
                self.config.url, event.event_type, event.run_id
            ))
        })
    }

    fn destination(&self) -> String {
        self.config.url.clone()
    }
}

#[cfg(all(test, not(feature = "tls")))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn without_tls_an_https_endpoint_is_refused_with_the_fix() {
        let config = HttpEndpoint {
            url: "https://marquez.example.com/api/v1/lineage".into(),
            timeout: Duration::from_secs(1),
            api_key: None,
            retries: 0,
            backoff: Duration::from_millis(1),
        };
        let err = HttpLineageTransport::new(config).expect_err("no TLS in this build");
        assert!(
            err.to_string().contains("cargo build -p lineage-cli"),
            "{err}"
        );
        let plain = HttpEndpoint {
            url: "http://localhost:5000/api/v1/lineage".into(),
            timeout: Duration::from_secs(1),
            api_key: None,
            retries: 0,
            backoff: Duration::from_millis(1),
        };
        assert!(HttpLineageTransport::new(plain).is_ok());
    }
}
