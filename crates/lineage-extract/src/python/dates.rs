//! Dates and times in the script, with the run's own clock: `datetime.now()`/`utcnow()`/
//! `today()`, `date.today()` and `time.strftime` are the run's start (UTC, as the Glue driver
//! runs), `datetime(...)`/`date(...)`/`strptime` are what they say, `timedelta` arithmetic,
//! and `strftime`/`isoformat`/`str`/f-string formats. The day of "now" is known (a run does
//! not cross midnight between its start and the script's first lines often enough to matter,
//! and logs settle it when it does); its time of day, or any date in another time zone, is
//! not: formatting them gives an unknown the run's log lines may fill.

use super::Interp;
use crate::builtins::Args;
use crate::interp::Evaluate;
use crate::value::{Moment, Obj, Value};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Timelike};
use std::rc::Rc;
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// A call of the `datetime`/`time` modules (`q` fully qualified); `None` when not one
    /// this models.
    pub(super) fn call_dates(&mut self, q: &str, args: &Args, n: Node<'t>) -> Option<Value> {
        let root = q.split('.').next().unwrap_or("");
        if !matches!(root, "datetime" | "time" | "pendulum" | "arrow") {
            return None;
        }
        let last = q.rsplit('.').next().unwrap_or(q);
        let owner = q.rsplit('.').nth(1).unwrap_or("");
        let now = |is_date: bool, exact_date: bool| {
            Value::Obj(Obj::DateTime(Rc::new(Moment {
                at: self.env.ctx.run.started_on.naive_utc(),
                exact_date,
                exact_time: false,
                is_date,
            })))
        };
        Some(match (owner, last) {
            ("datetime" | "pendulum" | "arrow", "now" | "utcnow" | "today" | "utc") => {
                // another time zone than UTC moves the day: not known
                let zone = args.get(0, "tz").map(|v| v.to_pstr().describe());
                let utc = zone
                    .as_deref()
                    .is_none_or(|z| z.to_ascii_lowercase().contains("utc"));
                now(false, utc)
            }
            ("date", "today") => now(true, true),
            ("time", "strftime") => {
                let fmt = args.get(0, "format").and_then(Value::as_known_str)?;
                let m = Moment {
                    at: self.env.ctx.run.started_on.naive_utc(),
                    exact_date: true,
                    exact_time: false,
                    is_date: false,
                };
                strftime(&m, &fmt).map_or_else(|| Value::unknown(self.text(n)), Value::str)
            }
            (_, "datetime") | (_, "date") if root == "datetime" => {
                let ints: Vec<i64> = args
                    .pos
                    .iter()
                    .map_while(|v| match v {
                        Value::Int(i) => Some(*i),
                        _ => None,
                    })
                    .collect();
                let get = |i: usize, name: &str, default: i64| -> Option<i64> {
                    match args.kw(name) {
                        Some(Value::Int(x)) => Some(*x),
                        Some(_) => None,
                        None => Some(ints.get(i).copied().unwrap_or(default)),
                    }
                };
                let date = NaiveDate::from_ymd_opt(
                    i32::try_from(get(0, "year", 0)?).ok()?,
                    u32::try_from(get(1, "month", 1)?).ok()?,
                    u32::try_from(get(2, "day", 1)?).ok()?,
                )?;
                let at = date.and_hms_opt(
                    u32::try_from(get(3, "hour", 0)?).ok()?,
                    u32::try_from(get(4, "minute", 0)?).ok()?,
                    u32::try_from(get(5, "second", 0)?).ok()?,
                )?;
                Value::Obj(Obj::DateTime(Rc::new(Moment {
                    at,
                    exact_date: true,
                    exact_time: true,
                    is_date: last == "date",
                })))
            }
            (_, "timedelta") => {
                let mut secs = 0i64;
                for (i, (name, unit)) in [
                    ("days", 86_400),
                    ("seconds", 1),
                    ("microseconds", 0),
                    ("milliseconds", 0),
                    ("minutes", 60),
                    ("hours", 3_600),
                    ("weeks", 604_800),
                ]
                .into_iter()
                .enumerate()
                {
                    match args.kw(name).or_else(|| args.pos.get(i)) {
                        Some(Value::Int(x)) => secs += x * unit,
                        Some(_) => return Some(Value::unknown(self.text(n))),
                        None => {}
                    }
                }
                Value::Obj(Obj::TimeDelta(secs))
            }
            (_, "strptime") => {
                let (Some(text), Some(fmt)) = (
                    args.get(0, "date_string").and_then(Value::as_known_str),
                    args.get(1, "format").and_then(Value::as_known_str),
                ) else {
                    return Some(Value::unknown(self.text(n)));
                };
                let parsed = NaiveDateTime::parse_from_str(&text, &fmt).ok().or_else(|| {
                    NaiveDate::parse_from_str(&text, &fmt)
                        .ok()
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                });
                match parsed {
                    Some(at) => Value::Obj(Obj::DateTime(Rc::new(Moment {
                        at,
                        exact_date: true,
                        exact_time: true,
                        is_date: false,
                    }))),
                    None => Value::unknown(self.text(n)),
                }
            }
            _ => return None,
        })
    }

    /// A method of a date or time.
    pub(super) fn call_moment_method(
        &mut self,
        m: &Moment,
        name: &str,
        args: &Args,
        n: Node<'t>,
    ) -> Value {
        let unknown = || Value::unknown(self.text(n));
        match name {
            "strftime" => match args.get(0, "format").and_then(Value::as_known_str) {
                Some(fmt) => strftime(m, &fmt).map_or_else(unknown, Value::str),
                None => unknown(),
            },
            "isoformat" => isoformat(m).map_or_else(unknown, Value::str),
            "date" => Value::Obj(Obj::DateTime(Rc::new(Moment {
                is_date: true,
                ..m.clone()
            }))),
            "replace" => {
                let mut at = m.at;
                let mut exact_time = m.exact_time;
                for (k, v) in &args.kw {
                    let Value::Int(x) = v else {
                        return unknown();
                    };
                    let x = u32::try_from(*x).unwrap_or(u32::MAX);
                    let next = match k.as_str() {
                        "day" => at.with_day(x),
                        "month" => at.with_month(x),
                        "year" => at.with_year(i32::try_from(x).unwrap_or(0)),
                        "hour" | "minute" | "second" | "microsecond" => {
                            // setting every part of the time makes it known
                            exact_time = exact_time || args.kw.len() >= 3;
                            match k.as_str() {
                                "hour" => at.with_hour(x),
                                "minute" => at.with_minute(x),
                                "second" => at.with_second(x),
                                _ => Some(at),
                            }
                        }
                        _ => Some(at),
                    };
                    let Some(next) = next else {
                        return unknown();
                    };
                    at = next;
                }
                Value::Obj(Obj::DateTime(Rc::new(Moment {
                    at,
                    exact_time,
                    ..m.clone()
                })))
            }
            _ => unknown(),
        }
    }
}

