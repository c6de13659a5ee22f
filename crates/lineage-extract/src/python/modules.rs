//! Modules shipped with the job (`--extra-py-files`): imported by name, their top level runs
//! once in a namespace of its own, and their functions run like the script's, over their own
//! source text with their module's names in scope. Where each function and lambda was defined
//! (its [`Home`]) is recorded so a call switches to the right text and namespace.

use super::{Home, Interp};
use crate::builtins::Args;
use crate::value::Value;
use std::collections::HashMap;
use std::rc::Rc;
use tree_sitter::Node;

/// A shipped module: its import name, text, tree, and its namespace once loaded.
pub(super) struct UserModule<'t> {
    name: &'t str,
    text: &'t str,
    root: Node<'t>,
    state: Load,
}

enum Load {
    NotLoaded,
    /// Its top level is running (an import cycle sees what is defined so far: nothing).
    Loading,
    Loaded(HashMap<String, Value>),
}

impl<'t> UserModule<'t> {
    pub(super) fn new(name: &'t str, text: &'t str, root: Node<'t>) -> Self {
        Self {
            name,
            text,
            root,
            state: Load::NotLoaded,
        }
    }
}

/// What entering a function's home changed, to undo on leaving.
pub(super) struct Saved<'t> {
    src: &'t str,
    module: Option<usize>,
    pushed: bool,
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// Records a function defined here (the text being run, the module it is in).
    pub(super) fn define_func(&mut self, n: Node<'t>) -> usize {
        self.funcs.push(n);
        self.func_homes.push(self.here());
        self.funcs.len() - 1
    }

    /// Records a lambda defined here.
    pub(super) fn define_lambda(&mut self, n: Node<'t>) -> usize {
        self.lambdas.push(n);
        self.lambda_homes.push(self.here());
        self.lambdas.len() - 1
    }

    fn here(&self) -> Home<'t> {
        Home {
            src: self.src,
            module: self.current_module,
        }
    }

    /// Runs what follows over the text of a function's home, with its module's names in
    /// scope (under the function's own frame).
    pub(super) fn enter_home(&mut self, home: Option<Home<'t>>) -> Saved<'t> {
        let saved = Saved {
            src: self.src,
            module: self.current_module,
            pushed: false,
        };
        let Some(home) = home else {
            return saved;
        };
        self.src = home.src;
        let mut pushed = false;
        if let Some(m) = home.module.filter(|m| Some(*m) != self.current_module) {
            let ns = match self.modules.get(m).map(|u| &u.state) {
                Some(Load::Loaded(ns)) => ns.clone(),
                _ => HashMap::new(),
            };
            self.scopes.push(ns);
            pushed = true;
        }
        self.current_module = home.module;
        Saved { pushed, ..saved }
    }

    pub(super) fn leave_home(&mut self, saved: Saved<'t>) {
        if saved.pushed {
            self.scopes.pop();
        }
        self.src = saved.src;
        self.current_module = saved.module;
    }

    /// The shipped module of an import name (a relative one from inside a module's package).
    pub(super) fn user_module(&self, name: &str) -> Option<usize> {
        let bare = name.trim_start_matches('.');
        if let Some(i) = self.modules.iter().position(|m| m.name == bare) {
            return Some(i);
        }
        if name.starts_with('.') {
            let package = self
                .current_module
                .and_then(|m| self.modules.get(m))
                .and_then(|m| m.name.rsplit_once('.').map(|(p, _)| p))?;
            let full = format!("{package}.{bare}");
            return self.modules.iter().position(|m| m.name == full);
        }
        None
    }

    /// A shipped module's namespace: its top level runs the first time.
    pub(super) fn load_module(&mut self, i: usize) -> HashMap<String, Value> {
        let Some(m) = self.modules.get_mut(i) else {
            return HashMap::new();
        };
        match &m.state {
            Load::Loaded(ns) => return ns.clone(),
            Load::Loading => return HashMap::new(),
            Load::NotLoaded => m.state = Load::Loading,
        }
        let (text, root) = (m.text, m.root);
        let saved = Saved {
            src: self.src,
            module: self.current_module,
            pushed: false,
        };
        self.src = text;
        self.current_module = Some(i);
        self.scopes.push(HashMap::new());
        let mut c = root.walk();
        let stmts: Vec<Node> = root.named_children(&mut c).collect();
        for s in stmts {
            self.exec(s);
        }
        let ns = self.scopes.pop_frame().unwrap_or_default();
        self.leave_home(saved);
        if let Some(m) = self.modules.get_mut(i) {
            m.state = Load::Loaded(ns.clone());
        }
        ns
    }

    /// `module.name` of a shipped module: a name it defines, or a submodule.
    pub(super) fn module_attr(&mut self, module: &str, name: &str) -> Option<Value> {
        let i = self.user_module(module)?;
        let ns = self.load_module(i);
        if let Some(v) = ns.get(name) {
            return Some(v.clone());
        }
        let sub = format!("{module}.{name}");
        if self.user_module(&sub).is_some() {
            return Some(Value::Module(Rc::from(sub.as_str())));
        }
        Some(Value::unknown(format!("{module}.{name}")))
    }

    /// A call of `module.f(...)` (or `pkg.module.f`, `module.Class.method`) where the module
    /// is shipped with the job.
    pub(super) fn call_user_module(
        &mut self,
        q: &str,
        args: Args,
        n: Node<'t>,
    ) -> Result<Value, Args> {
        let parts: Vec<&str> = q.split('.').collect();
        for cut in (1..parts.len()).rev() {
            let module = parts[..cut].join(".");
            if self.user_module(&module).is_none() {
                continue;
            }
            let Some(mut v) = self.module_attr(&module, parts[cut]) else {
                return Err(args);
            };
            for name in &parts[cut + 1..] {
                v = self.get_attr(&v, name, n);
            }
            return Ok(self.call_value(v, args, n));
        }
        Err(args)
    }

    /// `import m` / `import m as a` / `from m import x`: a shipped module loads.
    pub(super) fn import_user_module(&mut self, name: &str) -> Option<HashMap<String, Value>> {
        let i = self.user_module(name)?;
        Some(self.load_module(i))
    }
}

