//! Recovery for statements sqlparser rejects: a minimal text pre-normalisation of Spark/Hive
//! isms (`${var}` placeholders, T-SQL `(NOLOCK)`), procedure bodies analysed statement by
//! statement, and, last, the statement head (`INSERT INTO t`, `CREATE TABLE t`, `CREATE TEMP
//! VIEW v`, `CACHE TABLE c`, `INSERT OVERWRITE DIRECTORY 'p'`) with its embedded query parsed
//! on its own (which skips clauses like `USING delta`, `TBLPROPERTIES`, `PARTITIONED BY`).

use std::sync::OnceLock;

use regex::Regex;

use super::dialect::Dialect;
use super::lineage::NestedSql;
use super::names::push_unique;
use super::outcome::Outcome;

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|_| never_matches()))
}

fn never_matches() -> Regex {
    // `\A\z` only matches empty text, which a statement never is here.
    Regex::new(r"\A\z").unwrap_or_else(|_| unreachable!("constant regex"))
}

/// Minimal rewrites that let sqlparser read common non-standard text; `None` if nothing to do.
pub(crate) fn prenormalise(sql: &str) -> Option<String> {
    static HINT: OnceLock<Regex> = OnceLock::new();
    static PARTITION: OnceLock<Regex> = OnceLock::new();
    let hint = re(&HINT, r"(?i)\(\s*NOLOCK\s*\)");
    let partition = re(
        &PARTITION,
        r"(?is)^(\s*INSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?[\w.`\x22\[\]]+)\s+PARTITION\s*\([^)]*\)",
    );
    let mut out = substitute_variables(sql);
    // Databricks `MERGE ... UPDATE SET *` / `INSERT *`.
    static STAR_SET: OnceLock<Regex> = OnceLock::new();
    static STAR_INSERT: OnceLock<Regex> = OnceLock::new();
    let star_set = re(&STAR_SET, r"(?i)\bUPDATE\s+SET\s+\*");
    let star_insert = re(&STAR_INSERT, r"(?i)\bTHEN\s+INSERT\s+\*");
    out = star_set
        .replace_all(&out, "UPDATE SET all_columns = all_columns")
        .into_owned();
    out = star_insert
        .replace_all(&out, "THEN INSERT (all_columns) VALUES (all_columns)")
        .into_owned();
    out = hint.replace_all(&out, "").into_owned();
    // T-SQL compound assignment `SET x += 1`.
    static COMPOUND: OnceLock<Regex> = OnceLock::new();
    let compound = re(&COMPOUND, r"([\w\]\)`\x22])\s*[+\-*/%&|^]=");
    out = compound.replace_all(&out, "$1 =").into_owned();
    out = partition.replace(&out, "$1").into_owned();
    (out != sql).then_some(out)
}

/// `${var}` / `${hiveconf:var}` placeholders become plain words (`var`, `hiveconf_var`).
pub(crate) fn substitute_variables(sql: &str) -> String {
    static VAR: OnceLock<Regex> = OnceLock::new();
    if !sql.contains("${") {
        return sql.to_string();
    }
    re(&VAR, r"\$\{([^}]*)\}")
        .replace_all(sql, |c: &regex::Captures| {
            c[1].chars()
                .map(|ch| if ch.is_alphanumeric() { ch } else { '_' })
                .collect::<String>()
        })
        .into_owned()
}

const NAME: &str = r#"((?:(?:`[^`]*`|"[^"]*"|\[[^\]]*\]|[\w$@{}:-]+)\.)*(?:`[^`]*`|"[^"]*"|\[[^\]]*\]|[\w${}:-]+))"#;

/// Strips identifier quotes and lower-cases a name taken from text.
fn clean_name(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, '`' | '"' | '[' | ']'))
        .collect::<String>()
        .to_lowercase()
}

/// What the head of a statement says it writes.
enum Head {
    Output(String),
    TempView(String),
}

