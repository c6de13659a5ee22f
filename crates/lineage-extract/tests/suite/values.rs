//! Value resolution: arguments (run over defaults), f-strings, `+`, `%`, `.format`,
//! `os.path.join`, reassignment, dicts, `.get`, loops with exclusions, helper functions,
//! dead code, JSON configs and SQL files from extra objects.

use crate::common;

use common::{names, Case};
use lineage_domain::{DiagnosticKind, Direction};

#[test]
fn run_arguments_override_defaults_and_fstrings_resolve() {
    let x = Case::python(
        r#"
import sys
from awsglue.utils import getResolvedOptions
from awsglue.context import GlueContext
args = getResolvedOptions(sys.argv, ["bucket", "db"])
g = GlueContext(None)
g.create_dynamic_frame.from_catalog(database=args["db"], table_name=f"t_{args['db']}")
path = "s3://%s/out/" % args["bucket"]
g.write_dynamic_frame.from_options(frame=None, connection_type="s3", connection_options={"path": path})
"#,
    )
    .default_arg("bucket", "dev-bkt")
    .default_arg("db", "d1")
    .run_arg("bucket", "prod-bkt")
    .extract();
    assert_eq!(
        names(&x, Direction::Input),
        ["arn:aws:glue:us-east-1:111122223333|table/d1/t_d1"]
    );
    assert_eq!(names(&x, Direction::Output), ["s3://prod-bkt/out"]);
    let out = &x
        .edges
        .iter()
        .find(|e| e.direction == Direction::Output)
        .expect("out")
        .evidence;
    assert!(out
        .iter()
        .any(|e| e.kind == lineage_domain::EvidenceKind::Argument));
}

#[test]
fn helpers_format_join_and_reassignment() {
    let x = Case::python(
        r#"
import os
CFG = {"root": "s3://lake-a", "tables": {"x": "alpha"}}
def src(key, suffix=""):
    return "{}/{}/{}".format(CFG["root"], "raw", CFG["tables"][key]) + suffix
def dst(*parts):
    return os.path.join(CFG["root"], "curated", *parts)
spark.read.parquet(src("x", "/"))
out = dst("alpha", "v1")
out = dst("alpha", "v2")
df.write.parquet(out)
"#,
    )
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://lake-a/raw/alpha"]);
    assert_eq!(
        names(&x, Direction::Output),
        ["s3://lake-a/curated/alpha/v2"]
    );
}

#[test]
fn loops_with_exclusions_and_comprehensions() {
    let x = Case::python(
        r#"
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["tables"])
SKIP = {"b"}
wanted = [t.strip() for t in args["tables"].split(",") if t.strip()]
for t in wanted:
    if t in SKIP:
        continue
    spark.read.json("s3://in/" + t + "/")
"#,
    )
    .default_arg("tables", "a, b ,c,")
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://in/a", "s3://in/c"]);
}

#[test]
fn dead_code_is_not_lineage() {
    let x = Case::python(
        r#"
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["audit"])
DEBUG = False
AUDIT = args["audit"].lower() in ("true", "1")
def never_called():
    spark.read.csv("s3://dead/fn/")
if False:
    spark.read.csv("s3://dead/if/")
if DEBUG:
    spark.read.csv("s3://dead/flag/")
if AUDIT:
    spark.read.csv("s3://dead/audit/")
else:
    spark.read.csv("s3://live/else/")
# spark.read.csv("s3://dead/comment/")
"#,
    )
    .default_arg("audit", "true")
    .run_arg("audit", "False")
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://live/else"]);
}

#[test]
fn json_config_from_extra_object_drives_the_loop() {
    let x = Case::python(
        r#"
import json, boto3
body = boto3.client("s3").get_object(Bucket="cfg", Key="jobs/a.json")["Body"].read()
conf = json.loads(body)
for item in conf["items"]:
    if not item.get("on", True):
        continue
    spark.read.parquet(item["from"]).write.parquet(item["to"])
"#,
    )
    .extra(
        "s3://cfg/jobs/a.json",
        r#"{"items": [{"from": "s3://a/x/", "to": "s3://b/x/"}, {"from": "s3://a/y/", "to": "s3://b/y/", "on": false}]}"#,
    )
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://a/x"]);
    assert_eq!(names(&x, Direction::Output), ["s3://b/x"]);
    let ev = &x.edges[0].evidence;
    assert!(
        ev.iter()
            .any(|e| e.kind == lineage_domain::EvidenceKind::Extra),
        "{ev:?}"
    );
}

