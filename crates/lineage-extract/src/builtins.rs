//! Operations on abstract values that both interpreters use: call arguments ([`Args`]), `str`
//! methods (strip, split, join, replace, `.format`), `%` formatting, `os.path.join`, JSON
//! documents as values (`json.loads`), `re.sub` and match groups, binary operators ([`binop`])
//! and the items a loop visits ([`iterate`]).

use crate::value::{values_equal, PStr, Seg, Source, Value};
use regex::Regex;
use std::rc::Rc;

/// Positional and keyword arguments of a call.
#[derive(Debug, Clone, Default)]
pub(crate) struct Args {
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
}

impl Args {
    /// The argument by keyword, else by position.
    pub(crate) fn get(&self, index: usize, name: &str) -> Option<&Value> {
        self.kw
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .or_else(|| self.pos.get(index))
    }
    pub(crate) fn kw(&self, name: &str) -> Option<&Value> {
        self.kw
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

fn strip_chars(s: &str, chars: Option<&str>, left: bool, right: bool) -> String {
    let pred = |c: char| match chars {
        Some(cs) => cs.contains(c),
        None => c.is_whitespace(),
    };
    let mut t = s;
    if left {
        t = t.trim_start_matches(pred);
    }
    if right {
        t = t.trim_end_matches(pred);
    }
    t.to_string()
}

/// A `str` method on a (partial) string; `None` when the method is not modelled.
pub(crate) fn str_method(s: &PStr, name: &str, args: &Args) -> Option<Value> {
    let arg_str = |i: usize| args.pos.get(i).and_then(Value::as_known_str);
    let v = match name {
        "strip" | "lstrip" | "rstrip" => {
            let chars = arg_str(0);
            let (l, r) = (name != "rstrip", name != "lstrip");
            let mut out = s.clone();
            let n = out.segs.len();
            for (i, seg) in out.segs.iter_mut().enumerate() {
                if let Seg::Lit(t) = seg {
                    *t = strip_chars(t, chars.as_deref(), l && i == 0, r && i + 1 == n);
                }
            }
            Value::Str(out)
        }
        "lower" | "upper" | "casefold" => {
            let mut out = s.clone();
            for seg in out.segs.iter_mut() {
                if let Seg::Lit(t) = seg {
                    *t = if name == "upper" {
                        t.to_uppercase()
                    } else {
                        t.to_lowercase()
                    };
                }
            }
            Value::Str(out)
        }
        "encode" | "decode" | "__str__" => Value::Str(s.clone()),
        "split" | "rsplit" => {
            let t = s.known()?;
            let sep = arg_str(0);
            let parts: Vec<String> = match sep.as_deref() {
                Some(sep) if !sep.is_empty() => t.split(sep).map(str::to_string).collect(),
                _ => t.split_whitespace().map(str::to_string).collect(),
            };
            Value::list(
                parts
                    .into_iter()
                    .map(|p| {
                        let mut x = PStr::lit(p);
                        x.add_prov(&s.prov);
                        Value::Str(x)
                    })
                    .collect(),
            )
        }
        "splitlines" => {
            let t = s.known()?;
            Value::list(
                t.lines()
                    .map(|p| {
                        let mut x = PStr::lit(p);
                        x.add_prov(&s.prov);
                        Value::Str(x)
                    })
                    .collect(),
            )
        }
        "join" => {
            let items = args.pos.first()?.items()?;
            let mut out = PStr::default();
            out.add_prov(&s.prov);
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(s);
                }
                out.push_str(&it.to_pstr());
            }
            Value::Str(out)
        }
        "replace" => {
            let (a, b) = (arg_str(0)?, args.pos.get(1)?.to_pstr());
            let b_known = b.known()?;
            let mut out = s.clone();
            for seg in out.segs.iter_mut() {
                if let Seg::Lit(t) = seg {
                    *t = t.replace(&a, &b_known);
                }
            }
            out.add_prov(&b.prov);
            Value::Str(out)
        }
        "startswith" | "endswith" => {
            let t = s.known();
            let test = |p: &str| {
                t.as_ref().map(|t| {
                    if name == "startswith" {
                        t.starts_with(p)
                    } else {
                        t.ends_with(p)
                    }
                })
            };
            let res = match args.pos.first()? {
                Value::List(items) => {
                    let mut any = Some(false);
                    for it in items.iter() {
                        match it.as_known_str().and_then(|p| test(&p)) {
                            Some(true) => any = Some(true),
                            Some(false) => {}
                            None => {
                                if any == Some(false) {
                                    any = None
                                }
                            }
                        }
                    }
                    any
                }
                v => v.as_known_str().and_then(|p| test(&p)),
            };
            match res {
                Some(b) => Value::Bool(b),
                None => Value::unknown(format!("str.{name}")),
            }
        }
        "format" => Value::Str(format_braces(s, args)?),
        "isdigit" | "isnumeric" => match s.known() {
            Some(t) => Value::Bool(!t.is_empty() && t.chars().all(|c| c.is_ascii_digit())),
            None => Value::unknown("str.isdigit"),
        },
        "title" | "capitalize" | "zfill" | "ljust" | "rjust" | "center" => Value::Str(s.clone()),
        _ => return None,
    };
    Some(v)
}

