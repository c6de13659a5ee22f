//! Classes defined in the script: methods (static or not) and class attributes, instances
//! made by calling the class (running `__init__`), and attribute reads on every kind of value.

use super::{field, kind};
use super::{ClassDef, Interp};
use crate::api;
use crate::builtins::Args;
use crate::interp::Evaluate;
use crate::value::{Instance, Obj, Value};
use std::cell::RefCell;
use std::rc::Rc;
use tree_sitter::Node;

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    pub(super) fn define_class(&mut self, n: Node<'t>) {
        let Some(name) = field(n, "name") else {
            return;
        };
        let name = self.text(name).to_string();
        let mut def = ClassDef::default();
        if let Some(body) = field(n, "body") {
            let mut c = body.walk();
            let kids: Vec<Node> = body.named_children(&mut c).collect();
            for k in kids {
                let (f, is_static) = match kind(k) {
                    "function_definition" => (Some(k), false),
                    "decorated_definition" => {
                        let st = self.text(k).trim_start().starts_with("@staticmethod");
                        (field(k, "definition"), st)
                    }
                    "expression_statement" => {
                        if let Some(a) = k.named_child(0).filter(|a| kind(a) == "assignment") {
                            if let (Some(l), Some(r)) = (field(a, "left"), field(a, "right")) {
                                let v = self.eval(r);
                                def.attrs.insert(self.text(l).to_string(), v);
                            }
                        }
                        (None, false)
                    }
                    _ => (None, false),
                };
                if let Some(f) = f.filter(|f| kind(f) == "function_definition") {
                    if let Some(fname) = field(f, "name") {
                        let id = self.define_func(f);
                        def.methods
                            .insert(self.text(fname).to_string(), (id, is_static));
                    }
                }
            }
        }
        let id = self.classes.len();
        self.classes.push(def);
        self.scopes.assign(&name, Value::Class(id));
    }

    pub(super) fn instantiate(&mut self, class: usize, args: Args) -> Value {
        let attrs = self
            .classes
            .get(class)
            .map(|c| c.attrs.clone())
            .unwrap_or_default();
        let inst = Value::Instance(Rc::new(RefCell::new(Instance { class, attrs })));
        let init = self
            .classes
            .get(class)
            .and_then(|c| c.methods.get("__init__"))
            .copied();
        if let Some((id, _)) = init {
            let mut args = args;
            args.pos.insert(0, inst.clone());
            self.invoke(id, args);
        }
        inst
    }

    /// `sys.argv` as Glue passes it: the script, then each effective argument's `--key` and
    /// value (so `"--x" in sys.argv` and hand-written parsing see what the run had).
    fn argv(&self) -> Value {
        let mut items = vec![Value::str("script.py")];
        for (k, v) in self.env.ctx.effective_arguments() {
            items.push(Value::str(k.clone()));
            items.push(Value::Str(
                crate::value::PStr::lit(v).with_source(crate::value::Source::Arg(k)),
            ));
        }
        Value::list(items)
    }

    pub(super) fn get_attr(&mut self, o: &Value, name: &str, n: Node<'t>) -> Value {
        match o {
            Value::Instance(inst) => {
                let v = inst.borrow().attrs.get(name).cloned();
                match v {
                    Some(v) => v,
                    None => {
                        let class = inst.borrow().class;
                        match self.classes.get(class).and_then(|c| c.attrs.get(name)) {
                            Some(v) => v.clone(),
                            None => Value::unknown(self.text(n)),
                        }
                    }
                }
            }
            Value::Class(c) => self
                .classes
                .get(*c)
                .and_then(|c| c.attrs.get(name))
                .cloned()
                .unwrap_or_else(|| Value::unknown(self.text(n))),
            Value::Module(m) if m.as_ref() == "sys" && name == "argv" => self.argv(),
            Value::Module(m) => {
                let m = m.clone();
                self.module_attr(&m, name)
                    .unwrap_or_else(|| Value::Module(Rc::from(format!("{m}.{name}"))))
            }
            Value::Obj(Obj::DateTime(m)) => {
                super::dates::moment_attr(m, name).unwrap_or_else(|| Value::unknown(self.text(n)))
            }
            Value::Obj(Obj::Url(parts)) => match name {
                "netloc" | "hostname" => parts.0.clone(),
                "path" => parts.1.clone(),
                _ => Value::unknown(self.text(n)),
            },
            Value::Obj(obj) => api::attr(obj, name).unwrap_or_else(|| Value::unknown(self.text(n))),
            _ => api::attr_on_unknown(name).unwrap_or_else(|| Value::unknown(self.text(n))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::run;
    use crate::value::Value;

    #[test]
    fn class_attributes_and_instance_fallback() {
        let r = run(r#"
class Config:
    ROOT = "s3://root"
    ZONES = ["raw", "curated"]
a = Config.ROOT
b = Config.ZONES[-1]
c = Config().ROOT
d = Config.MISSING
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://root"));
        assert_eq!(r.text("b").as_deref(), Some("curated"));
        assert_eq!(r.text("c").as_deref(), Some("s3://root"));
        assert!(r.is_unknown("d"));
    }

    #[test]
    fn init_sets_self_attributes_and_methods_see_them() {
        let r = run(r#"
class Job:
    def __init__(self, bucket, zone="raw"):
        self.root = "s3://" + bucket
        self.zone = zone
    def path(self, table):
        return self.root + "/" + self.zone + "/" + table + "/"
    def load(self, table):
        return spark.read.parquet(self.path(table))
job = Job("lake")
a = job.root
b = job.path("orders")
job.load("customers")
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://lake"));
        assert_eq!(r.text("b").as_deref(), Some("s3://lake/raw/orders/"));
        assert_eq!(r.ios(), ["in s3://lake/raw/customers"]);
    }

    #[test]
    fn static_methods_through_the_class_and_an_instance() {
        let r = run(r#"
class Paths:
    @staticmethod
    def table(name):
        return "s3://static/" + name
a = Paths.table("x")
b = Paths().table("y")
"#);
        assert_eq!(r.text("a").as_deref(), Some("s3://static/x"));
        assert_eq!(r.text("b").as_deref(), Some("s3://static/y"));
    }

    #[test]
    fn instances_are_shared_and_attributes_can_hold_functions() {
        let r = run(r#"
class Box:
    pass
def make(x):
    return "made-" + x
first = Box()
second = first
second.label = "set-through-alias"
first.factory = make
a = first.label
b = first.factory("z")
c = first.unset
"#);
        assert_eq!(r.text("a").as_deref(), Some("set-through-alias"));
        assert_eq!(r.text("b").as_deref(), Some("made-z"));
        assert!(r.is_unknown("c"));
        assert!(matches!(r.value("first"), Value::Instance(_)));
    }

    #[test]
    fn attributes_of_modules_urls_and_api_objects() {
        let r = run(r#"
import os
from urllib.parse import urlparse
from awsglue.context import GlueContext
m = os.path
u = urlparse("s3://bkt/some/key")
host = u.netloc
key = u.path
spark = GlueContext(sc).spark_session
spark.read.parquet("s3://api/attr/")
"#);
        assert_eq!(r.value("m"), Value::Module("os.path".into()));
        assert_eq!(r.text("host").as_deref(), Some("bkt"));
        assert_eq!(r.text("key").as_deref(), Some("/some/key"));
        assert_eq!(r.ios(), ["in s3://api/attr"]);
    }
}
