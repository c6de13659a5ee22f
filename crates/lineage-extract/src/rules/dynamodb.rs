//! DynamoDB through boto3, the client (`boto3.client("dynamodb")`) and the resource
//! (`boto3.resource("dynamodb").Table(name)`, its `batch_writer()`): reads are `get_item`,
//! `query`, `scan`, `batch_get_item`, `transact_get_items` and PartiQL `SELECT`s; writes are
//! `put_item`, `update_item`, `delete_item`, `batch_write_item`, `batch_writer().put_item /
//! delete_item`, `transact_write_items` and PartiQL `INSERT`/`UPDATE`/`DELETE`.
//! `export_table_to_point_in_time` reads the table and writes the export's S3 prefix. Tables are
//! named in the client's `region_name` (else the run's) unless given as ARNs.
//!
//! **Control state is not data** (real-dev decision 4). When the script has run,
//! [`drop_state_tables`] drops a table that the run only ever touched one item at a time
//! (never scanned, queried, batched, exported or read through a connector) and that either
//! - it read by key (`get_item`) and also wrote one item at a time (`put_item`, `update_item`,
//!   `delete_item`): the run reads its own state and writes it back (bookmarks, high-water
//!   marks); or
//! - it only updated (`update_item`) items whose keys are fixed for the run (literals and
//!   arguments, nothing taken from the data): a status record an orchestrator keeps.
//!
//! A table written item by item from the data (`put_item` in a `foreach` sink), or only read
//! by key, stays a dataset.

use crate::builtins::Args;
use crate::emit::{Env, ItemAccess, ItemUse, Target, Unresolved};
use crate::naming;
use crate::rules::options::as_list;
use crate::sql::{analyze, Dialect};
use crate::value::{Boto3Client, Handle, Obj, Value};
use lineage_domain::{Dataset, Direction};
use std::collections::BTreeSet;
use std::rc::Rc;

// Rule ids: they appear in evidence and outputs, so their text never changes.
pub(crate) const GET_ITEM: &str = "boto3.dynamodb.get_item";
pub(crate) const PUT_ITEM: &str = "boto3.dynamodb.put_item";
pub(crate) const UPDATE_ITEM: &str = "boto3.dynamodb.update_item";
pub(crate) const DELETE_ITEM: &str = "boto3.dynamodb.delete_item";
pub(crate) const QUERY: &str = "boto3.dynamodb.query";
pub(crate) const SCAN: &str = "boto3.dynamodb.scan";
/// `batch_get_item` / `transact_get_items`.
pub(crate) const BATCH_GET: &str = "boto3.dynamodb.batch_get_item";
/// `batch_write_item`, `batch_writer()` puts and deletes, `transact_write_items`.
pub(crate) const BATCH_WRITE: &str = "boto3.dynamodb.batch_write_item";
/// PartiQL `execute_statement` / `batch_execute_statement` / `execute_transaction`.
pub(crate) const PARTIQL: &str = "boto3.dynamodb.execute_statement";
/// `export_table_to_point_in_time`.
pub(crate) const EXPORT: &str = "boto3.dynamodb.export";

/// Rules whose findings [`drop_state_tables`] may drop.
const ITEM_RULES: [&str; 4] = [GET_ITEM, PUT_ITEM, UPDATE_ITEM, DELETE_ITEM];

/// The dataset of a table name (or ARN) value in a region.
fn table_dataset(env: &Env, table: &Value, region: Option<&Value>) -> Result<Dataset, Unresolved> {
    let region = region
        .and_then(Value::as_known_str)
        .unwrap_or_else(|| env.region().to_string());
    match table.as_known_str() {
        Some(t) => naming::dynamodb(&region, env.account(), &t),
        None => Err(Unresolved::of_value(table, "DynamoDB table")),
    }
}

/// Whether every leaf of a key value is known.
fn fixed(v: &Value) -> bool {
    match v {
        Value::Str(s) => s.known().is_some(),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => true,
        Value::Dict(d) => !d.is_empty() && d.iter().all(|(_, x)| fixed(x)),
        Value::List(l) => l.iter().all(fixed),
        _ => false,
    }
}

