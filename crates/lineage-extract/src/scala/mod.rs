//! The Scala interpreter: runs a Glue Scala job (`object GlueApp { def main(...) }`)
//! abstractly over its tree-sitter syntax tree with the same values and API dispatch as the
//! Python interpreter: `GlueArgParser.getResolvedOptions` + `args("key")` and hand-parsed
//! `main(args)` arrays (`--key value` pairs of the run's arguments), object-level and local
//! `val`/`var` (and their reassignment), string literals and interpolation, `Map`/`Seq`/`Option`
//! values and their methods, `JsonOptions(...)`, helper methods with named and default
//! arguments, `if`/`match` on decided values, `for` comprehensions, lambdas over collections,
//! and lambdas handed to APIs (`foreachBatch { (df, id) => ... }`), which run.
//!
//! This file holds the interpreter state ([`Interp`]), the entry point and statements;
//! [`expressions`], [`calls`], [`collections`], [`strings`] and [`sdk`] hold the rest.

mod calls;
mod collections;
mod expressions;
mod sdk;
mod strings;

use crate::emit::Env;
use crate::interp::{self, DepthGuard, Evaluate, Scopes, MAX_EXPR_DEPTH};
use crate::value::{PStr, Source, Value};
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

/// How deeply calls of helper methods and lambdas nest.
const MAX_CALL_DEPTH: usize = 10;

/// How many characters of an expression an unknown value quotes (a deeply nested expression
/// must not be copied whole at every level).
const DESCRIPTION_CHARS: usize = 120;

/// The interpreter state for one script.
struct Interp<'t, 'e, 'c> {
    src: &'t str,
    env: &'e mut Env<'c>,
    scopes: Scopes,
    /// Methods by name (every `def` of every object and class).
    funcs: HashMap<String, Node<'t>>,
    /// How deeply helper methods and lambdas are being called (see [`MAX_CALL_DEPTH`]).
    calls: DepthGuard,
    /// How deeply the current expression or block is being evaluated.
    expr_depth: DepthGuard,
    /// Lambdas and `{ case ... }` blocks met as values ([`Value::Lambda`] indexes this).
    lambdas: Vec<Node<'t>>,
    /// How many nodes were evaluated (the work done, for the linearity tests).
    visits: usize,
}

/// The grammar's field ids and node kinds.
static FIELDS: std::sync::LazyLock<crate::fields::Fields> =
    std::sync::LazyLock::new(|| crate::fields::Fields::of(&tree_sitter_scala::LANGUAGE.into()));

/// The child of `n` in field `name`.
pub(crate) fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    FIELDS.child(n, name)
}

/// The kind of `n`.
pub(crate) fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    FIELDS.kind(*n.borrow())
}

/// Parses Scala source (once per extraction: its interpretations share the tree).
pub(crate) fn parse(text: &str) -> Option<Tree> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_scala::LANGUAGE.into()).ok()?;
    p.parse(text, None)
}

/// Runs a Scala script in the environment.
pub(crate) fn run(text: &str, tree: &Tree, env: &mut Env) {
    let mut it = Interp::new(text, env);
    it.run(tree.root_node());
}

/// The bodies of every object and class (nested ones too, down to [`MAX_EXPR_DEPTH`] levels).
fn collect_templates<'t>(n: Node<'t>, out: &mut Vec<Node<'t>>, depth: usize) {
    if depth >= MAX_EXPR_DEPTH {
        return;
    }
    let mut c = n.walk();
    for k in n.named_children(&mut c) {
        match kind(k) {
            "object_definition" | "class_definition" | "trait_definition" => {
                if let Some(b) = field(k, "body") {
                    out.push(b);
                    collect_templates(b, out, depth + 1);
                }
            }
            "package_clause" | "package_object" => collect_templates(k, out, depth + 1),
            _ => {}
        }
    }
}

