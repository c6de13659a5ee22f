//! `graph --format svg`: the lineage graph laid out left to right (datasets as ellipses, jobs as
//! boxes, each edge labelled with its confidence) by `layout-rs`, a Graphviz-like layered
//! layout in Rust, and drawn as one standalone SVG document: no Graphviz install, no network.

use crate::error::CliError;
use layout::backends::svg::SVGWriter;
use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::style::StyleAttr;
use layout::std_shapes::render::get_shape_size;
use layout::std_shapes::shapes::{Arrow, Element, ShapeKind};
use layout::topo::layout::VisualGraph;
use lineage_engine::graph::{LineageGraph, Node};
use std::collections::BTreeMap;

const FONT_SIZE: usize = 14;

/// The shape and colours of a node: jobs are grey boxes, datasets white ellipses.
fn element(node: &Node, direction: Orientation) -> Element {
    let label = node.short_label();
    let (shape, fill) = match node {
        Node::Job { .. } => (ShapeKind::new_box(&label), "lightgray"),
        Node::Dataset { .. } => (ShapeKind::new_circle(&label), "white"),
    };
    // shapes are sized in the flipped direction, as layout-rs' own DOT front end does
    let direction = direction.flip();
    let size = get_shape_size(direction, &shape, FONT_SIZE, false);
    let look = StyleAttr::new(
        Color::fast("black"),
        1,
        Some(Color::fast(fill)),
        0,
        FONT_SIZE,
    );
    Element::create(shape, look, direction, size)
}

/// The graph as one SVG document. An empty graph has no picture, and a layout that fails
/// (a `layout-rs` panic) is an error that names the other formats.
pub fn render(graph: &LineageGraph) -> Result<String, CliError> {
    if graph.nodes.is_empty() {
        return Err(CliError::Input(
            "the store holds no lineage to draw (run `lineage-agent run` or `replay` first)".into(),
        ));
    }
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let drawn = std::panic::catch_unwind(|| draw(graph));
    std::panic::set_hook(hook);
    drawn.map_err(|_| {
        CliError::Failed(
            "the SVG layout failed on this graph; `--format dot` or `--format html` draw it".into(),
        )
    })
}

fn draw(graph: &LineageGraph) -> String {
    let direction = Orientation::LeftToRight;
    let mut visual = VisualGraph::new(direction);
    let handles: BTreeMap<&Node, _> = graph
        .nodes
        .iter()
        .map(|n| (n, visual.add_node(element(n, direction))))
        .collect();
    for e in &graph.edges {
        if let (Some(from), Some(to)) = (handles.get(&e.from), handles.get(&e.to)) {
            visual.add_edge(Arrow::simple(&format!("{:.2}", e.confidence)), *from, *to);
        }
    }
    let mut svg = SVGWriter::new();
    visual.do_it(false, false, false, &mut svg);
    svg.finalize()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineage_engine::graph::GraphEdge;

    fn ds(name: &str) -> Node {
        Node::Dataset {
            namespace: "s3://bucket".into(),
            name: name.into(),
        }
    }

    fn edge(from: &Node, to: &Node) -> GraphEdge {
        GraphEdge {
            from: from.clone(),
            to: to.clone(),
            confidence: 0.9,
            last_seen_run: "jr_1".into(),
            evidence: String::new(),
        }
    }

    #[test]
    fn a_cycle_and_markup_in_names_are_drawn_as_valid_svg_text() {
        // a job that reads and writes the same dataset, and a name with XML's special characters
        let job = Node::Job {
            name: "merge<&>\"job\"".into(),
        };
        let (a, b) = (ds("events"), ds("out"));
        let graph = LineageGraph {
            nodes: vec![a.clone(), b.clone(), job.clone()],
            edges: vec![edge(&a, &job), edge(&job, &a), edge(&job, &b)],
            ..LineageGraph::default()
        };
        let svg = render(&graph).expect("drawn");
        assert!(svg.starts_with("<?xml"), "{svg:.80}");
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("merge&lt;&amp;&gt;&quot;job&quot;"), "escaped");
        assert!(!svg.contains("merge<&>"), "no raw markup from a name");
        assert!(svg.contains("s3://bucket/events") && svg.contains("s3://bucket/out"));
        assert_eq!(svg.matches(">0.90<").count(), 3, "each edge's confidence");
    }

    #[test]
    fn an_empty_graph_is_an_error_not_a_picture() {
        let e = render(&LineageGraph::default()).expect_err("nothing to draw");
        assert!(e.to_string().contains("no lineage to draw"), "{e}");
    }
}
