//! Secret redaction: argument values under secret-like keys, credentials inside URLs (JDBC
//! `user:password@`, Oracle `user/password@`, `password=` parameters, Hadoop/Spark `--conf`
//! secret keys, signed URLs), quoted values under secret-like keys in code and configs, webhook
//! URLs, AWS access keys, bearer tokens and JWTs. One [`Redactor`] is built per run
//! ([`Redactor::for_run`]) where the run context enters ([`crate::RedactedRunContext`]); every
//! text that leaves the process (documents, store items, prompts, our own logs) has passed it.

use crate::context::RunContext;
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
        // Oracle thin URLs: jdbc:oracle:thin:user/password@host
        p(
            r"(?i)\b(jdbc:oracle:[a-z0-9]+:[^/\s:@'\x22]+)/([^@\s'\x22]+)@",
            "$1/***REDACTED***@",
        ),
        // password=...; / ?password=...& in JDBC URLs and connection strings, Hadoop/Spark
        // --conf secret keys (fs.s3a.secret.key=...), signed URLs
        p(
            r"(?i)\b([a-z0-9_.\-]*?(?:password|pwd|passwd|secret|token|secret[._\-]?key|secret[._\-]?access[._\-]?key|session[._\-]?token|x-amz-signature|x-amz-security-token|signature|sig)\s*[=:]\s*)([^;&\s,'\x22}\\][^;&\s,'\x22}]*)",
            "${1}***REDACTED***",
        ),
        // webhook URLs (Slack, Teams, Discord, ...): the path is the credential
        p(
            r"(?i)\b(https?://[^\s'\x22/]*hooks?[^\s'\x22/]*/|https?://[^\s'\x22]*?/webhooks?/)[^\s'\x22]+",
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

/// The secret words a key ends in (`db_password`, `client_secret`, `fs.s3a.secret.key`; not
/// `tokens_table`).
const SECRET_WORD: &str = r"(?:password|passwd|pwd|secret|token|api[._\-]?key|access[._\-]?key|secret[._\-]?key|private[._\-]?key|credentials?)";

/// The key part of a quoted value under a secret-like key, in code and JSON: `"password": `,
/// `password = `, `"fs.s3a.secret.key" -> `, and as the first argument of a call,
/// `.option("password", `; quotes may be backslash-escaped (code quoted inside a JSON string
/// or a string literal: `\"password\": \"…\"`).
fn quoted_secret_keys() -> [String; 2] {
    [
        format!(r#"(?i)(\b[a-z0-9_.\-]*{SECRET_WORD}\\?["']?\s*(?::|=|=>|->)\s*)"#),
        format!(r#"(?i)(\(\s*\\?["'][a-z0-9_.\-]*{SECRET_WORD}\\?["']\s*,\s*)"#),
    ]
}

/// Quoted values under secret-like keys, one pattern per key form and quote character; the
/// value keeps its quotes so code still parses.
static QUOTED_SECRETS: LazyLock<Vec<(Regex, String)>> = LazyLock::new(|| {
    let mut out = Vec::new();
    for key in quoted_secret_keys() {
        for q in ['"', '\''] {
            #[allow(clippy::unwrap_used)] // constant patterns
            // the value between its quotes, each quote maybe escaped (`\"…\"`); inside, any
            // character but the quote, a backslash or a line end, or an escape of another one
            let re = Regex::new(&format!(
                "{key}(\\\\?{q})((?:[^{q}\\\\\\n]|\\\\[^{q}\\n])*)(\\\\?{q})"
            ))
            .unwrap();
            out.push((re, format!("${{1}}${{2}}{REDACTED}${{4}}")));
        }
    }
    out
});

/// String literals of Python and Scala code (triple-quoted first), so that patterns that would
/// break code outside a literal only apply inside one.
static STRING_LITERAL: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a constant pattern
    Regex::new(r#"(?s)""".*?"""|'''.*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'"#).unwrap()
});

/// Whether an argument key names a secret (`--db_password`, `api-key`, `AUTH_TOKEN`, ...).
pub fn is_secret_key(key: &str) -> bool {
    SECRET_KEY.is_match(key)
}

/// Redacts secrets of one run: the values of its secret-like arguments wherever they appear,
/// plus the generic patterns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Redactor {
    /// Secret values, longest first so a value containing another is removed whole.
    values: Vec<String>,
}

impl Redactor {
    /// The redactor of one run: the values of its secret-like arguments (job defaults and run
    /// arguments) and of its connections' secret-like properties. `SECRET_ID` names a Secrets
    /// Manager secret; it is a reference, not a secret, and stays readable.
    pub fn for_run(ctx: &RunContext) -> Self {
        let connection_secrets: Vec<String> = ctx
            .connections
            .iter()
            .flat_map(|c| c.connection_properties.iter())
            .filter(|(k, _)| is_secret_key(k) && !k.eq_ignore_ascii_case("SECRET_ID"))
            .map(|(_, v)| v.clone())
            .collect();
        let arguments = ctx
            .job
            .default_arguments
            .iter()
            .chain(ctx.run.arguments.iter());
        Self::for_arguments(arguments).with_values(connection_secrets)
    }

    /// A redactor for the given arguments (and any other known secret values).
    pub fn for_arguments<'a>(args: impl IntoIterator<Item = (&'a String, &'a String)>) -> Self {
        Self::default().with_values(
            args.into_iter()
                .filter(|(k, _)| is_secret_key(k))
                .map(|(_, v)| v.clone()),
        )
    }

    /// Adds secret values learnt elsewhere (a connection's password property).
    pub fn with_values(mut self, more: impl IntoIterator<Item = String>) -> Self {
        self.values
            .extend(more.into_iter().filter(|v| v.len() >= 4 && v != REDACTED));
        self.values
            .sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        self.values.dedup();
        self
    }

    /// The text with every secret replaced by [`REDACTED`]: known secret values, the generic
    /// patterns, and quoted values under secret-like keys.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let out = self.redact_values(text);
        let out = then(out, redact_patterns);
        then(out, redact_quoted)
    }

    /// Code (a Python or Scala script) with every secret replaced, still parseable: known
    /// secret values everywhere; string literals scanned in order, each one that is the value
    /// of a secret-like key (`password = "…"`, `"password": "…"`, `.option("password", "…")`,
    /// `"fs.s3a.secret.key" -> "…"`) replaced whole, the others passed through the generic
    /// patterns (outside a literal, `password = get()` is code, not a secret).
    pub fn redact_code<'a>(&self, code: &'a str) -> Cow<'a, str> {
        then(self.redact_values(code), redact_literals)
    }

    /// Whether a text holds a secret this redactor removes.
    pub fn finds_secret(&self, text: &str) -> bool {
        matches!(self.redact(text), Cow::Owned(ref o) if o != text)
    }

    /// The known secret values replaced, as written and JSON-escaped.
    fn redact_values<'a>(&self, text: &'a str) -> Cow<'a, str> {
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

