//! The lineage of SQL text as the module reports it: per statement ([`StatementLineage`]), parse
//! errors as data ([`SqlParseError`]), and the script-level tables ([`SqlLineage::tables`]).

use std::collections::BTreeSet;

/// The lineage of one statement. Table names are lower case, unquoted, qualified as far as
/// the SQL qualifies them (`db.tbl`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatementLineage {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    /// The temporary view this statement defines (its `inputs` are the view's sources).
    pub temp_view: Option<String>,
    /// 1-based line of the statement in the text.
    pub line: u32,
    /// The statement only defines or alters a table's shape (`CREATE TABLE` without a query
    /// or clone, `ALTER TABLE` other than a rename): its outputs receive no rows. The
    /// script-level [`SqlLineage::tables`] still lists them (both reference suites do).
    pub schema_only: bool,
    /// The written columns and the input columns each is computed from.
    pub columns: Vec<super::ColumnLineage>,
}

/// A statement that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlParseError {
    pub line: u32,
    pub message: String,
}

/// The lineage of a SQL text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlLineage {
    pub statements: Vec<StatementLineage>,
    pub errors: Vec<SqlParseError>,
}

impl SqlLineage {
    /// The script-level `(inputs, outputs)`, each sorted and without repeats: temporary views
    /// are resolved to their sources (they are neither inputs nor outputs themselves).
    pub fn tables(&self) -> (Vec<String>, Vec<String>) {
        let mut views: BTreeSet<String> = BTreeSet::new();
        for v in self
            .statements
            .iter()
            .filter_map(|s| s.temp_view.as_deref())
        {
            // Spark global temporary views are read as `global_temp.v`.
            views.insert(v.to_string());
            views.insert(format!("global_temp.{v}"));
        }
        let mut inputs = BTreeSet::new();
        let mut outputs = BTreeSet::new();
        for s in &self.statements {
            inputs.extend(
                s.inputs
                    .iter()
                    .filter(|n| !views.contains(n.as_str()))
                    .cloned(),
            );
            outputs.extend(
                s.outputs
                    .iter()
                    .filter(|n| !views.contains(n.as_str()))
                    .cloned(),
            );
        }
        (inputs.into_iter().collect(), outputs.into_iter().collect())
    }
}

impl SqlLineage {
    /// The column lineage of the whole text, statement by statement, without columns written
    /// to temporary views (those are resolved into the statements reading them). The result
    /// columns of a query that writes nowhere have table `""`.
    pub fn columns(&self) -> Vec<super::ColumnLineage> {
        let views: BTreeSet<&str> = self
            .statements
            .iter()
            .filter_map(|s| s.temp_view.as_deref())
            .collect();
        self.statements
            .iter()
            .flat_map(|s| s.columns.iter())
            .filter(|c| !views.contains(c.table.as_str()))
            .cloned()
            .collect()
    }
}

/// Analyses SQL text found inside a statement (an `UNLOAD` query string, a procedure body, a
/// statement recovered piecewise) whose first line is the given line: the whole-text analysis,
/// handed down so the statement handlers need not depend on it.
pub(crate) type NestedSql<'a> = &'a dyn Fn(&str, u32) -> SqlLineage;
