//! [`GlueJobCatalog`]: the `JobCatalog` port on AWS Glue (`GetJob`, `GetJobRun`,
//! `GetConnection`, paginated `GetJobRuns`), converting SDK output into the domain's
//! `JobDefinition`, `JobRun` and `Connection`.

use crate::error::{to_chrono, AwsError};
use async_trait::async_trait;
use aws_sdk_glue::types as glue;
use aws_sdk_glue::Client;
use chrono::{DateTime, Utc};
use lineage_domain::job::{Command, ConnectionList};
use lineage_domain::ports::JobCatalog;
use lineage_domain::{Connection, JobCommand, JobDefinition, JobRun, PortError};
use std::collections::{BTreeMap, HashMap};

/// The job catalog backed by AWS Glue.
#[derive(Debug, Clone)]
pub struct GlueJobCatalog {
    client: Client,
}

impl GlueJobCatalog {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn sorted(map: Option<&HashMap<String, String>>) -> BTreeMap<String, String> {
    map.map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

/// Converts a Glue `Job` into the domain's definition. `CodeGenConfigurationNodes` is not
/// converted (the SDK types are not serialisable); it stays `None`.
pub fn job_definition(job: &glue::Job) -> Result<JobDefinition, AwsError> {
    let name = job
        .name()
        .ok_or_else(|| AwsError::invalid("glue:GetJob", "job without a name"))?;
    let command = job.command();
    Ok(JobDefinition {
        name: name.to_string(),
        command: Command {
            name: JobCommand::from(
                command
                    .and_then(|c| c.name())
                    .unwrap_or("glueetl")
                    .to_string(),
            ),
            script_location: command
                .and_then(|c| c.script_location())
                .unwrap_or_default()
                .to_string(),
            python_version: command.and_then(|c| c.python_version()).map(str::to_string),
        },
        default_arguments: sorted(job.default_arguments()),
        connections: ConnectionList {
            connections: job
                .connections()
                .map(|c| c.connections().to_vec())
                .unwrap_or_default(),
        },
        glue_version: job.glue_version().map(str::to_string),
        worker_type: job.worker_type().map(|w| w.as_str().to_string()),
        number_of_workers: job.number_of_workers().map(i64::from),
        description: job.description().map(str::to_string),
        code_gen_configuration_nodes: job.code_gen_configuration_nodes().and_then(studio_nodes),
    })
}

/// Glue Studio's visual DAG in the shape of the Glue API's JSON (`{node id: {NodeType: {...}}}`)
/// for the source and target node types that name a dataset: catalog tables (`Database`,
/// `Table`), S3 paths (`Path`, `Paths`) and a target's `SchemaChangePolicy`. Transform nodes
/// and connector nodes carry no dataset of their own and are left out.
fn studio_nodes(
    nodes: &std::collections::HashMap<String, glue::CodeGenConfigurationNode>,
) -> Option<serde_json::Value> {
    use serde_json::{json, Map, Value};
    let table = |db: &str, t: &str| json!({"Database": db, "Table": t});
    let paths = |p: &[String]| json!({"Paths": p});
    let direct = |path: &str, policy: Option<&glue::DirectSchemaChangePolicy>| {
        let mut body = json!({"Path": path});
        if let Some(p) = policy {
            body["SchemaChangePolicy"] = json!({
                "EnableUpdateCatalog": p.enable_update_catalog().unwrap_or(false),
                "Database": p.database(),
                "Table": p.table(),
            });
        }
        body
    };
    let mut out = Map::new();
    for (id, n) in nodes {
        let typed: Option<(&str, Value)> = if let Some(x) = n.catalog_source() {
            Some(("CatalogSource", table(x.database(), x.table())))
        } else if let Some(x) = n.s3_catalog_source() {
            Some(("S3CatalogSource", table(x.database(), x.table())))
        } else if let Some(x) = n.dynamo_db_catalog_source() {
            Some(("DynamoDBCatalogSource", table(x.database(), x.table())))
        } else if let Some(x) = n.s3_csv_source() {
            Some(("S3CsvSource", paths(x.paths())))
        } else if let Some(x) = n.s3_json_source() {
            Some(("S3JsonSource", paths(x.paths())))
        } else if let Some(x) = n.s3_parquet_source() {
            Some(("S3ParquetSource", paths(x.paths())))
        } else if let Some(x) = n.s3_delta_source() {
            Some(("S3DeltaSource", paths(x.paths())))
        } else if let Some(x) = n.s3_hudi_source() {
            Some(("S3HudiSource", paths(x.paths())))
        } else if let Some(x) = n.catalog_target() {
            Some(("CatalogTarget", table(x.database(), x.table())))
        } else if let Some(x) = n.s3_catalog_target() {
            Some(("S3CatalogTarget", table(x.database(), x.table())))
        } else if let Some(x) = n.s3_direct_target() {
            Some(("S3DirectTarget", direct(x.path(), x.schema_change_policy())))
        } else if let Some(x) = n.s3_glue_parquet_target() {
            Some((
                "S3GlueParquetTarget",
                direct(x.path(), x.schema_change_policy()),
            ))
        } else {
            None
        };
        if let Some((ty, body)) = typed {
            out.insert(id.clone(), json!({ ty: body }));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

/// Converts a Glue `JobRun` into the domain's run.
pub fn job_run(run: &glue::JobRun, job_name: &str) -> Result<JobRun, AwsError> {
    let op = "glue:GetJobRun";
    let id = run
        .id()
        .ok_or_else(|| AwsError::invalid(op, "job run without an id"))?;
    let started_on = run
        .started_on()
        .and_then(to_chrono)
        .ok_or_else(|| AwsError::invalid(op, format!("job run {id} without StartedOn")))?;
    let execution_time = run.execution_time();
    Ok(JobRun {
        id: id.to_string(),
        job_name: run.job_name().unwrap_or(job_name).to_string(),
        attempt: i64::from(run.attempt()),
        arguments: sorted(run.arguments()),
        started_on,
        completed_on: run.completed_on().and_then(to_chrono),
        job_run_state: run.job_run_state().map(|s| s.as_str().to_string()),
        execution_time: (execution_time > 0).then_some(i64::from(execution_time)),
        error_message: run.error_message().map(str::to_string),
        log_group_name: run.log_group_name().map(str::to_string),
        glue_version: run.glue_version().map(str::to_string),
        worker_type: run.worker_type().map(|w| w.as_str().to_string()),
        number_of_workers: run.number_of_workers().map(i64::from),
    })
}

/// Converts a Glue `Connection` into the domain's connection.
pub fn connection(c: &glue::Connection, name: &str) -> Connection {
    Connection {
        name: c.name().unwrap_or(name).to_string(),
        connection_type: c
            .connection_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        // a password property an endpoint returns anyway is dropped here
        connection_properties: c
            .connection_properties()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !matches!(k.as_str(), "PASSWORD" | "ENCRYPTED_PASSWORD"))
                    .map(|(k, v)| (k.as_str().to_string(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[async_trait]
impl JobCatalog for GlueJobCatalog {
    async fn job(&self, job_name: &str) -> Result<JobDefinition, PortError> {
        let op = format!("glue:GetJob {job_name}");
        let out = self
            .client
            .get_job()
            .job_name(job_name)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        let job = out
            .job()
            .ok_or_else(|| AwsError::not_found(&op, "no job in the answer"))?;
        Ok(job_definition(job)?)
    }

    async fn job_run(&self, job_name: &str, run_id: &str) -> Result<JobRun, PortError> {
        let op = format!("glue:GetJobRun {job_name}/{run_id}");
        let out = self
            .client
            .get_job_run()
            .job_name(job_name)
            .run_id(run_id)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        let run = out
            .job_run()
            .ok_or_else(|| AwsError::not_found(&op, "no job run in the answer"))?;
        Ok(job_run(run, job_name)?)
    }

    async fn connection(&self, name: &str) -> Result<Connection, PortError> {
        let op = format!("glue:GetConnection {name}");
        let out = self
            .client
            .get_connection()
            .name(name)
            // the password never enters memory: lineage needs the URL and user, not secrets
            .hide_password(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        let c = out
            .connection()
            .ok_or_else(|| AwsError::not_found(&op, "no connection in the answer"))?;
        Ok(connection(c, name))
    }

    async fn job_runs(
        &self,
        job_name: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<JobRun>, PortError> {
        let op = format!("glue:GetJobRuns {job_name}");
        let mut pages = self
            .client
            .get_job_runs()
            .job_name(job_name)
            .into_paginator()
            .send();
        let mut runs = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| AwsError::from_sdk(&op, e))?;
            for r in page.job_runs() {
                let run = job_run(r, job_name)?;
                let after = since.is_none_or(|s| run.started_on >= s);
                let before = until.is_none_or(|u| run.started_on <= u);
                if after && before {
                    runs.push(run);
                }
            }
        }
        runs.sort_by(|a, b| (b.started_on, &b.id).cmp(&(a.started_on, &a.id)));
        runs.dedup_by(|a, b| a.id == b.id);
        Ok(runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_glue::types::{
        CodeGenConfigurationNode, DirectSchemaChangePolicy, JobCommand as SdkCommand,
        S3CatalogSource, S3DirectTarget, TargetFormat,
    };

    #[test]
    fn studio_dag_nodes_become_the_api_json_the_extractor_reads() {
        let source = S3CatalogSource::builder()
            .name("Raw orders")
            .database("retail_raw")
            .table("orders_csv")
            .build()
            .expect("source");
        let target = S3DirectTarget::builder()
            .name("Curated")
            .inputs("node1")
            .path("s3://curated/orders/")
            .format(TargetFormat::Parquet)
            .schema_change_policy(
                DirectSchemaChangePolicy::builder()
                    .enable_update_catalog(true)
                    .database("retail")
                    .table("orders")
                    .build(),
            )
            .build()
            .expect("target");
        let job = glue::Job::builder()
            .name("studio-job")
            .command(
                SdkCommand::builder()
                    .name("glueetl")
                    .script_location("s3://b/s.py")
                    .build(),
            )
            .code_gen_configuration_nodes(
                "node1",
                CodeGenConfigurationNode::builder()
                    .s3_catalog_source(source)
                    .build(),
            )
            .code_gen_configuration_nodes(
                "node2",
                CodeGenConfigurationNode::builder()
                    .s3_direct_target(target)
                    .build(),
            )
            .build();
        let def = job_definition(&job).expect("definition");
        let nodes = def.code_gen_configuration_nodes.expect("nodes");
        assert_eq!(
            nodes["node1"],
            serde_json::json!({"S3CatalogSource": {"Database": "retail_raw", "Table": "orders_csv"}})
        );
        assert_eq!(
            nodes["node2"]["S3DirectTarget"]["Path"],
            "s3://curated/orders/"
        );
        assert_eq!(
            nodes["node2"]["S3DirectTarget"]["SchemaChangePolicy"]["EnableUpdateCatalog"],
            true
        );
        assert_eq!(
            nodes["node2"]["S3DirectTarget"]["SchemaChangePolicy"]["Table"],
            "orders"
        );
    }
}
