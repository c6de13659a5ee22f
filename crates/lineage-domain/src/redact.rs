//! Secret redaction: argument values under secret-like keys, credentials inside URLs (JDBC
//! `user:password@`, `password=` parameters), AWS access keys, bearer tokens and JWTs. Every
//! text that leaves the process (documents, store items, prompts, our own logs) passes here.

use regex::Regex;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "***REDACTED***";

static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(
        r"(?i)pass(word|wd)?|pwd|secret|token|api[_-]?key|credential|private[_-]?key|access[_-]?key|session[_-]?key|auth",
    )
    .unwrap()
});

static PATTERNS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    let p = |re: &str, rep: &'static str| {
        #[allow(clippy::unwrap_used)] // constant patterns
        (Regex::new(re).unwrap(), rep)
    };
    vec![
        // scheme://user:password@host
        p(
            r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@'\x22]+):([^@\s/'\x22]+)@",
            "$1:***REDACTED***@",
        ),
        // password=...; / ?password=...& in JDBC URLs and connection strings
        p(
            r"(?i)\b((?:password|pwd|passwd|secret|token|secretkey|secret_access_key|aws_secret_access_key)\s*[=:]\s*)([^;&\s,'\x22}]+)",
            "${1}***REDACTED***",
        ),
        // AWS access key ids
        p(
            r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b",
            "***REDACTED***",
        ),
        // Bearer / Basic tokens
        p(
            r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/\-]+=*",
            "$1 ***REDACTED***",
        ),
        // JWTs
        p(
            r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
            "***REDACTED***",
        ),
    ]
});

/// Whether an argument key names a secret (`--db_password`, `api-key`, `AUTH_TOKEN`, ...).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key)
}

/// Redacts secrets of one run: the values of its secret-like arguments wherever they appear,
/// plus the generic patterns.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Secret values, longest first so a value containing another is removed whole.
    values: Vec<String>,
}

impl Redactor {
    /// A redactor for the given arguments (and any other known secret values).
    pub fn for_arguments<'a>(args: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        let mut values: Vec<String> = args
            .into_iter()
            .filter(|(k, v)| is_secret_key(k) && v.len() >= 4)
            .map(|(_, v)| v.clone())
            .collect();
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        Self { values }
    }

    /// Adds secret values learnt elsewhere (a connection's password property).
    pub fn with_values(mut self, more: impl IntoIterator<Item = String>) -> Self {
        self.values
            .extend(more.into_iter().filter(|v| v.len() >= 4));
        self.values
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        self.values.dedup();
        self
    }

    /// The text with every secret replaced by [`REDACTED`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out: Cow<'a, str> = Cow::Borrowed(text);
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), REDACTED));
            }
            // JSON-escaped form of the value (quotes, backslashes)
            let escaped = serde_json::to_string(v).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            if escaped != v && !escaped.is_empty() && out.contains(escaped) {
                out = Cow::Owned(out.replace(escaped, REDACTED));
            }
        }
        for (re, rep) in PATTERNS.iter() {
            if re.is_match(&out) {
                out = Cow::Owned(re.replace_all(&out, *rep).into_owned());
            }
        }
        out
    }

    /// Arguments with secret values (by key or by content) redacted.
    pub fn redact_arguments(&self, args: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        args.iter()
            .map(|(k, v)| {
                let v = if is_secret_key(k) {
                    REDACTED.to_string()
                } else {
                    self.redact(v).into_owned()
                };
                (k.clone(), v)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "--db_password",
            "--API-KEY",
            "token",
            "--aws_secret",
            "--pwd",
            "--client_credentials",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["--tables", "--output_path", "--s3_key_prefix", "--env"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn redacts_values_urls_keys_and_tokens() {
        let args: BTreeMap<String, String> = [
            ("--db_password".to_string(), "Qm7#vT2p!Lx9wR4z".to_string()),
            ("--db_user".to_string(), "etl".to_string()),
        ]
        .into_iter()
        .collect();
        let r = Redactor::for_arguments(&args);
        let text = "pw Qm7#vT2p!Lx9wR4z url jdbc:postgresql://etl:hunter22@db:5432/x \
                    jdbc:sqlserver://h:1433;user=a;password=s3cr3t!;db=x key AKIAIOSFODNN7EXAMPLE \
                    Authorization: Bearer abc.def-ghi aws_secret_access_key=wJalrXUtnFEMI/K7MDENG";
        let out = r.redact(text);
        for secret in [
            "Qm7#vT2p!Lx9wR4z",
            "hunter22",
            "s3cr3t!",
            "AKIAIOSFODNN7EXAMPLE",
            "abc.def-ghi",
            "wJalrXUtnFEMI",
        ] {
            assert!(!out.contains(secret), "{secret} leaked in {out}");
        }
        assert!(
            out.contains("jdbc:postgresql://etl:***REDACTED***@db:5432/x"),
            "{out}"
        );
        let red = r.redact_arguments(&args);
        assert_eq!(red["--db_password"], REDACTED);
        assert_eq!(red["--db_user"], "etl");
    }

    #[test]
    fn plain_text_is_borrowed() {
        let r = Redactor::default();
        assert!(matches!(r.redact("s3://bucket/orders/"), Cow::Borrowed(_)));
    }
}
