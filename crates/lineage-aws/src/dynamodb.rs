//! DynamoDB behind two ports: [`DynamoDbLineageStore`] (`LineageStore`: the job-mappings and
//! execution-contexts tables, with the ordering rule enforced by conditional writes) and
//! [`DynamoDbAnswerCache`] (`AnswerCache`: model answers as JSON).
//!
//! Table layouts:
//! - job-mappings: pk `job_name` (S), sk `mapping_key` (S) = `{direction}#{dataset.key()}`;
//!   GSI `dataset-index` (pk `dataset_key`, sk `job_name`). Attributes: `dataset_key`,
//!   `namespace`, `name`, `direction`, `confidence` (N), `evidence_summary`, `first_seen_run`,
//!   `first_seen_at`, `first_seen_order`, `last_seen_run`, `last_seen_at`, `last_seen_order`,
//!   and `symlinks` (L of S `namespace|name`: the dataset's other names) when known.
//!   `*_seen_order` is `{RFC 3339 UTC with a fixed 9-digit fraction}#{run_id}`, so string order
//!   is `RunOrder` order and DynamoDB conditions can compare it.
//! - execution-contexts: pk `job_run_id` (S); `claim_owner` and `lease_until` (N, epoch ms)
//!   while a delivery holds the run (an item without `context` is only a claim); `context`
//!   holds the `ExecutionContext` JSON, with
//!   `job_name`, `state`, `started_on`, `processing_status`, `lineage_key` copied out for
//!   queries.
//! - answer cache: by default the execution-contexts table, items with pk `cache#{key}` and the
//!   `InferenceAnswer` JSON in `answer` (see [`DynamoDbAnswerCache::in_table`]).

use crate::error::AwsError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, SecondsFormat, Utc};
use lineage_domain::ports::{AnswerCache, InferenceAnswer, LineageStore};
use lineage_domain::{
    Confidence, Dataset, Direction, ExecutionContext, JobMapping, PortError, ProcessingStatus,
    RunOrder, WriteOutcome,
};
use std::collections::HashMap;

/// The name of the job-mappings GSI keyed by dataset.
pub const DATASET_INDEX: &str = "dataset-index";

type Item = HashMap<String, AttributeValue>;

/// The sortable string of a run order: `{RFC 3339 with a 9-digit fraction}#{run_id}`.
pub fn order_key(order: &RunOrder) -> String {
    format!("{}#{}", iso(order.started_on), order.run_id)
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// The `symlinks` attribute: each other name as `namespace|name`.
fn symlinks_value(symlinks: &[Dataset]) -> AttributeValue {
    AttributeValue::L(
        symlinks
            .iter()
            .map(|d| s(format!("{}|{}", d.namespace, d.name)))
            .collect(),
    )
}

/// The job-mappings item of a mapping.
pub fn mapping_item(m: &JobMapping) -> Item {
    let (pk, sk) = m.key();
    let mut item = HashMap::from([
        ("job_name".to_string(), s(pk)),
        ("mapping_key".to_string(), s(sk)),
        ("dataset_key".to_string(), s(m.dataset.key())),
        ("namespace".to_string(), s(&m.dataset.namespace)),
        ("name".to_string(), s(&m.dataset.name)),
        ("direction".to_string(), s(m.direction.as_str())),
        (
            "confidence".to_string(),
            AttributeValue::N(m.confidence.value().to_string()),
        ),
        ("evidence_summary".to_string(), s(&m.evidence_summary)),
        ("first_seen_run".to_string(), s(&m.first_seen_run)),
        ("first_seen_at".to_string(), s(iso(m.first_seen_at))),
        (
            "first_seen_order".to_string(),
            s(order_key(&m.first_seen())),
        ),
        ("last_seen_run".to_string(), s(&m.last_seen_run)),
        ("last_seen_at".to_string(), s(iso(m.last_seen_at))),
        ("last_seen_order".to_string(), s(order_key(&m.last_seen()))),
    ]);
    if !m.symlinks.is_empty() {
        item.insert("symlinks".to_string(), symlinks_value(&m.symlinks));
    }
    item
}

fn get_s<'a>(item: &'a Item, key: &str, op: &str) -> Result<&'a str, AwsError> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| AwsError::invalid(op, format!("item without string attribute `{key}`")))
}

