//! The integration tests of `lineage-domain` in one test binary (one link, one process): the event
//! types on the sample and hostile EventBridge events.

mod hostile_events;
mod sample_events;
