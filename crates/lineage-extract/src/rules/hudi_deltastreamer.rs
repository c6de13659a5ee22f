//! Hudi DeltaStreamer (`HoodieDeltaStreamer` / `HoodieStreamer`) run from a job with its
//! command-line arguments: the source by `--source-class` (a Kafka source: the topic
//! `hoodie.deltastreamer.source.kafka.topic` on the first broker of `bootstrap.servers`; a DFS
//! source: `hoodie.deltastreamer.source.dfs.root`), the target by `--target-base-path`, or,
//! with `--enable-sync`/`--enable-hive-sync`, the synced catalog table
//! (`hoodie.datasource.hive_sync.database`/`.table`, defaulting to `default` and
//! `--target-table`). Settings come from `--hoodie-conf key=value`; schema files are not data.
//!
//! Rule id: `hudi.deltastreamer`.

use crate::emit::{Env, Unresolved};
use crate::naming;
use crate::rules::connection;
use crate::value::{PStr, Value};
use lineage_domain::Direction;

// Rule ids: they appear in evidence and outputs, so their text never changes.
/// A DeltaStreamer sync: its source and its target.
pub(crate) const DELTASTREAMER: &str = "hudi.deltastreamer";

/// The arguments of one DeltaStreamer run: flags, `--key value` settings and `--hoodie-conf`.
#[derive(Default)]
struct Config {
    flags: Vec<String>,
    settings: Vec<(String, Value)>,
    conf: Vec<(String, Value)>,
}

impl Config {
    fn parse(args: &[Value]) -> Self {
        let mut c = Self::default();
        let mut i = 0;
        while i < args.len() {
            let Some(key) = args[i].as_known_str().filter(|k| k.starts_with("--")) else {
                i += 1;
                continue;
            };
            let value = args
                .get(i + 1)
                .filter(|v| !v.as_known_str().is_some_and(|t| t.starts_with("--")));
            match value {
                None => {
                    c.flags.push(key);
                    i += 1;
                }
                Some(v) if key == "--hoodie-conf" => {
                    if let Some((k, val)) = split_setting(v) {
                        c.conf.push((k, val));
                    }
                    i += 2;
                }
                Some(v) => {
                    c.settings.push((key, v.clone()));
                    i += 2;
                }
            }
        }
        c
    }

    fn setting(&self, key: &str) -> Option<&Value> {
        self.settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn conf(&self, key: &str) -> Option<&Value> {
        self.conf
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// `key=value` (the key known, the value possibly partly unknown).
fn split_setting(v: &Value) -> Option<(String, Value)> {
    let p = v.to_pstr();
    let first = match p.segs.first()? {
        crate::value::Seg::Lit(t) => t.clone(),
        crate::value::Seg::Hole(_) => return None,
    };
    let (key, rest) = first.split_once('=')?;
    let mut value = PStr::lit(rest);
    for seg in p.segs.iter().skip(1) {
        value.push_str(&PStr {
            segs: vec![seg.clone()],
            prov: Vec::new(),
        });
    }
    value.add_prov(&p.prov);
    Some((key.trim().to_string(), Value::Str(value)))
}

/// A DeltaStreamer sync with these command-line arguments.
pub(crate) fn sync(env: &mut Env, args: &[Value]) {
    let c = Config::parse(args);
    source(env, &c);
    target(env, &c);
}

fn source(env: &mut Env, c: &Config) {
    let class = c
        .setting("--source-class")
        .and_then(Value::as_known_str)
        .unwrap_or_default();
    if class.contains("Kafka") {
        let opts = Value::dict(
            [
                ("bootstrap.servers", c.conf("bootstrap.servers")),
                ("topic", c.conf("hoodie.deltastreamer.source.kafka.topic")),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (Value::str(k), v.clone())))
            .collect(),
        );
        connection::kafka(env, &opts, Direction::Input, DELTASTREAMER);
    } else if let Some(root) = c.conf("hoodie.deltastreamer.source.dfs.root").cloned() {
        let target = naming::s3_dataset(&root);
        env.io(Direction::Input, target, DELTASTREAMER, &[&root]);
    } else {
        env.io(
            Direction::Input,
            Err(Unresolved::new(
                if class.is_empty() {
                    "--source-class".into()
                } else {
                    class
                },
                "DeltaStreamer source is not modelled",
            )),
            DELTASTREAMER,
            &[],
        );
    }
}

fn target(env: &mut Env, c: &Config) {
    let synced = c
        .flags
        .iter()
        .any(|f| f == "--enable-sync" || f == "--enable-hive-sync");
    if synced {
        let db = c
            .conf("hoodie.datasource.hive_sync.database")
            .cloned()
            .unwrap_or_else(|| Value::str("default"));
        if let Some(table) = c
            .conf("hoodie.datasource.hive_sync.table")
            .or_else(|| c.setting("--target-table"))
            .cloned()
        {
            let target = naming::glue_table(env, &db, &table, None);
            env.io(Direction::Output, target, DELTASTREAMER, &[&db, &table]);
            return;
        }
    }
    match c.setting("--target-base-path").cloned() {
        Some(path) => {
            let target = naming::s3_dataset(&path);
            env.io(Direction::Output, target, DELTASTREAMER, &[&path]);
        }
        None => env.io(
            Direction::Output,
            Err(Unresolved::new(
                "--target-base-path",
                "DeltaStreamer target missing",
            )),
            DELTASTREAMER,
            &[],
        ),
    }
}