fn get_time(item: &Item, key: &str, op: &str) -> Result<DateTime<Utc>, AwsError> {
    let text = get_s(item, key, op)?;
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| AwsError::invalid(op, format!("`{key}` = {text:?}: {e}")))
}

/// The mapping of a job-mappings item.
pub fn mapping_from_item(item: &Item) -> Result<JobMapping, AwsError> {
    let op = "dynamodb:job-mappings item";
    let direction = match get_s(item, "direction", op)? {
        "input" => Direction::Input,
        "output" => Direction::Output,
        other => return Err(AwsError::invalid(op, format!("direction {other:?}"))),
    };
    let confidence = item
        .get("confidence")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| AwsError::invalid(op, "item without numeric `confidence`"))?;
    let dataset = Dataset {
        namespace: get_s(item, "namespace", op)?.to_string(),
        name: get_s(item, "name", op)?.to_string(),
    };
    Ok(JobMapping {
        job_name: get_s(item, "job_name", op)?.to_string(),
        dataset,
        direction,
        confidence: Confidence::clamped(confidence),
        evidence_summary: get_s(item, "evidence_summary", op)
            .unwrap_or_default()
            .to_string(),
        first_seen_run: get_s(item, "first_seen_run", op)?.to_string(),
        first_seen_at: get_time(item, "first_seen_at", op)?,
        last_seen_run: get_s(item, "last_seen_run", op)?.to_string(),
        last_seen_at: get_time(item, "last_seen_at", op)?,
        symlinks: get_symlinks(item, op)?,
    })
}

/// The `symlinks` attribute of an item (none when absent).
fn get_symlinks(item: &Item, op: &str) -> Result<Vec<Dataset>, AwsError> {
    let Some(value) = item.get("symlinks") else {
        return Ok(Vec::new());
    };
    let list = value
        .as_l()
        .map_err(|_| AwsError::invalid(op, "`symlinks` is not a list"))?;
    list.iter()
        .map(|v| {
            let text = v
                .as_s()
                .map_err(|_| AwsError::invalid(op, "a `symlinks` entry is not a string"))?;
            let (namespace, name) = text.split_once('|').ok_or_else(|| {
                AwsError::invalid(op, format!("symlink {text:?} is not `namespace|name`"))
            })?;
            Ok(Dataset {
                namespace: namespace.to_string(),
                name: name.to_string(),
            })
        })
        .collect()
}

/// The execution-contexts item of a context.
pub fn context_item(c: &ExecutionContext) -> Result<Item, AwsError> {
    let json = serde_json::to_string(c)
        .map_err(|e| AwsError::invalid("dynamodb:execution-contexts item", e.to_string()))?;
    Ok(HashMap::from([
        ("job_run_id".to_string(), s(&c.job_run_id)),
        ("job_name".to_string(), s(&c.job_name)),
        ("state".to_string(), s(c.state.as_str())),
        ("started_on".to_string(), s(iso(c.started_on))),
        (
            "processing_status".to_string(),
            s(c.processing_status.as_str()),
        ),
        ("lineage_key".to_string(), s(&c.lineage_key)),
        ("context".to_string(), s(json)),
    ]))
}

/// The job mappings and execution contexts, in two DynamoDB tables.
#[derive(Debug, Clone)]
pub struct DynamoDbLineageStore {
    client: Client,
    mapping_table: String,
    context_table: String,
}

impl DynamoDbLineageStore {
    pub fn new(
        client: Client,
        mapping_table: impl Into<String>,
        context_table: impl Into<String>,
    ) -> Self {
        Self {
            client,
            mapping_table: mapping_table.into(),
            context_table: context_table.into(),
        }
    }

    pub fn mapping_table(&self) -> &str {
        &self.mapping_table
    }
    pub fn context_table(&self) -> &str {
        &self.context_table
    }

    /// Runs a conditional update; `Ok(false)` when the condition did not hold.
    async fn conditional_update(
        &self,
        op: &str,
        key: &Item,
        set: &str,
        condition: &str,
        values: Item,
    ) -> Result<bool, AwsError> {
        let res = self
            .client
            .update_item()
            .table_name(&self.mapping_table)
            .set_key(Some(key.clone()))
            .update_expression(set)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .send()
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = AwsError::from_sdk(op, e);
                if e.is_conditional_check_failed() {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn query_all(
        &self,
        op: &str,
        index: Option<&str>,
        key_condition: &str,
        values: Item,
    ) -> Result<Vec<JobMapping>, AwsError> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.mapping_table)
            .set_index_name(index.map(str::to_string))
            .key_condition_expression(key_condition)
            .set_expression_attribute_values(Some(values))
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| AwsError::from_sdk(op, e))?;
            out.push(mapping_from_item(&item)?);
        }
        Ok(out)
    }
}

