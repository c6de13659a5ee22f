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
mod expressions;
mod literals;
mod statements;
mod stdlib;

use crate::emit::Env;
use crate::value::Value;
use lineage_domain::DiagnosticKind;
use std::collections::HashMap;
use tree_sitter::{Node, Parser, Tree};

const MAX_DEPTH: usize = 12;
/// How deeply expressions are evaluated (CPython itself refuses 200 nested parentheses); deeper
/// nesting is an unknown value, so hostile input cannot overflow the stack.
const MAX_EXPR_DEPTH: usize = 100;
const MAX_ITER: usize = 200;

/// Parses Python source.
pub fn parse(text: &str) -> Option<Tree> {
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

/// The interpreter state for one script.
#[allow(missing_debug_implementations)]
pub struct Interp<'t, 'e, 'c> {
    src: &'t str,
    pub env: &'e mut Env<'c>,
    globals: HashMap<String, Value>,
    frames: Vec<HashMap<String, Value>>,
    funcs: Vec<Node<'t>>,
    lambdas: Vec<Node<'t>>,
    /// Classes: methods (function id, whether static) and class attributes.
    classes: Vec<ClassDef>,
    depth: usize,
    /// How deep the current expression evaluation is (see [`MAX_EXPR_DEPTH`]).
    expr_depth: usize,
    /// Imported names from modules we do not know (private libraries).
    foreign: Vec<String>,
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub fn new(src: &'t str, env: &'e mut Env<'c>) -> Self {
        let mut globals = HashMap::new();
        globals.insert("__name__".to_string(), Value::str("__main__"));
        Self {
            src,
            env,
            globals,
            frames: Vec::new(),
            funcs: Vec::new(),
            lambdas: Vec::new(),
            classes: Vec::new(),
            depth: 0,
            expr_depth: 0,
            foreign: Vec::new(),
        }
    }

    /// Runs the module.
    pub fn run(&mut self, root: Node<'t>) {
        let mut c = root.walk();
        let stmts: Vec<Node> = root.named_children(&mut c).collect();
        for s in stmts {
            let top = (line_of(s), end_line_of(s));
            self.env.site.top = top;
            if let Flow::Return(_) = self.exec(s) {
                break;
            }
        }
    }

    fn text(&self, n: Node) -> &'t str {
        n.utf8_text(self.src.as_bytes()).unwrap_or("")
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        for f in self.frames.iter().rev() {
            if let Some(v) = f.get(name) {
                return Some(v.clone());
            }
        }
        self.globals.get(name).cloned()
    }

    fn assign_name(&mut self, name: &str, v: Value) {
        match self.frames.last_mut() {
            Some(f) => {
                f.insert(name.to_string(), v);
            }
            None => {
                self.globals.insert(name.to_string(), v);
            }
        }
    }

    fn set_site(&mut self, n: Node<'t>) {
        let text = self.text(n);
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut t: String = one_line.chars().take(200).collect();
        if one_line.chars().count() > 200 {
            t.push('…');
        }
        self.env.site.line = line_of(n);
        self.env.site.text = t;
    }
}

fn line_of(n: Node) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

fn end_line_of(n: Node) -> u32 {
    u32::try_from(n.end_position().row + 1).unwrap_or(u32::MAX)
}

/// Runs a Python script's tree in the environment.
pub fn run(text: &str, env: &mut Env) -> bool {
    let Some(tree) = parse(text) else {
        return false;
    };
    let root = tree.root_node();
    if root.has_error() {
        env.diagnostic(
            DiagnosticKind::ParseError,
            "",
            "the script has syntax errors; analysis continued on what parsed".into(),
        );
    }
    let mut it = Interp::new(text, env);
    it.run(root);
    true
}

/// Support for the unit tests of the interpreter's parts: runs a script and exposes its globals
/// and findings.
#[cfg(test)]
mod testing {
    use super::{parse, Interp};
    use crate::emit::{Env, Findings};
    use crate::testutil;
    use crate::value::Value;
    use lineage_domain::ScriptLanguage;
    use std::collections::HashMap;

    /// The outcome of running a script: its module-level names and what it found.
    pub(crate) struct Run {
        globals: HashMap<String, Value>,
        pub(crate) found: Findings,
    }

    impl Run {
        /// The value of a module-level name (`Value::None` when it was never bound).
        pub(crate) fn value(&self, name: &str) -> Value {
            self.globals.get(name).cloned().unwrap_or(Value::None)
        }
        /// The known text of a module-level string.
        pub(crate) fn text(&self, name: &str) -> Option<String> {
            self.value(name).as_known_str()
        }
        /// A module-level string with its unknown pieces shown as `{expression}`.
        pub(crate) fn described(&self, name: &str) -> String {
            self.value(name).to_pstr().describe()
        }
        /// The known texts of a module-level list.
        pub(crate) fn texts(&self, name: &str) -> Vec<String> {
            match self.value(name) {
                Value::List(l) => l
                    .iter()
                    .map(|v| v.as_known_str().unwrap_or_else(|| format!("{v:?}")))
                    .collect(),
                v => panic!("{name} is not a list: {v:?}"),
            }
        }
        /// The I/O findings as `in|out dataset` lines, in execution order.
        pub(crate) fn ios(&self) -> Vec<String> {
            testutil::ios(&self.found)
        }
    }

    /// Runs a Python script whose job has the default arguments `args`.
    pub(crate) fn run_with(script: &str, args: &[(&str, &str)]) -> Run {
        let ctx = testutil::context(ScriptLanguage::Python, script, args);
        let mut env = Env::new(&ctx);
        let tree = parse(script).expect("parse");
        assert!(!tree.root_node().has_error(), "syntax error in test script");
        let globals = {
            let mut it = Interp::new(script, &mut env);
            it.run(tree.root_node());
            it.globals.clone()
        };
        Run {
            globals,
            found: env.found,
        }
    }

    /// Runs a Python script without arguments.
    pub(crate) fn run(script: &str) -> Run {
        run_with(script, &[])
    }
}