/// Records one access and, for single-item accesses, remembers it for [`drop_state_tables`].
fn access(
    env: &mut Env,
    table: &Value,
    region: Option<&Value>,
    access: ItemAccess,
    key: Option<&Value>,
    rule: &'static str,
) {
    let direction = match access {
        ItemAccess::KeyRead => Direction::Input,
        ItemAccess::ItemWrite | ItemAccess::ItemUpdate => Direction::Output,
        ItemAccess::Bulk => match rule {
            QUERY | SCAN | BATCH_GET => Direction::Input,
            _ => Direction::Output,
        },
    };
    let target = table_dataset(env, table, region);
    if let Ok(d) = &target {
        env.found.item_uses.push(ItemUse {
            table: d.clone(),
            access,
            fixed_key: key.is_some_and(fixed),
        });
    }
    env.io(direction, target, rule, &[table]);
}

/// Marks a table as used in bulk (never state), without a finding of its own: the Glue
/// DynamoDB connector and awswrangler record theirs.
pub(crate) fn used_in_bulk(env: &mut Env, table: &Dataset) {
    env.found.item_uses.push(ItemUse {
        table: table.clone(),
        access: ItemAccess::Bulk,
        fixed_key: false,
    });
}

/// The tables of `RequestItems={table: ...}` (batch operations).
fn request_tables(args: &Args) -> Vec<Value> {
    match args.kw("RequestItems") {
        Some(Value::Dict(d)) => d.iter().map(|(k, _)| k.clone()).collect(),
        Some(v) => vec![Value::unknown(v.to_pstr().describe())],
        None => vec![Value::unknown("RequestItems")],
    }
}

/// `TransactItems=[{"Put": {"TableName": ...}}, ...]`.
fn transact_tables(args: &Args) -> Vec<Value> {
    let items = args.kw("TransactItems").map(as_list).unwrap_or_default();
    let mut out = Vec::new();
    for it in items {
        if let Value::Dict(d) = &it {
            for (_, op) in d.iter() {
                out.push(
                    op.get_key("TableName")
                        .cloned()
                        .unwrap_or_else(|| Value::unknown("TableName")),
                );
            }
        }
    }
    if out.is_empty() {
        out.push(Value::unknown("TransactItems"));
    }
    out
}

/// PartiQL statements: the quoted table names of `SELECT ... FROM "t"` (inputs) and of
/// `INSERT INTO "t"`, `UPDATE "t"`, `DELETE FROM "t"` (outputs).
fn partiql(env: &mut Env, statement: &Value, region: Option<&Value>) {
    let Some(text) = statement.as_known_str() else {
        env.io(
            Direction::Input,
            Err(Unresolved::of_value(statement, "PartiQL statement")),
            PARTIQL,
            &[statement],
        );
        return;
    };
    let (inputs, outputs) = analyze(&text, Dialect::Generic).tables();
    for (names, dir) in [(inputs, Direction::Input), (outputs, Direction::Output)] {
        for n in names {
            // `"table"."index"` reads the table through one of its indexes
            let t = Value::str(n.split('.').next().unwrap_or(&n).to_string());
            let access = ItemAccess::Bulk;
            let target = table_dataset(env, &t, region);
            if let Ok(d) = &target {
                env.found.item_uses.push(ItemUse {
                    table: d.clone(),
                    access,
                    fixed_key: false,
                });
            }
            env.io(dir, target, PARTIQL, &[statement]);
        }
    }
}

