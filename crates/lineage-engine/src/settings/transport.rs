//! Where lineage events are sent beside the documents (`transport.*`): the keys mirror the
//! OpenLineage client's `transport` section (`type`, `url`, `endpoint`, `timeout`, `auth.type`,
//! `auth.apiKey`, `retry.total`, `retry.backoff_factor`), the variables its environment
//! (`OPENLINEAGE_URL`, `OPENLINEAGE_API_KEY`, `OPENLINEAGE_ENDPOINT`,
//! `OPENLINEAGE__TRANSPORT__…`). The API key is a [`Secret`]. `type: amazon_datazone_api` with
//! `domainId` posts the events to an Amazon DataZone (SageMaker Unified Studio) domain instead,
//! as the OpenLineage client's DataZone transport does.

use super::Typed;
use lineage_domain::ports::HttpEndpoint;
use lineage_domain::secret::{Secret, MASK};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The OpenLineage client's default endpoint path.
pub const DEFAULT_ENDPOINT: &str = "api/v1/lineage";
/// The transport types: `http` (an OpenLineage endpoint), `amazon_datazone_api` (DataZone's
/// `PostLineageEvent`) or `none`.
pub const TRANSPORT_TYPES: &[&str] = &["http", "amazon_datazone_api", "none"];
/// The transport type that posts to Amazon DataZone.
pub const DATAZONE: &str = "amazon_datazone_api";
/// The authentication types: `api_key` (`Authorization: Bearer KEY`) or `none`.
pub const AUTH_TYPES: &[&str] = &["api_key", "none"];

/// The `transport.*` settings as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransportSettings {
    /// `transport.type`; unset: `http` when a URL is set, else none.
    pub kind: Option<String>,
    /// `transport.url`: the receiver's base URL (`http://marquez:5000`).
    pub url: Option<String>,
    /// `transport.endpoint`: the path under the URL.
    pub endpoint: String,
    /// `transport.timeout`: seconds one request may take.
    pub timeout_seconds: f64,
    /// `transport.auth.type`; unset: `api_key` when a key is set.
    pub auth_type: Option<String>,
    /// `transport.auth.apiKey`.
    pub api_key: Option<Secret>,
    /// `transport.retry.total`: retries after the first attempt (5xx, 429, timeouts, refused).
    pub retry_total: u32,
    /// `transport.retry.backoff_factor`: the n-th retry waits `factor * 2^(n-1)` seconds.
    pub retry_backoff_factor: f64,
    /// `transport.domainId`: the Amazon DataZone domain (`dzd_…`) of `amazon_datazone_api`.
    #[serde(default)]
    pub domain_id: Option<String>,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            kind: None,
            url: None,
            endpoint: DEFAULT_ENDPOINT.into(),
            timeout_seconds: 5.0,
            auth_type: None,
            api_key: None,
            retry_total: 3,
            retry_backoff_factor: 0.5,
            domain_id: None,
        }
    }
}

impl TransportSettings {
    /// The HTTP transport these settings ask for: `None` when no transport is configured; an
    /// error saying what to set when they are incomplete.
    pub fn http(&self) -> Result<Option<HttpEndpoint>, String> {
        let kind = self
            .kind
            .as_deref()
            .unwrap_or(if self.url.is_some() { "http" } else { "none" });
        if kind == "none" || kind == DATAZONE {
            return Ok(None);
        }
        let Some(base) = self.url.as_deref() else {
            return Err(
                "transport.type is http but no URL is set: set transport.url or OPENLINEAGE_URL"
                    .into(),
            );
        };
        let use_key = match self.auth_type.as_deref() {
            Some("none") => false,
            Some(_) if self.api_key.is_none() => {
                return Err("transport.auth.type is api_key but no key is set: set OPENLINEAGE_API_KEY (or transport.auth.apiKey)".into())
            }
            _ => self.api_key.is_some(),
        };
        Ok(Some(HttpEndpoint {
            url: join(base, &self.endpoint),
            timeout: Duration::from_secs_f64(self.timeout_seconds),
            api_key: if use_key { self.api_key.clone() } else { None },
            retries: self.retry_total,
            backoff: Duration::from_secs_f64(self.retry_backoff_factor),
        }))
    }

    /// The Amazon DataZone domain events are posted to: `None` unless `transport.type` is
    /// `amazon_datazone_api`; an error saying what to set when the domain is missing.
    pub fn datazone(&self) -> Result<Option<String>, String> {
        if self.kind.as_deref() != Some(DATAZONE) {
            return Ok(None);
        }
        match &self.domain_id {
            Some(d) => Ok(Some(d.clone())),
            None => Err("transport.type is amazon_datazone_api but no domain is set: set transport.domainId or OPENLINEAGE__TRANSPORT__DOMAIN_ID (dzd_…)".into()),
        }
    }
}

