//! Least privilege, both ways: the AWS API calls the adapters make are derived from their
//! source (every SDK fluent call on a known client — Glue, S3, DynamoDB, CloudWatch Logs,
//! Bedrock Runtime, SQS — in `crates/lineage-aws/src/**/*.rs`), mapped to IAM actions; each the
//! Lambda makes must be granted both in `infra/iam-actions.txt` and in the function's policy in
//! `infra/template.yaml`, each only the operator CLI makes in the operator policy and never in
//! the function's; and the function's policy grants nothing the Lambda does not call (or the
//! Lambda service does not do on its behalf). No statement allows a wildcard action.

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The IAM service prefix of an SDK crate / client field name.
fn service(name: &str) -> Option<&'static str> {
    match name {
        "glue" => Some("glue"),
        "s3" => Some("s3"),
        "dynamodb" => Some("dynamodb"),
        "cloudwatchlogs" | "logs" => Some("logs"),
        "bedrockruntime" | "bedrock" => Some("bedrock"),
        "sqs" => Some("sqs"),
        "datazone" => Some("datazone"),
        _ => None,
    }
}

/// The IAM action an SDK operation needs.
fn iam_action(service: &str, op: &str) -> String {
    match (service, op) {
        ("s3", "head_bucket" | "list_objects_v2" | "list_objects") => "s3:ListBucket".into(),
        ("s3", "head_object") => "s3:GetObject".into(),
        ("bedrock", "converse" | "invoke_model") => "bedrock:InvokeModel".into(),
        ("bedrock", "converse_stream" | "invoke_model_with_response_stream") => {
            "bedrock:InvokeModelWithResponseStream".into()
        }
        _ => {
            let pascal: String = op
                .split('_')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect();
            format!("{service}:{pascal}")
        }
    }
}

/// Methods of a client (or its handle) that are not API operations.
const NOT_OPERATIONS: &[&str] = &["clone", "config", "as_ref", "to_owned"];

/// (action, where) of every SDK call in the adapters' source.
fn derived_calls() -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(&root().join("crates/lineage-aws/src"), &mut files);
    files.sort();
    // `client.op()`, `self.client.op()`, `c.dynamodb.op()`, across line breaks
    let call = Regex::new(
        r"\b(client|glue|s3|dynamodb|logs|bedrock|sqs|datazone)\s*\.\s*([a-z][a-z0-9_]*)\(\s*\)",
    )
    .expect("regex");
    let sdk_type = Regex::new(r"aws_sdk_([a-z0-9]+)::Client\b").expect("regex");
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let rel = file
            .strip_prefix(root())
            .unwrap_or(&file)
            .display()
            .to_string();
        // the file's client type, for `client.op()` (a function's own parameter type wins)
        let file_service = sdk_type
            .captures_iter(&text)
            .filter_map(|c| service(&c[1]))
            .collect::<BTreeSet<_>>();
        for c in call.captures_iter(&text) {
            let (ident, op) = (&c[1], &c[2]);
            if NOT_OPERATIONS.contains(&op) {
                continue;
            }
            let at = c.get(0).map_or(0, |m| m.start());
            let svc = match service(ident) {
                Some(s) if ident != "client" => s,
                _ => {
                    let fn_start = text[..at].rfind("fn ").unwrap_or(0);
                    let in_fn = sdk_type
                        .captures_iter(&text[fn_start..at])
                        .filter_map(|c| service(&c[1]))
                        .last();
                    match (in_fn, file_service.len()) {
                        (Some(s), _) => s,
                        (None, 1) => file_service.iter().next().copied().unwrap_or_default(),
                        _ => panic!(
                            "{rel}: cannot tell which client `{ident}.{op}()` is on: name the \
                             SDK type in the function or the file"
                        ),
                    }
                }
            };
            let line = text[..at].lines().count();
            out.entry(iam_action(svc, op))
                .or_default()
                .insert(format!("{rel}:{line}"));
        }
    }
    out
}

/// Calls only the operator CLI makes (with the operator's credentials), never the Lambda: the
/// Lambda's code (the engine's pipeline and the Lambda crate) must not reach them.
const OPERATOR_ONLY: &[(&str, &str)] = &[
    (
        "dynamodb:Scan",
        "all_mappings", // DynamoDbLineageStore::all_mappings, for `lineage-agent lineage`
    ),
    (
        "sqs:SendMessageBatch",
        "event_queue", // AwsClients::event_queue, for `lineage-agent replay --to-queue`
    ),
    (
        "dynamodb:Query",
        "mappings_for_", // mappings_for_dataset / mappings_for_job, for `lineage-agent lineage`
    ),
    (
        "glue:GetJobRuns",
        "job_runs(", // GlueJobCatalog::job_runs, for `lineage-agent replay --jobs`
    ),
];