fn head(sql: &str) -> Option<(Head, usize)> {
    static TEMP_VIEW: OnceLock<Regex> = OnceLock::new();
    static VIEW: OnceLock<Regex> = OnceLock::new();
    static TABLE: OnceLock<Regex> = OnceLock::new();
    static CACHE: OnceLock<Regex> = OnceLock::new();
    static INSERT: OnceLock<Regex> = OnceLock::new();
    static DIRECTORY: OnceLock<Regex> = OnceLock::new();
    let temp_view = re(
        &TEMP_VIEW,
        &format!(
            r"(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:GLOBAL\s+)?TEMP(?:ORARY)?\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?{NAME}"
        ),
    );
    let view = re(
        &VIEW,
        &format!(
            r"(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SECURE\s+|MATERIALIZED\s+)*VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?{NAME}"
        ),
    );
    let table = re(
        &TABLE,
        &format!(
            r"(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:EXTERNAL|TEMP|TEMPORARY|GLOBAL|LOCAL|TRANSIENT|VOLATILE|UNLOGGED|MULTISET)\s+)*TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?{NAME}"
        ),
    );
    let cache = re(
        &CACHE,
        &format!(r"(?is)^\s*CACHE\s+(?:LAZY\s+)?TABLE\s+{NAME}"),
    );
    let insert = re(
        &INSERT,
        &format!(r"(?is)^\s*INSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?{NAME}"),
    );
    let directory = re(
        &DIRECTORY,
        r#"(?is)^\s*INSERT\s+OVERWRITE\s+(?:LOCAL\s+)?DIRECTORY\s+['"]([^'"]*)['"]"#,
    );
    if let Some(c) = directory.captures(sql) {
        return Some((Head::Output(c[1].to_string()), c.get(0)?.end()));
    }
    if let Some(c) = temp_view.captures(sql).or_else(|| cache.captures(sql)) {
        return Some((Head::TempView(clean_name(&c[1])), c.get(0)?.end()));
    }
    for r in [view, table, insert] {
        if let Some(c) = r.captures(sql) {
            return Some((Head::Output(clean_name(&c[1])), c.get(0)?.end()));
        }
    }
    None
}

/// The `path` of a Spark data source's `OPTIONS (path '...')` / `OPTIONS ('path' = '...')`.
fn options_path(sql: &str) -> Option<String> {
    static PATH: OnceLock<Regex> = OnceLock::new();
    let path = re(
        &PATH,
        r#"(?is)\bOPTIONS\s*\((?:[^)]*?[\s,])?['"`]?path['"`]?\s*=?\s*['"]([^'"]+)['"]"#,
    );
    path.captures(sql).map(|c| c[1].to_string())
}

/// Whether the statement is a `CREATE [...] TABLE` (not a view, insert or directory).
fn is_create_table(sql: &str) -> bool {
    static CREATE_TABLE: OnceLock<Regex> = OnceLock::new();
    re(
        &CREATE_TABLE,
        r"(?is)^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:\w+\s+)*?TABLE\b",
    )
    .is_match(sql)
}

/// The embedded query after `from` (first `SELECT` or `WITH x AS (`), unbalanced closing
/// parentheses trimmed.
fn embedded_query(sql: &str, from: usize) -> Option<&str> {
    static START: OnceLock<Regex> = OnceLock::new();
    let start = re(
        &START,
        r"(?is)\b(?:SELECT|WITH\s+(?:RECURSIVE\s+)?[\w`\x22]+\s*(?:\([^)]*\)\s*)?AS\s*\()",
    );
    let rest = &sql[from..];
    let m = start.find(rest)?;
    let q = &rest[m.start()..];
    let mut depth: i64 = 0;
    let mut end = q.len();
    let mut quote: Option<char> = None;
    for (i, c) in q.char_indices() {
        match (quote, c) {
            (Some(qc), c) if c == qc => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth < 0 {
                    end = i;
                    break;
                }
            }
            _ => {}
        }
    }
    Some(&q[..end])
}

/// Procedure/function bodies and `BEGIN ... END` blocks: the text between the first
/// `BEGIN` and the last `END`.
fn block_body(sql: &str) -> Option<(&str, u32)> {
    static PROC: OnceLock<Regex> = OnceLock::new();
    static BEGIN: OnceLock<Regex> = OnceLock::new();
    static END: OnceLock<Regex> = OnceLock::new();
    let proc_ = re(
        &PROC,
        r"(?is)^\s*(?:CREATE\s+(?:OR\s+(?:REPLACE|ALTER)\s+)?(?:PROCEDURE|PROC|FUNCTION)\b|BEGIN\b|DO\b)",
    );
    if !proc_.is_match(sql) {
        return None;
    }
    let b = re(&BEGIN, r"(?i)\bBEGIN\b").find(sql)?;
    let e = re(&END, r"(?i)\bEND\b").find_iter(sql).last()?;
    if e.start() <= b.end() {
        return None;
    }
    let line_offset = sql[..b.end()].matches('\n').count() as u32;
    Some((&sql[b.end()..e.start()], line_offset))
}