/// The base URL and the endpoint path joined by one `/`.
fn join(base: &str, endpoint: &str) -> String {
    let (base, endpoint) = (base.trim_end_matches('/'), endpoint.trim_start_matches('/'));
    if endpoint.is_empty() {
        base.to_string()
    } else {
        format!("{base}/{endpoint}")
    }
}

/// A transport URL: absolute `http` or `https` with a host, and no credentials in it (they
/// would be logged with the destination: use the API key).
pub(super) fn check_url(v: &Typed) -> Result<(), String> {
    let Typed::Text(text) = v else { return Ok(()) };
    let url = url::Url::parse(text).map_err(|e| format!("not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err("must be an http:// or https:// URL with a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold credentials: set OPENLINEAGE_API_KEY instead".into());
    }
    Ok(())
}

/// A value of one of `choices` (any case), or unset.
pub(super) fn choice(v: Typed, choices: &[&str]) -> Result<Option<String>, String> {
    match v {
        Typed::Unset => Ok(None),
        Typed::Text(t) => {
            let lower = t.trim().to_ascii_lowercase();
            if choices.contains(&lower.as_str()) {
                Ok(Some(lower))
            } else {
                Err(format!("{t:?} is not one of {}", choices.join(", ")))
            }
        }
        other => Err(format!("internal: {other:?} is not text")),
    }
}

/// A DataZone domain id as `PostLineageEvent` takes it: `dzd-` or `dzd_` and 1 to 36 letters,
/// digits, `-` or `_`.
pub(super) fn check_domain_id(v: &Typed) -> Result<(), String> {
    let Typed::Text(text) = v else { return Ok(()) };
    let rest = text
        .strip_prefix("dzd_")
        .or_else(|| text.strip_prefix("dzd-"))
        .unwrap_or_default();
    let valid = (1..=36).contains(&rest.len())
        && rest
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not a DataZone domain id (dzd_ or dzd- and up to 36 letters, digits, - or _)"
        ))
    }
}

/// The domain id as the variable and the file set it: checked first.
pub(super) fn domain_id(v: Typed) -> Result<Option<String>, String> {
    check_domain_id(&v)?;
    v.opt_text()
}

/// The URL as the variable and the file set it: checked first.
pub(super) fn url(v: Typed) -> Result<Option<String>, String> {
    check_url(&v)?;
    v.opt_text()
}

/// The key as read back: its mask, never its text.
pub(super) fn read_key(key: &Option<Secret>) -> Typed {
    key.as_ref()
        .map_or(Typed::Unset, |_| Typed::Text(MASK.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datazone_takes_a_domain_and_no_url() {
        let dz = TransportSettings {
            kind: Some(DATAZONE.into()),
            domain_id: Some("dzd_abc123".into()),
            url: Some("http://marquez:5000".into()),
            ..TransportSettings::default()
        };
        assert_eq!(dz.datazone(), Ok(Some("dzd_abc123".into())));
        assert_eq!(dz.http(), Ok(None), "one transport: DataZone");
        assert_eq!(TransportSettings::default().datazone(), Ok(None));
        for ok in ["dzd_abc123", "dzd-a_b-c"] {
            assert!(check_domain_id(&Typed::Text(ok.into())).is_ok(), "{ok}");
        }
        for bad in ["abc", "dzd_", "dzd_a/b", &format!("dzd_{}", "x".repeat(37))] {
            assert!(check_domain_id(&Typed::Text(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_url_alone_means_http_with_the_default_endpoint() {
        let t = TransportSettings {
            url: Some("http://marquez:5000/".into()),
            ..TransportSettings::default()
        };
        let http = t.http().expect("ok").expect("ok");
        assert_eq!(http.url, "http://marquez:5000/api/v1/lineage");
        assert_eq!(http.api_key, None);
        assert_eq!(TransportSettings::default().http(), Ok(None));
    }

    #[test]
    fn incomplete_transports_say_what_to_set() {
        let no_url = TransportSettings {
            kind: Some("http".into()),
            ..TransportSettings::default()
        };
        assert!(no_url
            .http()
            .expect_err("an error")
            .contains("OPENLINEAGE_URL"));
        let no_key = TransportSettings {
            url: Some("https://x".into()),
            auth_type: Some("api_key".into()),
            ..TransportSettings::default()
        };
        assert!(no_key
            .http()
            .expect_err("an error")
            .contains("OPENLINEAGE_API_KEY"));
        assert!(check_url(&Typed::Text("https://u:p@x".into())).is_err());
        let no_domain = TransportSettings {
            kind: Some(DATAZONE.into()),
            ..TransportSettings::default()
        };
        assert!(no_domain
            .datazone()
            .expect_err("an error")
            .contains("OPENLINEAGE__TRANSPORT__DOMAIN_ID"));
        assert!(check_url(&Typed::Text("ftp://x".into())).is_err());
    }
}
