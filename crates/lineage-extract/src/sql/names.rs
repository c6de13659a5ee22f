//! Table-name normalisation: lower case, identifier quotes removed, qualified only as far as
//! the SQL qualifies it; `IDENTIFIER('x')` / `IDENTIFIER(x)` resolved when literal; the `USE`
//! context applied to unqualified names of later statements; lists of names without repeats.

use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, ObjectName, ObjectNamePart, TableFactor, Value,
};

/// The normalised name of an object, or `None` when it is not statically known
/// (`IDENTIFIER($var)`, `IDENTIFIER(:x || '.' || :y)`, placeholders).
pub(crate) fn object_name(name: &ObjectName) -> Option<String> {
    if let Some(path) = file_table(name) {
        return Some(path);
    }
    let mut parts = Vec::with_capacity(name.0.len());
    for part in &name.0 {
        match part {
            ObjectNamePart::Identifier(ident) => parts.push(ident.value.clone()),
            ObjectNamePart::Function(f) => {
                if !f.name.value.eq_ignore_ascii_case("identifier") || f.args.len() != 1 {
                    return None;
                }
                parts.push(arg_name(&f.args[0])?);
            }
        }
    }
    let joined = parts.join(".");
    let joined = joined.trim();
    if joined.is_empty() || joined.starts_with('$') || joined.starts_with(':') {
        return None;
    }
    Some(joined.to_lowercase())
}

/// Spark's file-based tables (`` parquet.`s3://b/p` ``, `` delta.`/data/x` ``): the path, as
/// written.
fn file_table(name: &ObjectName) -> Option<String> {
    const FORMATS: &[&str] = &[
        "delta",
        "parquet",
        "csv",
        "json",
        "orc",
        "text",
        "avro",
        "binaryfile",
        "iceberg",
    ];
    let [ObjectNamePart::Identifier(format), ObjectNamePart::Identifier(path)] = &name.0[..] else {
        return None;
    };
    (FORMATS.contains(&format.value.to_ascii_lowercase().as_str())
        && path.quote_style.is_some()
        && (path.value.contains('/') || path.value.contains("://")))
    .then(|| path.value.clone())
}

/// The name given by a literal argument of `IDENTIFIER(...)`.
pub(crate) fn arg_name(arg: &FunctionArg) -> Option<String> {
    let FunctionArg::Unnamed(FunctionArgExpr::Expr(expr)) = arg else {
        return None;
    };
    expr_name(expr)
}

/// A table name written as an expression: `x`, `a.b`, `'a.b'`.
pub(crate) fn expr_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(i) if i.quote_style.is_some() || !i.value.starts_with(['$', ':', '@']) => {
            Some(i.value.to_lowercase())
        }
        Expr::CompoundIdentifier(v) => Some(
            v.iter()
                .map(|i| i.value.to_lowercase())
                .collect::<Vec<_>>()
                .join("."),
        ),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) if !s.is_empty() => {
                Some(s.to_lowercase())
            }
            _ => None,
        },
        Expr::Nested(e) => expr_name(e),
        _ => None,
    }
}

/// Table hints written like arguments (`tbl (NOLOCK)`, T-SQL's deprecated form).
fn is_table_hint(arg: &FunctionArg) -> bool {
    const HINTS: &[&str] = &[
        "nolock",
        "readuncommitted",
        "readcommitted",
        "repeatableread",
        "serializable",
        "holdlock",
        "updlock",
        "rowlock",
        "tablock",
        "tablockx",
        "paglock",
        "xlock",
        "nowait",
        "readpast",
    ];
    matches!(arg, FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Identifier(i)))
        if HINTS.contains(&i.value.to_ascii_lowercase().as_str()))
}

/// The table a `FROM` item names, if it is a plain table (not a table function).
pub(crate) fn table_factor_name(tf: &TableFactor) -> Option<String> {
    let TableFactor::Table { name, args, .. } = tf else {
        return None;
    };
    match args {
        None => object_name(name),
        Some(a) => {
            let single = name.0.len() == 1;
            let fname = object_name(name)?;
            if single && fname == "identifier" && a.args.len() == 1 {
                arg_name(&a.args[0])
            } else if !a.args.is_empty() && a.args.iter().all(is_table_hint) {
                Some(fname)
            } else {
                None
            }
        }
    }
}

/// The alias of a `FROM` item, lower case.
pub(crate) fn table_factor_alias(tf: &TableFactor) -> Option<String> {
    match tf {
        TableFactor::Table { alias, .. } | TableFactor::Derived { alias, .. } => {
            alias.as_ref().map(|a| a.name.value.to_lowercase())
        }
        _ => None,
    }
}

/// True for names that are locations (URLs, stages, paths), never qualified by `USE`.
pub(crate) fn is_location(name: &str) -> bool {
    name.contains("://") || name.starts_with('@') || name.starts_with('/')
}

/// The default database/schema set by `USE` statements of a script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UseContext {
    pub database: Option<String>,
    pub schema: Option<String>,
}

impl UseContext {
    /// `USE a.b` sets both; `USE a` sets the database and keeps the schema.
    pub(crate) fn use_object(&mut self, name: &str) {
        match name.split_once('.') {
            Some((db, schema)) => {
                self.database = Some(db.to_string());
                self.schema = Some(schema.to_string());
            }
            None => self.database = Some(name.to_string()),
        }
    }

    pub(crate) fn use_schema(&mut self, name: &str) {
        match name.split_once('.') {
            Some(_) => self.use_object(name),
            None => self.schema = Some(name.to_string()),
        }
    }

    pub(crate) fn use_database(&mut self, name: &str) {
        self.database = Some(name.to_string());
    }

    pub(crate) fn is_set(&self) -> bool {
        self.database.is_some() || self.schema.is_some()
    }

    /// Prefixes an unqualified (or schema-qualified) name with the context.
    pub(crate) fn qualify(&self, name: &str) -> String {
        if is_location(name) {
            return name.to_string();
        }
        let depth = name.split('.').count();
        let mut parts: Vec<&str> = Vec::new();
        match depth {
            1 => {
                if let Some(d) = &self.database {
                    parts.push(d);
                }
                if let Some(s) = &self.schema {
                    parts.push(s);
                }
            }
            2 => {
                if let Some(d) = &self.database {
                    parts.push(d);
                }
            }
            _ => {}
        }
        parts.push(name);
        parts.join(".")
    }
}

/// Appends a name unless the list has it already.
pub(crate) fn push_unique(v: &mut Vec<String>, s: String) {
    if !v.contains(&s) {
        v.push(s);
    }
}

/// The written name of a plain object name, for statements that name tables directly.
pub(crate) fn object_names(list: &[ObjectName]) -> Vec<String> {
    let mut out = Vec::new();
    for n in list {
        if let Some(s) = object_name(n) {
            push_unique(&mut out, s);
        }
    }
    out
}
