//! The integration tests of `lineage-reliability` in one test binary (one link, one process):
//! faults, concurrency, the DataZone transport, the deadline, limits, replay, secrets, hostile input, silence and least privilege, end to
//! end on moto.

mod common;

mod concurrency;
mod datazone;
mod deadline;
mod faults;
mod hostile_input;
mod least_privilege;
mod limits;
mod replay;
mod secret_forms;
mod secrets_and_batches;
mod silence;
