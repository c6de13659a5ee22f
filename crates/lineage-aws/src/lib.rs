//! AWS adapters behind the domain's ports: Glue ([`GlueJobCatalog`]), S3 ([`S3ScriptStore`],
//! [`S3LineageSink`]), CloudWatch Logs ([`CloudWatchRunLogs`]), DynamoDB
//! ([`DynamoDbLineageStore`], [`DynamoDbAnswerCache`]), Bedrock ([`BedrockLineageModel`]),
//! SQS ([`SqsEventQueue`]), S3 and the Glue Data Catalog for storage checks
//! ([`S3GlueDatasetStorage`]), CloudWatch EMF metrics ([`EmfMetrics`]), the dependency health check
//! ([`health`]), and [`AwsClients`], which builds every SDK client once from the environment.
//! The adapters know the domain's ports only, never the use case: the binaries wire them.

pub mod bedrock;
pub mod datazone;
pub mod dynamodb;
pub mod error;
pub mod glue;
pub mod health;
pub mod logs;
pub mod metrics;
pub mod s3;
pub mod sqs;
pub mod storage;

pub use bedrock::BedrockLineageModel;
pub use dynamodb::{DynamoDbAnswerCache, DynamoDbLineageStore};
pub use error::AwsError;
pub use glue::GlueJobCatalog;
pub use health::model::ModelCheck;
pub use health::{DependencyHealth, HealthReport, HealthStatus};
pub use logs::CloudWatchRunLogs;
pub use metrics::EmfMetrics;
pub use s3::{Encryption, S3LineageSink, S3ScriptStore};
pub use sqs::SqsEventQueue;
pub use storage::S3GlueDatasetStorage;

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Every SDK client the agent uses, built once (at Lambda init) and cloned cheaply.
#[derive(Debug, Clone)]
pub struct AwsClients {
    pub config: SdkConfig,
    pub glue: aws_sdk_glue::Client,
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub bedrock: aws_sdk_bedrockruntime::Client,
    pub sqs: aws_sdk_sqs::Client,
}

/// The SDK's configuration loader with the agent's HTTP client: hyper 1 and rustls on ring (the
/// SDK crates are built without their default client, rustls on aws-lc; see the workspace
/// manifest). Every SDK config starts here: one without an HTTP client fails every call.
pub fn sdk_defaults() -> aws_config::ConfigLoader {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let client = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest()).http_client(client)
}

/// Timeouts of the AWS service calls, so a stalled connection fails (retryably) instead of
/// hanging until the Lambda's own timeout: 3 s to connect, 20 s per attempt, 60 s per operation
/// including the SDK's retries.
pub fn service_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(20))
        .operation_timeout(std::time::Duration::from_secs(60))
        .build()
}

/// Timeouts of a model call (one attempt; the engine retries): 3 s to connect, 60 s for the
/// answer (the Lambda's 300 s timeout holds four attempts and their backoff).
pub fn model_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(3))
        .operation_attempt_timeout(std::time::Duration::from_secs(60))
        .operation_timeout(std::time::Duration::from_secs(60))
        .build()
}

impl AwsClients {
    /// From the standard AWS environment (credentials chain, `AWS_REGION`, `AWS_ENDPOINT_URL`
    /// and `AWS_ENDPOINT_URL_<SERVICE>`). S3 uses path-style addressing when an endpoint URL is
    /// set (emulators such as moto or LocalStack).
    pub async fn from_env() -> Self {
        let config = sdk_defaults()
            .timeout_config(service_timeouts())
            .load()
            .await;
        let custom_s3_endpoint = config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|v| !v.is_empty());
        Self::from_config(config, custom_s3_endpoint)
    }

    /// Against one endpoint (an emulator), with static credentials: for tests and local runs.
    pub async fn for_endpoint(endpoint_url: &str, region: &str, key: &str, secret: &str) -> Self {
        let credentials = aws_sdk_s3::config::Credentials::new(key, secret, None, None, "static");
        let config = sdk_defaults()
            .endpoint_url(endpoint_url)
            .region(Region::new(region.to_string()))
            .credentials_provider(credentials)
            .timeout_config(service_timeouts())
            .load()
            .await;
        Self::from_config(config, true)
    }

    /// From an already loaded config.
    pub fn from_config(config: SdkConfig, s3_path_style: bool) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(s3_path_style)
            .build();
        Self {
            glue: aws_sdk_glue::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            // the engine retries model calls with its own backoff: no SDK retries on top; a
            // model answer of up to max_tokens takes longer than a service call
            bedrock: {
                let mut b = aws_sdk_bedrockruntime::config::Builder::from(&config)
                    .retry_config(aws_config::retry::RetryConfig::disabled());
                if config.timeout_config() == Some(&service_timeouts()) {
                    b = b.timeout_config(model_timeouts());
                }
                aws_sdk_bedrockruntime::Client::from_conf(b.build())
            },
            config,
        }
    }

    pub fn job_catalog(&self) -> GlueJobCatalog {
        GlueJobCatalog::new(self.glue.clone())
    }
    pub fn script_store(&self) -> S3ScriptStore {
        S3ScriptStore::new(self.s3.clone())
    }
    pub fn dataset_storage(&self) -> S3GlueDatasetStorage {
        S3GlueDatasetStorage::new(self.s3.clone(), self.glue.clone())
    }
    pub fn run_logs(&self) -> CloudWatchRunLogs {
        CloudWatchRunLogs::new(self.logs.clone())
    }
    pub fn lineage_store(&self, mapping_table: &str, context_table: &str) -> DynamoDbLineageStore {
        DynamoDbLineageStore::new(self.dynamodb.clone(), mapping_table, context_table)
    }
    pub fn answer_cache(&self, context_table: &str) -> DynamoDbAnswerCache {
        DynamoDbAnswerCache::new(self.dynamodb.clone(), context_table)
    }
    pub fn lineage_sink(&self, bucket: &str, prefix: &str) -> S3LineageSink {
        S3LineageSink::new(self.s3.clone(), bucket).with_prefix(prefix)
    }
    pub fn lineage_model(&self, model_id: &str) -> BedrockLineageModel {
        BedrockLineageModel::new(self.bedrock.clone(), model_id)
    }
    pub fn event_queue(&self, queue_url: &str) -> SqsEventQueue {
        SqsEventQueue::new(self.sqs.clone(), queue_url)
    }
    /// Events posted to an Amazon DataZone domain (its client is built here, only when a
    /// deployment sends to DataZone).
    pub fn datazone_transport(&self, domain_id: &str) -> datazone::DataZoneLineageTransport {
        datazone::DataZoneLineageTransport::new(
            aws_sdk_datazone::Client::new(&self.config),
            domain_id,
        )
    }

    /// The health of the given tables and bucket.
    pub async fn health(&self, tables: &[&str], bucket: &str) -> HealthReport {
        health::check(&self.dynamodb, &self.s3, tables, bucket).await
    }
}
