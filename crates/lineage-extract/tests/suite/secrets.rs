//! A planted secret (an argument under a secret-like key, a password in a JDBC URL) never
//! reaches edges, evidence or diagnostics.

use crate::common;

use common::Case;

#[test]
fn planted_secrets_never_reach_the_output() {
    let secret = "Zq9!pLanted#Secret";
    let url_pw = "urlPw77x";
    let x = Case::python(&format!(
        r#"
import sys
from awsglue.utils import getResolvedOptions
args = getResolvedOptions(sys.argv, ["db_password", "host"])
url = "jdbc:postgresql://svc:{url_pw}@" + args["host"] + ":5432/app?password=" + args["db_password"]
df = spark.read.jdbc(url=url, table="s.t", properties={{"password": args["db_password"]}})
df.write.parquet("s3://out/" + args["db_password"] + "/x")
print(args["db_password"])
"#
    ))
    .default_arg("host", "db.internal")
    .run_arg("db_password", secret)
    .extract();
    let text = format!("{x:?}");
    assert!(!text.contains(secret), "secret leaked: {text}");
    assert!(!text.contains(url_pw), "URL password leaked: {text}");
    assert!(
        x.edges.iter().any(|e| e.dataset.name == "app.s.t"),
        "the JDBC read is still found"
    );
}
