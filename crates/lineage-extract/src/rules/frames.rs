//! Column lineage through frames. A frame read from one dataset carries it
//! ([`FrameLineage`]); Glue's transforms `ApplyMapping` (and `apply_mapping`), `SelectFields`,
//! `DropFields` and `RenameField`, and the DataFrame methods `select` (by column names),
//! `withColumnRenamed`, `drop` and `toDF(names...)` say which of its columns the frame holds
//! and where each comes from; row-level methods (`filter`, `repartition`, `alias`, ...) keep
//! what the frame carries. A write of a frame whose columns are known records them
//! ([`record_write`]): Glue's `write_dynamic_frame.from_catalog|from_options|from_jdbc_conf`,
//! a sink's `writeFrame`, and a DataFrame writer (`df.write...save|parquet|saveAsTable`,
//! `df.writeTo(...)`).
//!
//! Anything else (a join, a column computed by an expression the interpreter does not
//! follow) ends the tracking: no column lineage rather than a guessed one.

use std::rc::Rc;

use lineage_domain::{Dataset, Direction};

use crate::builtins::Args;
use crate::emit::{Env, Target};
use crate::sql::Transformation;
use crate::value::{Obj, Value};

/// What a frame's rows come from, when that is one dataset.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameLineage {
    pub dataset: Dataset,
    /// The frame's columns and the dataset column each comes from; `None`: the dataset's own
    /// columns, which the script does not name.
    pub columns: Option<Vec<FrameColumn>>,
}

/// One column of a frame and the column of the dataset it comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FrameColumn {
    pub name: String,
    pub from: String,
    pub transformation: Transformation,
}

fn frame(lineage: Option<FrameLineage>) -> Value {
    Value::Obj(Obj::Frame(lineage.map(Rc::new)))
}

/// The lineage a value carries, when it is a frame that carries one.
fn lineage_of(v: Option<&Value>) -> Option<&FrameLineage> {
    match v {
        Some(Value::Obj(Obj::Frame(Some(l)))) => Some(l),
        _ => None,
    }
}

/// The datasets of one direction recorded since `env.found.ios` had `before` entries.
fn recorded_since(env: &Env, before: usize, direction: Direction) -> Vec<Dataset> {
    env.found.ios[before.min(env.found.ios.len())..]
        .iter()
        .filter(|io| io.direction == direction)
        .filter_map(|io| match &io.target {
            Target::Dataset(d) => Some(d.clone()),
            Target::Unresolved { .. } => None,
        })
        .collect()
}

/// The frame of a read that recorded exactly one input dataset since `before` (the length of
/// `env.found.ios` when the read began).
pub(crate) fn read_frame(env: &Env, before: usize) -> Value {
    match <[Dataset; 1]>::try_from(recorded_since(env, before, Direction::Input)) {
        Ok([dataset]) => frame(Some(FrameLineage {
            dataset,
            columns: None,
        })),
        Err(_) => frame(None),
    }
}

/// After a write that began when `env.found.ios` had `before` entries: each output dataset
/// it recorded receives the columns of the written frame, when they are known.
pub(crate) fn record_write(env: &mut Env, written: Option<&Value>, before: usize) {
    record_lineage(env, lineage_of(written), before);
}

/// [`record_write`] of what a frame carries.
pub(crate) fn record_lineage(env: &mut Env, written: Option<&FrameLineage>, before: usize) {
    let Some(FrameLineage {
        dataset,
        columns: Some(columns),
    }) = written.cloned()
    else {
        return;
    };
    for output in recorded_since(env, before, Direction::Output) {
        for c in &columns {
            env.found.columns.push(crate::ColumnLineage {
                output: output.clone(),
                field: c.name.clone(),
                inputs: vec![crate::InputField {
                    dataset: dataset.clone(),
                    field: c.from.clone(),
                    transformation: c.transformation,
                }],
            });
        }
    }
}

