//! The integration tests of `lineage-extract` in one test binary (one link, one process): static
//! extraction: rules, rule families, Scala, SQL by statement kind, secrets, values, logs and runs.

mod columns;
mod common;
mod sql_common;

mod logs_and_runs;
mod rule_families;
mod rules;
mod scala;
mod secrets;
mod sql_copy;
mod sql_create;
mod sql_ddl;
mod sql_dialect;
mod sql_insert;
mod sql_merge;
mod sql_redshift;
mod sql_script;
mod sql_select;
mod sql_update_delete;
mod values;
