//! Python's `re` module over known strings: `compile`, `match` (anchored at the start),
//! `fullmatch`, `search`, `sub` (with `\1`, `\g<1>`, `\g<name>` back-references, a function
//! as the replacement, and `count`), `findall` and `split`; match objects (`group`, `groups`,
//! `groupdict`, `m[1]`); the `re.I`/`re.M`/`re.S`/`re.X` flags. A pattern Rust's regex
//! cannot take (look-arounds, back-references inside the pattern) or a string that is not
//! known gives an unknown value.

use super::Interp;
use crate::builtins::{self, Args};
use crate::interp::Evaluate;
use crate::value::{Obj, PStr, Value};
use regex::Regex;
use std::rc::Rc;
use tree_sitter::Node;

/// What a regex function does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Match,
    FullMatch,
    Search,
    FindAll,
    Split,
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// `re.<name>(...)`; `None` when `name` is not a function of `re` this models.
    pub(super) fn call_re(&mut self, name: &str, args: &Args, n: Node<'t>) -> Option<Value> {
        let pattern = || args.get(0, "pattern").and_then(pattern_text);
        let flags = args.get(2, "flags").or_else(|| args.kw("flags"));
        Some(match name {
            "compile" => match pattern() {
                Some(p) => Value::Obj(Obj::Regex(Rc::from(
                    with_flags(&p, args.get(1, "flags")).as_str(),
                ))),
                None => Value::unknown(self.text(n)),
            },
            "match" | "fullmatch" | "search" | "findall" | "split" => {
                let op = op_of(name)?;
                let p = pattern().map(|p| with_flags(&p, flags));
                let text = args.get(1, "string");
                self.regex_op(op, p.as_deref(), text, n)
            }
            "sub" | "subn" => {
                let p = pattern().map(|p| with_flags(&p, args.kw("flags")));
                let count = args.get(3, "count");
                self.regex_sub(
                    p.as_deref(),
                    args.get(1, "repl"),
                    args.get(2, "string"),
                    count,
                    n,
                )
            }
            "escape" => match args.get(0, "pattern").and_then(Value::as_known_str) {
                Some(t) => Value::str(python_escape(&t)),
                None => Value::unknown(self.text(n)),
            },
            _ => return None,
        })
    }

    /// A method of a compiled regex.
    pub(super) fn call_regex_method(
        &mut self,
        pattern: &str,
        name: &str,
        args: &Args,
        n: Node<'t>,
    ) -> Value {
        match name {
            "sub" | "subn" => self.regex_sub(
                Some(pattern),
                args.get(0, "repl"),
                args.get(1, "string"),
                args.get(2, "count"),
                n,
            ),
            _ => match op_of(name) {
                Some(op) => self.regex_op(op, Some(pattern), args.get(0, "string"), n),
                None => Value::unknown(self.text(n)),
            },
        }
    }

    fn regex_op(
        &mut self,
        op: Op,
        pattern: Option<&str>,
        text: Option<&Value>,
        n: Node<'t>,
    ) -> Value {
        let Some(p) = pattern else {
            return Value::unknown(self.text(n));
        };
        let Some(t) = text.and_then(Value::as_known_str) else {
            // a partly known string: a match over its known pieces
            if let (Some(Value::Str(partial)), Op::Match | Op::Search) = (text, op) {
                let anchored = if op == Op::Match {
                    format!("^(?:{p})")
                } else {
                    p.to_string()
                };
                if let Some(re) = self.env.patterns.get(&anchored) {
                    return partial_match(&re, partial)
                        .unwrap_or_else(|| Value::unknown(self.text(n)));
                }
            }
            return Value::unknown(self.text(n));
        };
        let anchored = match op {
            Op::Match => format!("^(?:{p})"),
            Op::FullMatch => format!("^(?:{p})$"),
            _ => p.to_string(),
        };
        let Some(re) = self.env.patterns.get(&anchored) else {
            return Value::unknown(self.text(n));
        };
        match op {
            Op::Match | Op::FullMatch | Op::Search => match re.captures(&t) {
                Some(c) => builtins::match_groups(&re, &c),
                None => Value::None,
            },
            Op::FindAll => Value::list(
                re.captures_iter(&t)
                    .map(|c| match c.len() {
                        1 => Value::str(c.get(0).map_or("", |m| m.as_str())),
                        2 => Value::str(c.get(1).map_or("", |m| m.as_str())),
                        _ => Value::list(
                            c.iter()
                                .skip(1)
                                .map(|g| Value::str(g.map_or("", |m| m.as_str())))
                                .collect(),
                        ),
                    })
                    .collect(),
            ),
            Op::Split => Value::list(re.split(&t).map(Value::str).collect()),
        }
    }

    fn regex_sub(
        &mut self,
        pattern: Option<&str>,
        repl: Option<&Value>,
        text: Option<&Value>,
        count: Option<&Value>,
        n: Node<'t>,
    ) -> Value {
        let (Some(p), Some(repl), Some(text)) = (pattern, repl.cloned(), text.map(Value::to_pstr))
        else {
            return Value::unknown(self.text(n));
        };
        let (Some(t), Some(re)) = (text.known(), self.env.patterns.get(p)) else {
            return Value::unknown(self.text(n));
        };
        let limit = match count {
            Some(Value::Int(c)) if *c > 0 => usize::try_from(*c).unwrap_or(usize::MAX),
            _ => usize::MAX,
        };
        let mut out = PStr::default();
        out.add_prov(&text.prov);
        let mut last = 0;
        for caps in re.captures_iter(&t).take(limit) {
            let Some(m) = caps.get(0) else {
                continue;
            };
            out.push_str(&PStr::lit(&t[last..m.start()]));
            let replaced = match &repl {
                Value::Str(s) => match s.known() {
                    Some(template) => {
                        let mut r = PStr::lit(expand(&template, &re, &caps));
                        r.add_prov(&s.prov);
                        r
                    }
                    None => s.clone(),
                },
                Value::Lambda(id) => self
                    .invoke_lambda(
                        *id,
                        Args {
                            pos: vec![builtins::match_groups(&re, &caps)],
                            kw: vec![],
                        },
                    )
                    .to_pstr(),
                Value::Func(id) => self
                    .invoke(
                        *id,
                        Args {
                            pos: vec![builtins::match_groups(&re, &caps)],
                            kw: vec![],
                        },
                    )
                    .to_pstr(),
                _ => PStr::hole("re.sub replacement"),
            };
            out.push_str(&replaced);
            last = m.end();
        }
        out.push_str(&PStr::lit(&t[last..]));
        Value::Str(out)
    }

    /// A method of a match object.
    pub(super) fn call_match_method(
        &mut self,
        groups: &crate::value::MatchGroups,
        name: &str,
        args: &Args,
        n: Node<'t>,
    ) -> Value {
        let (by_index, by_name) = groups;
        let group = |g: &Value| -> Value {
            match g {
                Value::Int(i) => usize::try_from(*i)
                    .ok()
                    .and_then(|i| by_index.get(i).cloned())
                    .unwrap_or(Value::None),
                v => v
                    .as_known_str()
                    .and_then(|k| {
                        by_name
                            .iter()
                            .find(|(n, _)| *n == k)
                            .map(|(_, v)| v.clone())
                    })
                    .unwrap_or(Value::None),
            }
        };
        match name {
            "group" => match args.pos.as_slice() {
                [] => by_index.first().cloned().unwrap_or(Value::None),
                [one] => group(one),
                many => Value::list(many.iter().map(group).collect()),
            },
            "groups" => Value::list(by_index.iter().skip(1).cloned().collect()),
            "groupdict" => Value::dict(
                by_name
                    .iter()
                    .map(|(k, v)| (Value::str(k.clone()), v.clone()))
                    .collect(),
            ),
            _ => Value::unknown(self.text(n)),
        }
    }
}