/// A call on a Glue name the interpreter holds no object for, by the receiver's dotted path:
/// a transform's `apply` (`ApplyMapping.apply(...)`, `awsglue.transforms.DropFields.apply(...)`)
/// and `DynamicFrame.fromDF(df, glueContext, name)`; `None` for any other call.
pub(crate) fn call_on(receiver: &str, method: &str, args: &Args) -> Option<Value> {
    let class = receiver.trim().rsplit('.').next()?;
    match method {
        "apply" => transform(class, args),
        "fromDF" if class == "DynamicFrame" => from_df(args),
        _ => None,
    }
}

/// `fromDF(df, ...)`: the frame handed over (the same rows), when it is one.
pub(crate) fn from_df(args: &Args) -> Option<Value> {
    args.pos
        .first()
        .filter(|v| matches!(v, Value::Obj(Obj::Frame(_))))
        .cloned()
}

/// A Glue transform class's `apply` (`ApplyMapping.apply(frame=..., mappings=[...])`), by the
/// class's name; `None` for classes that are not frame transforms.
pub(crate) fn transform(class: &str, args: &Args) -> Option<Value> {
    let input = args.get(0, "frame");
    let lineage = lineage_of(input);
    let out = match class {
        "ApplyMapping" => apply_mapping(lineage, args.get(1, "mappings")),
        "SelectFields" => select(lineage, &names(args.get(1, "paths"))),
        "DropFields" => drop(lineage, &names(args.get(1, "paths"))),
        "RenameField" => rename(
            lineage,
            args.get(1, "old_name").and_then(Value::as_known_str),
            args.get(2, "new_name").and_then(Value::as_known_str),
        ),
        "Filter" | "ResolveChoice" | "DropNullFields" | "Repartition" => lineage.cloned(),
        _ => return None,
    };
    Some(frame(out))
}

/// A method call on a frame carrying `lineage` (DataFrame and DynamicFrame methods).
pub(crate) fn method(lineage: Option<&FrameLineage>, name: &str, args: &Args) -> Value {
    let strings = || -> Vec<Option<String>> {
        // `select("a", "b")` and `select(["a", "b"])`
        let pos = match args.pos.as_slice() {
            [one] if one.items().is_some() => one.items().unwrap_or_default(),
            other => other.to_vec(),
        };
        pos.iter().map(Value::as_known_str).collect()
    };
    frame(match name {
        "filter"
        | "where"
        | "distinct"
        | "dropDuplicates"
        | "drop_duplicates"
        | "repartition"
        | "coalesce"
        | "cache"
        | "persist"
        | "unpersist"
        | "orderBy"
        | "sort"
        | "sortWithinPartitions"
        | "limit"
        | "sample"
        | "alias"
        | "hint"
        | "checkpoint"
        | "localCheckpoint"
        | "resolveChoice"
        | "drop_nulls"
        | "fromDF" => lineage.cloned(),
        "toDF" if args.pos.is_empty() => lineage.cloned(),
        "toDF" => {
            // new names for every column, in order
            let new: Option<Vec<String>> = strings().into_iter().collect();
            match (lineage, new) {
                (Some(l), Some(new)) => l.columns.as_ref().and_then(|cols| {
                    (cols.len() == new.len()).then(|| FrameLineage {
                        dataset: l.dataset.clone(),
                        columns: Some(
                            cols.iter()
                                .zip(new)
                                .map(|(c, n)| FrameColumn {
                                    name: n.to_lowercase(),
                                    ..c.clone()
                                })
                                .collect(),
                        ),
                    })
                }),
                _ => None,
            }
        }
        "select" | "select_fields" => match strings().into_iter().collect::<Option<Vec<_>>>() {
            Some(cols) if !cols.contains(&"*".to_string()) => select(lineage, &cols),
            Some(_) => lineage.cloned(),
            None => None,
        },
        "drop" | "drop_fields" => match strings().into_iter().collect::<Option<Vec<_>>>() {
            Some(cols) => drop(lineage, &cols),
            None => None,
        },
        "withColumnRenamed" | "rename_field" => rename(
            lineage,
            args.pos.first().and_then(Value::as_known_str),
            args.pos.get(1).and_then(Value::as_known_str),
        ),
        "apply_mapping" => apply_mapping(lineage, args.get(0, "mappings")),
        _ => None,
    })
}

