//! Scaffolding shared by the Python and Scala interpreters: scoped variables, depth guards
//! (expression nesting, calls of user functions), the loop iteration cap, the step budget of
//! a whole interpretation, the depth-guarded
//! `eval` over a syntax tree, and line and call-site helpers.

use crate::emit::Env;
use crate::value::Value;
use std::collections::{HashMap, HashSet};
use tree_sitter::Node;

/// How deeply expressions (and Scala blocks) are evaluated (CPython itself refuses 200 nested
/// parentheses); deeper nesting is an unknown value, so hostile input cannot overflow the stack.
pub(crate) const MAX_EXPR_DEPTH: usize = 100;

/// How many items a loop or comprehension visits (and how long a `range` is).
pub(crate) const MAX_ITER: usize = 200;

/// How many loop iterations and user-function calls one interpretation makes in all before
/// it reads the rest of the script in one pass (see [`StepBudget`]).
pub(crate) const MAX_STEPS: usize = 20_000;

/// How many characters of a call's text a call site quotes.
const SITE_CHARS: usize = 200;

/// Variables: the global scope and a stack of frames (calls, comprehensions, blocks). A name
/// is looked up from the innermost frame out; assignment binds in the innermost frame (the
/// global scope when there is none, or when the frame declared the name `global`); changing
/// a container in place ([`Scopes::update`]) changes it where it is bound.
#[derive(Debug, Default, Clone)]
pub(crate) struct Scopes {
    globals: HashMap<String, Value>,
    frames: Vec<HashMap<String, Value>>,
    /// Per frame, the names it declared `global`.
    declared_global: Vec<HashSet<String>>,
}

impl Scopes {
    /// The value a name is bound to, innermost first.
    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        self.frames
            .iter()
            .rev()
            .find_map(|f| f.get(name))
            .or_else(|| self.globals.get(name))
            .cloned()
    }

    /// Binds a name in the innermost frame (in the global scope if the frame declared it
    /// `global`).
    pub(crate) fn assign(&mut self, name: &str, v: Value) {
        if self
            .declared_global
            .last()
            .is_some_and(|g| g.contains(name))
        {
            self.globals.insert(name.to_string(), v);
            return;
        }
        self.frames
            .last_mut()
            .unwrap_or(&mut self.globals)
            .insert(name.to_string(), v);
    }

    /// Rebinds a name where it is bound, innermost first (a container changed in place: the
    /// change is seen wherever the name is); binds it in the innermost frame when unbound.
    pub(crate) fn update(&mut self, name: &str, v: Value) {
        if self
            .declared_global
            .last()
            .is_some_and(|g| g.contains(name))
        {
            self.globals.insert(name.to_string(), v);
            return;
        }
        if let Some(frame) = self.frames.iter_mut().rev().find(|f| f.contains_key(name)) {
            frame.insert(name.to_string(), v);
        } else if self.globals.contains_key(name) {
            self.globals.insert(name.to_string(), v);
        } else {
            self.assign(name, v);
        }
    }

    /// The innermost frame declares `name` global: its assignments bind the global.
    pub(crate) fn declare_global(&mut self, name: &str) {
        if let Some(g) = self.declared_global.last_mut() {
            g.insert(name.to_string());
            if let Some(f) = self.frames.last_mut() {
                f.remove(name);
            }
        }
    }

    /// The state after one of two ways whose other way left `other`: a variable the two ways
    /// left different is unknown (named by the variable); collections keep what either way
    /// put in them.
    pub(crate) fn join(&mut self, other: Scopes) {
        join_vars(&mut self.globals, other.globals);
        for (mine, theirs) in self.frames.iter_mut().zip(other.frames) {
            join_vars(mine, theirs);
        }
    }

    /// Enters a frame holding `vars`.
    pub(crate) fn push(&mut self, vars: HashMap<String, Value>) {
        self.frames.push(vars);
        self.declared_global.push(HashSet::new());
    }

    /// Leaves the innermost frame.
    pub(crate) fn pop(&mut self) {
        self.frames.pop();
        self.declared_global.pop();
    }

    /// Leaves the innermost frame, giving back what it bound.
    pub(crate) fn pop_frame(&mut self) -> Option<HashMap<String, Value>> {
        self.declared_global.pop();
        self.frames.pop()
    }
}

