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
    /// The statement only defines or alters a table's shape (`CREATE TABLE` without a query
    /// or clone, `ALTER TABLE` other than a rename): its outputs receive no rows.
    pub schema_only: bool,
    /// Written columns and the input columns each is computed from.
    pub columns: Vec<super::ColumnLineage>,
}

impl Outcome {
    pub(crate) fn read_write(inputs: Vec<String>, outputs: Vec<String>) -> Self {
        Self {
            inputs,
            outputs,
            ..Self::default()
        }
    }

    /// A definition that writes no rows into `outputs` (see [`Outcome::schema_only`]).
    pub(crate) fn schema(inputs: Vec<String>, outputs: Vec<String>) -> Self {
        Self {
            schema_only: true,
            ..Self::read_write(inputs, outputs)
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
        self.schema_only &= other.schema_only;
        self.columns.extend(other.columns);
    }
}
