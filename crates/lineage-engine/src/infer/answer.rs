//! The answer's contract: the `emit_lineage` tool the model is made to call, the JSON schema
//! of its input, and the one check of an answer against that schema. The check is the schema's
//! rules written over the answer's fields (its limits are the same constants); a test holds it
//! to a JSON-Schema validator's verdict on thousands of generated answers. Fresh replies and
//! cached answers pass the same check; what fails it is a typed [`ModelError::InvalidAnswer`].

use lineage_domain::ports::{AnswerTool, InferenceAnswer, ModelReply, ProposedDataset};
use lineage_domain::PortError;
use serde_json::{json, Value};

/// The one tool the model is made to call.
pub const TOOL_NAME: &str = "emit_lineage";

/// Why the model stage failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// The call failed (throttled, denied, timed out, ...).
    #[error("{0}")]
    Call(PortError),
    /// The model answered, but not with input that matches the tool's schema.
    #[error("invalid answer from {model_id}: {why}")]
    InvalidAnswer { model_id: String, why: String },
    /// The answer was cut at its output budget (`stopReason` `max_tokens`), already the most
    /// the model allows.
    #[error("the answer of {model_id} was cut at max_tokens {max_tokens}, the model's limit")]
    Truncated { model_id: String, max_tokens: u32 },
    /// No time is left in the invocation for another attempt.
    #[error("no time left for another model attempt before the invocation deadline: {last}")]
    OutOfTime { last: String },
}

impl ModelError {
    /// Whether asking again may succeed (an invalid answer is retried once, separately).
    pub fn is_retryable(&self) -> bool {
        match self {
            ModelError::Call(e) => e.is_retryable(),
            ModelError::InvalidAnswer { .. }
            | ModelError::Truncated { .. }
            | ModelError::OutOfTime { .. } => false,
        }
    }
}

/// At most this many datasets in one answer.
pub const MAX_DATASETS: usize = 200;
/// At most this many evidence quotes per dataset.
pub const MAX_QUOTES: usize = 10;
/// At most this many characters per evidence quote.
pub const MAX_QUOTE_CHARS: usize = 400;
/// The two directions a dataset is proposed in.
const DIRECTIONS: [&str; 2] = ["input", "output"];

/// The JSON schema of the tool's input.
pub fn tool_schema() -> Value {
    json!({
        "type": "object",
        "required": ["datasets"],
        "properties": {
            "datasets": {
                "type": "array",
                "maxItems": MAX_DATASETS,
                "description": "Every dataset the job run read (input) or wrote (output). A dataset both read and written appears twice, once per direction.",
                "items": {
                    "type": "object",
                    "required": ["namespace", "name", "direction", "confidence", "evidence"],
                    "properties": {
                        "namespace": {
                            "type": "string",
                            "minLength": 1,
                            "pattern": "\\S",
                            "description": "OpenLineage namespace: s3://bucket, arn:aws:glue:{region}:{account}, postgres://host:port, mysql://host:port, sqlserver://host:port, redshift://{cluster}.{region}:{port}, kafka://broker:port, kinesis://{region}, arn:aws:dynamodb:{region}:{account}"
                        },
                        "name": {
                            "type": "string",
                            "minLength": 1,
                            "pattern": "\\S",
                            "description": "OpenLineage name: the S3 key prefix (table root, no partitions) or full object key, table/{database}/{table} for Glue tables, {database}.{schema}.{table} for JDBC, the topic, stream or table/{name}"
                        },
                        "direction": {"type": "string", "enum": DIRECTIONS},
                        "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                        "evidence": {
                            "type": "array",
                            "maxItems": MAX_QUOTES,
                            "description": "Short verbatim quotes from the script, arguments or logs that show the read or write.",
                            "items": {"type": "string", "maxLength": MAX_QUOTE_CHARS}
                        }
                    }
                }
            }
        }
    })
}

/// The tool as the model is given it.
pub fn tool() -> AnswerTool {
    AnswerTool {
        name: TOOL_NAME.into(),
        description: "Report the datasets the Glue job run read and wrote.".into(),
        input_schema: tool_schema(),
    }
}