/// Lineage recovered from a statement that does not parse, if any.
pub(crate) fn recover(
    sql: &str,
    dialect: Dialect,
    line: u32,
    nested: NestedSql,
) -> Option<Outcome> {
    if let Some((body, offset)) = block_body(sql) {
        let inner = nested(body, line + offset);
        if !inner.statements.is_empty() {
            let mut out = Outcome::default();
            for s in inner.statements {
                out.merge(Outcome {
                    columns: s.columns,
                    ..Outcome::read_write(s.inputs, s.outputs)
                });
            }
            return Some(out);
        }
    }
    if let Some(o) = redshift_copy(sql) {
        return Some(o);
    }
    if let Some(o) = redshift_unload(sql, line, nested) {
        return Some(o);
    }
    if let Some(o) = select_into_list(sql, dialect, line, nested) {
        return Some(o);
    }
    if let Some(o) = from_first_insert(sql, line, nested) {
        return Some(o);
    }
    let (h, end) = head(sql)?;
    let mut inputs = Vec::new();
    let query = embedded_query(sql, end);
    let defines_only = query.is_none() && is_create_table(sql);
    if let Some(q) = query {
        let inner = nested(q, line);
        for s in inner.statements {
            for i in s.inputs {
                push_unique(&mut inputs, i);
            }
        }
    }
    Some(match h {
        Head::Output(name) if defines_only => Outcome::schema(inputs, vec![name]),
        Head::Output(name) => Outcome::read_write(inputs, vec![name]),
        Head::TempView(name) => Outcome {
            inputs: {
                // Spark `CREATE TEMPORARY VIEW v USING fmt OPTIONS (path '...')`
                if let Some(p) = options_path(sql) {
                    push_unique(&mut inputs, p);
                }
                inputs
            },
            temp_view: Some(name),
            ..Outcome::default()
        },
    })
}

/// Redshift `COPY t [(cols)] FROM 'location' <options>` whose options sqlparser does not know
/// (`CREDENTIALS`, `JSON 'auto'`, `FORMAT AS ...`, `ACCEPTINVCHARS`...): the location read, the
/// table written.
fn redshift_copy(sql: &str) -> Option<Outcome> {
    static COPY: OnceLock<Regex> = OnceLock::new();
    let copy = re(
        &COPY,
        &format!(r"(?is)^\s*COPY\s+{NAME}\s*(?:\([^)]*\)\s*)?FROM\s+'([^']*)'"),
    );
    let c = copy.captures(sql)?;
    Some(Outcome::read_write(
        vec![c[2].to_string()],
        vec![clean_name(&c[1])],
    ))
}

/// Redshift `UNLOAD ('select ...') TO 'location' <options>` whose options sqlparser does not
/// know: the tables of the quoted query read (quotes inside it doubled or backslash-escaped),
/// the location written.
fn redshift_unload(sql: &str, line: u32, nested: NestedSql) -> Option<Outcome> {
    static UNLOAD: OnceLock<Regex> = OnceLock::new();
    let unload = re(
        &UNLOAD,
        r"(?is)^\s*UNLOAD\s*\(\s*'((?:[^'\\]|''|\\.)*)'\s*\)\s*TO\s+'([^']*)'",
    );
    let c = unload.captures(sql)?;
    let query = c[1].replace("''", "'").replace("\\'", "'");
    let mut inputs = Vec::new();
    for s in nested(&query, line).statements {
        for i in s.inputs {
            push_unique(&mut inputs, i);
        }
    }
    Some(Outcome::read_write(inputs, vec![c[2].to_string()]))
}

