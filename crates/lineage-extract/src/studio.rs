//! Glue Studio (stub replaced below).
use crate::emit::Env;
use lineage_domain::{Dataset, Direction, Evidence, RunContext};
use std::collections::BTreeMap;
pub fn run(_ctx: &RunContext, _env: &mut Env) {}
pub fn corroborate(_ctx: &RunContext, _edges: &mut BTreeMap<(Direction, Dataset), Vec<Evidence>>) {}