/// Every way `input` breaks the tool's schema, each with its JSON pointer.
pub fn violations(input: &Value) -> Vec<String> {
    let mut found = Violations::default();
    match input {
        Value::Object(fields) => match fields.get("datasets") {
            None => found.at("/", "\"datasets\" is a required property"),
            Some(Value::Array(items)) => {
                if items.len() > MAX_DATASETS {
                    found.at(
                        "/datasets",
                        format!("has {} items, more than {MAX_DATASETS}", items.len()),
                    );
                }
                for (i, item) in items.iter().enumerate() {
                    check_dataset(&format!("/datasets/{i}"), item, &mut found);
                }
            }
            Some(other) => found.not_of_type("/datasets", other, "array"),
        },
        other => found.not_of_type("/", other, "object"),
    }
    found.0
}

/// The problems found so far, each as `pointer: why`.
#[derive(Default)]
struct Violations(Vec<String>);

impl Violations {
    fn at(&mut self, pointer: &str, why: impl std::fmt::Display) {
        self.0.push(format!("{pointer}: {why}"));
    }

    fn not_of_type(&mut self, pointer: &str, value: &Value, expected: &str) {
        self.at(
            pointer,
            format!("{} is not of type \"{expected}\"", shown(value)),
        );
    }
}

/// A value as a problem quotes it: at most 60 characters of its JSON.
fn shown(value: &Value) -> String {
    lineage_domain::text::cut(&value.to_string(), 60)
}

/// One proposed dataset against the schema's `items`.
fn check_dataset(at: &str, item: &Value, found: &mut Violations) {
    let Value::Object(fields) = item else {
        return found.not_of_type(at, item, "object");
    };
    for key in ["namespace", "name", "direction", "confidence", "evidence"] {
        if !fields.contains_key(key) {
            found.at(at, format!("\"{key}\" is a required property"));
        }
    }
    for key in ["namespace", "name"] {
        match fields.get(key) {
            Some(value @ Value::String(s)) if s.trim().is_empty() => {
                found.at(
                    &format!("{at}/{key}"),
                    format!("{} is empty or blank", shown(value)),
                );
            }
            Some(Value::String(_)) | None => {}
            Some(other) => found.not_of_type(&format!("{at}/{key}"), other, "string"),
        }
    }
    match fields.get("direction") {
        Some(Value::String(d)) if DIRECTIONS.contains(&d.as_str()) => {}
        Some(other @ Value::String(_)) => found.at(
            &format!("{at}/direction"),
            format!("{} is not one of {DIRECTIONS:?}", shown(other)),
        ),
        Some(other) => found.not_of_type(&format!("{at}/direction"), other, "string"),
        None => {}
    }
    match fields.get("confidence") {
        Some(Value::Number(n)) if n.as_f64().is_some_and(|c| (0.0..=1.0).contains(&c)) => {}
        Some(Value::Number(n)) => {
            found.at(
                &format!("{at}/confidence"),
                format!("{n} is outside 0 to 1"),
            );
        }
        Some(other) => found.not_of_type(&format!("{at}/confidence"), other, "number"),
        None => {}
    }
    match fields.get("evidence") {
        Some(Value::Array(quotes)) => {
            if quotes.len() > MAX_QUOTES {
                found.at(
                    &format!("{at}/evidence"),
                    format!("has {} items, more than {MAX_QUOTES}", quotes.len()),
                );
            }
            for (j, quote) in quotes.iter().enumerate() {
                match quote {
                    Value::String(q) if q.chars().count() > MAX_QUOTE_CHARS => found.at(
                        &format!("{at}/evidence/{j}"),
                        format!("is longer than {MAX_QUOTE_CHARS} characters"),
                    ),
                    Value::String(_) => {}
                    other => found.not_of_type(&format!("{at}/evidence/{j}"), other, "string"),
                }
            }
        }
        Some(other) => found.not_of_type(&format!("{at}/evidence"), other, "array"),
        None => {}
    }
}