fn join_vars(mine: &mut HashMap<String, Value>, theirs: HashMap<String, Value>) {
    for (name, theirs) in theirs {
        let joined = match mine.remove(&name) {
            Some(m) => join_values(&name, m, theirs),
            None => theirs,
        };
        mine.insert(name, joined);
    }
}

/// One value for a variable two ways of a program left as `a` and `b`.
pub(crate) fn join_values(name: &str, a: Value, b: Value) -> Value {
    if a == b {
        return a;
    }
    match (a, b) {
        (Value::Dict(x), Value::Dict(y)) => {
            let mut items = x.as_ref().clone();
            for (k, v) in y.iter() {
                if !items.iter().any(|(k2, _)| k2 == k) {
                    items.push((k.clone(), v.clone()));
                }
            }
            Value::dict(items)
        }
        (Value::List(x), Value::List(y)) => {
            let mut items = x.as_ref().clone();
            for v in y.iter() {
                if !items.contains(v) {
                    items.push(v.clone());
                }
            }
            Value::list(items)
        }
        _ => Value::unknown(name),
    }
}

/// The work left to one interpretation. Every loop iteration after a loop's first and every
/// call of a user function spends a step. Once the budget is spent, each loop runs its body
/// once and each user function is entered at most once more, so the rest of the script is
/// read in time linear in its size: nested loops over large ranges cannot multiply the work
/// (or the datasets) without bound.
#[derive(Debug)]
pub(crate) struct StepBudget {
    left: usize,
    /// The functions (by definition node) entered since the budget was spent.
    entered_after: HashSet<usize>,
}

impl Default for StepBudget {
    fn default() -> Self {
        Self::new(MAX_STEPS)
    }
}

impl StepBudget {
    pub(crate) fn new(steps: usize) -> Self {
        Self {
            left: steps,
            entered_after: HashSet::new(),
        }
    }

    /// Whether a loop may run one more iteration (its `index`-th, from 0): the first always
    /// may; later ones spend a step.
    pub(crate) fn next_iteration(&mut self, index: usize) -> bool {
        index == 0 || self.spend()
    }

    /// Whether the user function defined at `definition` (a node id) may be entered: it spends
    /// a step; once none are left, each function is entered once more at most.
    pub(crate) fn enter_function(&mut self, definition: usize) -> bool {
        self.spend() || self.entered_after.insert(definition)
    }

    /// Whether the budget ran out.
    pub(crate) fn is_spent(&self) -> bool {
        self.left == 0
    }

    fn spend(&mut self) -> bool {
        if self.left == 0 {
            return false;
        }
        self.left -= 1;
        true
    }
}

/// A nesting level with a limit (expression evaluation, calls of user functions).
#[derive(Debug)]
pub(crate) struct DepthGuard {
    depth: usize,
    limit: usize,
}

impl DepthGuard {
    pub(crate) const fn new(limit: usize) -> Self {
        Self { depth: 0, limit }
    }

    /// Whether the limit is reached: no deeper level may be entered.
    pub(crate) fn is_full(&self) -> bool {
        self.depth >= self.limit
    }

    /// Goes one level deeper (after checking [`DepthGuard::is_full`]).
    pub(crate) fn enter(&mut self) {
        self.depth += 1;
    }

    /// Comes back one level.
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// What both interpreters are: an evaluator of the syntax tree of a source text. The
/// depth-guarded [`Evaluate::eval`] is written here once; each interpreter provides its
/// [`Evaluate::eval_node`].
pub(crate) trait Evaluate<'t> {
    /// The source text the tree was parsed from.
    fn source(&self) -> &'t str;