/// `"...{}...{name}...".format(...)`.
fn format_braces(template: &PStr, args: &Args) -> Option<PStr> {
    let t = template.known()?;
    let mut out = PStr::default();
    out.add_prov(&template.prov);
    let mut auto = 0usize;
    let mut lit = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut field = String::new();
                for c2 in chars.by_ref() {
                    if c2 == '}' {
                        break;
                    }
                    field.push(c2);
                }
                let name = field
                    .split([':', '!'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                let (base, rest) = match name.find(['.', '[']) {
                    Some(i) => (name[..i].to_string(), Some(name[i..].to_string())),
                    None => (name.clone(), None),
                };
                let v = if base.is_empty() {
                    let v = args.pos.get(auto).cloned();
                    auto += 1;
                    v
                } else if let Ok(i) = base.parse::<usize>() {
                    args.pos.get(i).cloned()
                } else {
                    args.kw(&base).cloned()
                };
                let mut v = v.unwrap_or_else(|| Value::unknown(format!("{{{field}}}")));
                if let Some(rest) = rest {
                    // {cfg[key]} lookups
                    if let Some(key) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                        v = v
                            .get_key(key.trim_matches(['\'', '"']))
                            .cloned()
                            .unwrap_or_else(|| Value::unknown(&field));
                    } else {
                        v = Value::unknown(&field);
                    }
                }
                out.push_str(&PStr::lit(std::mem::take(&mut lit)));
                out.push_str(&v.to_pstr());
            }
            _ => lit.push(c),
        }
    }
    out.push_str(&PStr::lit(lit));
    Some(out)
}

/// `"...%s..." % values`.
pub(crate) fn format_percent(template: &PStr, rhs: &Value) -> Option<PStr> {
    let t = template.known()?;
    let items: Vec<Value> = match rhs {
        Value::List(l) => l.as_ref().clone(),
        v => vec![v.clone()],
    };
    let mut out = PStr::default();
    out.add_prov(&template.prov);
    let mut lit = String::new();
    let mut idx = 0usize;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            lit.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            lit.push('%');
            continue;
        }
        let mut key = None;
        if chars.peek() == Some(&'(') {
            chars.next();
            let mut k = String::new();
            for c2 in chars.by_ref() {
                if c2 == ')' {
                    break;
                }
                k.push(c2);
            }
            key = Some(k);
        }
        // flags, width, precision, conversion
        for c2 in chars.by_ref() {
            if c2.is_ascii_alphabetic() {
                break;
            }
        }
        let v = match key {
            Some(k) => rhs.get_key(&k).cloned(),
            None => {
                let v = items.get(idx).cloned();
                idx += 1;
                v
            }
        }
        .unwrap_or_else(|| Value::unknown("%-argument"));
        out.push_str(&PStr::lit(std::mem::take(&mut lit)));
        out.push_str(&v.to_pstr());
    }
    out.push_str(&PStr::lit(lit));
    Some(out)
}