/// Applies a rewrite to a possibly borrowed text, borrowing on when nothing changed.
fn then<'a>(text: Cow<'a, str>, f: impl for<'b> Fn(&'b str) -> Cow<'b, str>) -> Cow<'a, str> {
    match text {
        Cow::Borrowed(t) => f(t),
        Cow::Owned(t) => Cow::Owned(f(&t).into_owned()),
    }
}

fn redact_patterns(text: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    for (re, rep) in PATTERNS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, *rep).into_owned());
        }
    }
    out
}

/// The string literals of code, in order: a literal that is the value of a secret-like key is
/// replaced whole (quotes kept), every other one passes the generic patterns.
fn redact_literals(code: &str) -> Cow<'_, str> {
    let mut out = String::with_capacity(code.len());
    let (mut last, mut changed) = (0, false);
    // the previous literal, and whether it was a call's first argument
    let mut previous: Option<(&str, bool)> = None;
    for m in STRING_LITERAL.find_iter(code) {
        let gap = &code[last..m.start()];
        let literal = m.as_str();
        let replaced = if is_secret_value(gap, previous) {
            let q = literal.chars().next().unwrap_or('"');
            let q = if literal.starts_with(&q.to_string().repeat(3)) {
                q.to_string().repeat(3)
            } else {
                q.to_string()
            };
            Cow::Owned(format!("{q}{REDACTED}{q}"))
        } else {
            // inside an ordinary literal, code or JSON quoted as text (`'"password": "…"'`)
            then(redact_patterns(literal), redact_quoted)
        };
        changed |= matches!(replaced, Cow::Owned(ref r) if r != literal);
        out.push_str(gap);
        out.push_str(&replaced);
        let first_argument = strip_string_prefix(gap).trim_end().ends_with('(');
        previous = Some((literal, first_argument));
        last = m.end();
    }
    if !changed {
        return Cow::Borrowed(code);
    }
    out.push_str(&code[last..]);
    Cow::Owned(out)
}

/// The code before a literal without the literal's prefix (`f`, `r`, `b`, `s`, `raw`, ...).
fn strip_string_prefix(gap: &str) -> &str {
    let prefix = gap
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    if prefix <= 3 {
        &gap[..gap.len() - prefix]
    } else {
        gap
    }
}