/// `SELECT a, b INTO x, y FROM ...` (several targets, which sqlparser rejects): the query
/// without its `INTO`, and the targets unless they are variables (`@x`, `:x`, MySQL).
fn select_into_list(sql: &str, dialect: Dialect, line: u32, nested: NestedSql) -> Option<Outcome> {
    static INTO: OnceLock<Regex> = OnceLock::new();
    let into = re(
        &INTO,
        &format!(r"(?is)^(\s*SELECT\b.*?)\bINTO\s+({NAME}(?:\s*,\s*{NAME})*)\s+(FROM\b.*)$"),
    );
    let caps = into.captures(sql)?;
    let rest = format!("{} {}", &caps[1], caps.get(caps.len() - 1)?.as_str());
    let inner = nested(&rest, line);
    if inner.statements.is_empty() {
        return None;
    }
    let mut out = Outcome::default();
    for s in inner.statements {
        out.merge(Outcome::read_write(s.inputs, Vec::new()));
    }
    if !dialect.select_into_is_variables() {
        for t in caps[2].split(',') {
            let t = t.trim();
            if !t.is_empty() && !t.starts_with(['@', ':', '$']) {
                push_unique(&mut out.outputs, clean_name(t));
            }
        }
    }
    Some(out)
}

/// Last resort for text no parser reads: names right after `FROM`/`JOIN` in a `SELECT`
/// (same parenthesis level), not followed by `(`, minus CTE names. Best effort only.
pub(crate) fn heuristic_reads(sql: &str) -> Vec<String> {
    static TOKEN: OnceLock<Regex> = OnceLock::new();
    static CTE: OnceLock<Regex> = OnceLock::new();
    let token = re(
        &TOKEN,
        &format!(
            r#"(?is)'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|(\()|(\))|\b(SELECT|FROM|JOIN)\b(?:\s+{NAME}(\s*\()?)?"#
        ),
    );
    let cte = re(
        &CTE,
        r"(?is)(?:\bWITH|,)\s+(?:RECURSIVE\s+)?([\w`\x22]+)\s+AS\s*\(",
    );
    let ctes: Vec<String> = cte.captures_iter(sql).map(|c| clean_name(&c[1])).collect();
    const NOT_TABLES: &[&str] = &[
        "select", "where", "group", "order", "lateral", "unnest", "table", "values", "with", "on",
        "as", "join", "left", "right", "inner", "outer", "cross", "full", "union",
    ];
    let mut select_at: Vec<bool> = vec![false];
    let mut out = Vec::new();
    for c in token.captures_iter(sql) {
        if c.get(1).is_some() {
            select_at.push(false);
        } else if c.get(2).is_some() {
            if select_at.len() > 1 {
                select_at.pop();
            }
        } else if let Some(kw) = c.get(3) {
            let depth = select_at.len() - 1;
            if kw.as_str().eq_ignore_ascii_case("select") {
                select_at[depth] = true;
            } else if select_at[depth] && c.get(5).is_none() {
                if let Some(n) = c.get(4) {
                    let name = clean_name(n.as_str());
                    if !NOT_TABLES.contains(&name.as_str()) && !ctes.contains(&name) {
                        push_unique(&mut out, name);
                    }
                }
            }
            if c.get(5).is_some() {
                select_at.push(false);
            }
        }
    }
    out
}

/// Hive's `FROM src [JOIN ...] INSERT OVERWRITE TABLE a SELECT ... [INSERT INTO b SELECT ...]`:
/// the `FROM` part's tables read, every insert target written.
fn from_first_insert(sql: &str, line: u32, nested: NestedSql) -> Option<Outcome> {
    static FROM_FIRST: OnceLock<Regex> = OnceLock::new();
    static INSERTS: OnceLock<Regex> = OnceLock::new();
    if !re(&FROM_FIRST, r"(?is)^\s*FROM\b").is_match(sql) {
        return None;
    }
    let inserts = re(
        &INSERTS,
        &format!(r"(?is)\bINSERT\s+(?:INTO|OVERWRITE)\s+(?:TABLE\s+)?{NAME}"),
    );
    let first = inserts.find(sql)?;
    let mut out = Outcome::default();
    let select = format!("SELECT * {}", &sql[..first.start()]);
    for s in nested(&select, line).statements {
        out.merge(Outcome::read_write(s.inputs, Vec::new()));
    }
    for c in inserts.captures_iter(sql) {
        push_unique(&mut out.outputs, clean_name(&c[1]));
    }
    Some(out)
}