    /// The guard of expression nesting (limit [`MAX_EXPR_DEPTH`]).
    fn expr_depth(&mut self) -> &mut DepthGuard;

    /// Evaluates one node by its kind (called through [`Evaluate::eval`] only).
    fn eval_node(&mut self, n: Node<'t>) -> Value;

    /// The one value the run's log lines showed for an unknown expression, if any.
    fn bound(&self, expression: &str) -> Option<Value>;

    /// The source text of a node.
    fn text(&self, n: Node) -> &'t str {
        // a slice of the source, which is UTF-8 already (no validation per node); a range off
        // a character boundary (never, from the parser) is empty
        self.source().get(n.byte_range()).unwrap_or("")
    }

    /// Evaluates an expression; nested deeper than the guard allows, it is an unknown value.
    /// Grouping parentheses are looked through first, in a loop: `((("s3://b/k")))` is the
    /// string whatever the depth, and costs no nesting level.
    fn eval(&mut self, n: Node<'t>) -> Value {
        let n = without_grouping(n);
        if self.expr_depth().is_full() {
            return Value::unknown(self.text(n));
        }
        self.expr_depth().enter();
        let v = self.eval_node(n);
        self.expr_depth().leave();
        // an unknown whose one value the logs showed becomes that value
        let expression = match &v {
            Value::Unknown(d) => Some(d.to_string()),
            Value::Str(p) => match p.segs.as_slice() {
                [crate::value::Seg::Hole(d)] => Some(d.clone()),
                _ => None,
            },
            _ => None,
        };
        expression.and_then(|d| self.bound(&d)).unwrap_or(v)
    }
}