/// A match over a partly known string, its unknowns standing in as single characters no
/// pattern piece names: a group that falls inside the known pieces is known, one that spans an
/// unknown keeps it. No match is not a "no": the unknowns may make one (`None`).
fn partial_match(re: &Regex, text: &PStr) -> Option<Value> {
    use crate::value::{Seg, HOLE};
    let rendered = text.render();
    let holes: Vec<&String> = text
        .segs
        .iter()
        .filter_map(|s| match s {
            Seg::Hole(d) => Some(d),
            Seg::Lit(_) => None,
        })
        .collect();
    let caps = re.captures(&rendered)?;
    let group = |g: Option<regex::Match>| -> Value {
        let Some(m) = g else {
            return Value::None;
        };
        if !m.as_str().contains(HOLE) {
            let mut p = PStr::lit(m.as_str());
            p.add_prov(&text.prov);
            return Value::Str(p);
        }
        let mut hole = rendered[..m.start()].matches(HOLE).count();
        let mut out = PStr::default();
        for (i, piece) in m.as_str().split(HOLE).enumerate() {
            if i > 0 {
                out.push_str(&PStr::hole(holes.get(hole).map_or("", |d| d.as_str())));
                hole += 1;
            }
            out.push_str(&PStr::lit(piece));
        }
        out.add_prov(&text.prov);
        Value::Str(out)
    };
    let by_index = caps.iter().map(group).collect();
    let by_name = re
        .capture_names()
        .flatten()
        .map(|n| (n.to_string(), group(caps.name(n))))
        .collect();
    Some(Value::Obj(Obj::Match(Rc::new((by_index, by_name)))))
}

fn op_of(name: &str) -> Option<Op> {
    Some(match name {
        "match" => Op::Match,
        "fullmatch" => Op::FullMatch,
        "search" => Op::Search,
        "findall" => Op::FindAll,
        "split" => Op::Split,
        _ => return None,
    })
}

/// A known pattern string, or the pattern of a compiled regex.
fn pattern_text(v: &Value) -> Option<String> {
    match v {
        Value::Obj(Obj::Regex(p)) => Some(p.to_string()),
        v => v.as_known_str(),
    }
}