/// A method on a DynamoDB client or service resource.
pub(crate) fn client_method(env: &mut Env, c: &Boto3Client, name: &str, args: &Args) -> Value {
    let region = c.region.as_ref();
    let table = || {
        args.kw("TableName")
            .or_else(|| args.kw("TableArn"))
            .cloned()
            .unwrap_or_else(|| Value::unknown("TableName"))
    };
    match name {
        "Table" => {
            let t = args
                .get(0, "name")
                .cloned()
                .unwrap_or_else(|| Value::unknown("table"));
            return Value::Obj(Obj::Handle(Rc::new(Handle::DynamoTable {
                table: t,
                region: c.region.clone(),
                batch: false,
            })));
        }
        "get_item" => access(
            env,
            &table(),
            region,
            ItemAccess::KeyRead,
            args.kw("Key"),
            GET_ITEM,
        ),
        "put_item" => {
            access(env, &table(), region, ItemAccess::ItemWrite, None, PUT_ITEM);
        }
        "update_item" => access(
            env,
            &table(),
            region,
            ItemAccess::ItemUpdate,
            args.kw("Key"),
            UPDATE_ITEM,
        ),
        "delete_item" => access(
            env,
            &table(),
            region,
            ItemAccess::ItemWrite,
            args.kw("Key"),
            DELETE_ITEM,
        ),
        "query" => access(env, &table(), region, ItemAccess::Bulk, None, QUERY),
        "scan" => access(env, &table(), region, ItemAccess::Bulk, None, SCAN),
        "batch_get_item" => {
            for t in request_tables(args) {
                access(env, &t, region, ItemAccess::Bulk, None, BATCH_GET);
            }
        }
        "transact_get_items" => {
            for t in transact_tables(args) {
                access(env, &t, region, ItemAccess::Bulk, None, BATCH_GET);
            }
        }
        "batch_write_item" => {
            for t in request_tables(args) {
                access(env, &t, region, ItemAccess::Bulk, None, BATCH_WRITE);
            }
        }
        "transact_write_items" => {
            for t in transact_tables(args) {
                access(env, &t, region, ItemAccess::Bulk, None, BATCH_WRITE);
            }
        }
        "execute_statement" => {
            let s = args.get(0, "Statement").cloned().unwrap_or(Value::None);
            partiql(env, &s, region);
        }
        "batch_execute_statement" | "execute_transaction" => {
            let key = if name == "batch_execute_statement" {
                "Statements"
            } else {
                "TransactStatements"
            };
            for st in args.kw(key).map(as_list).unwrap_or_default() {
                let s = st.get_key("Statement").cloned().unwrap_or(Value::None);
                partiql(env, &s, region);
            }
        }
        "export_table_to_point_in_time" => {
            let t = table();
            access(env, &t, region, ItemAccess::Bulk, None, SCAN);
            let bucket = args.kw("S3Bucket").cloned().unwrap_or(Value::None);
            let mut url = crate::value::PStr::lit("s3://");
            url.push_str(&bucket.to_pstr());
            url.push_str(&crate::value::PStr::lit("/"));
            if let Some(p) = args.kw("S3Prefix") {
                url.push_str(&p.to_pstr());
            }
            let url = Value::Str(url);
            env.io(Direction::Output, naming::s3_dataset(&url), EXPORT, &[&url]);
        }
        _ => {}
    }
    Value::unknown(format!("dynamodb.{name}()"))
}

/// A method on a `Table` resource (or its `batch_writer()`).
pub(crate) fn table_method(
    env: &mut Env,
    table: &Value,
    region: Option<&Value>,
    batch: bool,
    name: &str,
    args: &Args,
) -> Value {
    match (batch, name) {
        (false, "batch_writer") => {
            return Value::Obj(Obj::Handle(Rc::new(Handle::DynamoTable {
                table: table.clone(),
                region: region.cloned(),
                batch: true,
            })))
        }
        (true, "__enter__") => {
            return Value::Obj(Obj::Handle(Rc::new(Handle::DynamoTable {
                table: table.clone(),
                region: region.cloned(),
                batch: true,
            })))
        }
        (true, "put_item" | "delete_item") => {
            access(env, table, region, ItemAccess::Bulk, None, BATCH_WRITE);
        }
        (false, "get_item") => {
            access(
                env,
                table,
                region,
                ItemAccess::KeyRead,
                args.kw("Key"),
                GET_ITEM,
            );
        }
        (false, "put_item") => access(env, table, region, ItemAccess::ItemWrite, None, PUT_ITEM),
        (false, "update_item") => access(
            env,
            table,
            region,
            ItemAccess::ItemUpdate,
            args.kw("Key"),
            UPDATE_ITEM,
        ),
        (false, "delete_item") => access(
            env,
            table,
            region,
            ItemAccess::ItemWrite,
            args.kw("Key"),
            DELETE_ITEM,
        ),
        (false, "query") => access(env, table, region, ItemAccess::Bulk, None, QUERY),
        (false, "scan") => access(env, table, region, ItemAccess::Bulk, None, SCAN),
        _ => {}
    }
    Value::unknown(format!("table.{name}()"))
}

