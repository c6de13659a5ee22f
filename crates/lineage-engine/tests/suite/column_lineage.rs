//! The `columnLineage` facet end to end on the local adapters: a captured run whose script maps
//! a catalog table's columns with `ApplyMapping` and inserts with Spark SQL gets, on each
//! output, the input columns of each written column, passing the official schema.

use crate::local_harness::{repo, Local};
use lineage_domain::GlueJobStateChange;
use lineage_engine::{ProcessOptions, Settings};
use lineage_fakes::openlineage::schema;
use serde_json::{json, Value};

const GLUE: &str = "arn:aws:glue:us-east-1:111122223333";

const SCRIPT: &str = r#"
import sys
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
from awsglue.transforms import ApplyMapping
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME"])
glue_context = GlueContext(SparkContext())
spark = glue_context.spark_session
orders = glue_context.create_dynamic_frame.from_catalog(database="analytics", table_name="orders_by_store")
mapped = ApplyMapping.apply(frame=orders, mappings=[
    ("store_id", "string", "store_id", "string"),
    ("amount", "string", "revenue", "decimal(20,2)"),
    ("order_date", "string", "order_date", "string"),
])
glue_context.write_dynamic_frame.from_catalog(frame=mapped, database="sales_curated", table_name="daily_revenue")
spark.sql("INSERT INTO sales_curated.store_totals SELECT store_id, sum(revenue) AS total FROM sales_curated.daily_revenue GROUP BY store_id")
"#;

#[tokio::test]
async fn written_columns_carry_their_input_columns_and_pass_the_schema() {
    let case = repo().join("tests/fixtures/daily-revenue");
    let dir = tempfile::tempdir().expect("tempdir");
    for entry in std::fs::read_dir(&case).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
    }
    std::fs::write(dir.path().join("script.py"), SCRIPT).expect("script");
    let local = Local::on(dir.path(), Settings::default(), vec![]);
    let text = std::fs::read_to_string(dir.path().join("event.json")).expect("event");
    let event = GlueJobStateChange::from_json(&text).expect("event");
    let outcome = local
        .pipeline
        .process(&event, ProcessOptions::default())
        .await
        .expect("processed");
    let doc: Value = serde_json::from_slice(&outcome.document).expect("json");
    assert_eq!(schema::problems(&doc), Vec::<String>::new(), "{doc}");
    let output = |name: &str| -> Value {
        doc["outputs"]
            .as_array()
            .expect("outputs")
            .iter()
            .find(|d| d["name"] == name)
            .unwrap_or_else(|| panic!("{name} not written: {doc}"))["facets"]["columnLineage"]
            .clone()
    };
    let field = |name: &str, how: &str| {
        json!({"inputFields": [{"namespace": GLUE, "name": "table/analytics/orders_by_store",
            "field": name, "transformations": [{"type": "DIRECT", "subtype": how}]}]})
    };
    let mapped = output("table/sales_curated/daily_revenue");
    assert_eq!(
        mapped["_schemaURL"],
        "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
    );
    assert_eq!(
        mapped["fields"],
        json!({
            "order_date": field("order_date", "IDENTITY"),
            "revenue": field("amount", "TRANSFORMATION"),
            "store_id": field("store_id", "IDENTITY"),
        })
    );
    assert_eq!(
        output("table/sales_curated/store_totals")["fields"]["total"]["inputFields"],
        json!([{"namespace": GLUE, "name": "table/sales_curated/daily_revenue", "field": "revenue",
            "transformations": [{"type": "DIRECT", "subtype": "AGGREGATION"}]}])
    );
    // inputs carry no column lineage: it describes how outputs are made
    for d in doc["inputs"].as_array().expect("inputs") {
        assert!(d["facets"].get("columnLineage").is_none(), "{d}");
    }
}
