//! Scala strings: literals (with escapes, triple quotes), `s"..."`, `f"..."` (format specifiers
//! after an interpolation) and `raw"..."` interpolation, the `String` methods Glue scripts use
//! to build names (`stripPrefix`/`stripSuffix`, `replace`/`replaceAll`, `split` on a regex,
//! `format` as printf, `trim`, case changes, tests), and `JsonOptions("""{...}""")` JSON text
//! as a map value.

use super::Interp;
use super::{field, kind};
use crate::builtins::{str_method, Args};
use crate::interp::Evaluate;
use crate::patterns::Patterns;
use crate::value::{PStr, Seg, Value, HOLE};
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// `s"..."`, `f"..."`, `raw"..."` (another interpolator: its parts as `s` would give them).
    pub(super) fn interpolated(&mut self, n: Node<'t>) -> Value {
        let interp = field(n, "interpolator")
            .map(|i| self.text(i).to_string())
            .unwrap_or_default();
        let Some(s) = n
            .named_children(&mut n.walk())
            .find(|k| kind(k) == "interpolated_string")
        else {
            return Value::unknown(self.short(n));
        };
        let full = self.text(s);
        let quote = if full.starts_with("\"\"\"") { 3 } else { 1 };
        let raw = interp == "raw" || quote == 3;
        let literal = |text: &str| -> PStr {
            PStr::lit(if raw {
                text.replace("$$", "$").replace("$\"", "\"")
            } else {
                unescape(text)
            })
        };
        let mut out = PStr::default();
        let mut pos = s.start_byte() + quote;
        let end = s.end_byte().saturating_sub(quote);
        let mut c = s.walk();
        let kids: Vec<Node> = s.named_children(&mut c).collect();
        for k in kids {
            if kind(k) != "interpolation" {
                continue;
            }
            let mut lit = self.src.get(pos..k.start_byte()).unwrap_or("");
            if interp == "f" && !out.segs.is_empty() {
                lit = strip_format_spec(lit);
            }
            out.push_str(&literal(lit));
            let v = k
                .named_child(0)
                .map(|e| self.eval(e))
                .unwrap_or(Value::unknown("$"));
            out.push_str(&v.to_pstr());
            pos = k.end_byte();
        }
        let mut lit = self.src.get(pos..end.max(pos)).unwrap_or("");
        if interp == "f" && !out.segs.is_empty() {
            lit = strip_format_spec(lit);
        }
        out.push_str(&literal(lit));
        Value::Str(out)
    }

    /// A method of `String` (`None` when it is not one the interpreter models).
    pub(super) fn string_method(&mut self, s: &PStr, name: &str, args: &Args) -> Option<Value> {
        let arg = |i: usize| args.pos.get(i).and_then(Value::as_known_str);
        let v = match name {
            "trim" => str_method(s, "strip", &Args::default())?,
            "toLowerCase" => str_method(s, "lower", &Args::default())?,
            "toUpperCase" => str_method(s, "upper", &Args::default())?,
            "toString" | "intern" | "mkString" | "stripMargin" => Value::Str(s.clone()),
            "stripPrefix" | "stripSuffix" => Value::Str(strip_affix(s, &arg(0)?, name)?),
            "replace" => str_method(s, "replace", args)?,
            "replaceAll" | "replaceFirst" => {
                let re = self.env.patterns.get(&arg(0)?)?;
                let with = java_replacement(&arg(1)?);
                let mut out = s.clone();
                for seg in out.segs.iter_mut() {
                    if let Seg::Lit(t) = seg {
                        *t = if name == "replaceAll" {
                            re.replace_all(t, with.as_str()).into_owned()
                        } else {
                            re.replace(t, with.as_str()).into_owned()
                        };
                    }
                }
                Value::Str(out)
            }
            "split" => split(&mut self.env.patterns, s, &arg(0)?)?,
            "format" | "formatted" => Value::Str(printf(s, &args.pos)?),
            "concat" => Value::Str(s.concat(&args.pos.first()?.to_pstr())),
            "startsWith" | "endsWith" => str_method(
                s,
                if name == "startsWith" {
                    "startswith"
                } else {
                    "endswith"
                },
                args,
            )?,
            "contains" => match (s.known(), arg(0)) {
                (Some(t), Some(a)) => Value::Bool(t.contains(&a)),
                _ => Value::unknown("String.contains"),
            },
            "isEmpty" | "nonEmpty" => match s.truthy_text() {
                Some(nonempty) => Value::Bool(nonempty == (name == "nonEmpty")),
                None => Value::unknown(format!("String.{name}")),
            },
            "equals" | "equalsIgnoreCase" => match (s.known(), arg(0)) {
                (Some(a), Some(b)) if name == "equals" => Value::Bool(a == b),
                (Some(a), Some(b)) => Value::Bool(a.eq_ignore_ascii_case(&b)),
                _ => Value::unknown(format!("String.{name}")),
            },
            "length" | "size" => match s.known() {
                Some(t) => Value::Int(i64::try_from(t.chars().count()).unwrap_or(i64::MAX)),
                None => Value::unknown("String.length"),
            },
            _ => return None,
        };
        Some(v)
    }
}

