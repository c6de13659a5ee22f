//! The lineage use case: a Glue job state change goes through gather → extract → infer →
//! score → validate → persist, over the domain's ports. Also the settings and the OpenLineage
//! document format.

pub mod catalog;
pub mod completeness;
pub mod deliver;
pub mod error;
pub mod evidence;
pub mod gather;
pub mod graph;
pub mod infer;
pub mod limits;
pub mod modules;
pub mod openlineage;
pub mod persist;
pub mod pipeline;
pub mod replay;
pub mod score;
pub mod settings;
pub mod storage_check;
pub mod validate;

pub use error::EngineError;
pub use gather::Gathered;
pub use pipeline::{
    Analysis, Disposition, Pipeline, Ports, ProcessOptions, RunOutcome, StageTimings,
};
pub use settings::{InferencePolicy, ModelSettings, Settings};
