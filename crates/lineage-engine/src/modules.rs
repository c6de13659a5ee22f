//! The Python modules shipped with a job (`--extra-py-files`): `.py` files and archives
//! (`.zip`, `.egg`, `.whl`) on S3, fetched within the gathering caps and unpacked in memory,
//! so the extractor follows the job's own library code like the script's. Archives are
//! untrusted: members are bounded in count and size (by what is read, not by what the archive
//! claims), and only `.py` members that are UTF-8 text are kept.

use crate::error::EngineError;
use crate::settings::Settings;
use lineage_domain::ports::ScriptStore;
use lineage_domain::{ErrorKind, SourceModule};
use std::collections::BTreeMap;
use std::io::Read;

/// Most `.py` members one archive contributes.
const MAX_MEMBERS: usize = 500;

/// The URLs of `--extra-py-files` (comma separated), S3 only.
pub fn extra_py_files(args: &BTreeMap<String, String>) -> Vec<String> {
    args.get("--extra-py-files")
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|u| u.starts_with("s3://") || u.starts_with("s3a://"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Fetches and unpacks the job's modules. A missing or unreadable one is skipped with a
/// warning (the run's lineage is then partly unresolved, not lost); a failing call is an
/// error (a retry may succeed).
pub async fn gather_modules(
    scripts: &dyn ScriptStore,
    settings: &Settings,
    args: &BTreeMap<String, String>,
) -> Result<Vec<SourceModule>, EngineError> {
    let urls: Vec<String> = extra_py_files(args)
        .into_iter()
        .take(settings.max_extra_objects)
        .collect();
    let fetched = futures::future::join_all(
        urls.iter()
            .map(|u| scripts.object_bytes(u, settings.max_script_bytes)),
    )
    .await;
    let mut out = Vec::new();
    for (url, result) in urls.iter().zip(fetched) {
        match result {
            Ok(bytes) => out.extend(unpack(url, &bytes, settings.max_script_bytes)),
            Err(e) if e.kind == ErrorKind::NotFound || e.kind == ErrorKind::Invalid => {
                tracing::warn!(module = %url, error = %e, "module not gathered");
            }
            Err(e) => return Err(EngineError::port("gather extra python files", e)),
        }
    }
    Ok(out)
}

/// The modules of one object: a `.py` file is one module named after its file; an archive
/// gives its `.py` members, named by their path (`pkg/sub.py` is `pkg.sub`, `pkg/__init__.py`
/// is `pkg`). At most `max_bytes` of text per member and four times that in all.
pub fn unpack(url: &str, bytes: &[u8], max_bytes: usize) -> Vec<SourceModule> {
    let file = url.rsplit('/').next().unwrap_or(url);
    if let Some(stem) = file.strip_suffix(".py") {
        return String::from_utf8(bytes.to_vec())
            .ok()
            .map(|text| SourceModule {
                name: stem.to_string(),
                uri: url.to_string(),
                text,
            })
            .into_iter()
            .collect();
    }
    let Ok(mut archive) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        tracing::warn!(module = %url, "not a .py file or a readable archive");
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut total = 0usize;
    for i in 0..archive.len() {
        if out.len() >= MAX_MEMBERS || total >= max_bytes.saturating_mul(4) {
            tracing::warn!(module = %url, "archive members capped");
            break;
        }
        let Ok(member) = archive.by_index(i) else {
            continue;
        };
        let path = member.name().to_string();
        let Some(name) = module_name(&path) else {
            continue;
        };
        let mut text = Vec::new();
        // read at most one byte past the cap, whatever the header claims
        if member
            .take(u64::try_from(max_bytes).unwrap_or(u64::MAX) + 1)
            .read_to_end(&mut text)
            .is_err()
            || text.len() > max_bytes
        {
            continue;
        }
        let Ok(text) = String::from_utf8(text) else {
            continue;
        };
        total += text.len();
        out.push(SourceModule {
            name,
            uri: format!("{url}!{path}"),
            text,
        });
    }
    out
}

/// The import name of an archive member (`None` for anything but a plain `.py` path).
fn module_name(path: &str) -> Option<String> {
    let stem = path.strip_suffix(".py")?;
    let parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    let valid = |p: &&str| {
        p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !p.starts_with(|c: char| c.is_ascii_digit())
    };
    if parts.is_empty() || !parts.iter().all(valid) || path.starts_with('/') {
        return None;
    }
    let parts = match parts.split_last() {
        Some((&"__init__", pkg)) if !pkg.is_empty() => pkg.to_vec(),
        _ => parts,
    };
    Some(parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default();
            for (name, body) in members {
                z.start_file(*name, opts).expect("start");
                z.write_all(body).expect("write");
            }
            z.finish().expect("finish");
        }
        buf.into_inner()
    }

    #[test]
    fn archives_give_their_python_members_by_import_name() {
        let zip = archive(&[
            ("helpers.py", b"def f(): pass"),
            ("pkg/__init__.py", b"X = 1"),
            ("pkg/io/readers.py", b"def r(): pass"),
            ("README.md", b"docs"),
            ("../evil.py", b"x"),
            ("bin.py", &[0xff, 0xfe]),
        ]);
        let names: Vec<String> = unpack("s3://libs/lib.zip", &zip, 1024)
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["helpers", "pkg", "pkg.io.readers"]);
    }

    #[test]
    fn members_over_the_cap_and_garbage_are_skipped() {
        let big = vec![b'#'; 2048];
        let zip = archive(&[("big.py", &big), ("small.py", b"x = 1")]);
        let names: Vec<String> = unpack("s3://libs/lib.zip", &zip, 1024)
            .into_iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names, ["small"]);
        assert!(unpack("s3://libs/lib.zip", b"not a zip", 1024).is_empty());
        let one = unpack("s3://libs/tools.py", b"y = 2", 1024);
        assert_eq!(
            (one[0].name.as_str(), one[0].text.as_str()),
            ("tools", "y = 2")
        );
    }

    #[test]
    fn extra_py_files_lists_s3_urls() {
        let args: BTreeMap<String, String> = [(
            "--extra-py-files".to_string(),
            "s3://a/x.zip, s3://b/y.py,https://nope/z.py".to_string(),
        )]
        .into();
        assert_eq!(extra_py_files(&args), ["s3://a/x.zip", "s3://b/y.py"]);
    }
}
