//! The `match` statement: its cases tried in order against the subject's value, as an
//! `if`/`elif` chain. A case whose pattern and guard match runs and ends the statement; one
//! that cannot match is passed over; one undecided (an unknown subject, a pattern we do not
//! evaluate) runs as one way of an undecided condition, the later cases as the other.
//! Patterns: literals, `_`, captures, `|` alternatives, `as`, and list and tuple patterns
//! without `*`; class, mapping, value (`Color.RED`) and star patterns are undecided.

use super::{field, kind, Flow, Interp};
use crate::interp::{all_match, any_matches, Evaluate};
use crate::value::{values_equal, Value};
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(super) fn exec_match(&mut self, n: Node<'t>) -> Flow {
        let subject = field(n, "subject")
            .map(|s| self.eval(s))
            .unwrap_or_else(|| Value::unknown(self.text(n)));
        let Some(body) = field(n, "body") else {
            return Flow::Normal;
        };
        let mut c = body.walk();
        let cases: Vec<Node<'t>> = body.children_by_field_name("alternative", &mut c).collect();
        self.exec_first_arm(&cases, &|it, case| {
            (it.case_matches(case, &subject), field(case, "consequence"))
        })
    }

    /// Whether a case's patterns and guard match `subject`, binding its captures.
    fn case_matches(&mut self, case: Node<'t>, subject: &Value) -> Option<bool> {
        let mut c = case.walk();
        let patterns: Vec<Node<'t>> = case
            .named_children(&mut c)
            .filter(|k| kind(*k) == "case_pattern")
            .collect();
        let matched = match patterns.as_slice() {
            [one] => self.pattern_matches(*one, subject),
            // `case a, b:` is a tuple pattern without its parentheses
            many => self.sequence_matches(many, subject),
        };
        if matched == Some(false) {
            return Some(false);
        }
        let Some(guard) = field(case, "guard") else {
            return matched;
        };
        let passes = guard
            .named_child(0)
            .map(|g| self.eval(g))
            .and_then(|v| v.truthy());
        match (matched, passes) {
            (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        }
    }

    fn pattern_matches(&mut self, p: Node<'t>, v: &Value) -> Option<bool> {
        match kind(p) {
            // `_` has no child
            "case_pattern" => match p.named_child(0) {
                Some(inner) => self.pattern_matches(inner, v),
                None => Some(true),
            },
            "dotted_name" => {
                if p.named_child_count() == 1 {
                    let name = self.text(p);
                    if name != "_" {
                        self.scopes.assign(name, v.clone());
                    }
                    Some(true)
                } else {
                    None
                }
            }
            "string" | "concatenated_string" | "integer" | "true" | "false" | "none" => {
                let literal = self.eval(p);
                values_equal(&literal, v)
            }
            "union_pattern" => {
                let mut c = p.walk();
                let alternatives: Vec<Node<'t>> = p.named_children(&mut c).collect();
                any_matches(alternatives, |q| self.pattern_matches(q, v))
            }
            "as_pattern" => {
                let mut c = p.walk();
                let kids: Vec<Node<'t>> = p.named_children(&mut c).collect();
                let matched = kids
                    .iter()
                    .find(|k| kind(**k) == "case_pattern")
                    .and_then(|q| self.pattern_matches(*q, v));
                if matched != Some(false) {
                    if let Some(alias) = kids.iter().rev().find(|k| kind(**k) == "identifier") {
                        self.scopes.assign(self.text(*alias), v.clone());
                    }
                }
                matched
            }
            "list_pattern" | "tuple_pattern" => {
                let mut c = p.walk();
                let parts: Vec<Node<'t>> = p.named_children(&mut c).collect();
                self.sequence_matches(&parts, v)
            }
            _ => None,
        }
    }

    /// A sequence of patterns against a list: each part against its item when the lengths
    /// agree and no part is a `*` pattern.
    fn sequence_matches(&mut self, parts: &[Node<'t>], v: &Value) -> Option<bool> {
        let starred = parts.iter().any(|q| {
            kind(*q) == "splat_pattern"
                || q.named_child(0).is_some_and(|k| kind(k) == "splat_pattern")
        });
        match v {
            Value::List(items) if !starred && items.len() != parts.len() => Some(false),
            Value::List(items) if !starred => {
                all_match(parts.iter().zip(items.iter()), |(q, item)| {
                    self.pattern_matches(*q, item)
                })
            }
            Value::Str(_) | Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::None => {
                // a str is not a sequence to `match`
                Some(false)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::python::testing::run;

    #[test]
    fn the_first_case_that_matches_runs_and_ends_the_match() {
        let r = run(r#"
env = "qa"
match env:
    case "prod":
        spark.read.csv("s3://dead/prod/")
    case "dev" | "qa" as stage:
        bucket = f"s3://{stage}-data/"
        spark.read.csv(bucket + "in/")
    case other:
        spark.read.csv("s3://dead/other/")
match (1, "x"):
    case (1, kind) if kind == "y":
        spark.read.csv("s3://dead/guard/")
    case [1, kind]:
        spark.read.csv(f"s3://{kind}/pair/")
    case _:
        spark.read.csv("s3://dead/wildcard/")
match 7:
    case 1 | 2:
        spark.read.csv("s3://dead/small/")
    case n:
        spark.read.csv(f"s3://n{n}/capture/")
"#);
        assert_eq!(
            r.ios(),
            ["in s3://qa-data/in", "in s3://x/pair", "in s3://n7/capture"]
        );
        assert_eq!(r.text("stage").as_deref(), Some("qa"));
    }

    #[test]
    fn an_undecided_case_runs_beside_the_cases_after_it() {
        let r = run(r#"
match args["mode"]:
    case "full":
        spark.read.parquet("s3://lake/full/")
    case Mode.DELTA:
        spark.read.parquet("s3://lake/delta/")
    case _:
        spark.read.parquet("s3://lake/default/")
spark.range(1).write.parquet("s3://lake/out/")
"#);
        assert_eq!(
            r.ios(),
            [
                "in s3://lake/full",
                "in s3://lake/delta",
                "in s3://lake/default",
                "out s3://lake/out"
            ]
        );
    }
}