/// `os.path.join` / `posixpath.join`.
pub(crate) fn path_join(parts: &[Value]) -> Value {
    let mut out = PStr::default();
    for (i, p) in parts.iter().enumerate() {
        let ps = p.to_pstr();
        let text = ps.render();
        if i > 0 {
            if text.starts_with('/') {
                out = PStr::default();
            } else if !out.render().ends_with('/') && !out.segs.is_empty() {
                out.push_str(&PStr::lit("/"));
            }
        }
        out.push_str(&ps);
    }
    Value::Str(out)
}

/// A JSON document as a value; strings carry the extra object and their line.
pub(crate) fn json_to_value(text: &str, uri: &str) -> Value {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v) => convert_json(&v, text, uri),
        Err(_) => Value::unknown("json.loads"),
    }
}

fn line_of(text: &str, needle: &str) -> u32 {
    let quoted = format!("\"{needle}\"");
    text.lines()
        .position(|l| l.contains(&quoted))
        .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX))
        .unwrap_or(1)
}

fn convert_json(v: &serde_json::Value, text: &str, uri: &str) -> Value {
    match v {
        serde_json::Value::Null => Value::None,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::Str(
            PStr::lit(s.clone()).with_source(Source::Extra(uri.to_string(), line_of(text, s))),
        ),
        serde_json::Value::Array(a) => {
            Value::list(a.iter().map(|x| convert_json(x, text, uri)).collect())
        }
        serde_json::Value::Object(o) => Value::dict(
            o.iter()
                .map(|(k, x)| (Value::str(k.clone()), convert_json(x, text, uri)))
                .collect(),
        ),
    }
}

/// The groups of a regex match as a value (`m.group(i)`, `m.group("name")`).
pub(crate) fn match_groups(re: &Regex, caps: &regex::Captures) -> Value {
    let group = |g: Option<regex::Match>| match g {
        Some(m) => Value::str(m.as_str()),
        None => Value::None,
    };
    let by_index = caps.iter().map(group).collect();
    let by_name = re
        .capture_names()
        .flatten()
        .map(|n| (n.to_string(), group(caps.name(n))))
        .collect();
    Value::Obj(crate::value::Obj::Match(Rc::new((by_index, by_name))))
}

/// The items a `for` loop visits, when known.
pub(crate) fn iterate(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.as_ref().clone()),
        Value::Dict(d) => Some(d.iter().map(|(k, _)| k.clone()).collect()),
        _ => None,
    }
}

