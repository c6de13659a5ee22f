//! Local debugging aid (not committed): extraction of one corpus case folder with diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use lineage_domain::*;
use lineage_extract::{extract, ExtractSettings};
use std::path::Path;

fn main() {
    let dir = std::env::args().nth(1).expect("case dir");
    let dir = Path::new(&dir);
    let jf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("job.json")).unwrap()).unwrap();
    let job: JobDefinition = serde_json::from_value(jf["Job"].clone()).unwrap();
    let mut connections: Vec<Connection> = serde_json::from_value(
        jf.get("Connections")
            .cloned()
            .unwrap_or(serde_json::json!([])),
    )
    .unwrap_or_default();
    if std::env::var("ALLCONN").is_err() {
        let names: Vec<String> = job.connection_names().to_vec();
        connections.retain(|c| names.contains(&c.name));
    }
    let rf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap();
    let run: JobRun = serde_json::from_value(rf["JobRun"].clone()).unwrap();
    let event =
        GlueJobStateChange::from_json(&std::fs::read_to_string(dir.join("event.json")).unwrap())
            .unwrap();
    let (sp, lang) = [
        ("script.py", ScriptLanguage::Python),
        ("script.scala", ScriptLanguage::Scala),
        ("script.sql", ScriptLanguage::Sql),
    ]
    .into_iter()
    .map(|(f, l)| (dir.join(f), l))
    .find(|(p, _)| p.is_file())
    .unwrap();
    let logs: Vec<LogEvent> = if dir.join("logs.json").is_file() {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("logs.json")).unwrap()).unwrap();
        serde_json::from_value(v["events"].clone()).unwrap_or_default()
    } else {
        vec![]
    };
    let mut ctx = RunContext {
        event,
        job: job.clone(),
        run,
        connections,
        script: Some(Script {
            location: job.command.script_location.clone(),
            language: lang,
            text: std::fs::read_to_string(sp).unwrap(),
        }),
        extra: Default::default(),
        modules: Default::default(),
        logs,
    };
    let mut x = extract(&ctx.clone().redact(), &ExtractSettings::default()).unwrap();
    for _ in 0..3 {
        let mut added = false;
        for uri in &x.objects_read {
            let key = uri.splitn(4, '/').nth(3).unwrap_or("");
            let p = dir.join("extra").join(key);
            if p.is_file() && !ctx.extra.contains_key(uri) {
                ctx.extra.insert(
                    uri.clone(),
                    ExtraObject {
                        uri: uri.clone(),
                        text: std::fs::read_to_string(p).unwrap(),
                    },
                );
                added = true;
            }
        }
        if !added {
            break;
        }
        x = extract(&ctx.clone().redact(), &ExtractSettings::default()).unwrap();
    }
    for e in &x.edges {
        let rules: Vec<_> = e
            .evidence
            .iter()
            .map(|v| format!("{}@{:?}", v.rule, v.locator))
            .collect();
        println!("{:?} {} {:?}", e.direction, e.dataset, rules);
    }
    for d in &x.diagnostics {
        println!(
            "DIAG {:?} {:?} {:?} {}",
            d.kind, d.locator, d.expression, d.message
        );
    }
    println!("objects_read {:?}", x.objects_read);
}
