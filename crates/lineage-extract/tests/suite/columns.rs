//! Column lineage of whole scripts: Glue `ApplyMapping` between a catalog read and a write,
//! DataFrame renames and selections, Spark SQL INSERTs, and where tracking stops.

use crate::common::Case;
use lineage_extract::Extraction;

/// `input_dataset.field -> output_dataset.field (SUBTYPE)` lines, sorted.
fn columns(x: &Extraction) -> Vec<String> {
    let mut out: Vec<String> = x
        .columns
        .iter()
        .flat_map(|c| {
            c.inputs.iter().map(move |i| {
                format!(
                    "{}.{} -> {}.{} ({})",
                    i.dataset.name,
                    i.field,
                    c.output.name,
                    c.field,
                    i.transformation.subtype()
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn apply_mapping_between_a_catalog_read_and_an_s3_write() {
    let x = Case::python(
        r#"
import sys
from awsglue.transforms import *
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext.getOrCreate())
src = glueContext.create_dynamic_frame.from_catalog(database="raw", table_name="orders", transformation_ctx="src")
mapped = ApplyMapping.apply(frame=src, mappings=[("order_id", "string", "id", "string"), ("amount", "string", "amount", "double"), ("`cust.name`", "string", "customer", "string")], transformation_ctx="mapped")
dropped = DropFields.apply(frame=mapped, paths=["customer"])
glueContext.write_dynamic_frame.from_options(frame=dropped, connection_type="s3", connection_options={"path": "s3://curated/orders/"}, format="parquet")
"#,
    )
    .extract();
    assert_eq!(
        columns(&x),
        vec![
            "table/raw/orders.amount -> orders.amount (TRANSFORMATION)",
            "table/raw/orders.order_id -> orders.id (IDENTITY)",
        ]
    );
}

#[test]
fn dataframe_select_and_rename_compose_with_apply_mapping() {
    let x = Case::python(
        r#"
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.transforms import ApplyMapping
from pyspark.context import SparkContext
glueContext = GlueContext(SparkContext.getOrCreate())
spark = glueContext.spark_session
df = spark.read.parquet("s3://raw/events/")
df = df.select("event_id", "ts", "user").withColumnRenamed("user", "user_id").filter("ts > 0")
dyf = DynamicFrame.fromDF(df, glueContext, "dyf")
out = ApplyMapping.apply(frame=dyf, mappings=[("event_id", "string", "event_id", "string"), ("user_id", "string", "uid", "long")])
glueContext.write_dynamic_frame.from_catalog(frame=out, database="mart", table_name="events")
"#,
    )
    .extract();
    assert_eq!(
        columns(&x),
        vec![
            "events.event_id -> table/mart/events.event_id (IDENTITY)",
            "events.user -> table/mart/events.uid (TRANSFORMATION)",
        ]
    );
}

#[test]
fn a_frame_the_interpreter_cannot_follow_gives_no_column_lineage() {
    // a join: the written columns could come from either side
    let x = Case::python(
        r#"
from awsglue.context import GlueContext
from awsglue.transforms import ApplyMapping
from pyspark.context import SparkContext
glueContext = GlueContext(SparkContext.getOrCreate())
a = glueContext.create_dynamic_frame.from_catalog(database="raw", table_name="a").toDF()
b = glueContext.create_dynamic_frame.from_catalog(database="raw", table_name="b").toDF()
j = a.join(b, "id")
glueContext.write_dynamic_frame.from_catalog(frame=ApplyMapping.apply(frame=j, mappings=[("id", "string", "id", "string")]), database="mart", table_name="j")
"#,
    )
    .extract();
    assert!(columns(&x).is_empty(), "{:?}", columns(&x));
    assert_eq!(x.datasets(lineage_domain::Direction::Input).len(), 2);
}

#[test]
fn spark_sql_insert_names_catalog_columns() {
    let x = Case::python(
        r#"
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
spark.sql("""
  INSERT OVERWRITE TABLE mart.daily
  SELECT o.day, sum(o.amount) AS revenue FROM raw.orders o GROUP BY o.day
""")
"#,
    )
    .extract();
    assert_eq!(
        columns(&x),
        vec![
            "table/raw/orders.amount -> table/mart/daily.revenue (AGGREGATION)",
            "table/raw/orders.day -> table/mart/daily.day (IDENTITY)",
        ]
    );
}

#[test]
fn dataframe_writers_sinks_and_jdbc_writes_record_the_columns() {
    let x = Case::python(
        r#"
from awsglue.context import GlueContext
from awsglue.transforms import *
from pyspark.context import SparkContext
glueContext = GlueContext(SparkContext.getOrCreate())
spark = glueContext.spark_session
src = glueContext.create_dynamic_frame.from_catalog(database="raw", table_name="people")
kept = SelectFields.apply(frame=src, paths=["id", "name"])
renamed = RenameField.apply(frame=kept, old_name="name", new_name="full_name")
sink = glueContext.getSink(connection_type="s3", path="s3://lake/people/", enableUpdateCatalog=True)
sink.setCatalogInfo(catalogDatabase="lake", catalogTableName="people")
sink.writeFrame(renamed)
glueContext.write_dynamic_frame.from_jdbc_conf(frame=renamed, catalog_connection="pg", connection_options={"dbtable": "public.people", "database": "crm"})
spark.table("raw.visits").select("visit_id", "ts").write.mode("append").parquet("s3://lake/visits/")
"#,
    )
    .connection(
        "pg",
        "JDBC",
        &[("JDBC_CONNECTION_URL", "jdbc:postgresql://db.example.com:5432/crm")],
    )
    .extract();
    let lines = columns(&x);
    for expected in [
        "table/raw/people.id -> table/lake/people.id (IDENTITY)",
        "table/raw/people.name -> table/lake/people.full_name (IDENTITY)",
        "table/raw/visits.visit_id -> visits.visit_id (IDENTITY)",
        "table/raw/visits.ts -> visits.ts (IDENTITY)",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} not in {lines:#?}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("table/raw/people.name -> ")
                && l.contains("people.full_name")
                && !l.contains("table/lake")),
        "the JDBC table's columns: {lines:#?}"
    );
}