#[cfg(test)]
mod tests {
    use crate::testutil;
    use lineage_domain::{ScriptLanguage, SourceModule};

    fn run_with_modules(script: &str, modules: &[(&str, &str)]) -> Vec<String> {
        let mut ctx = testutil::context(ScriptLanguage::Python, script, &[("bucket", "lake")]);
        ctx.modules = modules
            .iter()
            .map(|(name, text)| SourceModule {
                name: (*name).into(),
                uri: format!("s3://libs/{name}.py"),
                text: (*text).into(),
            })
            .collect();
        let mut env = crate::emit::Env::new(&ctx);
        let parsed = super::super::parse_run(script, &ctx).expect("parse");
        super::super::run(script, &parsed, &mut env);
        testutil::ios(&env.found)
    }

    #[test]
    fn functions_of_shipped_modules_run_with_their_own_names() {
        let ios = run_with_modules(
            r#"
import sys
from awsglue.utils import getResolvedOptions
import etl_helpers as h
from pkg.io import write_table
args = getResolvedOptions(sys.argv, ["bucket"])
df = h.read_orders(spark, args["bucket"])
write_table(df, "daily")
h.Paths.archive(df)
"#,
            &[
                (
                    "etl_helpers",
                    r#"
PREFIX = "raw/orders/"
def read_orders(spark, bucket):
    return spark.read.parquet("s3://" + bucket + "/" + PREFIX)
class Paths:
    @staticmethod
    def archive(df):
        df.write.parquet("s3://archive/orders/")
"#,
                ),
                (
                    "pkg.io",
                    r#"
from .names import out_path
def write_table(df, name):
    df.write.mode("overwrite").parquet(out_path(name))
"#,
                ),
                (
                    "pkg.names",
                    "def out_path(name):\n    return 's3://mart/' + name + '/'\n",
                ),
            ],
        );
        assert_eq!(
            ios,
            [
                "in s3://lake/raw/orders",
                "out s3://mart/daily",
                "out s3://archive/orders"
            ]
        );
    }

    #[test]
    fn module_top_level_runs_once_and_cycles_end() {
        let ios = run_with_modules(
            "import a\nimport a\nimport b\n",
            &[
                ("a", "import b\nspark.read.csv('s3://x/a/')\n"),
                ("b", "import a\nspark.read.csv('s3://x/b/')\n"),
            ],
        );
        assert_eq!(ios, ["in s3://x/b", "in s3://x/a"]);
    }
}
