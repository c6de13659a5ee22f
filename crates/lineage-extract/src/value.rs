//! The abstract values of the small interpreter: partially known strings (literal pieces and
//! holes, with the provenance of every piece: job/run argument, Glue connection, extra object),
//! numbers, booleans, lists, dicts, functions, modules and the API objects (Glue context, Spark
//! session, reader/writer builders, sinks, boto3 clients) whose method calls the rules recognise.

use std::cell::RefCell;
use std::rc::Rc;

/// Where a string piece came from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Source {
    /// A job/run argument (`--key`).
    Arg(String),
    /// A Glue connection's property.
    Conn(String),
    /// An extra S3 object (`s3://bucket/key`) and the 1-based line of the value in it.
    Extra(String, u32),
    /// A log event (its id) whose line showed the value, through one of the script's own
    /// print or log templates.
    Log(String),
}

/// One piece of a partially known string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Seg {
    Lit(String),
    /// A value that could not be resolved, described by its expression.
    Hole(String),
}

/// A partially known string with provenance.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PStr {
    pub segs: Vec<Seg>,
    pub prov: Vec<Source>,
}

/// The marker a hole renders as inside [`PStr::render`].
pub(crate) const HOLE: char = '\u{1}';

impl PStr {
    pub(crate) fn lit(s: impl Into<String>) -> Self {
        Self {
            segs: vec![Seg::Lit(s.into())],
            prov: Vec::new(),
        }
    }
    pub(crate) fn with_source(mut self, s: Source) -> Self {
        if !self.prov.contains(&s) {
            self.prov.push(s);
        }
        self
    }
    pub(crate) fn hole(desc: impl Into<String>) -> Self {
        Self {
            segs: vec![Seg::Hole(desc.into())],
            prov: Vec::new(),
        }
    }
    /// The text when no piece is unknown.
    pub(crate) fn known(&self) -> Option<String> {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit(t) => out.push_str(t),
                Seg::Hole(_) => return None,
            }
        }
        Some(out)
    }
    pub(crate) fn is_known(&self) -> bool {
        self.segs.iter().all(|s| matches!(s, Seg::Lit(_)))
    }
    /// The text with each hole rendered as [`HOLE`].
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit(t) => out.push_str(t),
                Seg::Hole(_) => out.push(HOLE),
            }
        }
        out
    }
    /// The text with each hole shown as `{expr}`.
    pub(crate) fn describe(&self) -> String {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit(t) => out.push_str(t),
                Seg::Hole(d) => {
                    out.push('{');
                    out.push_str(d);
                    out.push('}');
                }
            }
        }
        out
    }
    pub(crate) fn push_str(&mut self, other: &PStr) {
        for s in &other.segs {
            match (self.segs.last_mut(), s) {
                (Some(Seg::Lit(a)), Seg::Lit(b)) => a.push_str(b),
                _ => self.segs.push(s.clone()),
            }
        }
        for p in &other.prov {
            if !self.prov.contains(p) {
                self.prov.push(p.clone());
            }
        }
    }
    pub(crate) fn concat(&self, other: &PStr) -> PStr {
        let mut out = self.clone();
        out.push_str(other);
        out
    }
    pub(crate) fn add_prov(&mut self, prov: &[Source]) {
        for p in prov {
            if !self.prov.contains(p) {
                self.prov.push(p.clone());
            }
        }
    }
}

/// Which way a reader/writer builder goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BuilderKind {
    Read,
    ReadStream,
    Write,
    WriteStream,
    /// `df.writeTo(table)` (DataFrameWriterV2).
    WriteTo,
}

/// `spark.read...` / `df.write...` accumulated settings.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Builder {
    pub kind: BuilderKind,
    pub format: Option<Value>,
    pub options: Vec<(String, Value)>,
    pub mode: Option<Value>,
    /// The table of `writeTo(table)`.
    pub table: Option<Value>,
    /// What a writer's frame carries (column lineage, [`crate::rules::frames`]).
    pub frame: Option<Rc<crate::rules::frames::FrameLineage>>,
}

impl Builder {
    pub(crate) fn option(&self, key: &str) -> Option<&Value> {
        self.options
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }
}

/// A Glue sink (`getSink`, `getSinkWithFormat`, `getCatalogSink`) configured step by step.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SinkState {
    pub connection_type: Option<Value>,
    pub options: Vec<(String, Value)>,
    pub catalog: Option<(Value, Value)>,
    pub catalog_id: Option<Value>,
    pub rule: &'static str,
    pub line: u32,
    pub detail: String,
}

