//! pandas I/O on S3: `pd.read_csv/read_parquet/read_json/...` of an `s3://` path (s3fs) or of
//! the body of an object the script fetched with boto3 (`get_object(...)["Body"]`, also
//! wrapped in `io.BytesIO`/`io.StringIO`) are inputs (`pandas.read`); `df.to_csv/to_parquet/
//! to_json/...` to an `s3://` path are outputs (`pandas.write`). Local files are not datasets.
//! A single file keeps its full key; a directory of parquet files is a table root.

use crate::builtins::Args;
use crate::emit::Env;
use crate::naming;
use crate::rules::boto3_s3;
use crate::value::{Obj, Source, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// `pd.read_*` of S3 data.
pub(crate) const READ: &str = "pandas.read";
/// `DataFrame.to_*` to S3.
pub(crate) const WRITE: &str = "pandas.write";

/// The pandas readers that take a path or buffer first.
pub(crate) fn is_reader(f: &str) -> bool {
    matches!(
        f,
        "read_csv"
            | "read_table"
            | "read_parquet"
            | "read_json"
            | "read_excel"
            | "read_fwf"
            | "read_orc"
            | "read_feather"
            | "read_pickle"
            | "read_xml"
            | "read_sas"
            | "read_stata"
            | "read_spss"
            | "read_hdf"
    )
}

/// The DataFrame writers that take a path or buffer first.
pub(crate) fn is_writer(f: &str) -> bool {
    matches!(
        f,
        "to_csv"
            | "to_parquet"
            | "to_json"
            | "to_excel"
            | "to_orc"
            | "to_feather"
            | "to_pickle"
            | "to_xml"
            | "to_hdf"
            | "to_stata"
    )
}

/// `pd.read_*(source)`.
pub(crate) fn read(env: &mut Env, args: &Args) {
    let Some(src) = args
        .get(0, "filepath_or_buffer")
        .or_else(|| args.kw("path"))
        .or_else(|| args.kw("io"))
        .or_else(|| args.kw("path_or_buf"))
        .cloned()
    else {
        return;
    };
    match &src {
        Value::Obj(Obj::S3Response(body)) => {
            let (b, k) = &body.object;
            let t = boto3_s3::object(b, k);
            env.io(Direction::Input, t, READ, &[b, k]);
        }
        Value::Str(_) if naming::is_s3(&src) => {
            env.io(Direction::Input, naming::s3_dataset(&src), READ, &[&src]);
        }
        Value::Str(s) => {
            // the text of a gathered object, read back as data
            let whole = s.prov.iter().find_map(|p| match p {
                Source::Extra(uri, 1) => env
                    .ctx
                    .extra_object(uri)
                    .filter(|o| s.known().as_deref() == Some(o.text.as_str()))
                    .map(|o| o.uri.clone()),
                _ => None,
            });
            if let Some(uri) = whole {
                let v = Value::str(uri);
                env.io(Direction::Input, naming::s3_dataset(&v), READ, &[]);
            }
        }
        _ => {}
    }
}

/// `df.to_*(path)`: true when the target is S3 (and recorded).
pub(crate) fn write(env: &mut Env, args: &Args) -> bool {
    let Some(dst) = args
        .get(0, "path_or_buf")
        .or_else(|| args.kw("path"))
        .or_else(|| args.kw("excel_writer"))
        .cloned()
    else {
        return false;
    };
    if !naming::is_s3(&dst) {
        return false;
    }
    env.io(Direction::Output, naming::s3_dataset(&dst), WRITE, &[&dst]);
    true
}
