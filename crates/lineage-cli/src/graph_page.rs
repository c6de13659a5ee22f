//! The lineage graph as one self-contained HTML page (`graph --format html`): the graph's data
//! embedded as JSON beside a small script that lays it out in layers, with search, upstream and
//! downstream highlighting, and per-edge confidence and evidence. No network access: no CDN,
//! no fonts, a content security policy that forbids loading anything.
//!
//! Dataset names come from scripts and logs, so they are untrusted: the JSON is embedded with
//! `<`, `>`, `&` and the line separators escaped (nothing can close the script element), and
//! the page writes every name with `textContent`, never as markup.

use lineage_engine::graph::{LineageGraph, Node};
use serde_json::json;

const TEMPLATE: &str = include_str!("../assets/graph.html");
const PLACEHOLDER: &str = "/*GRAPH_DATA*/";

/// A node's full name, and the names merged into it: `arn:…|table/db/t = s3://b/t`.
fn full_name(graph: &LineageGraph, node: &Node) -> String {
    std::iter::once(node)
        .chain(graph.aliases_of(node))
        .map(Node::label)
        .collect::<Vec<_>>()
        .join(" = ")
}

/// The page for `graph`, titled `title`; `focus` is the node selected when it opens.
pub fn render(graph: &LineageGraph, title: &str, focus: Option<&Node>) -> String {
    let index = |n: &Node| graph.nodes.iter().position(|m| m == n);
    let nodes: Vec<_> = graph
        .nodes
        .iter()
        .map(|n| {
            json!({
                "kind": if matches!(n, Node::Job { .. }) { "job" } else { "dataset" },
                "label": n.short_label(),
                // the names merged into it too, so the search finds a table by its location
                "full": full_name(graph, n),
            })
        })
        .collect();
    let edges: Vec<_> = graph
        .edges
        .iter()
        .filter_map(|e| {
            Some(json!({
                "from": index(&e.from)?,
                "to": index(&e.to)?,
                "confidence": e.confidence,
                "evidence": e.evidence,
                "run": e.last_seen_run,
            }))
        })
        .collect();
    let data = json!({
        "title": title,
        "nodes": nodes,
        "edges": edges,
        "focus": focus.and_then(index),
    });
    TEMPLATE.replacen(PLACEHOLDER, &script_safe(&data.to_string()), 1)
}

/// JSON text that can sit inside a `<script>` element: the characters that could end it or
/// start markup are written as JSON escapes, which parse back to the same string.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineage_engine::graph::GraphEdge;

    fn graph() -> LineageGraph {
        let ds = Node::Dataset {
            namespace: "s3://b".into(),
            name: "x</script><script>alert(1)</script>".into(),
        };
        let job = Node::Job { name: "j".into() };
        LineageGraph {
            nodes: vec![ds.clone(), job.clone()],
            edges: vec![GraphEdge {
                from: ds,
                to: job,
                confidence: 0.9,
                last_seen_run: "jr_1".into(),
                evidence: "script:3 spark.read.parquet".into(),
            }],
            aliases: Vec::new(),
        }
    }

    #[test]
    fn hostile_names_cannot_leave_the_data_element() {
        let page = render(&graph(), "t", None);
        assert_eq!(
            page.matches("</script>").count(),
            2,
            "only the page's own two scripts end"
        );
        assert!(page.contains("x\\u003c/script\\u003e"));
        assert!(!page.contains(PLACEHOLDER));
    }

    #[test]
    fn escaped_data_parses_back_to_the_same_json() {
        let page = render(&graph(), "lineage & more", None);
        let start = page.find("id=\"graph-data\">").expect("data element") + 16;
        let end = start + page[start..].find("</script>").expect("end");
        let v: serde_json::Value = serde_json::from_str(&page[start..end]).expect("json");
        assert_eq!(v["title"], "lineage & more");
        assert_eq!(
            v["nodes"][0]["full"],
            "s3://b/x</script><script>alert(1)</script>"
        );
        assert_eq!(v["edges"][0]["from"], 0);
        assert_eq!(v["edges"][0]["to"], 1);
        assert_eq!(v["focus"], serde_json::Value::Null);
    }

    #[test]
    fn the_page_loads_nothing_from_the_network() {
        let page = render(&graph(), "t", None);
        // the one URL is the SVG namespace, a name, not a fetch
        assert_eq!(
            page.matches("http://").count(),
            page.matches("http://www.w3.org/2000/svg").count()
        );
        assert!(!page.contains("https://"));
        assert!(page.contains("default-src 'none'"));
    }
}