fn sort_mappings(v: &mut [JobMapping]) {
    v.sort_by_key(JobMapping::key);
}

#[async_trait]
impl LineageStore for DynamoDbLineageStore {
    async fn execution_context(&self, run_id: &str) -> Result<Option<ExecutionContext>, PortError> {
        let op = format!("dynamodb:GetItem {} {run_id}", self.context_table);
        let out = self
            .client
            .get_item()
            .table_name(&self.context_table)
            .key("job_run_id", s(run_id))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        // an item without `context` is a claim on a run not yet recorded
        let Some(item) = out.item().filter(|i| i.contains_key("context")) else {
            return Ok(None);
        };
        let json = get_s(item, "context", &op)?;
        let ctx = serde_json::from_str(json)
            .map_err(|e| AwsError::invalid(&op, format!("`context` does not decode: {e}")))?;
        Ok(Some(ctx))
    }

    async fn put_execution_context(
        &self,
        context: &ExecutionContext,
    ) -> Result<WriteOutcome, PortError> {
        let op = format!(
            "dynamodb:PutItem {} {}",
            self.context_table, context.job_run_id
        );
        let res = self
            .client
            .put_item()
            .table_name(&self.context_table)
            .set_item(Some(context_item(context)?))
            // a run is written once, unless what is recorded is not done
            .condition_expression(
                "attribute_not_exists(job_run_id) OR attribute_not_exists(#c) \
                 OR processing_status = :incomplete",
            )
            .expression_attribute_names("#c", "context")
            .expression_attribute_values(":incomplete", s(ProcessingStatus::Incomplete.as_str()))
            .send()
            .await;
        match res {
            Ok(_) => Ok(WriteOutcome::Written),
            Err(e) => {
                let e = AwsError::from_sdk(&op, e);
                if e.is_conditional_check_failed() {
                    Ok(WriteOutcome::Unchanged)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    async fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        lease: std::time::Duration,
        force: bool,
    ) -> Result<bool, PortError> {
        let op = format!(
            "dynamodb:UpdateItem {} {run_id} (claim)",
            self.context_table
        );
        let now = Utc::now().timestamp_millis();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        let free = "(attribute_not_exists(lease_until) OR lease_until < :now OR claim_owner = :me)";
        let condition = if force {
            free.to_string()
        } else {
            format!("(attribute_not_exists(#c) OR processing_status = :incomplete) AND {free}")
        };
        let mut req = self
            .client
            .update_item()
            .table_name(&self.context_table)
            .key("job_run_id", s(run_id))
            .update_expression("SET claim_owner = :me, lease_until = :until")
            .condition_expression(condition)
            .expression_attribute_values(":me", s(owner))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .expression_attribute_values(":until", AttributeValue::N(until.to_string()));
        if !force {
            req = req
                .expression_attribute_names("#c", "context")
                .expression_attribute_values(
                    ":incomplete",
                    s(ProcessingStatus::Incomplete.as_str()),
                );
        }
        match req.send().await {
            Ok(_) => Ok(true),
            Err(e) => {
                let e = AwsError::from_sdk(&op, e);
                if e.is_conditional_check_failed() {
                    Ok(false)
                } else {
                    Err(e.into())
                }
            }
        }
    }

    async fn release_run(&self, run_id: &str, owner: &str) -> Result<(), PortError> {
        // a claim on a run with no context is deleted whole; on an incomplete context's item
        // only the claim's attributes are removed
        let op = format!(
            "dynamodb:DeleteItem {} {run_id} (release)",
            self.context_table
        );
        let res = self
            .client
            .delete_item()
            .table_name(&self.context_table)
            .key("job_run_id", s(run_id))
            .condition_expression("claim_owner = :me AND attribute_not_exists(#c)")
            .expression_attribute_names("#c", "context")
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match res {
            Ok(_) => return Ok(()),
            Err(e) => {
                let e = AwsError::from_sdk(&op, e);
                if !e.is_conditional_check_failed() {
                    return Err(e.into());
                }
            }
        }
        let op = format!(
            "dynamodb:UpdateItem {} {run_id} (release)",
            self.context_table
        );
        let res = self
            .client
            .update_item()
            .table_name(&self.context_table)
            .key("job_run_id", s(run_id))
            .update_expression("REMOVE claim_owner, lease_until")
            .condition_expression("claim_owner = :me")
            .expression_attribute_values(":me", s(owner))
            .send()
            .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) => {
                let e = AwsError::from_sdk(&op, e);
                if e.is_conditional_check_failed() {
                    Ok(())
                } else {
                    Err(e.into())
                }
            }
        }
    }

    async fn replace_execution_context(&self, context: &ExecutionContext) -> Result<(), PortError> {
        let op = format!(
            "dynamodb:PutItem {} {} (replace)",
            self.context_table, context.job_run_id
        );
        self.client
            .put_item()
            .table_name(&self.context_table)
            .set_item(Some(context_item(context)?))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        Ok(())
    }

    async fn merge_mapping(&self, mapping: &JobMapping) -> Result<WriteOutcome, PortError> {
        let (pk, sk) = mapping.key();
        let op = format!("dynamodb:merge {} {pk}/{sk}", self.mapping_table);
        // a new mapping: the whole item, only if there is none
        let res = self
            .client
            .put_item()
            .table_name(&self.mapping_table)
            .set_item(Some(mapping_item(mapping)))
            .condition_expression("attribute_not_exists(job_name)")
            .send()
            .await;
        match res {
            Ok(_) => return Ok(WriteOutcome::Written),
            Err(e) => {
                let e = AwsError::from_sdk(&op, e);
                if !e.is_conditional_check_failed() {
                    return Err(e.into());
                }
            }
        }
        // an existing one: each half moves only forward (last) or back (first), atomically
        let run = order_key(&mapping.last_seen());
        let key = HashMap::from([
            ("job_name".to_string(), s(pk)),
            ("mapping_key".to_string(), s(sk)),
        ]);
        // symlinks follow the last seen run, unless it knew none (JobMapping::merge)
        let mut last_values = HashMap::from([
            (":run".to_string(), s(&mapping.last_seen_run)),
            (":at".to_string(), s(iso(mapping.last_seen_at))),
            (":order".to_string(), s(&run)),
            (
                ":confidence".to_string(),
                AttributeValue::N(mapping.confidence.value().to_string()),
            ),
            (":evidence".to_string(), s(&mapping.evidence_summary)),
        ]);
        let (last_set, last_condition) = if mapping.symlinks.is_empty() {
            (
                "SET last_seen_run = :run, last_seen_at = :at, last_seen_order = :order, \
                 confidence = :confidence, evidence_summary = :evidence",
                "last_seen_order < :order OR (last_seen_order = :order AND \
                 (confidence <> :confidence OR evidence_summary <> :evidence))",
            )
        } else {
            last_values.insert(":symlinks".to_string(), symlinks_value(&mapping.symlinks));
            (
                "SET last_seen_run = :run, last_seen_at = :at, last_seen_order = :order, \
                 confidence = :confidence, evidence_summary = :evidence, symlinks = :symlinks",
                "last_seen_order < :order OR (last_seen_order = :order AND \
                 (confidence <> :confidence OR evidence_summary <> :evidence \
                 OR attribute_not_exists(symlinks) OR symlinks <> :symlinks))",
            )
        };
        // the two halves touch different attributes: sent at once
        let (last, first) = futures::join!(
            self.conditional_update(&op, &key, last_set, last_condition, last_values),
            self.conditional_update(
                &op,
                &key,
                "SET first_seen_run = :run, first_seen_at = :at, first_seen_order = :first",
                "first_seen_order > :order",
                HashMap::from([
                    (":run".to_string(), s(&mapping.first_seen_run)),
                    (":at".to_string(), s(iso(mapping.first_seen_at))),
                    (":first".to_string(), s(order_key(&mapping.first_seen()))),
                    (":order".to_string(), s(&run)),
                ]),
            )
        );
        let (last, first) = (last?, first?);
        Ok(if last || first {
            WriteOutcome::Written
        } else {
            WriteOutcome::Unchanged
        })
    }

    async fn mappings_for_dataset(&self, dataset: &Dataset) -> Result<Vec<JobMapping>, PortError> {
        let op = format!(
            "dynamodb:Query {} {DATASET_INDEX} {}",
            self.mapping_table,
            dataset.key()
        );
        let mut v = self
            .query_all(
                &op,
                Some(DATASET_INDEX),
                "dataset_key = :d",
                HashMap::from([(":d".to_string(), s(dataset.key()))]),
            )
            .await?;
        sort_mappings(&mut v);
        Ok(v)
    }

    async fn mappings_for_job(&self, job_name: &str) -> Result<Vec<JobMapping>, PortError> {
        let op = format!("dynamodb:Query {} {job_name}", self.mapping_table);
        let mut v = self
            .query_all(
                &op,
                None,
                "job_name = :j",
                HashMap::from([(":j".to_string(), s(job_name))]),
            )
            .await?;
        sort_mappings(&mut v);
        Ok(v)
    }

    async fn all_mappings(&self) -> Result<Vec<JobMapping>, PortError> {
        let op = format!("dynamodb:Scan {}", self.mapping_table);
        let mut pages = self
            .client
            .scan()
            .table_name(&self.mapping_table)
            .into_paginator()
            .items()
            .send();
        let mut out = Vec::new();
        while let Some(item) = pages.next().await {
            let item = item.map_err(|e| AwsError::from_sdk(&op, e))?;
            out.push(mapping_from_item(&item)?);
        }
        sort_mappings(&mut out);
        Ok(out)
    }
}

/// How long a cached answer is kept: the table's TTL deletes the item this long after it was
/// written (DynamoDB deletes expired items within a few days; a read never returns one past
/// its `expires_at`).
pub const ANSWER_TTL: chrono::Duration = chrono::Duration::days(30);

/// The attribute the table's TTL reads (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";

/// Model answers cached in a DynamoDB table, one item per cache key, each with an
/// [`TTL_ATTRIBUTE`] [`ANSWER_TTL`] after it was written.
#[derive(Debug, Clone)]
pub struct DynamoDbAnswerCache {
    client: Client,
    table: String,
    key_attribute: String,
    key_prefix: String,
}

impl DynamoDbAnswerCache {
    /// Shares the execution-contexts table: items with `job_run_id = "cache#{key}"`.
    pub fn new(client: Client, context_table: impl Into<String>) -> Self {
        Self::in_table(client, context_table, "job_run_id", "cache#")
    }