/// A boto3 client or service resource.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Boto3Client {
    pub service: String,
    /// `region_name=`, when given.
    pub region: Option<Value>,
}

/// What `get_object` (or a resource object's `get()`) returned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct S3Body {
    /// The bucket and key values of the object read.
    pub object: (Value, Value),
    /// `(uri, text)` of the object when it was gathered.
    pub fetched: Option<(String, String)>,
}

/// A boto3 resource object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Handle {
    /// `dynamodb.Table(name)`; `batch` for its `batch_writer()`.
    DynamoTable {
        table: Value,
        region: Option<Value>,
        batch: bool,
    },
    /// `s3.Bucket(name)`.
    S3Bucket(Value),
    /// `s3.Object(bucket, key)` / `bucket.Object(key)`.
    S3Object(Value, Value),
}

/// Where a database connection sends its SQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DbTarget {
    /// A database by JDBC URL (possibly partly known); `database` overrides the URL's.
    Jdbc { url: Value, database: Option<Value> },
    /// A Snowflake account (its `sfUrl` or account identifier), database and schema.
    Snowflake {
        url: Value,
        database: Option<Value>,
        schema: Option<Value>,
    },
    /// Amazon Athena over the Glue Data Catalog, with its default database.
    Athena { database: Option<Value> },
    /// A connection whose database could not be told.
    Unknown(String),
}

/// An API object the rules know.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Obj {
    GlueContext,
    Spark,
    /// A DataFrame or DynamicFrame, with its column lineage when the interpreter can follow it
    /// (see [`crate::rules::frames`]); table lineage does not flow through frames.
    Frame(Option<Rc<crate::rules::frames::FrameLineage>>),
    /// `glueContext.create_dynamic_frame` and friends.
    GlueNs(&'static str),
    Builder(Rc<Builder>),
    Sink(Rc<RefCell<SinkState>>),
    /// `boto3.client("s3")`, `boto3.resource("dynamodb", region_name=...)`...
    Boto3(Rc<Boto3Client>),
    /// The response of `get_object` of an object (its text when the object was gathered).
    S3Response(Rc<S3Body>),
    /// A boto3 resource object naming one table, bucket or object.
    Handle(Rc<Handle>),
    /// A database connection or cursor: where the SQL it runs goes.
    Database(Rc<DbTarget>),
    /// A Delta Lake table by path or name (`DeltaTable.forPath/forName`).
    DeltaTable(Rc<Value>),
    /// A regex match: its groups by number (0 is the whole match) and by name.
    Match(Rc<MatchGroups>),
    /// A compiled regex (`re.compile(pattern, flags)`), as a pattern Rust's regex accepts.
    Regex(Rc<str>),
    /// A date or a date and time.
    DateTime(Rc<Moment>),
    /// A `timedelta`, in seconds.
    TimeDelta(i64),
    /// `urlparse(...)`.
    Url(Rc<(Value, Value)>),
    /// Anything else: method calls on it give unknown values.
    Opaque(Rc<str>),
}

/// The groups of a regex match: by number (0 is the whole match), and by name.
pub(crate) type MatchGroups = (Vec<Value>, Vec<(String, Value)>);

/// A date or time the script computes, and how much of it is known: "now" is the run's start,
/// whose day is known but whose time of day is not.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Moment {
    pub at: chrono::NaiveDateTime,
    pub exact_date: bool,
    pub exact_time: bool,
    /// A `date` (prints without a time).
    pub is_date: bool,
}

/// An instance of a class defined in the script.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Instance {
    pub class: usize,
    pub attrs: std::collections::BTreeMap<String, Value>,
}

/// An abstract value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(PStr),
    Int(i64),
    Float(f64),
    Bool(bool),
    None,
    List(Rc<Vec<Value>>),
    Dict(Rc<Vec<(Value, Value)>>),
    Unknown(Rc<str>),
    /// A user-defined function (index into the interpreter's table).
    Func(usize),
    /// A lambda (index into the interpreter's table).
    Lambda(usize),
    /// An imported module or name, fully qualified (`awswrangler.s3`, `os.path.join`).
    Module(Rc<str>),
    /// A class defined in the script (index into the interpreter's class table).
    Class(usize),
    /// An instance of a script class: its attributes, shared like Python objects.
    Instance(Rc<RefCell<Instance>>),
    Obj(Obj),
}