/// The datasets of a tool input, or every way it breaks the schema.
pub fn datasets(input: &Value) -> Result<Vec<ProposedDataset>, String> {
    let problems = violations(input);
    if !problems.is_empty() {
        return Err(format!(
            "the {TOOL_NAME} input does not match its schema: {}",
            problems.join("; ")
        ));
    }
    let datasets = input.get("datasets").cloned().unwrap_or(Value::Null);
    serde_json::from_value(datasets)
        .map_err(|e| format!("the {TOOL_NAME} input does not match its schema: {e}"))
}

/// A fresh reply as a checked answer.
pub fn read_reply(model_id: &str, reply: &ModelReply) -> Result<InferenceAnswer, ModelError> {
    if is_cut(reply) {
        return Err(ModelError::InvalidAnswer {
            model_id: model_id.to_string(),
            why: format!("the answer was cut at its output budget (stop reason {STOP_MAX_TOKENS}); a partial answer is never used"),
        });
    }
    let invalid = |why: String| ModelError::InvalidAnswer {
        model_id: model_id.to_string(),
        why,
    };
    let input = reply.tool_input.as_ref().ok_or_else(|| {
        invalid(format!(
            "the answer has no {TOOL_NAME} tool call (stop reason {})",
            reply.stop_reason
        ))
    })?;
    Ok(InferenceAnswer {
        datasets: datasets(input).map_err(invalid)?,
        usage: reply.usage,
    })
}

/// The stop reason of an answer cut at its output budget.
pub const STOP_MAX_TOKENS: &str = "max_tokens";

/// Whether the model stopped because the answer reached `maxTokens` (even if the partial tool
/// input happens to parse, it may be short).
pub fn is_cut(reply: &ModelReply) -> bool {
    reply.stop_reason == STOP_MAX_TOKENS
}

