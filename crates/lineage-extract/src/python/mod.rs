//! The Python interpreter: runs a PySpark / Python-shell script abstractly over its
//! tree-sitter syntax tree, statement by statement (flow-sensitive), resolving string values
//! (arguments, literals, f-strings, `+`, `%`, `.format`, helper functions, loops over known
//! lists, dicts, JSON configs from extra objects) and handing API calls to [`crate::api`].
//! Dead code is skipped: branches whose condition is decided, functions never called.
//!
//! This file holds the interpreter state ([`Interp`]), parsing and the entry point; the
//! interpreter's methods are split by concern: [`statements`], [`expressions`], [`calls`],
//! [`classes`] and [`stdlib`] (built-in names and standard-library modules).

mod calls;
mod classes;
mod dates;
mod expressions;
mod literals;
mod matching;
mod modules;
mod regex;
mod statements;
mod stdlib;

use crate::emit::Env;
use crate::interp::{self, DepthGuard, Scopes, MAX_EXPR_DEPTH};
use crate::value::Value;
use lineage_domain::DiagnosticKind;
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

/// How deeply calls of user functions and lambdas nest.
const MAX_CALL_DEPTH: usize = 12;

/// Python's `str()` of a date or time, when known.
pub(crate) fn dates_display(m: &crate::value::Moment) -> Option<String> {
    dates::display(m)
}

/// `moment ± timedelta`.
pub(crate) fn dates_shift(
    m: &crate::value::Moment,
    seconds: i64,
    sign: i64,
) -> Option<crate::value::Moment> {
    dates::shift(m, seconds, sign)
}

/// `format(moment, spec)` of an f-string (`{d:%Y-%m-%d}`).
pub(crate) fn dates_format(m: &crate::value::Moment, spec: &str) -> Option<String> {
    dates::strftime(m, spec)
}

/// The grammar's field ids and node kinds.
static FIELDS: std::sync::LazyLock<crate::fields::Fields> =
    std::sync::LazyLock::new(|| crate::fields::Fields::of(&tree_sitter_python::LANGUAGE.into()));

/// The child of `n` in field `name`.
pub(crate) fn field<'t>(n: Node<'t>, name: &str) -> Option<Node<'t>> {
    FIELDS.child(n, name)
}

/// The kind of `n`.
pub(crate) fn kind<'t>(n: impl std::borrow::Borrow<Node<'t>>) -> &'static str {
    FIELDS.kind(*n.borrow())
}

/// Parses Python source.
pub(crate) fn parse(text: &str) -> Option<Tree> {
    let mut p = Parser::new();
    p.set_language(&tree_sitter_python::LANGUAGE.into()).ok()?;
    p.parse(text, None)
}

/// A class defined in the script.
#[derive(Default)]
struct ClassDef {
    /// Methods by name: function id and whether the method is static.
    methods: HashMap<String, (usize, bool)>,
    /// Class attributes (assignments in the class body).
    attrs: std::collections::BTreeMap<String, Value>,
}

/// How a statement ended: control flow that the enclosing block, loop or call handles.
enum Flow {
    Normal,
    Continue,
    Break,
    Return(Value),
}

/// Where a function or lambda was defined: the source text its nodes point into, and the
/// shipped module it belongs to (`None`: the script).
#[derive(Clone, Copy)]
struct Home<'t> {
    src: &'t str,
    module: Option<usize>,
}

/// The interpreter state for one script.
pub(crate) struct Interp<'t, 'e, 'c> {
    /// The source text being run (the script's, or a shipped module's while its code runs).
    src: &'t str,
    env: &'e mut Env<'c>,
    scopes: Scopes,
    funcs: Vec<Node<'t>>,
    func_homes: Vec<Home<'t>>,
    lambdas: Vec<Node<'t>>,
    lambda_homes: Vec<Home<'t>>,
    /// The Python modules shipped with the job, importable by name.
    modules: Vec<modules::UserModule<'t>>,
    /// The shipped module whose code is running (`None`: the script's).
    current_module: Option<usize>,
    /// Classes: methods (function id, whether static) and class attributes.
    classes: Vec<ClassDef>,
    /// How deeply user functions are being called (see [`MAX_CALL_DEPTH`]).
    calls: DepthGuard,
    /// How deeply the current expression is being evaluated.
    expr_depth: DepthGuard,
    /// Imported names from modules we do not know (private libraries).
    foreign: Vec<String>,
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(crate) fn new(src: &'t str, env: &'e mut Env<'c>) -> Self {
        let mut scopes = Scopes::default();
        scopes.assign("__name__", Value::str("__main__"));
        Self {
            src,
            env,
            scopes,
            funcs: Vec::new(),
            func_homes: Vec::new(),
            lambdas: Vec::new(),
            lambda_homes: Vec::new(),
            modules: Vec::new(),
            current_module: None,
            classes: Vec::new(),
            calls: DepthGuard::new(MAX_CALL_DEPTH),
            expr_depth: DepthGuard::new(MAX_EXPR_DEPTH),
            foreign: Vec::new(),
        }
    }

    /// Runs the module.
    pub(crate) fn run(&mut self, root: Node<'t>) {
        let mut c = root.walk();
        let stmts: Vec<Node> = root.named_children(&mut c).collect();
        for s in stmts {
            interp::set_top(self.env, s);
            if let Flow::Return(_) = self.exec(s) {
                break;
            }
        }
    }
}

