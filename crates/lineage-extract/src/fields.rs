//! Node kinds and children by field name for one grammar, looked up once per grammar:
//! tree-sitter's own lookups measure and check the kind's C string on each call, and compare a
//! field's name with every field of the grammar, and the interpreters ask for both at almost
//! every node they run.

use std::collections::HashMap;
use tree_sitter::{Language, Node};

/// The field ids of one grammar, by name, and its node kinds, by id.
pub(crate) struct Fields {
    ids: HashMap<&'static str, u16>,
    kinds: Vec<&'static str>,
}

impl Fields {
    pub(crate) fn of(language: &Language) -> Self {
        let fields = u16::try_from(language.field_count()).unwrap_or(u16::MAX);
        let kinds = u16::try_from(language.node_kind_count()).unwrap_or(u16::MAX);
        Self {
            ids: (1..=fields)
                .filter_map(|id| language.field_name_for_id(id).map(|name| (name, id)))
                .collect(),
            kinds: (0..kinds)
                .map(|id| language.node_kind_for_id(id).unwrap_or(""))
                .collect(),
        }
    }

    /// The kind of `n`, as `Node::kind`.
    pub(crate) fn kind(&self, n: Node) -> &'static str {
        match self.kinds.get(usize::from(n.kind_id())) {
            Some(kind) => kind,
            // the error kind's id is past the grammar's kinds
            None => n.kind(),
        }
    }

    /// The child of `n` in field `name` (`None`: no such child, as `child_by_field_name`).
    /// A name the grammar does not have is a bug in the caller (debug builds assert it).
    pub(crate) fn child<'t>(&self, n: Node<'t>, name: &str) -> Option<Node<'t>> {
        let id = self.ids.get(name);
        debug_assert!(id.is_some(), "the grammar has no field {name:?}");
        n.child_by_field_id(*id?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_children_by_field_are_the_ones_tree_sitter_gives() {
        let language: Language = tree_sitter_python::LANGUAGE.into();
        let fields = Fields::of(&language);
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&language).expect("language");
        let tree = parser.parse("f(x)\na = b\n)(\n", None).expect("parse");
        assert!(tree.root_node().has_error(), "an error node's kind too");
        let mut cursor = tree.walk();
        let mut checked = 0;
        let mut stack = vec![tree.root_node()];
        while let Some(n) = stack.pop() {
            assert_eq!(fields.kind(n), n.kind());
            for name in ["function", "arguments", "left", "right", "body"] {
                let ours = fields.child(n, name).map(|c| c.id());
                assert_eq!(ours, n.child_by_field_name(name).map(|c| c.id()), "{name}");
                checked += usize::from(ours.is_some());
            }
            stack.extend(n.children(&mut cursor));
        }
        assert_eq!(checked, 4, "function, arguments, left, right");
    }
}
