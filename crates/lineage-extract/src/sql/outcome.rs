//! What one statement does to tables ([`Outcome`]): the type every statement handler returns.

use sqlparser::ast::Use;

use super::names::push_unique;

/// What one statement does to tables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub temp_view: Option<String>,
    /// A `USE` statement: the new default database/schema.
    pub use_stmt: Option<Use>,
}

impl Outcome {
    pub(crate) fn read_write(inputs: Vec<String>, outputs: Vec<String>) -> Self {
        Self {
            inputs,
            outputs,
            ..Self::default()
        }
    }

    /// Adds another outcome's tables (statements nested in a procedure body).
    pub(crate) fn merge(&mut self, other: Outcome) {
        for i in other.inputs {
            push_unique(&mut self.inputs, i);
        }
        for o in other.outputs {
            push_unique(&mut self.outputs, o);
        }
    }
}