impl PStr {
    /// Whether the text is non-empty, when that is decided.
    fn truthy_text(&self) -> Option<bool> {
        Value::Str(self.clone()).truthy()
    }
}

/// The text after an `f"..."` interpolation without its format specifier (`$x%04d` → `x`).
fn strip_format_spec(lit: &str) -> &str {
    let Some(rest) = lit.strip_prefix('%') else {
        return lit;
    };
    let end = rest
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphabetic())
        .map(|(i, c)| i + c.len_utf8());
    match end {
        Some(i) => &rest[i..],
        None => lit,
    }
}

/// Java's `String.format`: `%s`, `%d` (with `0` and a width), `%%`, `%n`; `None` for a
/// template that is not fully known.
fn printf(template: &PStr, values: &[Value]) -> Option<PStr> {
    let t = template.known()?;
    let mut out = PStr::default();
    out.add_prov(&template.prov);
    let mut lit = String::new();
    let mut next = 0usize;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        let mut spec = String::new();
        let mut conv = None;
        for c2 in chars.by_ref() {
            if c2.is_ascii_alphabetic() || c2 == '%' {
                conv = Some(c2);
                break;
            }
            spec.push(c2);
        }
        match conv {
            Some('%') => lit.push('%'),
            Some('n') => lit.push('\n'),
            Some(conv) => {
                let (index, spec) = match spec.split_once('$') {
                    Some((i, rest)) => (i.parse::<usize>().ok()?.checked_sub(1)?, rest.to_string()),
                    None => {
                        next += 1;
                        (next - 1, spec)
                    }
                };
                let v = values
                    .get(index)
                    .cloned()
                    .unwrap_or(Value::unknown("%-argument"));
                let width: usize = spec
                    .trim_start_matches(['0', '-', '+', ' ', ','])
                    .split('.')
                    .next()?
                    .parse()
                    .unwrap_or(0);
                let piece = match (&v, conv) {
                    (Value::Int(i), 'd' | 'x' | 'X') => {
                        let digits = match conv {
                            'x' => format!("{i:x}"),
                            'X' => format!("{i:X}"),
                            _ => i.to_string(),
                        };
                        let pad = if spec.starts_with('0') { '0' } else { ' ' };
                        let fill: String =
                            std::iter::repeat_n(pad, width.saturating_sub(digits.len())).collect();
                        PStr::lit(format!("{fill}{digits}"))
                    }
                    (Value::Bool(b), _) => PStr::lit(b.to_string()),
                    _ => v.to_pstr(),
                };
                out.push_str(&PStr::lit(std::mem::take(&mut lit)));
                out.push_str(&piece);
            }
            None => lit.push_str(&spec),
        }
    }
    out.push_str(&PStr::lit(lit));
    Some(out)
}