/// A Python script's syntax tree and those of the modules shipped with the job, parsed once
/// per extraction and shared by its interpretations.
pub(crate) struct Parsed {
    tree: Tree,
    modules: Vec<(usize, Tree)>,
}

/// Parses a Python script and the run's modules; `None` when the parser gives up.
pub(crate) fn parse_run(text: &str, ctx: &lineage_domain::RunContext) -> Option<Parsed> {
    let tree = parse(text)?;
    let modules = ctx
        .modules
        .iter()
        .enumerate()
        .filter_map(|(i, m)| parse(&m.text).map(|t| (i, t)))
        .collect();
    Some(Parsed { tree, modules })
}

/// Runs a parsed Python script in the environment (with the modules shipped with the job
/// importable).
pub(crate) fn run(text: &str, parsed: &Parsed, env: &mut Env) {
    let root = parsed.tree.root_node();
    if root.has_error() {
        env.diagnostic(
            DiagnosticKind::ParseError,
            "",
            "the script has syntax errors; analysis continued on what parsed".into(),
        );
    }
    let ctx = env.ctx;
    let mut it = Interp::new(text, env);
    it.modules = parsed
        .modules
        .iter()
        .filter_map(|(i, tree)| {
            let m = ctx.modules.get(*i)?;
            Some(modules::UserModule::new(&m.name, &m.text, tree.root_node()))
        })
        .collect();
    it.run(root);
}

/// Support for the unit tests of the interpreter's parts: runs a script.
#[cfg(test)]
mod testing {
    use super::{parse, Interp};
    use crate::emit::Env;
    use crate::testutil::{self, Run};
    use lineage_domain::ScriptLanguage;

    /// Runs a Python script whose job has the default arguments `args`.
    pub(crate) fn run_with(script: &str, args: &[(&str, &str)]) -> Run {
        let ctx = testutil::context(ScriptLanguage::Python, script, args);
        let mut env = Env::new(&ctx);
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

    /// Runs a Python script without arguments.
    pub(crate) fn run(script: &str) -> Run {
        run_with(script, &[])
    }
}

/// The step budget (see [`crate::interp::StepBudget`]) on scripts that would run for ever.
#[cfg(test)]
mod budget_tests {
    use super::testing::run;

    #[test]
    fn nested_loops_past_the_step_budget_are_read_once_and_reported() {
        use crate::interp::MAX_STEPS;
        use lineage_domain::DiagnosticKind;
        let r = run(r#"
for a in range(200):
    for b in range(200):
        for c in range(200):
            spark.read.parquet(f"s3://in/{a}/{b}/{c}")
spark.read.parquet("s3://after/the/loops")
"#);
        let ios = r.ios();
        // 8,000,000 iterations are asked for; the budget allows about MAX_STEPS of them
        assert!(ios.len() <= MAX_STEPS + 10, "{} datasets", ios.len());
        assert!(ios.len() >= MAX_STEPS / 2, "{} datasets", ios.len());
        assert!(
            ios.iter().any(|d| d.contains("s3://in/0/0/0")),
            "first iteration kept"
        );
        assert!(
            ios.iter().any(|d| d.contains("s3://after/the/loops")),
            "statements after the loops still run"
        );
        let truncated: Vec<_> = r
            .found
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::Truncated)
            .collect();
        assert_eq!(truncated.len(), 1, "reported once: {truncated:?}");
    }

    #[test]
    fn calls_fanning_out_past_the_step_budget_enter_each_function_once_more() {
        use lineage_domain::DiagnosticKind;
        // 10 calls per level, 9 levels: 10^9 calls if every call were entered
        let mut script = String::from("def f0():\n    spark.read.parquet('s3://leaf/')\n");
        for i in 1..10 {
            script.push_str(&format!("def f{i}():\n"));
            for _ in 0..10 {
                script.push_str(&format!("    f{}()\n", i - 1));
            }
        }
        script.push_str("f9()\nspark.read.parquet('s3://after/')\n");
        let r = run(&script);
        let ios = r.ios();
        assert!(ios.iter().any(|d| d.contains("s3://leaf")), "{ios:?}");
        assert!(ios.iter().any(|d| d.contains("s3://after")), "{ios:?}");
        assert!(r
            .found
            .diagnostics
            .iter()
            .any(|d| d.kind == DiagnosticKind::Truncated));
    }
}