/// Whether a cached answer still passes the schema (a cache is storage like any other).
pub fn is_valid_cached(answer: &InferenceAnswer) -> bool {
    serde_json::to_value(&answer.datasets)
        .map(|d| violations(&json!({ "datasets": d })).is_empty())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_good_input_validates() {
        let input = json!({"datasets": [{
            "namespace": "s3://b", "name": "orders", "direction": "output",
            "confidence": 0.8, "evidence": ["df.write.parquet('s3://b/orders/')"]
        }]});
        let ds = datasets(&input).expect("valid");
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].direction, lineage_domain::Direction::Output);
    }

    #[test]
    fn violations_name_their_path() {
        let input = json!({"datasets": [
            {"namespace": "s3://b", "name": "", "direction": "sideways", "confidence": 1.5, "evidence": []},
            {"name": "x", "direction": "input", "confidence": "high", "evidence": "q"}
        ]});
        let err = datasets(&input).expect_err("invalid");
        for part in [
            "/datasets/0/name",
            "/datasets/0/direction",
            "/datasets/0/confidence",
            "/datasets/1: \"namespace\" is a required property",
            "/datasets/0/direction: \"sideways\" is not one of",
            "/datasets/0/confidence: 1.5 is outside 0 to 1",
            "/datasets/1/confidence",
            "/datasets/1/evidence",
        ] {
            assert!(err.contains(part), "{part} not in {err}");
        }
        assert!(datasets(&json!({"items": []})).is_err());
        assert!(datasets(&json!([])).is_err());
        assert!(datasets(&json!({"datasets": [{"namespace": " ", "name": "x", "direction": "input", "confidence": 0.5, "evidence": []}]})).is_err());
    }

    /// Candidate values of one field: valid ones, boundary ones and wrong types (`None`: the
    /// field is left out).
    fn candidates(field: &str) -> Vec<Option<Value>> {
        let text = |n: usize, c: char| Value::String(std::iter::repeat_n(c, n).collect());
        let mut values: Vec<Value> = match field {
            "namespace" | "name" => vec![
                json!("s3://b"),
                json!("a b"),
                json!(""),
                json!(" "),
                json!("\t\n"),
                json!("\u{a0}"),
                json!("\u{2003}x"),
                json!(5),
                json!(["s3://b"]),
            ],
            "direction" => vec![
                json!("input"),
                json!("output"),
                json!("Input"),
                json!("sideways"),
                json!(""),
                json!(1),
            ],
            "confidence" => vec![
                json!(0),
                json!(1),
                json!(0.5),
                json!(-0.0),
                json!(-0.1),
                json!(1.000001),
                json!(2),
                json!(1e-300),
                json!("0.5"),
                json!(true),
            ],
            _ => vec![
                json!([]),
                json!(["q"]),
                json!([text(MAX_QUOTE_CHARS, 'a')]),
                json!([text(MAX_QUOTE_CHARS + 1, 'a')]),
                json!([text(MAX_QUOTE_CHARS, 'é')]),
                json!([text(MAX_QUOTE_CHARS + 1, '語')]),
                json!([1]),
                json!(vec!["q"; MAX_QUOTES]),
                json!(vec!["q"; MAX_QUOTES + 1]),
                json!("q"),
            ],
        };
        values.push(Value::Null);
        values.into_iter().map(Some).chain([None]).collect()
    }

    fn dataset() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let field = |name: &'static str| proptest::sample::select(candidates(name));
        (
            field("namespace"),
            field("name"),
            field("direction"),
            field("confidence"),
            field("evidence"),
            any::<bool>(),
        )
            .prop_map(
                |(namespace, name, direction, confidence, evidence, extra)| {
                    let mut item = serde_json::Map::new();
                    for (key, value) in [
                        ("namespace", namespace),
                        ("name", name),
                        ("direction", direction),
                        ("confidence", confidence),
                        ("evidence", evidence),
                    ] {
                        if let Some(v) = value {
                            item.insert(key.into(), v);
                        }
                    }
                    if extra {
                        item.insert(
                            "note".into(),
                            json!("fields the schema does not name are allowed"),
                        );
                    }
                    Value::Object(item)
                },
            )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// The check and a JSON-Schema validator of the tool's schema agree on every answer.
        #[test]
        fn the_check_agrees_with_a_json_schema_validator(
            items in proptest::collection::vec(dataset(), 0..4),
            shape in 0..8u8,
        ) {
            let input = match shape {
                0 => json!({"items": items}),
                1 => json!(items),
                2 => json!({"datasets": null}),
                _ => json!({"datasets": items}),
            };
            let problems = violations(&input);
            proptest::prop_assert_eq!(problems.is_empty(), VALIDATOR.is_valid(&input), "{} {:?}", input, problems);
            if problems.is_empty() {
                proptest::prop_assert!(datasets(&input).is_ok());
            }
        }
    }

    /// A JSON-Schema validator of the tool's schema: the reference the check is held to.
    static VALIDATOR: std::sync::LazyLock<jsonschema::Validator> = std::sync::LazyLock::new(|| {
        jsonschema::validator_for(&tool_schema()).expect("the schema compiles")
    });

    #[test]
    fn the_item_counts_are_checked_at_their_bounds() {
        let item = json!({"namespace": "s3://b", "name": "x", "direction": "input", "confidence": 0.5, "evidence": []});
        let validator = &*VALIDATOR;
        for n in [MAX_DATASETS, MAX_DATASETS + 1] {
            let input = json!({"datasets": vec![item.clone(); n]});
            assert_eq!(violations(&input).is_empty(), n <= MAX_DATASETS);
            assert_eq!(validator.is_valid(&input), n <= MAX_DATASETS);
        }
    }

    #[test]
    fn a_reply_without_the_tool_call_is_an_invalid_answer() {
        let reply = ModelReply {
            tool_input: None,
            stop_reason: "end_turn".into(),
            usage: Default::default(),
        };
        let err = read_reply("m", &reply).expect_err("invalid");
        assert!(matches!(&err, ModelError::InvalidAnswer { why, .. } if why.contains("end_turn")));
        assert!(!err.is_retryable());
    }

    #[test]
    fn cached_answers_pass_the_same_check() {
        let mut a = InferenceAnswer {
            datasets: vec![ProposedDataset {
                namespace: "s3://b".into(),
                name: "orders".into(),
                direction: lineage_domain::Direction::Input,
                confidence: 0.9,
                evidence: vec![],
            }],
            usage: Default::default(),
        };
        assert!(is_valid_cached(&a));
        a.datasets[0].confidence = 7.0;
        assert!(!is_valid_cached(&a));
    }
}
