//! Catalog facts through the binary: `extract` of a captured run with `tables.json` shows the
//! `symlinks` and `schema` facets, and `lineage`/`graph` find a catalog table by its storage
//! location (or an object under it) and its location by the table, as one dataset.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CASE: &str = "tests/fixtures/daily-revenue";
const GLUE: &str = "arn:aws:glue:us-east-1:111122223333";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn agent(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lineage-agent"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run lineage-agent")
}

fn ok_json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("json")
}

#[test]
fn extract_shows_the_symlinks_and_schema_of_catalog_tables() {
    let doc = ok_json(&agent(&["extract", CASE]));
    let outputs = doc["outputs"].as_array().expect("outputs");
    let table = outputs
        .iter()
        .find(|d| d["name"] == "table/sales_curated/daily_revenue")
        .expect("the output table");
    assert_eq!(table["namespace"], GLUE);
    assert_eq!(
        table["facets"]["symlinks"]["identifiers"],
        serde_json::json!([{"namespace": "s3://acme-curated", "name": "daily_revenue", "type": "LOCATION"}])
    );
    let fields: Vec<&str> = table["facets"]["schema"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(fields, vec!["store_id", "revenue", "order_date"]);
    let location = doc["inputs"]
        .as_array()
        .expect("inputs")
        .iter()
        .find(|d| d["namespace"] == "s3://acme-curated")
        .expect("the location read by its path");
    assert_eq!(
        location["facets"]["symlinks"]["identifiers"][0],
        serde_json::json!({"namespace": GLUE, "name": "table/sales_curated/daily_revenue", "type": "TABLE"})
    );
}

#[test]
fn a_table_is_found_by_its_location_and_a_location_by_its_table() {
    // orders-nightly-rollup writes s3://acme-analytics/orders_by_store by its path;
    // daily-revenue reads it as the catalog table analytics.orders_by_store
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("o");
    let out_arg = out.to_str().expect("utf8");
    let run = agent(&[
        "run",
        "--fixtures",
        "tests/fixtures",
        "--out",
        out_arg,
        "events/glue-job-succeeded.json",
        &format!("{CASE}/event.json"),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let store = out.join("lineage.db");
    let store_arg = store.to_str().expect("utf8");
    let lineage = |side: &str, dataset: &str| {
        ok_json(&agent(&[
            "lineage", "--json", side, dataset, "--store", store_arg,
        ]))
    };
    let table = format!("{GLUE}|table/analytics/orders_by_store");
    for name in [
        "s3://acme-analytics/orders_by_store",
        "s3://acme-analytics/orders_by_store/order_date=2025-03-02/part-0000.parquet",
        "glue:analytics.orders_by_store",
        "analytics.orders_by_store",
    ] {
        let down = lineage("downstream", name);
        assert_eq!(down["known"], true, "{name}: {down}");
        assert_eq!(down["dataset"], table.as_str(), "{name}");
        let to: Vec<&str> = down["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["to"].as_str().expect("to"))
            .collect();
        assert!(to.contains(&"job:daily-revenue"), "{name}: {to:?}");
        // upstream of the table: the job that wrote its location by path
        let up = lineage("upstream", name);
        let from: Vec<&str> = up["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| s["from"].as_str().expect("from"))
            .collect();
        assert_eq!(
            from.first(),
            Some(&"job:orders-nightly-rollup"),
            "{name}: {up}"
        );
    }
    // graph --around by the location: the merged node, its location listed as an alias
    let graph = ok_json(&agent(&[
        "graph",
        "--around",
        "s3://acme-analytics/orders_by_store/order_date=2025-03-02/part-0000.parquet",
        "--depth",
        "1",
        "--store",
        store_arg,
    ]));
    let names: Vec<String> = graph["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            format!(
                "{}|{}",
                n["namespace"].as_str().unwrap_or("job"),
                n["name"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(names.contains(&table), "{names:?}");
    assert!(
        !names.contains(&"s3://acme-analytics|orders_by_store".to_string()),
        "the location is no node of its own: {names:?}"
    );
    assert_eq!(
        graph["aliases"][0]["aliases"][0],
        serde_json::json!({"type": "dataset", "namespace": "s3://acme-analytics", "name": "orders_by_store"}),
        "{graph}"
    );
    let dot = agent(&["graph", "--format", "dot", "--store", store_arg]);
    assert!(dot.status.success());
    assert!(
        String::from_utf8_lossy(&dot.stdout)
            .contains("glue:analytics.orders_by_store (s3://acme-analytics/orders_by_store)"),
        "{}",
        String::from_utf8_lossy(&dot.stdout)
    );
}