/// What the Lambda service does with the function's role on its behalf (no SDK call in our
/// code): the SQS event source polls and deletes, failed async events go to the DLQ, logs and
/// traces are shipped; KMS decrypts objects of customer-key buckets inside S3 GetObject.
const ON_THE_LAMBDAS_BEHALF: &[&str] = &[
    "kms:Decrypt",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
];

/// The lines of one top-level resource of the template (`  Name:` up to the next one).
fn resource_block(text: &str, name: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in text.lines() {
        let top =
            line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':');
        if top {
            inside = line.trim() == format!("{name}:");
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(!out.is_empty(), "no resource {name} in the template");
    out
}

/// The actions the Allow statements of a block grant.
fn allowed_in(block: &str) -> BTreeSet<String> {
    statements(block)
        .into_iter()
        .filter(|(effect, _, principal, _)| effect == "Allow" && principal.is_empty())
        .flat_map(|(_, actions, _, _)| actions)
        .collect()
}

fn iam_actions_file() -> BTreeSet<String> {
    let path = root().join("infra/iam-actions.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): it must list every IAM action the Lambda needs, one per line",
            path.display()
        )
    });
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn template() -> String {
    let path = root().join("infra/template.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is missing: {e}", path.display()))
}

/// Every IAM statement of the template: (effect, actions, principal text, line).
fn statements(text: &str) -> Vec<(String, Vec<String>, String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        let Some(effect) = t
            .strip_prefix("- Effect:")
            .or_else(|| t.strip_prefix("Effect:"))
        else {
            continue;
        };
        // the statement's block: lines at the same or deeper indentation around `Effect`
        let indent = l.len() - t.len() + usize::from(t.starts_with("- ")) * 2;
        let start = (0..=i)
            .rev()
            .find(|&j| {
                let tj = lines[j].trim_start();
                lines[j].len() - tj.len() + 2 == indent && tj.starts_with("- ")
            })
            .unwrap_or(i);
        let end = (i + 1..lines.len())
            .find(|&j| {
                let tj = lines[j].trim_start();
                !tj.is_empty() && lines[j].len() - tj.len() < indent
            })
            .unwrap_or(lines.len());
        let block = &lines[start..end];
        let mut actions = Vec::new();
        let mut principal = String::new();
        let mut k = 0;
        while k < block.len() {
            let b = block[k].trim_start();
            let b = b.strip_prefix("- ").unwrap_or(b);
            let b_indent = block[k].len() - block[k].trim_start().len();
            if let Some(rest) = b.strip_prefix("Action:") {
                let rest = rest.trim();
                if rest.is_empty() {
                    k += 1;
                    while k < block.len() && block[k].trim_start().starts_with("- ") {
                        let item = block[k].trim_start().trim_start_matches("- ").trim();
                        actions.push(item.trim_matches('"').to_string());
                        k += 1;
                    }
                    continue;
                }
                actions.extend(
                    rest.trim_matches(['[', ']'])
                        .split(',')
                        .map(|a| a.trim().trim_matches('"').to_string())
                        .filter(|a| !a.is_empty()),
                );
            } else if let Some(rest) = b.strip_prefix("Principal:") {
                principal.push_str(rest.trim());
                let mut m = k + 1;
                while m < block.len() && block[m].len() - block[m].trim_start().len() > b_indent {
                    principal.push(' ');
                    principal.push_str(block[m].trim());
                    m += 1;
                }
            }
            k += 1;
        }
        out.push((effect.trim().to_string(), actions, principal, i + 1));
    }
    out
}

