//! Library calls a Scala Glue job makes to find its names or run its loads: the AWS SDK for
//! Java's Glue `GetConnection` (`new GetConnectionRequest().withName(n)` →
//! `getConnection().getConnectionProperties().get(key)` is the connection's property from the
//! run context) and Hudi's DeltaStreamer (`new HoodieDeltaStreamer(HoodieDeltaStreamer
//! .getConfig(args), jsc).sync()` runs the `hudi.deltastreamer` rule). Their objects are maps
//! tagged with a `__scala` kind.

use super::Interp;
use crate::builtins::Args;
use crate::rules::hudi_deltastreamer;
use crate::value::{PStr, Source, Value};

const KIND: &str = "__scala";
const CONNECTION_REQUEST: &str = "GetConnectionRequest";
const CONNECTION: &str = "Connection";
const DELTASTREAMER_CONFIG: &str = "HoodieDeltaStreamer.Config";
const DELTASTREAMER: &str = "HoodieDeltaStreamer";

fn tagged(kind: &str, items: Vec<(&str, Value)>) -> Value {
    let mut all = vec![(Value::str(KIND), Value::str(kind))];
    all.extend(items.into_iter().map(|(k, v)| (Value::str(k), v)));
    Value::dict(all)
}

fn kind_of(v: &Value) -> Option<String> {
    v.get_key(KIND).and_then(Value::as_known_str)
}

impl<'t, 'e, 'c> Interp<'t, 'e, 'c> {
    /// `new Name(args)` of a library class modelled here.
    pub(super) fn sdk_construct(&mut self, name: &str, args: &Args) -> Option<Value> {
        match name {
            CONNECTION_REQUEST => Some(tagged(CONNECTION_REQUEST, vec![])),
            "HoodieDeltaStreamer" | "HoodieStreamer" => {
                let cfg = args.pos.first()?;
                (kind_of(cfg).as_deref() == Some(DELTASTREAMER_CONFIG))
                    .then(|| tagged(DELTASTREAMER, vec![("config", cfg.clone())]))
            }
            _ => None,
        }
    }

    /// A method of a library object modelled here (`None`: not one).
    pub(super) fn sdk_method(&mut self, recv: &Value, name: &str, args: &Args) -> Option<Value> {
        if let Value::Unknown(u) = recv {
            let class = u.rsplit('.').next().unwrap_or(u);
            if matches!(class, "HoodieDeltaStreamer" | "HoodieStreamer") && name == "getConfig" {
                let list = args.pos.first()?.clone();
                return Some(tagged(DELTASTREAMER_CONFIG, vec![("args", list)]));
            }
        }
        let req = args
            .pos
            .first()
            .filter(|a| kind_of(a).as_deref() == Some(CONNECTION_REQUEST));
        if let (Some(req), "getConnection") = (req, name) {
            return Some(self.connection(req.get_key("Name")));
        }
        match (kind_of(recv)?.as_str(), name) {
            (CONNECTION_REQUEST, "withName" | "setName") => {
                let n = args.pos.first()?.clone();
                Some(tagged(CONNECTION_REQUEST, vec![("Name", n)]))
            }
            (CONNECTION_REQUEST, _) => Some(recv.clone()),
            (CONNECTION, "getConnection") => Some(recv.clone()),
            (CONNECTION, "getConnectionProperties") => {
                recv.get_key("ConnectionProperties").cloned()
            }
            (CONNECTION, "getName") => recv.get_key("Name").cloned(),
            (DELTASTREAMER, "sync") => {
                let args = recv
                    .get_key("config")
                    .and_then(|c| c.get_key("args"))
                    .and_then(super::collections::scala_items_of)
                    .unwrap_or_default();
                hudi_deltastreamer::sync(self.env, &args);
                Some(Value::None)
            }
            _ => None,
        }
    }

    /// The Glue connection `name` of the run context (its properties carry it as their source).
    fn connection(&self, name: Option<&Value>) -> Value {
        let name = name.cloned().unwrap_or(Value::unknown("connection name"));
        let props = name
            .as_known_str()
            .and_then(|n| self.env.connection(&n).map(|c| (n, c)))
            .map(|(n, c)| {
                Value::dict(
                    c.connection_properties
                        .iter()
                        .map(|(k, v)| {
                            let val = PStr::lit(v.clone()).with_source(Source::Conn(n.clone()));
                            (Value::str(k.clone()), Value::Str(val))
                        })
                        .collect(),
                )
            })
            .unwrap_or_else(|| Value::unknown("connection properties"));
        tagged(
            CONNECTION,
            vec![("Name", name), ("ConnectionProperties", props)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::run_in;
    use crate::testutil;
    use lineage_domain::{Connection, ScriptLanguage};

    #[test]
    fn glue_get_connection_and_a_deltastreamer_sync() {
        let script = r#"
object App {
  def main(sysArgs: Array[String]): Unit = {
    val glue = AWSGlueClientBuilder.defaultClient()
    val req = new GetConnectionRequest().withName("msk-unit").withHidePassword(true)
    val brokers = glue.getConnection(req).getConnection().getConnectionProperties().get("KAFKA_BOOTSTRAP_SERVERS")
    val config = Array(
      "--source-class", "org.apache.hudi.utilities.sources.JsonKafkaSource",
      "--target-base-path", "s3://unit-lake/hudi/events/",
      "--target-table", "events",
      "--enable-hive-sync",
      "--hoodie-conf", "hoodie.deltastreamer.source.kafka.topic=events.v2",
      "--hoodie-conf", "hoodie.datasource.hive_sync.database=unit_db",
      "--hoodie-conf", "bootstrap.servers=" + brokers,
      "--hoodie-conf", "hoodie.deltastreamer.schemaprovider.source.schema.file=s3://unit-conf/events.avsc"
    )
    val cfg = HoodieDeltaStreamer.getConfig(config)
    new HoodieDeltaStreamer(cfg, jssc).sync()
    val plain = HoodieDeltaStreamer.getConfig(Array(
      "--source-class", "org.apache.hudi.utilities.sources.ParquetDFSSource",
      "--hoodie-conf", "hoodie.deltastreamer.source.dfs.root=s3://unit-raw/clicks/dt=2024-01-01/",
      "--target-base-path", "s3://unit-lake/hudi/clicks/"))
    new HoodieDeltaStreamer(plain, jssc).sync()
  }
}
"#;
        let mut ctx = testutil::context(ScriptLanguage::Scala, script, &[]);
        ctx.connections.push(Connection {
            name: "msk-unit".into(),
            connection_type: "KAFKA".into(),
            connection_properties: [(
                "KAFKA_BOOTSTRAP_SERVERS".to_string(),
                "b-1.unit:9094,b-2.unit:9094".to_string(),
            )]
            .into_iter()
            .collect(),
        });
        let r = run_in(script, &ctx);
        assert_eq!(
            r.text("brokers").as_deref(),
            Some("b-1.unit:9094,b-2.unit:9094")
        );
        assert_eq!(
            r.ios(),
            [
                "in kafka://b-1.unit:9094|events.v2",
                "out arn:aws:glue:us-east-1:111122223333|table/unit_db/events",
                "in s3://unit-raw/clicks",
                "out s3://unit-lake/hudi/clicks"
            ]
        );
    }
}