/// `stripPrefix` / `stripSuffix`: the exact affix off the first or last known piece.
fn strip_affix(s: &PStr, affix: &str, name: &str) -> Option<PStr> {
    let mut out = s.clone();
    let seg = if name == "stripPrefix" {
        out.segs.first_mut()
    } else {
        out.segs.last_mut()
    };
    match seg {
        Some(Seg::Lit(t)) => {
            let cut = if name == "stripPrefix" {
                t.strip_prefix(affix)
            } else {
                t.strip_suffix(affix)
            };
            if let Some(c) = cut {
                *t = c.to_string();
            } else if t.len() < affix.len() && out.segs.len() > 1 {
                // the affix may reach into the unknown piece
                return None;
            }
            Some(out)
        }
        Some(Seg::Hole(_)) => None,
        None => Some(out),
    }
}

/// A Java replacement string (`$1`, `\$`) as the regex crate writes it (`${1}`, `$$`).
fn java_replacement(r: &str) -> String {
    let mut out = String::new();
    let mut chars = r.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    if n == '$' {
                        out.push_str("$$");
                    } else {
                        out.push(n);
                    }
                }
            }
            '$' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                out.push_str(&format!("${{{digits}}}"));
            }
            c => out.push(c),
        }
    }
    out
}

/// Java's `String.split(regex)` (a single character, as Scala's `split(c: Char)` takes it, is
/// literal): trailing empty strings are dropped.
fn split(patterns: &mut Patterns, s: &PStr, pattern: &str) -> Option<Value> {
    let text = s.known()?;
    let re = if pattern.chars().count() == 1 {
        patterns.get(&regex::escape(pattern))?
    } else {
        patterns.get(pattern)?
    };
    let mut parts: Vec<&str> = re.split(&text).collect();
    if parts.first() == Some(&"") && text.is_empty() {
        parts = vec![""];
    } else {
        while parts.len() > 1 && parts.last() == Some(&"") {
            parts.pop();
        }
    }
    Some(Value::list(
        parts
            .into_iter()
            .map(|p| {
                let mut x = PStr::lit(p);
                x.add_prov(&s.prov);
                Value::Str(x)
            })
            .collect(),
    ))
}

/// A Scala string literal's value.
pub(super) fn scala_string(raw: &str) -> String {
    if let Some(inner) = raw
        .strip_prefix("\"\"\"")
        .and_then(|r| r.strip_suffix("\"\"\""))
    {
        return inner.to_string();
    }
    let inner = raw
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(raw);
    unescape(inner)
}

/// Escapes of a single-line string (and `$$` of an interpolated one).
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.replace("$$", "$");
    }
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out.replace("$$", "$")
}

/// JSON text (`JsonOptions("""{"path": "$out"}""")`) as a map value: string values keep the
/// unknown pieces and provenance of the text they came from.
pub(super) fn json_options(text: &PStr) -> Option<Value> {
    let mut rendered = String::new();
    let mut holes = Vec::new();
    for seg in &text.segs {
        match seg {
            Seg::Lit(t) => rendered.push_str(t),
            Seg::Hole(d) => {
                rendered.push_str(&format!("__hole{}__", holes.len()));
                holes.push(d.clone());
            }
        }
    }
    let json: serde_json::Value = serde_json::from_str(&rendered).ok()?;
    Some(from_json(&json, text, &holes))
}

