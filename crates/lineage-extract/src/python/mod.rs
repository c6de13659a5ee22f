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