#[test]
fn every_sdk_call_of_the_adapters_is_granted_and_nothing_more_is_wildcarded() {
    let calls = derived_calls();
    eprintln!("derived AWS calls: {:?}", calls.keys().collect::<Vec<_>>());
    // the derivation sees the calls we know are there
    for expected in [
        "glue:GetJobRun",
        "glue:GetJob",
        "glue:GetConnection",
        "s3:GetObject",
        "s3:PutObject",
        "s3:ListBucket",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
        "logs:FilterLogEvents",
        "bedrock:InvokeModel",
    ] {
        assert!(
            calls.contains_key(expected),
            "{expected} not derived: {calls:?}"
        );
    }

    let listed = iam_actions_file();
    let text = template();
    // the function role's policies: the main one, and the one a DataZone domain adds
    let allowed: BTreeSet<String> = ["LineageFunctionPolicy", "LineageFunctionDataZonePolicy"]
        .iter()
        .flat_map(|r| allowed_in(&resource_block(&text, r)))
        .collect();
    let operator = allowed_in(&resource_block(&text, "OperatorPolicy"));
    let lambda_code = {
        let mut files = Vec::new();
        rust_files(&root().join("crates/lineage-lambda/src"), &mut files);
        for f in [
            "pipeline.rs",
            "gather.rs",
            "persist.rs",
            "infer.rs",
            "validate.rs",
        ] {
            files.push(root().join("crates/lineage-engine/src").join(f));
        }
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap_or_default())
            .collect::<String>()
    };
    let mut problems = Vec::new();
    for (action, sites) in &calls {
        if let Some((_, method)) = OPERATOR_ONLY.iter().find(|(a, _)| a == action) {
            assert!(
                !lambda_code.contains(method),
                "{action} is listed as operator-only, but the Lambda's code calls {method}"
            );
            if !operator.contains(action) {
                problems.push(format!(
                    "{action} (operator-only, called at {sites:?}) is not in the OperatorPolicy"
                ));
            }
            if allowed.contains(action) || listed.contains(action) {
                problems.push(format!(
                    "{action} is operator-only but granted to the Lambda's role"
                ));
            }
            continue;
        }
        if !listed.contains(action) {
            problems.push(format!(
                "{action} (called at {sites:?}) is not in infra/iam-actions.txt"
            ));
        }
        if !allowed.contains(action) {
            problems.push(format!(
                "{action} (called at {sites:?}) is not granted by an identity policy in infra/template.yaml"
            ));
        }
    }
    // the other way: the function's policy grants only what the Lambda calls
    for action in &allowed {
        let called = calls.contains_key(action) && !OPERATOR_ONLY.iter().any(|(a, _)| a == action);
        if !called && !ON_THE_LAMBDAS_BEHALF.contains(&action.as_str()) {
            problems.push(format!(
                "{action} is granted to the Lambda's role, but the Lambda never calls it"
            ));
        }
    }
    assert_eq!(
        &allowed, &listed,
        "infra/iam-actions.txt is the function policy's actions"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_template_grants_no_wildcard_action() {
    let text = template();
    let all = statements(&text);
    assert!(
        all.len() >= 5,
        "the statement parser sees the template's statements: {all:?}"
    );
    let mut wildcards = Vec::new();
    for (effect, actions, principal, line) in &all {
        if effect != "Allow" {
            continue;
        }
        for a in actions {
            if !a.contains('*') {
                continue;
            }
            // AWS's default key policy: the account root administers its own KMS key (without
            // it the key becomes unmanageable); IAM policies still decide who may use it.
            let key_admin = a == "kms:*" && principal.contains(":root");
            if !key_admin {
                wildcards.push(format!(
                    "infra/template.yaml:{line}: Allow {a} (principal {principal:?})"
                ));
            }
        }
    }
    assert!(
        wildcards.is_empty(),
        "wildcard actions granted:\n{}",
        wildcards.join("\n")
    );
}

#[test]
fn the_derivation_maps_operations_to_iam_actions() {
    assert_eq!(iam_action("glue", "get_job_run"), "glue:GetJobRun");
    assert_eq!(iam_action("bedrock", "converse"), "bedrock:InvokeModel");
    assert_eq!(iam_action("s3", "head_bucket"), "s3:ListBucket");
    assert_eq!(
        iam_action("dynamodb", "describe_table"),
        "dynamodb:DescribeTable"
    );
    assert_eq!(
        iam_action("logs", "filter_log_events"),
        "logs:FilterLogEvents"
    );
    assert_eq!(
        statements(
            "Statement:\n  - Sid: A\n    Effect: Allow\n    Action:\n      - s3:GetObject\n      - s3:PutObject\n    Resource: x\n  - Effect: Deny\n    Principal: \"*\"\n    Action: \"s3:*\"\n"
        )
        .into_iter()
        .map(|(e, a, p, _)| (e, a, p))
        .collect::<Vec<_>>(),
        vec![
            (
                "Allow".to_string(),
                vec!["s3:GetObject".to_string(), "s3:PutObject".to_string()],
                String::new()
            ),
            (
                "Deny".to_string(),
                vec!["s3:*".to_string()],
                "\"*\"".to_string()
            ),
        ]
    );
}
