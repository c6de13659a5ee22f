//! Definition statements: `CREATE TABLE [AS SELECT | LIKE | CLONE]`, `CREATE [TEMP] VIEW`,
//! `CACHE TABLE x AS SELECT`, and (openlineage's convention) `DROP`, `TRUNCATE` and `ALTER
//! TABLE` making the table an output, `ALTER TABLE a RENAME TO b` reading `a` and writing `b`.

use sqlparser::ast::{
    AlterTableOperation, CreateTable, CreateTableLikeKind, ObjectName, ObjectType, Query,
    RenameTableNameKind, TruncateTableTarget,
};

use super::names::{object_name, object_names, push_unique};
use super::outcome::Outcome;
use super::reads::ReadCollector;

/// `CREATE TABLE`: the table written; the query's, `LIKE`'s and `CLONE`'s tables read.
pub(crate) fn create_table(ct: &CreateTable) -> Outcome {
    let mut c = ReadCollector::new();
    if let Some(q) = &ct.query {
        c.visit(q);
    }
    let mut inputs = c.finish();
    let like = match &ct.like {
        Some(CreateTableLikeKind::Parenthesized(l)) | Some(CreateTableLikeKind::Plain(l)) => {
            Some(&l.name)
        }
        None => None,
    };
    for n in like.into_iter().chain(ct.clone.as_ref()) {
        if let Some(s) = object_name(n) {
            push_unique(&mut inputs, s);
        }
    }
    let outputs = object_name(&ct.name).into_iter().collect();
    if ct.query.is_none() && ct.clone.is_none() {
        Outcome::schema(inputs, outputs)
    } else {
        Outcome::read_write(inputs, outputs)
    }
}

/// `CREATE VIEW`: written, unless temporary (then it only defines a temp view).
pub(crate) fn create_view(name: &ObjectName, query: &Query, temporary: bool) -> Outcome {
    let mut c = ReadCollector::new();
    c.visit(query);
    let inputs = c.finish();
    let name = object_name(name);
    if temporary {
        Outcome {
            inputs,
            temp_view: name,
            ..Outcome::default()
        }
    } else {
        Outcome::read_write(inputs, name.into_iter().collect())
    }
}

/// `CACHE TABLE x AS SELECT ...` defines a temporary view `x`; plain `CACHE TABLE x` does
/// nothing to lineage.
pub(crate) fn cache(table: &ObjectName, query: Option<&Query>) -> Outcome {
    let Some(q) = query else {
        return Outcome::default();
    };
    let mut c = ReadCollector::new();
    c.visit(q);
    Outcome {
        inputs: c.finish(),
        temp_view: object_name(table),
        ..Outcome::default()
    }
}

/// `DROP TABLE|VIEW a, b`: outputs (openlineage's convention).
pub(crate) fn drop(object_type: &ObjectType, list: &[ObjectName]) -> Outcome {
    match object_type {
        ObjectType::Table | ObjectType::View | ObjectType::MaterializedView => {
            Outcome::read_write(Vec::new(), object_names(list))
        }
        _ => Outcome::default(),
    }
}

/// `TRUNCATE [TABLE] a`: an output (openlineage's convention).
pub(crate) fn truncate(targets: &[TruncateTableTarget]) -> Outcome {
    let list: Vec<ObjectName> = targets.iter().map(|t| t.name.clone()).collect();
    Outcome::read_write(Vec::new(), object_names(&list))
}

/// `ALTER TABLE a RENAME TO b` reads `a` and writes `b`; other `ALTER TABLE`s write `a`.
pub(crate) fn alter_table(name: &ObjectName, ops: &[AlterTableOperation]) -> Outcome {
    let Some(table) = object_name(name) else {
        return Outcome::default();
    };
    for op in ops {
        if let AlterTableOperation::RenameTable { table_name } = op {
            let (RenameTableNameKind::As(new) | RenameTableNameKind::To(new)) = table_name;
            if let Some(new) = object_name(new) {
                return Outcome::read_write(vec![table], vec![new]);
            }
        }
    }
    Outcome::schema(Vec::new(), vec![table])
}