/// An attribute of a date or time (`year`, `month`, `day`; the time's parts when known).
pub(super) fn moment_attr(m: &Moment, name: &str) -> Option<Value> {
    let date = |x: u32| m.exact_date.then(|| Value::Int(i64::from(x)));
    let time = |x: u32| (m.exact_date && m.exact_time).then(|| Value::Int(i64::from(x)));
    match name {
        "year" => m.exact_date.then(|| Value::Int(i64::from(m.at.year()))),
        "month" => date(m.at.month()),
        "day" => date(m.at.day()),
        "hour" => time(m.at.hour()),
        "minute" => time(m.at.minute()),
        "second" => time(m.at.second()),
        _ => None,
    }
}

/// `moment ± timedelta`: a whole number of days keeps the day known; anything else makes
/// the day depend on the unknown time.
pub(crate) fn shift(m: &Moment, seconds: i64, sign: i64) -> Option<Moment> {
    let at =
        m.at.checked_add_signed(Duration::seconds(seconds.checked_mul(sign)?))?;
    let whole_days = seconds % 86_400 == 0;
    Some(Moment {
        at,
        exact_date: m.exact_date && (whole_days || m.exact_time),
        exact_time: m.exact_time,
        is_date: m.is_date,
    })
}

/// Python's `str()` of a date (`2024-06-03`) or datetime (`2024-06-03 04:05:06`).
pub(crate) fn display(m: &Moment) -> Option<String> {
    if m.is_date {
        m.exact_date.then(|| m.at.format("%Y-%m-%d").to_string())
    } else {
        (m.exact_date && m.exact_time).then(|| m.at.format("%Y-%m-%d %H:%M:%S").to_string())
    }
}

