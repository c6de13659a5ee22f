//! The table-level lineage graph: all job mappings merged into one graph of datasets and jobs
//! (dataset → job for inputs, job → dataset for outputs), with upstream/downstream traversal,
//! the neighbourhood of one dataset, short labels, and JSON, Graphviz DOT and Mermaid renderings.
//! A catalog table and its storage location (symlinks recorded with the mappings) are one node,
//! named by the table, with the location as its alias.

use lineage_domain::{Dataset, Direction, JobMapping};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// A node of the graph.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Node {
    Dataset { namespace: String, name: String },
    Job { name: String },
}

impl Node {
    pub fn dataset(d: &Dataset) -> Self {
        Node::Dataset {
            namespace: d.namespace.clone(),
            name: d.name.clone(),
        }
    }
    pub fn label(&self) -> String {
        match self {
            Node::Dataset { namespace, name } => Dataset {
                namespace: namespace.clone(),
                name: name.clone(),
            }
            .to_string(),
            Node::Job { name } => format!("job:{name}"),
        }
    }

    /// The label people read: `glue:db.table` for a catalog table, `s3://bucket/prefix`,
    /// `job:name`; other datasets as [`Node::label`].
    pub fn short_label(&self) -> String {
        if let Node::Dataset { namespace, name } = self {
            if namespace.starts_with("arn:aws:glue:") {
                if let Some(table) = name.strip_prefix("table/") {
                    return format!("glue:{}", table.replacen('/', ".", 1));
                }
            }
        }
        self.label()
    }
}

/// A directed edge in the direction data flows, with the mapping's confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphEdge {
    pub from: Node,
    pub to: Node,
    pub confidence: f64,
    pub last_seen_run: String,
    /// The evidence of the latest run that saw it, in one line.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub evidence: String,
}

/// The other names merged into one dataset node: the storage location of a catalog table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeAliases {
    pub node: Node,
    pub aliases: Vec<Node>,
}

/// The merged lineage graph.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LineageGraph {
    pub nodes: Vec<Node>,
    pub edges: Vec<GraphEdge>,
    /// The dataset nodes that stand for symlinked names too, with those names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<NodeAliases>,
}

/// The catalog table each symlinked name stands for: a location recorded as a table's symlink
/// (or recording a table as its own) is that table; a location two tables share is the first.
fn canonical_names(mappings: &[JobMapping]) -> BTreeMap<Dataset, Dataset> {
    let mut canonical: BTreeMap<Dataset, Dataset> = BTreeMap::new();
    let mut alias = |name: &Dataset, table: &Dataset| {
        let entry = canonical
            .entry(name.clone())
            .or_insert_with(|| table.clone());
        if table < entry {
            *entry = table.clone();
        }
    };
    for m in mappings {
        let is_table = m.dataset.catalog_table().is_some();
        for s in &m.symlinks {
            match (is_table, s.catalog_table().is_some()) {
                (true, false) => alias(s, &m.dataset),
                (false, true) => alias(&m.dataset, s),
                _ => {}
            }
        }
    }
    canonical
}

