//! The official OpenLineage schemas (vendored in `spec/openlineage/`, unchanged) as a check of
//! one event: `$defs/RunEvent` of `OpenLineage.json` with the `format` keywords enforced, each
//! standard facet against its own schema where its file says it belongs (the facet files
//! declare their key and place), and each custom facet against the base facet of its place.
//! Offline: every `$ref` resolves to the vendored files.

use jsonschema::{Draft, Resource, Validator};
use serde_json::{json, Value};
use std::sync::LazyLock;

macro_rules! spec_files {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/openlineage/", $name)))),*]
    };
}

/// The vendored schema files: name and text.
const FILES: &[(&str, &str)] = spec_files![
    "OpenLineage.json",
    "ColumnLineageDatasetFacet.json",
    "DatasourceDatasetFacet.json",
    "DocumentationDatasetFacet.json",
    "DocumentationJobFacet.json",
    "ErrorMessageRunFacet.json",
    "ExtractionErrorRunFacet.json",
    "JobTypeJobFacet.json",
    "NominalTimeRunFacet.json",
    "ParentRunFacet.json",
    "ProcessingEngineRunFacet.json",
    "SQLJobFacet.json",
    "SchemaDatasetFacet.json",
    "SourceCodeJobFacet.json",
    "SourceCodeLocationJobFacet.json",
    "SymlinksDatasetFacet.json",
];

const CORE_ID: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json";

/// A standard facet: its place (`RunFacet`, `JobFacet`, `DatasetFacet`), key and validator.
struct Facet {
    place: String,
    key: String,
    validator: Validator,
}

struct Schemas {
    run_event: Validator,
    /// The base facet of each place, for custom facets.
    bases: Vec<(String, Validator)>,
    facets: Vec<Facet>,
}

fn validator(root: Value, docs: &[Value]) -> Result<Validator, String> {
    let mut options = jsonschema::options()
        .with_draft(Draft::Draft202012)
        .should_validate_formats(true);
    for doc in docs {
        let id = doc["$id"].as_str().unwrap_or_default().to_string();
        options = options.with_resource(id, Resource::from_contents(doc.clone()));
    }
    options.build(&root).map_err(|e| e.to_string())
}

fn load() -> Result<Schemas, String> {
    let docs: Vec<Value> = FILES
        .iter()
        .map(|(name, text)| serde_json::from_str(text).map_err(|e| format!("{name}: {e}")))
        .collect::<Result<_, _>>()?;
    let run_event = validator(json!({"$ref": format!("{CORE_ID}#/$defs/RunEvent")}), &docs)?;
    let mut bases = Vec::new();
    for place in ["RunFacet", "JobFacet", "DatasetFacet"] {
        let v = validator(json!({"$ref": format!("{CORE_ID}#/$defs/{place}")}), &docs)?;
        bases.push((place.to_string(), v));
    }
    let mut facets = Vec::new();
    for doc in &docs[1..] {
        let id = doc["$id"].as_str().unwrap_or_default();
        for (key, prop) in doc["properties"].as_object().into_iter().flatten() {
            let def = prop["$ref"].as_str().unwrap_or_default().rsplit('/').next();
            let Some(def) = def else { continue };
            let place = doc["$defs"][def]["allOf"][0]["$ref"]
                .as_str()
                .unwrap_or_default()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            let validator = validator(json!({"$ref": format!("{id}#/$defs/{def}")}), &docs)?;
            facets.push(Facet {
                place,
                key: key.clone(),
                validator,
            });
        }
    }
    Ok(Schemas {
        run_event,
        bases,
        facets,
    })
}

static SCHEMAS: LazyLock<Result<Schemas, String>> = LazyLock::new(load);

/// Every way `event` breaks the official schema, one line each (`PATH: message`); empty when
/// it is a valid RunEvent with valid facets.
pub fn problems(event: &Value) -> Vec<String> {
    let schemas = match SCHEMAS.as_ref() {
        Ok(s) => s,
        Err(e) => return vec![format!("the vendored OpenLineage schemas do not load: {e}")],
    };
    let mut out: Vec<String> = schemas
        .run_event
        .iter_errors(event)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    let mut check = |path: String, place: &str, facets: &Value| {
        for (key, facet) in facets.as_object().into_iter().flatten() {
            let standard = schemas
                .facets
                .iter()
                .find(|f| f.place == place && f.key == *key);
            let errors: Vec<String> = match standard {
                Some(f) => f
                    .validator
                    .iter_errors(facet)
                    .map(|e| format!("{path}/{key}{}: {e}", e.instance_path()))
                    .collect(),
                None => schemas
                    .bases
                    .iter()
                    .find(|(p, _)| p == place)
                    .map(|(_, v)| {
                        v.iter_errors(facet)
                            .map(|e| format!("{path}/{key}{}: {e}", e.instance_path()))
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            out.extend(errors);
        }
    };
    check("/run/facets".into(), "RunFacet", &event["run"]["facets"]);
    check("/job/facets".into(), "JobFacet", &event["job"]["facets"]);
    for side in ["inputs", "outputs"] {
        for (i, d) in event[side].as_array().into_iter().flatten().enumerate() {
            check(format!("/{side}/{i}/facets"), "DatasetFacet", &d["facets"]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_is_valid_and_a_broken_event_is_not() {
        let good = json!({
            "eventType": "START",
            "eventTime": "2026-01-01T00:00:00.000Z",
            "producer": "https://example.com/p",
            "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
            "run": {"runId": "3f5e83fa-3480-44ff-99c5-ff943904e5e8", "facets": {}},
            "job": {"namespace": "ns", "name": "j", "facets": {
                "sql": {"_producer": "https://example.com/p", "_schemaURL": "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet", "query": "SELECT 1"}
            }},
            "inputs": [], "outputs": []
        });
        assert_eq!(problems(&good), Vec::<String>::new());
        let mut bad = good.clone();
        bad["run"]["runId"] = json!("run-42");
        bad["job"]["facets"]["sql"] =
            json!({"_producer": "https://example.com/p", "_schemaURL": "https://x/y"});
        bad["job"]["facets"]["custom"] = json!({"_producer": "p"});
        let found = problems(&bad).join("\n");
        for expected in [
            "/run/runId: \"run-42\" is not a \"uuid\"",
            "/job/facets/sql: \"query\" is a required property",
            "/job/facets/custom/_producer: \"p\" is not a \"uri\"",
            "/job/facets/custom: \"_schemaURL\" is a required property",
        ] {
            assert!(found.contains(expected), "{expected} not in {found}");
        }
    }
}