/// Python's flags (`re.I`, `re.IGNORECASE`, `re.M`, `re.S`, `re.X`, or-ed) as inline flags.
fn with_flags(pattern: &str, flags: Option<&Value>) -> String {
    let names = match flags {
        Some(Value::Module(m)) => m.to_string(),
        Some(Value::Unknown(d)) => d.to_string(),
        _ => return pattern.to_string(),
    };
    let mut inline = String::new();
    for (long, short, flag) in [
        ("IGNORECASE", "I", 'i'),
        ("MULTILINE", "M", 'm'),
        ("DOTALL", "S", 's'),
        ("VERBOSE", "X", 'x'),
    ] {
        let said = names
            .split(['|', ' ', '.'])
            .any(|part| part == long || part == short);
        if said {
            inline.push(flag);
        }
    }
    if inline.is_empty() {
        pattern.to_string()
    } else {
        format!("(?{inline}){pattern}")
    }
}

/// A replacement template with Python's back-references (`\1`, `\g<1>`, `\g<name>`) and
/// escapes expanded for one match.
fn expand(template: &str, re: &Regex, caps: &regex::Captures) -> String {
    let group = |key: &str| -> String {
        let m = match key.parse::<usize>() {
            Ok(i) => caps.get(i),
            Err(_) => re
                .capture_names()
                .flatten()
                .find(|n| *n == key)
                .and_then(|n| caps.name(n)),
        };
        m.map_or(String::new(), |m| m.as_str().to_string())
    };
    let mut out = String::new();
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d) if d.is_ascii_digit() => {
                let mut num = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    if num.len() == 2 {
                        break;
                    }
                    num.push(d);
                    chars.next();
                }
                out.push_str(&group(&num));
            }
            Some('g') => {
                chars.next();
                if chars.peek() == Some(&'<') {
                    chars.next();
                    let key: String = chars.by_ref().take_while(|c| *c != '>').collect();
                    out.push_str(&group(&key));
                } else {
                    out.push_str("\\g");
                }
            }
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
    out
}

/// `re.escape`: every character that is not alphanumeric or `_` backslashed.
fn python_escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if !(c.is_alphanumeric() || c == '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn match_search_groups_and_names() {
        let r = run(r#"
import re
m = re.match(r"s3://([^/]+)/(?P<key>.*)", "s3://bkt/raw/x/")
bucket = m.group(1)
key = m.group("key")
both = m.groups()
s = re.search(r"raw/(\w+)", "s3://bkt/raw/events/").group(1)
none = re.match(r"raw", "s3://bkt/raw/")
pat = re.compile(r"(\d{4})-(\d{2})", re.I)
year = pat.search("dt=2024-06").group(1)
all_ = re.findall(r"(\w+)=", "a=1,b=2")
parts = re.split(r"[,;]", "x,y;z")
"#);
        assert_eq!(r.text("bucket").as_deref(), Some("bkt"));
        assert_eq!(r.text("key").as_deref(), Some("raw/x/"));
        assert_eq!(r.texts("both"), ["bkt", "raw/x/"]);
        assert_eq!(r.text("s").as_deref(), Some("events"));
        assert_eq!(r.value("none"), Value::None);
        assert_eq!(r.text("year").as_deref(), Some("2024"));
        assert_eq!(r.texts("all_"), ["a", "b"]);
        assert_eq!(r.texts("parts"), ["x", "y", "z"]);
    }

    #[test]
    fn groups_inside_the_known_pieces_of_a_partly_known_string_are_known() {
        let r = run(r#"
import re
url = "jdbc:redshift://dw.x.us-east-1.redshift.amazonaws.com:5439/sales?user=" + get_user()
host = re.search(r"jdbc:redshift://(.+?):.*", url).group(1)
db = re.search(r"jdbc:redshift://.*/(.+?)\?.*", url).group(1)
tail = re.search(r"user=(.*)", url).group(1)
"#);
        assert_eq!(
            r.text("host").as_deref(),
            Some("dw.x.us-east-1.redshift.amazonaws.com")
        );
        assert_eq!(r.text("db").as_deref(), Some("sales"));
        assert!(
            r.text("tail").is_none(),
            "a group over the unknown is not known"
        );
    }

    #[test]
    fn sub_with_back_references_functions_and_count() {
        let r = run(r#"
import re
a = re.sub(r"_(\d+)/$", r"-\1", "s3://b/raw/events_2024/")
b = re.sub(r"(?P<y>\d{4})(?P<m>\d{2})", r"\g<y>/\g<m>", "data_202406")
c = re.sub(r"[aeiou]", lambda m: m.group(0).upper(), "glue")
d = re.sub("-", "_", "a-b-c", 1)
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://b/raw/events-2024"));
        assert_eq!(r.text("b").as_deref(), Some("data_2024/06"));
        assert_eq!(r.text("c").as_deref(), Some("glUE"));
        assert_eq!(r.text("d").as_deref(), Some("a_b-c"));
    }
}