impl Value {
    pub(crate) fn str(s: impl Into<String>) -> Self {
        Value::Str(PStr::lit(s))
    }
    pub(crate) fn unknown(desc: impl AsRef<str>) -> Self {
        Value::Unknown(Rc::from(desc.as_ref()))
    }
    pub(crate) fn list(items: Vec<Value>) -> Self {
        Value::List(Rc::new(items))
    }
    pub(crate) fn dict(items: Vec<(Value, Value)>) -> Self {
        Value::Dict(Rc::new(items))
    }
    /// The value as a partially known string (numbers and booleans rendered as Python does).
    pub(crate) fn to_pstr(&self) -> PStr {
        match self {
            Value::Str(s) => s.clone(),
            Value::Int(i) => PStr::lit(i.to_string()),
            Value::Float(f) => PStr::lit(f.to_string()),
            Value::Bool(b) => PStr::lit(if *b { "True" } else { "False" }),
            Value::None => PStr::lit("None"),
            Value::Unknown(d) => PStr::hole(d.to_string()),
            Value::Module(m) => PStr::hole(m.to_string()),
            Value::Obj(Obj::DateTime(m)) => match crate::python::dates_display(m) {
                Some(t) => PStr::lit(t),
                None => PStr::hole("<datetime>"),
            },
            _ => PStr::hole("<object>"),
        }
    }
    pub(crate) fn as_known_str(&self) -> Option<String> {
        match self {
            Value::Str(s) => s.known(),
            _ => None,
        }
    }
    /// Python truthiness, when decidable.
    pub(crate) fn truthy(&self) -> Option<bool> {
        match self {
            Value::Str(s) => match s.known() {
                Some(t) => Some(!t.is_empty()),
                None => {
                    if s.segs
                        .iter()
                        .any(|x| matches!(x, Seg::Lit(t) if !t.is_empty()))
                    {
                        Some(true)
                    } else {
                        None
                    }
                }
            },
            Value::Int(i) => Some(*i != 0),
            Value::Float(f) => Some(*f != 0.0),
            Value::Bool(b) => Some(*b),
            Value::None => Some(false),
            Value::List(l) => Some(!l.is_empty()),
            Value::Dict(d) => Some(!d.is_empty()),
            Value::Func(_) | Value::Lambda(_) | Value::Class(_) | Value::Instance(_) => Some(true),
            _ => None,
        }
    }
    /// Dict lookup by a known key.
    pub(crate) fn get_key(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(items) => items
                .iter()
                .rev()
                .find(|(k, _)| k.as_known_str().as_deref() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    /// Items of a list (a string value is treated as a one-item list).
    pub(crate) fn items(&self) -> Option<Vec<Value>> {
        match self {
            Value::List(l) => Some(l.as_ref().clone()),
            Value::Dict(d) => Some(d.iter().map(|(k, _)| k.clone()).collect()),
            Value::Str(s) => s
                .known()
                .map(|t| t.chars().map(|c| Value::str(c.to_string())).collect()),
            _ => None,
        }
    }
    /// Provenance of every string reachable in the value.
    pub(crate) fn provenance(&self, out: &mut Vec<Source>) {
        match self {
            Value::Str(s) => {
                for p in &s.prov {
                    if !out.contains(p) {
                        out.push(p.clone());
                    }
                }
            }
            Value::List(l) => l.iter().for_each(|v| v.provenance(out)),
            Value::Dict(d) => d.iter().for_each(|(_, v)| v.provenance(out)),
            _ => {}
        }
    }
}

/// Structural equality of two values when decidable (`in`, `==`).
/// Python's `in` over list items or dict keys: true on the first known equal element, unknown
/// if any comparison is unknown and none is equal, else false.
pub(crate) fn member_of<'v>(a: &Value, items: impl Iterator<Item = &'v Value>) -> Option<bool> {
    let mut res = Some(false);
    for it in items {
        match values_equal(a, it) {
            Some(true) => return Some(true),
            Some(false) => {}
            None => res = None,
        }
    }
    res
}

pub(crate) fn values_equal(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => match (x.known(), y.known()) {
            (Some(x), Some(y)) => Some(x == y),
            _ => None,
        },
        (Value::Int(x), Value::Int(y)) => Some(x == y),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::None, Value::None) => Some(true),
        (Value::None, Value::Str(_) | Value::Int(_) | Value::Bool(_))
        | (Value::Str(_) | Value::Int(_) | Value::Bool(_), Value::None) => Some(false),
        (Value::Str(x), Value::Int(_) | Value::Bool(_)) if x.is_known() => Some(false),
        (Value::Int(_) | Value::Bool(_), Value::Str(y)) if y.is_known() => Some(false),
        _ => None,
    }
}