/// What Glue hands a Scala job's `main`: `--key value` pairs of the run's arguments (run
/// arguments over the job's defaults, plus the job name and run id Glue adds).
fn main_arguments(env: &Env) -> Value {
    let mut args = env.ctx.effective_arguments();
    args.entry("--JOB_NAME".into())
        .or_insert_with(|| env.ctx.job.name.clone());
    args.entry("--JOB_RUN_ID".into())
        .or_insert_with(|| env.ctx.run.id.clone());
    let mut items = Vec::new();
    for (k, v) in args {
        items.push(Value::str(k.clone()));
        items.push(Value::Str(PStr::lit(v).with_source(Source::Arg(k))));
    }
    Value::list(items)
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    fn new(src: &'t str, env: &'e mut Env<'c>) -> Self {
        Self {
            src,
            env,
            scopes: Scopes::default(),
            funcs: HashMap::new(),
            calls: DepthGuard::new(MAX_CALL_DEPTH),
            expr_depth: DepthGuard::new(MAX_EXPR_DEPTH),
            lambdas: Vec::new(),
            visits: 0,
        }
    }

    /// The text of a node as an unknown value describes it (cut at [`DESCRIPTION_CHARS`]).
    fn short(&self, n: Node) -> String {
        let t = self.text(n);
        match t.char_indices().nth(DESCRIPTION_CHARS) {
            Some((i, _)) => format!("{}…", &t[..i]),
            None => t.to_string(),
        }
    }

    /// Collects every method definition, runs object-level statements, then `main`.
    fn run(&mut self, root: Node<'t>) {
        let mut bodies = Vec::new();
        collect_templates(root, &mut bodies, 0);
        for b in &bodies {
            let mut c = b.walk();
            for k in b.named_children(&mut c) {
                if kind(k) == "function_definition" {
                    if let Some(n) = field(k, "name") {
                        self.funcs.insert(self.text(n).to_string(), k);
                    }
                }
            }
        }
        for b in &bodies {
            let mut c = b.walk();
            let kids: Vec<Node> = b.named_children(&mut c).collect();
            for k in kids {
                if kind(k) != "function_definition"
                    && kind(k) != "object_definition"
                    && kind(k) != "class_definition"
                {
                    interp::set_top(self.env, k);
                    self.stmt(k);
                }
            }
        }
        if let Some(main) = self.funcs.get("main").copied() {
            if let Some(body) = field(main, "body") {
                let param = field(main, "parameters")
                    .and_then(|ps| ps.named_child(0))
                    .and_then(|p| field(p, "name"))
                    .map(|n| self.text(n).to_string())
                    .unwrap_or_else(|| "args".into());
                let args = main_arguments(self.env);
                self.scopes.push(HashMap::from([(param, args)]));
                if kind(body) == "block" {
                    let mut c = body.walk();
                    let kids: Vec<Node> = body.named_children(&mut c).collect();
                    for k in kids {
                        interp::set_top(self.env, k);
                        self.stmt(k);
                    }
                } else {
                    self.eval(body);
                }
            }
        }
    }

    /// Records the call being executed (its text cut without a mark).
    fn set_site(&mut self, n: Node) {
        // the site quotes at most 200 characters: a deeply nested call is not copied whole
        let t = self.text(n);
        let cut = t.char_indices().nth(2000).map_or(t.len(), |(i, _)| i);
        interp::set_site(self.env, n, &t[..cut], false);
    }

    fn stmt(&mut self, n: Node<'t>) -> Value {
        match kind(n) {
            "val_definition" | "var_definition" => {
                let v = field(n, "value")
                    .map(|x| self.eval(x))
                    .unwrap_or(Value::None);
                if let Some(p) = field(n, "pattern") {
                    self.bind_pattern(p, &v);
                }
                Value::None
            }
            "function_definition" => {
                if let Some(nm) = field(n, "name") {
                    let name = self.text(nm).to_string();
                    self.funcs.insert(name, n);
                }
                Value::None
            }
            "import_declaration" | "comment" | "block_comment" => Value::None,
            _ => self.eval(n),
        }
    }
}

/// Support for the unit tests of the interpreter's parts: runs a script.
#[cfg(test)]
mod testing {
    use super::{parse, Interp};
    use crate::emit::Env;
    use crate::testutil::{self, Run};
    use lineage_domain::ScriptLanguage;

    /// Runs a Scala script whose job has the default arguments `args`; the variables left are
    /// the object-level ones and those of `main`.
    pub(crate) fn run_with(script: &str, args: &[(&str, &str)]) -> Run {
        let ctx = testutil::context(ScriptLanguage::Scala, script, args);
        run_in(script, &ctx)
    }

    /// Runs a Scala script in a run context of the caller's.
    pub(crate) fn run_in(script: &str, ctx: &lineage_domain::RunContext) -> Run {
        let mut env = Env::new(ctx);
        let tree = parse(script).expect("parse");
        assert!(!tree.root_node().has_error(), "syntax error in test script");
        let scopes = {
            let mut it = Interp::new(script, &mut env);
            it.run(tree.root_node());
            std::mem::take(&mut it.scopes)
        };
        Run {
            scopes,
            found: env.found,
        }
    }

    /// Runs a Scala script without arguments.
    pub(crate) fn run(script: &str) -> Run {
        run_with(script, &[])
    }
}

