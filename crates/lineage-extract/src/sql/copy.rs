//! Loading and unloading: PostgreSQL/Redshift `COPY t FROM|TO 'path'`, Snowflake
//! `COPY INTO t FROM @stage|'url'|(SELECT ...)` and `CREATE STAGE`, Redshift/Athena `UNLOAD`.
//! Locations (URLs, `@stage/path`) are reported as names, as written.

use sqlparser::ast::helpers::stmt_data_loading::StageParamsObject;
use sqlparser::ast::{CopySource, CopyTarget, ObjectName, ObjectNamePart, Query};

use super::lineage::NestedSql;
use super::names::object_name;
use super::outcome::Outcome;
use super::reads::ReadCollector;

fn file(target: &CopyTarget) -> Option<String> {
    match target {
        CopyTarget::File { filename } => Some(filename.clone()),
        _ => None,
    }
}

/// `COPY t FROM 'file'` writes `t`; `COPY t|(query) TO 'file'` reads and writes the file.
pub(crate) fn copy(source: &CopySource, to: bool, target: &CopyTarget) -> Outcome {
    let (table_reads, table) = match source {
        CopySource::Table { table_name, .. } => (Vec::new(), object_name(table_name)),
        CopySource::Query(q) => {
            let mut c = ReadCollector::new();
            c.visit(q);
            (c.finish(), None)
        }
    };
    let path = file(target);
    if to {
        let mut inputs = table_reads;
        inputs.extend(table);
        Outcome::read_write(inputs, path.into_iter().collect())
    } else {
        Outcome::read_write(path.into_iter().collect(), table.into_iter().collect())
    }
}

/// A stage or location name as written (`@ns.stage/path`, `'s3://...'`), else a table name.
fn location(name: &ObjectName) -> Option<String> {
    let raw: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| match p {
            ObjectNamePart::Identifier(i) => Some(i.value.clone()),
            ObjectNamePart::Function(_) => None,
        })
        .collect();
    let joined = raw.join(".");
    if joined.starts_with('@') || joined.contains("://") {
        Some(joined)
    } else {
        object_name(name)
    }
}

/// Snowflake `COPY INTO target FROM source`.
pub(crate) fn copy_into(
    into: &ObjectName,
    from_obj: Option<&ObjectName>,
    from_query: Option<&Query>,
    stage: &StageParamsObject,
) -> Outcome {
    let mut inputs = Vec::new();
    if let Some(q) = from_query {
        let mut c = ReadCollector::new();
        c.visit(q);
        inputs.extend(c.finish());
    }
    if let Some(n) = from_obj.and_then(location) {
        inputs.push(n);
    }
    if let Some(url) = &stage.url {
        inputs.push(url.clone());
    }
    Outcome::read_write(inputs, location(into).into_iter().collect())
}

/// `UNLOAD ('select ...') TO 'path'`: the query's tables read, the path written.
pub(crate) fn unload(
    query: Option<&Query>,
    query_text: Option<&str>,
    to: &str,
    nested: NestedSql,
) -> Outcome {
    let mut inputs = Vec::new();
    if let Some(q) = query {
        let mut c = ReadCollector::new();
        c.visit(q);
        inputs = c.finish();
    } else if let Some(text) = query_text {
        let inner = nested(text, 1);
        for s in inner.statements {
            inputs.extend(s.inputs);
        }
    }
    Outcome::read_write(inputs, vec![to.to_string()])
}

/// `CREATE STAGE name URL='...'`: the URL read, the stage written.
pub(crate) fn create_stage(name: &ObjectName, stage: &StageParamsObject) -> Outcome {
    Outcome::read_write(
        stage.url.clone().into_iter().collect(),
        object_name(name).into_iter().collect(),
    )
}