fn from_json(v: &serde_json::Value, text: &PStr, holes: &[String]) -> Value {
    match v {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(0.0))),
        serde_json::Value::String(s) => {
            let mut out = PStr::default();
            let mut rest = s.as_str();
            while let Some(i) = rest.find("__hole") {
                out.push_str(&PStr::lit(&rest[..i]));
                let after = &rest[i + 6..];
                let Some(end) = after.find("__") else {
                    break;
                };
                let hole = after[..end]
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| holes.get(k))
                    .cloned()
                    .unwrap_or_else(|| HOLE.to_string());
                out.push_str(&PStr::hole(hole));
                rest = &after[end + 2..];
            }
            out.push_str(&PStr::lit(rest));
            out.add_prov(&text.prov);
            Value::Str(out)
        }
        serde_json::Value::Array(a) => {
            Value::list(a.iter().map(|x| from_json(x, text, holes)).collect())
        }
        serde_json::Value::Object(o) => Value::dict(
            o.iter()
                .map(|(k, x)| (Value::str(k.clone()), from_json(x, text, holes)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{run, run_with};

    #[test]
    fn literals_and_interpolators() {
        let r = run(r#"
object App {
  val root = "s3://lake"
  def main(sysArgs: Array[String]): Unit = {
    val zone = "raw"
    val n = 7
    val a = s"$root/${zone}/t/"
    val b = s"$root/$missing/"
    val c = "line\tbreak"
    val d = """s3://triple/\d"""
    val e = raw"a\d$zone\e"
    val f = f"$root/$n%04d/x"
    val g = s"cost $$1"
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake/raw/t/"));
        assert_eq!(r.described("b"), "s3://lake/{missing}/");
        assert_eq!(r.text("c").as_deref(), Some("line\tbreak"));
        assert_eq!(r.text("d").as_deref(), Some("s3://triple/\\d"));
        assert_eq!(r.text("e").as_deref(), Some("a\\draw\\e"));
        assert_eq!(r.text("f").as_deref(), Some("s3://lake/7/x"));
        assert_eq!(r.text("g").as_deref(), Some("cost $1"));
    }

    #[test]
    fn string_methods() {
        let r = run(r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val a = "--out".stripPrefix("--")
    val b = "s3://b/p/".stripSuffix("/")
    val c = "s3://b/x-y".replace("-", "_")
    val d = "a.b.c".split("\\.")
    val e = "%s/%04d".format("s3://b", 7)
    val f = "s3://B/Key ".trim.toLowerCase
    val g = "db.table".split('.')
    val h = "2024-01-02".replaceAll("(\\d+)-(\\d+)-(\\d+)", "$1/$2/$3")
    val i = "abc".startsWith("ab")
  }
}
"#);
        assert_eq!(r.text("a").as_deref(), Some("out"));
        assert_eq!(r.text("b").as_deref(), Some("s3://b/p"));
        assert_eq!(r.text("c").as_deref(), Some("s3://b/x_y"));
        assert_eq!(r.texts("d"), ["a", "b", "c"]);
        assert_eq!(r.text("e").as_deref(), Some("s3://b/0007"));
        assert_eq!(r.text("f").as_deref(), Some("s3://b/key"));
        assert_eq!(r.texts("g"), ["db", "table"]);
        assert_eq!(r.text("h").as_deref(), Some("2024/01/02"));
        assert_eq!(r.value("i"), crate::value::Value::Bool(true));
    }

    #[test]
    fn json_options_from_text() {
        let r = run_with(
            r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val args = GlueArgParser.getResolvedOptions(sysArgs, Seq("bucket").toArray)
    val o = JsonOptions(s"""{"path": "s3://${args("bucket")}/out/", "n": 2}""")
    val p = JsonOptions(s"""{"path": "s3://$nope/out/"}""")
  }
}
"#,
            &[("bucket", "b1")],
        );
        assert_eq!(
            r.value("o")
                .get_key("path")
                .and_then(|v| v.as_known_str())
                .as_deref(),
            Some("s3://b1/out/")
        );
        assert_eq!(
            r.value("p")
                .get_key("path")
                .map(|v| v.to_pstr().describe())
                .as_deref(),
            Some("s3://{nope}/out/")
        );
    }
}