    /// Any table with a string partition key `key_attribute`; items are keyed
    /// `{key_prefix}{key}` and hold the answer JSON in `answer`.
    pub fn in_table(
        client: Client,
        table: impl Into<String>,
        key_attribute: impl Into<String>,
        key_prefix: impl Into<String>,
    ) -> Self {
        Self {
            client,
            table: table.into(),
            key_attribute: key_attribute.into(),
            key_prefix: key_prefix.into(),
        }
    }
}

#[async_trait]
impl AnswerCache for DynamoDbAnswerCache {
    async fn cached_answer(&self, key: &str) -> Result<Option<InferenceAnswer>, PortError> {
        let op = format!("dynamodb:GetItem {} {}{key}", self.table, self.key_prefix);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(&self.key_attribute, s(format!("{}{key}", self.key_prefix)))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let expired = item
            .get(TTL_ATTRIBUTE)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|at| at <= Utc::now().timestamp());
        if expired {
            return Ok(None);
        }
        let json = get_s(item, "answer", &op)?;
        let answer = serde_json::from_str(json)
            .map_err(|e| AwsError::invalid(&op, format!("`answer` does not decode: {e}")))?;
        Ok(Some(answer))
    }

    async fn put_answer(&self, key: &str, answer: &InferenceAnswer) -> Result<(), PortError> {
        let op = format!("dynamodb:PutItem {} {}{key}", self.table, self.key_prefix);
        let json =
            serde_json::to_string(answer).map_err(|e| AwsError::invalid(&op, e.to_string()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .item(&self.key_attribute, s(format!("{}{key}", self.key_prefix)))
            .item("answer", s(json))
            .item("cached_at", s(iso(Utc::now())))
            .item(
                TTL_ATTRIBUTE,
                AttributeValue::N((Utc::now() + ANSWER_TTL).timestamp().to_string()),
            )
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(&op, e))?;
        Ok(())
    }
}