/// Whether the literal after `gap` is the value of a secret-like key: the gap ends in a
/// separator (`=`, `:`, `=>`, `->`, or `,` after a call's first argument) whose key is a name
/// in the gap or the previous literal, ending in a secret word.
fn is_secret_value(gap: &str, previous: Option<(&str, bool)>) -> bool {
    static KEY_END: LazyLock<Regex> = LazyLock::new(|| {
        #[allow(clippy::unwrap_used)] // a constant pattern
        Regex::new(&format!(r"(?i){SECRET_WORD}$")).unwrap()
    });
    let code = strip_string_prefix(gap).trim_end();
    let (before, comma) = if let Some(b) = code.strip_suffix("=>").or(code.strip_suffix("->")) {
        (b, false)
    } else if let Some(b) = code.strip_suffix(',') {
        (b, true)
    } else if let Some(b) = code.strip_suffix(':') {
        (b, false)
    } else if let Some(b) = code.strip_suffix('=') {
        if b.ends_with(['=', '!', '<', '>']) {
            return false;
        }
        (b, false)
    } else {
        return false;
    };
    let before = before.trim_end();
    let key: String = if before.is_empty() {
        // the key is the previous literal; after a comma only as a call's first argument
        match previous {
            Some((literal, first)) if !comma || first => {
                literal.trim_matches(|c| c == '"' || c == '\'').to_string()
            }
            _ => return false,
        }
    } else if comma {
        return false;
    } else {
        before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_alphanumeric() || "_.-".contains(*c))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect()
    };
    KEY_END.is_match(&key)
}

fn redact_quoted(text: &str) -> Cow<'_, str> {
    let mut out: Cow<'_, str> = Cow::Borrowed(text);
    for (re, rep) in QUOTED_SECRETS.iter() {
        if re.is_match(&out) {
            out = Cow::Owned(re.replace_all(&out, rep.as_str()).into_owned());
        }
    }
    out
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
    fn code_keeps_parsing_and_loses_its_secrets() {
        let r = Redactor::default();
        let code = r#"props = {"user": "etl", "password": "Pw1-secret"}
df = spark.read.option("password", 'Pw2-secret').option("dbtable", "s.t").load()
password = "Pw3-secret"
token = get_token()
url = "jdbc:postgresql://svc:Pw4-secret@" + host + ":5432/app?password=" + args["db_password"]
spark.conf.set("fs.s3a.secret.key", "Pw5-secret")
opts = Map("password" -> "Pw6-secret", "url" -> "jdbc:oracle:thin:scott/Pw7-secret@h:1521/x")
names = ["db_password", "output_path"]
hook = "https://hooks.slack.com/services/T000/B000/Pw8secret"
"#;
        let out = r.redact_code(code);
        for n in 1..=8 {
            assert!(!out.contains(&format!("Pw{n}")), "Pw{n} leaked in {out}");
        }
        for kept in [
            "token = get_token()",
            r#"args["db_password"]"#,
            r#"["db_password", "output_path"]"#,
            r#""dbtable", "s.t""#,
            r#"":5432/app?password=""#,
            r#""password": "***REDACTED***""#,
            r#"option("password", '***REDACTED***')"#,
        ] {
            assert!(out.contains(kept), "{kept} lost in {out}");
        }
    }

    #[test]
    fn code_quoted_inside_json_strings_and_literals_loses_its_secrets() {
        let r = Redactor::default();
        // a JSON config whose strings hold code (quotes escaped)
        let json = r#"{"forms": ["\"password\": \"Ek1-secret\"", ".option(\"password\", \"Ek2-secret\")", "db_password = \"Ek3-secret\""]}"#;
        let out = r.redact(json);
        for n in 1..=3 {
            assert!(!out.contains(&format!("Ek{n}")), "Ek{n} leaked in {out}");
        }
        assert!(out.contains(r#"\"password\": \"***REDACTED***\""#), "{out}");
        assert!(
            serde_json::from_str::<serde_json::Value>(&out).is_ok(),
            "still JSON: {out}"
        );
        // code quoted in a literal of code
        let code =
            "a = '''\"password\": \"Ek4-secret\"'''\nb = '.option(\"token\", \"Ek5-secret\")'\n";
        let out = r.redact_code(code);
        assert!(!out.contains("Ek4") && !out.contains("Ek5"), "{out}");
        assert!(
            out.starts_with("a = '''\"password\": \"***REDACTED***\"'''"),
            "{out}"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        let r = Redactor::default();
        assert!(matches!(r.redact("s3://bucket/orders/"), Cow::Borrowed(_)));
    }
}
