//! Stand-ins for external endpoints, shared by the reliability tests, the adapter tests and the
//! benchmarks (one copy each): [`proxy`] sits in front of moto (and a fake Bedrock) and injects
//! faults or a fixed latency, recording every call it forwards; [`bedrock`] is a fake Bedrock
//! Runtime Converse endpoint that records the requests it receives; [`openlineage`] is a fake
//! OpenLineage receiver that checks every posted event against the official schema; both read
//! requests through [`http`], just enough HTTP/1.1 for a fake; [`secrets`] holds the planted
//! secrets of the leak tests.

pub mod bedrock;
pub mod http;
pub mod openlineage;
pub mod proxy;
pub mod secrets;
