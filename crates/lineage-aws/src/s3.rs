//! Amazon S3 behind two ports: [`S3ScriptStore`] (`ScriptStore`: job scripts and the objects a
//! script reads, size-capped) and [`S3LineageSink`] (`LineageSink`: OpenLineage documents,
//! written with server-side encryption).

use crate::error::AwsError;
use async_trait::async_trait;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use aws_sdk_s3::Client;
use lineage_domain::ports::{LineageSink, ScriptStore};
use lineage_domain::{PortError, S3Location};

/// Reads job scripts and other objects from S3.
#[derive(Debug, Clone)]
pub struct S3ScriptStore {
    client: Client,
}

impl S3ScriptStore {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

/// Reads a whole object, refusing one larger than `max_bytes`. `Ok(None)` when it does not
/// exist.
async fn read_object(
    client: &Client,
    op: &str,
    bucket: &str,
    key: &str,
    max_bytes: usize,
) -> Result<Option<Vec<u8>>, AwsError> {
    let out = match client.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => out,
        Err(e) => {
            let e = AwsError::from_sdk(op, e);
            if e.kind() == lineage_domain::ErrorKind::NotFound
                && e.code()
                    .is_some_and(|c| c == "NoSuchKey" || c == "HTTP 404")
            {
                return Ok(None);
            }
            return Err(e);
        }
    };
    let too_large = |size: u64| AwsError::TooLarge {
        operation: op.to_string(),
        size,
        max: max_bytes,
    };
    if let Some(len) = out.content_length() {
        let len = u64::try_from(len).unwrap_or(0);
        if len > max_bytes as u64 {
            return Err(too_large(len));
        }
    }
    let mut body: ByteStream = out.body;
    let mut buf = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| AwsError::Transport {
            operation: op.to_string(),
            message: format!("reading the body: {e}"),
        })?;
        buf.extend_from_slice(&chunk);
        if buf.len() > max_bytes {
            return Err(too_large(buf.len() as u64));
        }
    }
    Ok(Some(buf))
}

#[async_trait]
impl ScriptStore for S3ScriptStore {
    async fn object_bytes(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, PortError> {
        let op = format!("s3:GetObject {url}");
        let loc = S3Location::parse(url)
            .filter(|l| !l.key.is_empty())
            .ok_or_else(|| AwsError::invalid(&op, "expected s3://bucket/key"))?;
        Ok(
            read_object(&self.client, &op, &loc.bucket, &loc.key, max_bytes)
                .await?
                .ok_or_else(|| AwsError::not_found(&op, "NoSuchKey: the object does not exist"))?,
        )
    }
}

/// How lineage documents are encrypted at rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (`AES256`).
    Aes256,
    /// SSE-KMS with the given key (id, alias or ARN); `None` uses the bucket's AWS managed key.
    Kms(Option<String>),
}

/// Writes OpenLineage documents to `s3://bucket/{prefix}{key}`.
#[derive(Debug, Clone)]
pub struct S3LineageSink {
    client: Client,
    bucket: String,
    prefix: String,
    encryption: Encryption,
}

/// The largest document `document()` reads back.
const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;

impl S3LineageSink {
    /// A sink writing under `bucket` with no key prefix and SSE-S3 (`AES256`).
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            prefix: String::new(),
            encryption: Encryption::Aes256,
        }
    }

    /// Puts every key under `prefix` (a `/` is added when missing; empty means none).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        let p = prefix.into();
        let p = p.trim_matches('/');
        self.prefix = if p.is_empty() {
            String::new()
        } else {
            format!("{p}/")
        };
        self
    }

    pub fn with_encryption(mut self, encryption: Encryption) -> Self {
        self.encryption = encryption;
        self
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The object key of a document key.
    pub fn object_key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key.trim_start_matches('/'))
    }
}

#[async_trait]
impl LineageSink for S3LineageSink {
    async fn put_document(&self, key: &str, body: &[u8]) -> Result<(), PortError> {
        let op = format!("s3:PutObject {}", self.location(key));
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(self.object_key(key))
            .content_type("application/json")
            .body(ByteStream::from(body.to_vec()));
        req = match &self.encryption {
            Encryption::Aes256 => req.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms(key_id) => {
                let r = req.server_side_encryption(ServerSideEncryption::AwsKms);
                match key_id {
                    Some(k) => r.ssekms_key_id(k),
                    None => r,
                }
            }
        };
        req.send().await.map_err(|e| AwsError::from_sdk(&op, e))?;
        Ok(())
    }

    async fn document(&self, key: &str) -> Result<Option<Vec<u8>>, PortError> {
        let op = format!("s3:GetObject {}", self.location(key));
        Ok(read_object(
            &self.client,
            &op,
            &self.bucket,
            &self.object_key(key),
            MAX_DOCUMENT_BYTES,
        )
        .await?)
    }

    fn location(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.object_key(key))
    }
}