fn isoformat(m: &Moment) -> Option<String> {
    if m.is_date {
        m.exact_date.then(|| m.at.format("%Y-%m-%d").to_string())
    } else {
        (m.exact_date && m.exact_time).then(|| m.at.format("%Y-%m-%dT%H:%M:%S").to_string())
    }
}

/// `strftime` with Python's directives; `None` when the format needs a part that is not known.
pub(crate) fn strftime(m: &Moment, fmt: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let d = chars.next()?;
        let date_part = |s: String| m.exact_date.then_some(s);
        let time_part = |s: String| (m.exact_date && m.exact_time).then_some(s);
        let piece = match d {
            'Y' => date_part(format!("{:04}", m.at.year())),
            'y' => date_part(format!("{:02}", m.at.year() % 100)),
            'm' => date_part(format!("{:02}", m.at.month())),
            'd' => date_part(format!("{:02}", m.at.day())),
            'j' => date_part(format!("{:03}", m.at.ordinal())),
            'b' | 'B' | 'a' | 'A' => date_part(m.at.format(&format!("%{d}")).to_string()),
            'H' => time_part(format!("{:02}", m.at.hour())),
            'I' => time_part(format!("{:02}", (m.at.hour() + 11) % 12 + 1)),
            'M' => time_part(format!("{:02}", m.at.minute())),
            'S' => time_part(format!("{:02}", m.at.second())),
            'f' => time_part(format!("{:06}", m.at.nanosecond() / 1000)),
            'p' => time_part(if m.at.hour() < 12 { "AM" } else { "PM" }.to_string()),
            'Z' | 'z' => Some(String::new()),
            '%' => Some("%".to_string()),
            _ => None,
        };
        out.push_str(&piece?);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;

    #[test]
    fn the_runs_start_is_now_and_its_day_is_known() {
        // the test run started 2024-03-02T10:00:00Z
        let r = run(r#"
from datetime import datetime, date, timedelta
import datetime as dt
today = datetime.now().strftime("%Y/%m/%d")
yesterday = (date.today() - timedelta(days=1)).strftime("%Y%m%d")
iso = dt.date.today().isoformat()
stamp = datetime.now().strftime("%Y%m%d%H%M%S")
hour_ago = (datetime.utcnow() - timedelta(hours=1)).strftime("%Y-%m-%d")
fixed = datetime(2023, 12, 31, 23, 0, 0) + timedelta(hours=2)
fixed_s = fixed.strftime("%Y-%m-%d %H:%M")
parsed = datetime.strptime("2024-06-03", "%Y-%m-%d").strftime("%d.%m.%Y")
year = datetime.now().year
in_f = f"dt={date.today():%Y-%m-%d}"
"#);
        assert_eq!(r.text("today").as_deref(), Some("2024/03/02"));
        assert_eq!(r.text("yesterday").as_deref(), Some("20240301"));
        assert_eq!(r.text("iso").as_deref(), Some("2024-03-02"));
        assert!(r.is_unknown("stamp"), "the time of day of now is not known");
        assert!(
            r.is_unknown("hour_ago"),
            "an hour off an unknown time moves the day"
        );
        assert_eq!(r.text("fixed_s").as_deref(), Some("2024-01-01 01:00"));
        assert_eq!(r.text("parsed").as_deref(), Some("03.06.2024"));
        assert_eq!(r.value("year"), crate::value::Value::Int(2024));
        assert_eq!(r.text("in_f").as_deref(), Some("dt=2024-03-02"));
    }
}