#[cfg(test)]
mod tests {
    use super::{parse, Interp};
    use crate::emit::Env;
    use crate::testutil;
    use lineage_domain::ScriptLanguage;
    use tree_sitter::{Parser, Point};

    #[test]
    fn nested_for_loops_past_the_step_budget_are_read_once() {
        let script = r#"
object Job {
  def main(args: Array[String]): Unit = {
    for (a <- 0 until 200) {
      for (b <- 0 until 200) {
        for (c <- 0 until 200) {
          spark.read.parquet(s"s3://in/$a/$b/$c")
        }
      }
    }
    spark.read.parquet("s3://after/the/loops")
  }
}
"#;
        let r = super::testing::run(script);
        let ios = r.ios();
        assert!(ios.len() <= crate::interp::MAX_STEPS + 10, "{}", ios.len());
        assert!(
            ios.iter().any(|d| d.contains("s3://after/the/loops")),
            "{ios:?}"
        );
    }

    /// The work of extracting a script: bytes the parser's lexer read (through an input that
    /// hands out 64 bytes at a time, so every rescan of a line counts) and nodes evaluated.
    fn work(script: &str) -> (usize, usize) {
        let mut p = Parser::new();
        p.set_language(&tree_sitter_scala::LANGUAGE.into())
            .expect("language");
        let bytes = script.as_bytes();
        let mut read = 0usize;
        let tree = p
            .parse_with_options(
                &mut |at: usize, _: Point| {
                    let chunk = bytes.get(at..(at + 64).min(bytes.len())).unwrap_or(&[]);
                    read += chunk.len();
                    chunk
                },
                None,
                None,
            )
            .expect("parse");
        let ctx = testutil::context(ScriptLanguage::Scala, script, &[]);
        let mut env = Env::new(&ctx);
        let mut it = Interp::new(script, &mut env);
        it.run(tree.root_node());
        (read, it.visits)
    }

    fn nested(shape: &str, n: usize) -> String {
        let e = match shape {
            "blocks" => format!(
                "{}spark.read.parquet(\"s3://b/x/\"){}",
                "{ ".repeat(n),
                " }".repeat(n)
            ),
            "calls" => format!("{}\"s3://b/x/\"{}", "f(".repeat(n), ")".repeat(n)),
            "parentheses" => format!("{}\"s3://b/x/\"{}", "(".repeat(n), ")".repeat(n)),
            "collections" => format!("{}1{}", "Seq(".repeat(n), ")".repeat(n)),
            "ifs" => format!("{}\"s3://b/x/\"", "if (true) ".repeat(n)),
            "lambdas" => format!("{}1", "x => ".repeat(n)),
            "methods" => format!("\"s3://b/x/\"{}", ".trim".repeat(n)),
            "concatenation" => format!("\"s3://b/\"{}", " + \"x\"".repeat(n)),
            _ => unreachable!(),
        };
        format!("object App {{ def main(a: Array[String]): Unit = {{ val p = {e} }} }}\n")
    }

    #[test]
    fn extraction_work_is_linear_in_nesting_depth() {
        for shape in [
            "blocks",
            "calls",
            "parentheses",
            "collections",
            "ifs",
            "lambdas",
            "methods",
            "concatenation",
        ] {
            let (small, large) = (nested(shape, 1_000), nested(shape, 8_000));
            let (read_s, visits_s) = work(&small);
            let (read_l, visits_l) = work(&large);
            // eight times the input: at most eight times the work (plus slack), never 64 times
            assert!(
                read_l <= 10 * read_s,
                "{shape}: the parser read {read_s} bytes at depth 1,000, {read_l} at 8,000"
            );
            assert!(
                read_l <= 8 * large.len(),
                "{shape}: the parser read {read_l} bytes of a {}-byte script",
                large.len()
            );
            assert!(
                visits_l <= 10 * visits_s.max(1),
                "{shape}: {visits_s} nodes evaluated at depth 1,000, {visits_l} at 8,000"
            );
        }
    }

    #[test]
    fn a_long_flat_line_is_parsed_in_linear_work() {
        let line = |n: usize| {
            format!(
                "object App {{ def main(a: Array[String]): Unit = {{ {} }} }}\n",
                "val x = 1; ".repeat(n)
            )
        };
        let (read_s, _) = work(&line(1_000));
        let (read_l, _) = work(&line(8_000));
        assert!(read_l <= 10 * read_s, "read {read_s} then {read_l} bytes");
        assert!(parse(&line(10)).is_some());
    }
}
