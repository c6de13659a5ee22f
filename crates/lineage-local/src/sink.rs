//! Lineage documents as files under a folder, laid out like the S3 keys
//! (`{root}/{prefix}/{job}/{yyyy}/{mm}/{dd}/{run}.json`), written atomically.

use crate::error::LocalError;
use async_trait::async_trait;
use lineage_domain::ports::LineageSink;
use lineage_domain::PortError;
use std::path::{Component, Path, PathBuf};

#[derive(Debug, Clone)]
pub struct FsLineageSink {
    root: PathBuf,
}

impl FsLineageSink {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path_of(&self, key: &str, op: &str) -> Result<PathBuf, PortError> {
        let rel = Path::new(key);
        if key.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(PortError::invalid(
                op,
                format!("key {key:?} is not a plain relative path"),
            ));
        }
        Ok(self.root.join(rel))
    }
}

#[async_trait]
impl LineageSink for FsLineageSink {
    async fn put_document(&self, key: &str, body: &[u8]) -> Result<(), PortError> {
        let op = format!("write document {key}");
        let path = self.path_of(key, &op)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| LocalError::io(parent, e).into_port(&op))?;
        }
        // Write beside, then rename: a crash never leaves half a document.
        let tmp = path.with_extension(format!("json.tmp{}", std::process::id()));
        std::fs::write(&tmp, body).map_err(|e| LocalError::io(&tmp, e).into_port(&op))?;
        std::fs::rename(&tmp, &path).map_err(|e| LocalError::io(&path, e).into_port(&op))?;
        Ok(())
    }

    async fn document(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let op = format!("read document {key}");
        let path = self.path_of(key, &op)?;
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(LocalError::io(&path, e).into_port(&op)),
        }
    }

    fn location(&self, key: &str) -> String {
        self.root.join(key).display().to_string()
    }
}