/// A binary operator on abstract values (Python's semantics; Scala's `+` uses them too).
pub(crate) fn binop(op: &str, a: &Value, b: &Value) -> Value {
    use crate::value::Obj;
    match (op, a, b) {
        ("+" | "-", Value::Obj(Obj::DateTime(m)), Value::Obj(Obj::TimeDelta(s))) => {
            let sign = if op == "-" { -1 } else { 1 };
            return match crate::python::dates_shift(m, *s, sign) {
                Some(m) => Value::Obj(Obj::DateTime(Rc::new(m))),
                None => Value::unknown("date arithmetic"),
            };
        }
        ("+", Value::Obj(Obj::TimeDelta(x)), Value::Obj(Obj::TimeDelta(y))) => {
            return Value::Obj(Obj::TimeDelta(x + y))
        }
        ("*", Value::Obj(Obj::TimeDelta(x)), Value::Int(y))
        | ("*", Value::Int(y), Value::Obj(Obj::TimeDelta(x))) => {
            return Value::Obj(Obj::TimeDelta(x * y))
        }
        _ => {}
    }
    match (op, a, b) {
        ("+", Value::Int(x), Value::Int(y)) => Value::Int(x + y),
        ("-", Value::Int(x), Value::Int(y)) => Value::Int(x - y),
        ("*", Value::Int(x), Value::Int(y)) => Value::Int(x * y),
        ("+", Value::List(x), Value::List(y)) => {
            let mut v = x.as_ref().clone();
            v.extend(y.iter().cloned());
            Value::list(v)
        }
        ("+", Value::Str(x), _) => Value::Str(x.concat(&b.to_pstr())),
        ("+", Value::Unknown(_), Value::Str(y)) => Value::Str(a.to_pstr().concat(y)),
        ("%", Value::Str(x), _) => match format_percent(x, b) {
            Some(p) => Value::Str(p),
            None => Value::unknown("%-format"),
        },
        ("|", Value::List(x), Value::List(y)) => {
            let mut v = x.as_ref().clone();
            v.extend(y.iter().cloned());
            Value::list(v)
        }
        ("-", Value::List(x), Value::List(y)) => Value::list(
            x.iter()
                .filter(|i| !y.iter().any(|j| values_equal(i, j) == Some(true)))
                .cloned()
                .collect(),
        ),
        ("/", Value::Obj(_), _) | ("/", Value::Module(_), _) => Value::unknown("path /"),
        _ => Value::unknown(format!(
            "{} {op} {}",
            a.to_pstr().describe(),
            b.to_pstr().describe()
        )),
    }
}

/// `s[start:stop]` of a partially known string: Python's slice when the string is known; when
/// it has unknowns, only a slice that cuts inside its known start (`[1:]`) or its known end
/// (`[:-1]`) keeps the unknowns; anything else is not known.
pub(crate) fn slice_pstr(p: &PStr, start: Option<i64>, stop: Option<i64>) -> Option<PStr> {
    use crate::value::Seg;
    if let Some(t) = p.known() {
        let chars: Vec<char> = t.chars().collect();
        let len = i64::try_from(chars.len()).ok()?;
        let at = |i: i64| -> usize {
            let i = if i < 0 { (len + i).max(0) } else { i.min(len) };
            usize::try_from(i).unwrap_or(0)
        };
        let a = start.map_or(0, at);
        let z = stop.map_or(chars.len(), at).max(a);
        let mut out = p.clone();
        out.segs = vec![Seg::Lit(chars[a..z].iter().collect())];
        return Some(out);
    }
    let mut segs = p.segs.clone();
    let cut_front = usize::try_from(start.unwrap_or(0)).ok()?;
    let cut_back = match stop {
        None => 0,
        Some(s) if s < 0 => usize::try_from(-s).ok()?,
        Some(_) => return None,
    };
    if cut_front > 0 {
        let Some(Seg::Lit(first)) = segs.first_mut() else {
            return None;
        };
        if first.chars().count() < cut_front {
            return None;
        }
        *first = first.chars().skip(cut_front).collect();
    }
    if cut_back > 0 {
        let Some(Seg::Lit(last)) = segs.last_mut() else {
            return None;
        };
        let n = last.chars().count();
        if n < cut_back {
            return None;
        }
        *last = last.chars().take(n - cut_back).collect();
    }
    Some(PStr {
        segs,
        prov: p.prov.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let a = Args {
            pos: vec![Value::str("x"), Value::Int(3)],
            kw: vec![("b".into(), Value::str("bk"))],
        };
        let out = format_braces(&PStr::lit("s3://{b}/{}/{:0>2}/{{lit}}"), &a).expect("fmt");
        assert_eq!(out.known().as_deref(), Some("s3://bk/x/3/{lit}"));
        let p = format_percent(
            &PStr::lit("s3://%s/p/%d%%"),
            &Value::list(vec![Value::str("b"), Value::Int(1)]),
        )
        .expect("pct");
        assert_eq!(p.known().as_deref(), Some("s3://b/p/1%"));
        let j = path_join(&[Value::str("s3://b"), Value::str("x"), Value::str("y")]);
        assert_eq!(j.as_known_str().as_deref(), Some("s3://b/x/y"));
    }
}