#[test]
fn sql_file_from_extra_object_is_templated_and_split() {
    let x = Case::python(
        r#"
import re, boto3
from urllib.parse import urlparse
def fetch(uri):
    u = urlparse(uri)
    return boto3.client("s3").get_object(Bucket=u.netloc, Key=u.path.lstrip("/"))["Body"].read().decode("utf-8")
text = re.sub(r"\$\{(\w+)\}", lambda m: {"d": "2024-01-01"}[m.group(1)], fetch("s3://sql/q.sql"))
for stmt in [s for s in text.split(";") if s.strip()]:
    spark.sql(stmt)
"#,
    )
    .extra(
        "s3://sql/q.sql",
        "CREATE TEMP VIEW v AS SELECT * FROM src.a WHERE d = '${d}';\nINSERT INTO dst.b SELECT * FROM v;",
    )
    .extract();
    assert_eq!(
        names(&x, Direction::Input),
        ["arn:aws:glue:us-east-1:111122223333|table/src/a"]
    );
    assert_eq!(
        names(&x, Direction::Output),
        ["arn:aws:glue:us-east-1:111122223333|table/dst/b"]
    );
}

#[test]
fn unresolved_values_become_diagnostics_not_guesses() {
    let x = Case::python(
        r#"
import boto3
bucket = boto3.client("ssm").get_parameter(Name="/x")["Parameter"]["Value"]
spark.read.parquet(f"s3://{bucket}/data/")
"#,
    )
    .extract();
    assert!(x.edges.is_empty());
    assert!(x
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::Unresolved && d.direction == Some(Direction::Input)));
}

#[test]
fn private_library_calls_are_opaque() {
    let x = Case::python("from corp_lib.io import load_table\ndf = load_table(spark, \"a.b\")\n")
        .extract();
    assert!(x.edges.is_empty());
    assert!(x
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::OpaqueCall));
}

#[test]
fn missing_arguments_are_reported() {
    let x = Case::python(
        "import sys\nfrom awsglue.utils import getResolvedOptions\nargs = getResolvedOptions(sys.argv, [\"out\"])\ndf.write.parquet(args[\"out\"])\n",
    )
    .extract();
    assert!(x.edges.is_empty());
    assert!(x
        .diagnostics
        .iter()
        .any(|d| d.kind == DiagnosticKind::MissingArgument));
}

#[test]
fn sql_over_file_paths_names_the_path() {
    let x = Case::python(
        "spark.sql(\"INSERT INTO mart.t SELECT * FROM parquet.`s3://raw-zone/events/dt=2024-01-01/`\")\n",
    )
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://raw-zone/events"]);
    assert_eq!(
        names(&x, Direction::Output),
        ["arn:aws:glue:us-east-1:111122223333|table/mart/t"]
    );
}

#[test]
fn classes_with_methods_and_attributes() {
    let x = Case::python(
        r#"
class Pipeline:
    ROOT = "s3://cls-lake"

    def __init__(self, spark, name):
        self.spark = spark
        self.name = name

    def source(self):
        return f"{self.ROOT}/raw/{self.name}/"

    def run(self):
        df = self.spark.read.parquet(self.source())
        df.write.mode("overwrite").parquet(Pipeline.ROOT + "/clean/" + self.name)

    @staticmethod
    def unused():
        spark.read.csv("s3://dead/static/")


Pipeline(spark, "orders").run()
"#,
    )
    .extract();
    assert_eq!(names(&x, Direction::Input), ["s3://cls-lake/raw/orders"]);
    assert_eq!(names(&x, Direction::Output), ["s3://cls-lake/clean/orders"]);
}