/// The expression inside grouping parentheses, however many (a `parenthesized_expression`
/// holding one expression besides comments, in both grammars); any other node as it is. The
/// interpreters see no `parenthesized_expression` through [`Evaluate::eval`]: both grammars
/// give it exactly one expression.
pub(crate) fn without_grouping(mut n: Node<'_>) -> Node<'_> {
    while n.kind() == "parenthesized_expression" {
        let mut c = n.walk();
        let mut inner = n.named_children(&mut c).filter(|k| k.kind() != "comment");
        match (inner.next(), inner.next()) {
            (Some(only), None) => n = only,
            _ => break,
        }
    }
    n
}

/// The 1-based line a node starts on.
pub(crate) fn line_of(n: Node) -> u32 {
    u32::try_from(n.start_position().row + 1).unwrap_or(u32::MAX)
}

/// The 1-based line a node ends on.
fn end_line_of(n: Node) -> u32 {
    u32::try_from(n.end_position().row + 1).unwrap_or(u32::MAX)
}

/// Whether one of `alternatives` matches (`case a | b`): `Some(true)` at the first that does,
/// `Some(false)` when none can, undecided (`None`) otherwise.
pub(crate) fn any_matches<T>(
    alternatives: impl IntoIterator<Item = T>,
    matches: impl FnMut(T) -> Option<bool>,
) -> Option<bool> {
    settle(alternatives, matches, true)
}

/// Whether every part matches (`case (a, b)`): `Some(false)` at the first that cannot,
/// `Some(true)` when all do, undecided (`None`) otherwise.
pub(crate) fn all_match<T>(
    parts: impl IntoIterator<Item = T>,
    matches: impl FnMut(T) -> Option<bool>,
) -> Option<bool> {
    settle(parts, matches, false)
}

/// `decisive` at the first item whose match is `decisive`; else undecided when one item was,
/// and the other answer when none was.
fn settle<T>(
    items: impl IntoIterator<Item = T>,
    mut matches: impl FnMut(T) -> Option<bool>,
    decisive: bool,
) -> Option<bool> {
    let mut result = Some(!decisive);
    for item in items {
        match matches(item) {
            Some(m) if m == decisive => return Some(decisive),
            None => result = None,
            Some(_) => {}
        }
    }
    result
}

/// Records the top-level statement being executed (its line range locates failed runs).
pub(crate) fn set_top(env: &mut Env, n: Node) {
    env.site.top = (line_of(n), end_line_of(n));
}

/// Records the call being executed: its line and its text on one line, cut at
/// [`SITE_CHARS`] characters (`mark_cut` appends `…` to a cut text).
pub(crate) fn set_site(env: &mut Env, n: Node, text: &str, mark_cut: bool) {
    env.site.line = line_of(n);
    env.site.text = site_text(text, mark_cut);
}

/// `text` on one line (its words joined by single spaces), cut at [`SITE_CHARS`] characters;
/// read no further than the cut, since a call's text can be the whole of a long chain.
fn site_text(text: &str, mark_cut: bool) -> String {
    let cut = |mut t: String| {
        if mark_cut {
            t.push('…');
        }
        t
    };
    let mut t = String::with_capacity(text.len().min(SITE_CHARS + 4));
    let mut chars = 0;
    for word in text.split_whitespace() {
        if chars > 0 {
            if chars == SITE_CHARS {
                return cut(t);
            }
            t.push(' ');
            chars += 1;
        }
        let n = if word.is_ascii() {
            word.len()
        } else {
            word.chars().count()
        };
        if chars + n > SITE_CHARS {
            t.extend(word.chars().take(SITE_CHARS - chars));
            return cut(t);
        }
        t.push_str(word);
        chars += n;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_is_its_text_on_one_line_cut_at_its_length() {
        assert_eq!(
            site_text("spark.read\n    .parquet( p )", true),
            "spark.read .parquet( p )"
        );
        let exact = "x".repeat(SITE_CHARS);
        assert_eq!(
            site_text(&exact, true),
            exact,
            "not cut at exactly the length"
        );
        let long = format!("{}\n\n  tail", "y".repeat(SITE_CHARS - 1));
        let cut = site_text(&long, true);
        assert_eq!(cut.chars().count(), SITE_CHARS + 1);
        assert!(cut.ends_with(" …"), "{cut}");
        assert!(!site_text(&long, false).ends_with('…'));
        // characters, not bytes
        let wide = "ü".repeat(SITE_CHARS + 1);
        assert_eq!(
            site_text(&wide, true),
            format!("{}…", "ü".repeat(SITE_CHARS))
        );
        assert_eq!(
            site_text(&"ü".repeat(SITE_CHARS), true),
            "ü".repeat(SITE_CHARS)
        );
    }

    #[test]
    fn scopes_look_up_innermost_first_and_bind_innermost() {
        let mut s = Scopes::default();
        s.assign("a", Value::Int(1));
        s.push(HashMap::from([("a".to_string(), Value::Int(2))]));
        assert_eq!(s.lookup("a"), Some(Value::Int(2)));
        s.assign("b", Value::Int(3));
        s.update("a", Value::Int(4));
        assert_eq!(s.lookup("a"), Some(Value::Int(4)));
        s.pop();
        s.update("a", Value::Int(5));
        assert_eq!(s.lookup("a"), Some(Value::Int(5)));
        assert_eq!(s.lookup("b"), None);
    }

    #[test]
    fn step_budget_runs_each_loop_once_when_spent() {
        let mut b = StepBudget::new(3);
        assert!(b.next_iteration(0) && b.next_iteration(1) && b.next_iteration(2));
        assert!(b.enter_function(7), "the third step is the last");
        assert!(b.is_spent());
        assert!(b.next_iteration(0), "a loop's first iteration always runs");
        assert!(!b.next_iteration(1), "no second iteration once spent");
        assert!(b.enter_function(8), "a function once more after the budget");
        assert!(!b.enter_function(8), "but not twice");
        assert!(b.enter_function(9));
    }

    #[test]
    fn depth_guard_fills_at_its_limit() {
        let mut d = DepthGuard::new(2);
        d.enter();
        assert!(!d.is_full());
        d.enter();
        assert!(d.is_full());
        d.leave();
        assert!(!d.is_full());
    }
}