impl LineageGraph {
    /// Merges mappings (any order) into one graph; output is sorted. A symlinked name is
    /// merged into its catalog table's node; of two edges that then coincide the more
    /// confident one is kept.
    pub fn from_mappings(mappings: &[JobMapping]) -> Self {
        let canonical = canonical_names(mappings);
        let node_of = |d: &Dataset| Node::dataset(canonical.get(d).unwrap_or(d));
        let mut nodes = BTreeSet::new();
        let mut edges: BTreeMap<(Node, Node), GraphEdge> = BTreeMap::new();
        for m in mappings {
            let job = Node::Job {
                name: m.job_name.clone(),
            };
            let ds = node_of(&m.dataset);
            let (from, to) = match m.direction {
                Direction::Input => (ds.clone(), job.clone()),
                Direction::Output => (job.clone(), ds.clone()),
            };
            nodes.insert(job);
            nodes.insert(ds);
            let edge = GraphEdge {
                from: from.clone(),
                to: to.clone(),
                confidence: m.confidence.rounded(),
                last_seen_run: m.last_seen_run.clone(),
                evidence: m.evidence_summary.clone(),
            };
            match edges.entry((from, to)) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(edge);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    if edge.confidence > o.get().confidence {
                        o.insert(edge);
                    }
                }
            }
        }
        let mut aliases: BTreeMap<Node, BTreeSet<Node>> = BTreeMap::new();
        for (name, table) in &canonical {
            let node = Node::dataset(table);
            if nodes.contains(&node) {
                aliases.entry(node).or_default().insert(Node::dataset(name));
            }
        }
        Self {
            nodes: nodes.into_iter().collect(),
            edges: edges.into_values().collect(),
            aliases: aliases
                .into_iter()
                .map(|(node, names)| NodeAliases {
                    node,
                    aliases: names.into_iter().collect(),
                })
                .collect(),
        }
    }

    /// The other names merged into `node` (none for most).
    pub fn aliases_of(&self, node: &Node) -> &[Node] {
        self.aliases
            .iter()
            .find(|a| a.node == *node)
            .map_or(&[], |a| a.aliases.as_slice())
    }

    /// The node's short label, with the names merged into it: `glue:db.t (s3://b/t)`.
    pub fn display_label(&self, node: &Node) -> String {
        let aliases = self.aliases_of(node);
        if aliases.is_empty() {
            return node.short_label();
        }
        let names: Vec<String> = aliases.iter().map(Node::short_label).collect();
        format!("{} ({})", node.short_label(), names.join(", "))
    }

    /// Every name of a dataset node with the node it stands for: the node's own, then its
    /// aliases.
    fn dataset_names(&self) -> impl Iterator<Item = (&Node, &Node)> + '_ {
        self.nodes
            .iter()
            .filter(|n| matches!(n, Node::Dataset { .. }))
            .map(|n| (n, n))
            .chain(
                self.aliases
                    .iter()
                    .flat_map(|a| a.aliases.iter().map(move |name| (name, &a.node))),
            )
    }

    /// Everything reachable from `start` against (upstream) or along (downstream) the data flow,
    /// up to `depth` jobs away, as (distance in jobs, edge) pairs in breadth-first order.
    pub fn walk(&self, start: &Node, upstream: bool, depth: usize) -> Vec<(usize, GraphEdge)> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::from([start.clone()]);
        let mut queue = VecDeque::from([(start.clone(), 0usize)]);
        while let Some((node, jobs_away)) = queue.pop_front() {
            for e in &self.edges {
                let (here, next) = if upstream {
                    (&e.to, &e.from)
                } else {
                    (&e.from, &e.to)
                };
                if *here != node {
                    continue;
                }
                let next_jobs = jobs_away + usize::from(matches!(next, Node::Job { .. }));
                if next_jobs > depth {
                    continue;
                }
                out.push((next_jobs.max(1), e.clone()));
                if seen.insert(next.clone()) {
                    queue.push_back((next.clone(), next_jobs));
                }
            }
        }
        out
    }

    /// The dataset node a person means by `text`: `namespace|name` or an S3 URL as stored, a
    /// catalog table as `glue:db.table` or `db.table`, an S3 object under a stored dataset's
    /// prefix (a partition file: the longest such prefix), or any of these naming a symlinked
    /// name (a catalog table's location finds the table). `None` when nothing matches.
    pub fn find_dataset(&self, text: &str) -> Option<Node> {
        let text = text.trim();
        if let Ok(d) = Dataset::parse(text) {
            let exact = Node::dataset(&d);
            if let Some((_, node)) = self.dataset_names().find(|(name, _)| **name == exact) {
                return Some(node.clone());
            }
            if d.namespace.starts_with("s3://") {
                let url = exact.label();
                return self
                    .dataset_names()
                    .filter(|(name, _)| {
                        let prefix = name.label();
                        url.strip_prefix(&prefix)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
                    })
                    .max_by_key(|(name, _)| name.label().len())
                    .map(|(_, node)| node.clone());
            }
        }
        let table = text.strip_prefix("glue:").unwrap_or(text).to_lowercase();
        self.dataset_names()
            .find(|(name, _)| {
                name.short_label()
                    .strip_prefix("glue:")
                    .is_some_and(|t| t.to_lowercase() == table)
            })
            .map(|(_, node)| node.clone())
    }

    /// The part of the graph within `depth` jobs of `start`, upstream and downstream.
    pub fn around(&self, start: &Node, depth: usize) -> Self {
        let mut edges: Vec<GraphEdge> = Vec::new();
        for upstream in [true, false] {
            for (_, e) in self.walk(start, upstream, depth) {
                if !edges.contains(&e) {
                    edges.push(e);
                }
            }
        }
        let mut nodes = BTreeSet::from([start.clone()]);
        for e in &edges {
            nodes.insert(e.from.clone());
            nodes.insert(e.to.clone());
        }
        edges.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        let aliases = self
            .aliases
            .iter()
            .filter(|a| nodes.contains(&a.node))
            .cloned()
            .collect();
        Self {
            nodes: nodes.into_iter().collect(),
            edges,
            aliases,
        }
    }

    pub fn to_dot(&self) -> String {
        let mut s = String::from("digraph lineage {\n  rankdir=LR;\n");
        for n in &self.nodes {
            let shape = if matches!(n, Node::Job { .. }) {
                "box"
            } else {
                "ellipse"
            };
            s.push_str(&format!(
                "  {} [label={}, shape={shape}];\n",
                quote(&n.label()),
                quote(&self.display_label(n))
            ));
        }
        for e in &self.edges {
            s.push_str(&format!(
                "  {} -> {} [label=\"{:.2}\"];\n",
                quote(&e.from.label()),
                quote(&e.to.label()),
                e.confidence
            ));
        }
        s.push_str("}\n");
        s
    }

    pub fn to_mermaid(&self) -> String {
        let ids: BTreeMap<&Node, String> = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n, format!("n{i}")))
            .collect();
        let mut s = String::from("flowchart LR\n");
        for n in &self.nodes {
            let label = self.display_label(n).replace('"', "'");
            let id = &ids[n];
            match n {
                Node::Job { .. } => s.push_str(&format!("  {id}[\"{label}\"]\n")),
                Node::Dataset { .. } => s.push_str(&format!("  {id}[(\"{label}\")]\n")),
            }
        }
        for e in &self.edges {
            s.push_str(&format!(
                "  {} -->|{:.2}| {}\n",
                ids[&e.from], e.confidence, ids[&e.to]
            ));
        }
        s
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use lineage_domain::{Confidence, Evidence, EvidenceKind, LineageEdge, Locator, RunOrder};

    fn m(job: &str, ds: &str, dir: Direction) -> JobMapping {
        let mut e = LineageEdge::new(
            Dataset::s3_prefix("b", ds).expect("ds"),
            dir,
            vec![Evidence {
                kind: EvidenceKind::Script,
                locator: Locator::ScriptLine { line: 1 },
                rule: "r".into(),
                detail: String::new(),
            }],
        );
        e.confidence = Confidence::clamped(0.9);
        JobMapping::from_edge(
            job,
            &RunOrder {
                started_on: Utc::now(),
                run_id: "jr".into(),
            },
            &e,
        )
    }

    fn chain() -> LineageGraph {
        // raw -> [ingest] -> bronze -> [refine] -> silver -> [mart] -> gold
        LineageGraph::from_mappings(&[
            m("ingest", "raw", Direction::Input),
            m("ingest", "bronze", Direction::Output),
            m("refine", "bronze", Direction::Input),
            m("refine", "silver", Direction::Output),
            m("mart", "silver", Direction::Input),
            m("mart", "gold", Direction::Output),
        ])
    }

    #[test]
    fn walks_respect_direction_and_depth() {
        let g = chain();
        let gold = Node::dataset(&Dataset::s3_prefix("b", "gold").expect("ds"));
        let up1: Vec<String> = g
            .walk(&gold, true, 1)
            .iter()
            .map(|(_, e)| e.from.label())
            .collect();
        assert_eq!(up1, vec!["job:mart", "s3://b/silver"]);
        let up_all = g.walk(&gold, true, 10);
        assert!(up_all
            .iter()
            .any(|(d, e)| *d == 3 && e.from.label() == "s3://b/raw"));
        let raw = Node::dataset(&Dataset::s3_prefix("b", "raw").expect("ds"));
        assert!(
            g.walk(&raw, true, 10).is_empty(),
            "nothing upstream of a source"
        );
        assert_eq!(g.walk(&raw, false, 10).len(), 6);
    }

    #[test]
    fn around_keeps_both_sides_within_depth() {
        let g = chain();
        let silver = Node::dataset(&Dataset::s3_prefix("b", "silver").expect("ds"));
        let near = g.around(&silver, 1);
        let labels: Vec<String> = near.nodes.iter().map(Node::short_label).collect();
        assert_eq!(
            labels,
            vec![
                "s3://b/bronze",
                "s3://b/gold",
                "s3://b/silver",
                "job:mart",
                "job:refine"
            ]
        );
        assert_eq!(near.edges.len(), 4);
        assert_eq!(g.around(&silver, 10).nodes.len(), 7);
    }

    #[test]
    fn datasets_are_found_by_the_names_people_type() {
        let mut g = chain();
        g.nodes.push(Node::Dataset {
            namespace: "arn:aws:glue:us-east-1:123456789012".into(),
            name: "table/sales/orders".into(),
        });
        let label = |t: &str| g.find_dataset(t).map(|n| n.short_label());
        assert_eq!(label("s3://b/silver").as_deref(), Some("s3://b/silver"));
        assert_eq!(
            label("s3://b/silver/dt=2024-06-01/part-0000.parquet").as_deref(),
            Some("s3://b/silver"),
            "an object under a dataset's prefix"
        );
        assert_eq!(
            label("s3://b/silverware/x"),
            None,
            "a prefix ends at a slash"
        );
        assert_eq!(
            label("glue:sales.orders").as_deref(),
            Some("glue:sales.orders")
        );
        assert_eq!(label("Sales.Orders").as_deref(), Some("glue:sales.orders"));
        assert_eq!(
            label("arn:aws:glue:us-east-1:123456789012|table/sales/orders").as_deref(),
            Some("glue:sales.orders")
        );
        assert_eq!(label("nosuch.table"), None);
    }

    #[test]
    fn short_labels_name_catalog_tables_as_people_type_them() {
        let t = Node::Dataset {
            namespace: "arn:aws:glue:us-east-1:123456789012".into(),
            name: "table/sales/orders".into(),
        };
        assert_eq!(t.short_label(), "glue:sales.orders");
        let s3 = Node::dataset(&Dataset::s3_prefix("b", "raw/x").expect("ds"));
        assert_eq!(s3.short_label(), "s3://b/raw/x");
    }

    fn orders_table() -> Dataset {
        Dataset::glue_table("us-east-1", "123456789012", "sales", "orders").expect("table")
    }

    fn orders_location() -> Dataset {
        Dataset::s3_prefix("b", "warehouse/orders").expect("location")
    }

    fn on(job: &str, ds: Dataset, dir: Direction, confidence: f64) -> JobMapping {
        let mut mapping = m(job, "unused", dir);
        mapping.dataset = ds;
        mapping.confidence = Confidence::clamped(confidence);
        mapping
    }

    /// `load` writes the catalog table (knowing its location); `report` reads the location
    /// by its S3 path and writes `s3://b/report`.
    fn symlinked() -> LineageGraph {
        LineageGraph::from_mappings(&[
            on("load", orders_table(), Direction::Output, 0.9)
                .with_symlinks(vec![orders_location()]),
            on("report", orders_location(), Direction::Input, 0.8),
            m("report", "report", Direction::Output),
        ])
    }

    #[test]
    fn a_table_and_its_location_are_one_node() {
        let g = symlinked();
        let table = Node::dataset(&orders_table());
        let labels: Vec<String> = g.nodes.iter().map(Node::short_label).collect();
        assert_eq!(
            labels,
            vec![
                "glue:sales.orders",
                "s3://b/report",
                "job:load",
                "job:report"
            ],
            "the location is no node of its own"
        );
        assert_eq!(g.aliases_of(&table), &[Node::dataset(&orders_location())]);
        let down: Vec<String> = g
            .walk(&table, false, 5)
            .iter()
            .map(|(_, e)| e.to.short_label())
            .collect();
        assert_eq!(down, vec!["job:report", "s3://b/report"]);
        let up: Vec<String> = g
            .walk(&table, true, 5)
            .iter()
            .map(|(_, e)| e.from.short_label())
            .collect();
        assert_eq!(up, vec!["job:load"]);
        assert!(g
            .to_dot()
            .contains("label=\"glue:sales.orders (s3://b/warehouse/orders)\""));
        let json = serde_json::to_value(&g).expect("json");
        assert_eq!(
            json["aliases"][0]["aliases"][0]["name"], "warehouse/orders",
            "{json}"
        );
        // around keeps the aliases of the nodes it keeps
        assert_eq!(g.around(&table, 1).aliases_of(&table).len(), 1);
    }

    #[test]
    fn symlinked_names_are_found_by_every_name() {
        let g = symlinked();
        let label = |t: &str| g.find_dataset(t).map(|n| n.short_label());
        let table = Some("glue:sales.orders".to_string());
        for name in [
            "glue:sales.orders",
            "sales.orders",
            "arn:aws:glue:us-east-1:123456789012|table/sales/orders",
            "s3://b/warehouse/orders",
            "s3://b/warehouse/orders/",
            "s3://b/warehouse/orders/dt=2026-01-01/part-0.parquet",
            "s3://b|warehouse/orders",
        ] {
            assert_eq!(label(name), table, "{name}");
        }
        assert_eq!(label("s3://b/warehouse/ordersx"), None);
    }

    #[test]
    fn a_location_naming_its_table_finds_the_table_and_edges_merge() {
        // only the location is mapped, by two jobs; one of them also reads the table
        let g = LineageGraph::from_mappings(&[
            on("a", orders_location(), Direction::Output, 0.9).with_symlinks(vec![orders_table()]),
            on("b", orders_location(), Direction::Input, 0.6),
            on("b", orders_table(), Direction::Input, 0.95),
        ]);
        assert_eq!(
            g.find_dataset("glue:sales.orders").map(|n| n.short_label()),
            Some("glue:sales.orders".to_string())
        );
        assert_eq!(
            g.find_dataset("s3://b/warehouse/orders/x.parquet")
                .map(|n| n.short_label()),
            Some("glue:sales.orders".to_string())
        );
        assert_eq!(g.nodes.len(), 3, "{:?}", g.nodes);
        let into_b: Vec<f64> = g
            .edges
            .iter()
            .filter(|e| e.to == Node::Job { name: "b".into() })
            .map(|e| e.confidence)
            .collect();
        assert_eq!(into_b, vec![0.95], "one edge, the more confident");
    }

    #[test]
    fn renders_dot_and_mermaid() {
        let g = chain();
        assert_eq!(g.nodes.len(), 7);
        let dot = g.to_dot();
        assert!(dot.contains("\"job:ingest\" -> \"s3://b/bronze\""), "{dot}");
        let mm = g.to_mermaid();
        assert!(
            mm.starts_with("flowchart LR") && mm.matches("-->").count() == 6,
            "{mm}"
        );
    }
}