/// The tables a run only used for its own state (see the module doc).
fn state_tables(uses: &[crate::emit::ItemUse]) -> BTreeSet<Dataset> {
    let tables: BTreeSet<&Dataset> = uses.iter().map(|u| &u.table).collect();
    let mut out = BTreeSet::new();
    for t in tables {
        let of_t: Vec<&ItemUse> = uses.iter().filter(|u| &u.table == t).collect();
        if of_t.iter().any(|u| u.access == ItemAccess::Bulk) {
            continue;
        }
        let reads = of_t.iter().any(|u| u.access == ItemAccess::KeyRead);
        let writes = of_t
            .iter()
            .any(|u| matches!(u.access, ItemAccess::ItemWrite | ItemAccess::ItemUpdate));
        let fixed_updates_only = of_t
            .iter()
            .all(|u| u.access == ItemAccess::ItemUpdate && u.fixed_key);
        if (reads && writes) || fixed_updates_only {
            out.insert(t.clone());
        }
    }
    out
}

/// Drops the single-item findings of the tables the run only used for its own state.
pub(crate) fn drop_state_tables(found: &mut crate::emit::Findings) {
    let state = state_tables(&found.item_uses);
    if state.is_empty() {
        return;
    }
    found.ios.retain(|io| {
        !(ITEM_RULES.contains(&io.rule)
            && matches!(&io.target, Target::Dataset(d) if state.contains(d)))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(t: &str, access: ItemAccess, fixed_key: bool) -> ItemUse {
        ItemUse {
            table: Dataset::dynamodb_table("r", "1", t).expect("table"),
            access,
            fixed_key,
        }
    }

    #[test]
    fn state_tables_are_read_and_written_by_key_or_updated_on_fixed_keys() {
        let names = |uses: &[ItemUse]| -> Vec<String> {
            state_tables(uses).into_iter().map(|d| d.name).collect()
        };
        // a bookmark read and written back
        assert_eq!(
            names(&[
                u("bm", ItemAccess::KeyRead, true),
                u("bm", ItemAccess::ItemWrite, false)
            ]),
            vec!["table/bm"]
        );
        // a status record updated on a fixed key
        assert_eq!(
            names(&[u("ctl", ItemAccess::ItemUpdate, true)]),
            vec!["table/ctl"]
        );
        // rows put from the data; a lookup only read; updates keyed by the data
        assert!(names(&[u("rows", ItemAccess::ItemWrite, false)]).is_empty());
        assert!(names(&[u("lookup", ItemAccess::KeyRead, true)]).is_empty());
        assert!(names(&[u("agg", ItemAccess::ItemUpdate, false)]).is_empty());
        // scanned as well: data
        assert!(names(&[
            u("t", ItemAccess::KeyRead, true),
            u("t", ItemAccess::ItemWrite, true),
            u("t", ItemAccess::Bulk, false)
        ])
        .is_empty());
    }

    #[test]
    fn fixed_keys() {
        assert!(fixed(&Value::dict(vec![(
            Value::str("pk"),
            Value::dict(vec![(Value::str("S"), Value::str("job-1"))])
        )])));
        assert!(!fixed(&Value::dict(vec![(
            Value::str("pk"),
            Value::unknown("row['id']")
        )])));
        assert!(!fixed(&Value::dict(vec![])));
    }
}