/// The column names of a `paths` list.
fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Value::as_known_str)
        .collect()
}

/// A column name as Glue writes it in paths and mappings (`` `a.b` `` quotes a dotted name).
fn column_name(s: &str) -> String {
    s.trim().trim_matches('`').to_lowercase()
}

/// `ApplyMapping`: `(source, source type, target, target type)` tuples; a column whose type
/// changes is a transformation (a cast).
fn apply_mapping(lineage: Option<&FrameLineage>, mappings: Option<&Value>) -> Option<FrameLineage> {
    let l = lineage?;
    let mut columns = Vec::new();
    for m in mappings?.items()? {
        let parts: Vec<Option<String>> = m.items()?.iter().map(Value::as_known_str).collect();
        let [Some(src), Some(src_type), Some(dst), Some(dst_type)] = parts.as_slice() else {
            // a mapping the interpreter cannot read: the frame's columns are not known
            return None;
        };
        let how = if src_type.eq_ignore_ascii_case(dst_type) {
            Transformation::Identity
        } else {
            Transformation::Transformation
        };
        let src = column_name(src);
        let (from, before) = match &l.columns {
            None => (src, Transformation::Identity),
            Some(cols) => match cols.iter().find(|c| c.name == src) {
                Some(c) => (c.from.clone(), c.transformation),
                None => continue,
            },
        };
        columns.push(FrameColumn {
            name: column_name(dst),
            from,
            transformation: how.max(before),
        });
    }
    Some(FrameLineage {
        dataset: l.dataset.clone(),
        columns: Some(columns),
    })
}

/// The named columns, in that order: of the known columns, or of the dataset's own.
fn select(lineage: Option<&FrameLineage>, names: &[String]) -> Option<FrameLineage> {
    let l = lineage?;
    let columns = names
        .iter()
        .map(|n| {
            let n = column_name(n);
            match &l.columns {
                None => Some(FrameColumn {
                    name: n.clone(),
                    from: n,
                    transformation: Transformation::Identity,
                }),
                Some(cols) => cols.iter().find(|c| c.name == n).cloned(),
            }
        })
        .collect::<Option<Vec<_>>>()?;
    Some(FrameLineage {
        dataset: l.dataset.clone(),
        columns: Some(columns),
    })
}

/// The known columns but the named ones (the dataset's own columns are not listed: unknown).
fn drop(lineage: Option<&FrameLineage>, names: &[String]) -> Option<FrameLineage> {
    let l = lineage?;
    let names: Vec<String> = names.iter().map(|n| column_name(n)).collect();
    let columns = l
        .columns
        .as_ref()?
        .iter()
        .filter(|c| !names.contains(&c.name))
        .cloned()
        .collect();
    Some(FrameLineage {
        dataset: l.dataset.clone(),
        columns: Some(columns),
    })
}

/// One known column renamed.
fn rename(
    lineage: Option<&FrameLineage>,
    old: Option<String>,
    new: Option<String>,
) -> Option<FrameLineage> {
    let l = lineage?;
    let (old, new) = (column_name(&old?), column_name(&new?));
    let columns = l
        .columns
        .as_ref()?
        .iter()
        .map(|c| {
            if c.name == old {
                FrameColumn {
                    name: new.clone(),
                    ..c.clone()
                }
            } else {
                c.clone()
            }
        })
        .collect();
    Some(FrameLineage {
        dataset: l.dataset.clone(),
        columns: Some(columns),
    })
}
