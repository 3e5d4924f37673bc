//! One integration-test binary: every module shares the harness.

mod adopt;
mod build;
mod capi;
mod cases;
mod cdn;
mod docs;
mod faults;
mod harness;
mod history;
mod hooks;
mod layout;
mod library;
mod model;
mod promise;
mod proxy;
mod publish;
mod readme;
mod refusals;
mod remote;
mod requests;
mod scale;
mod stale;
mod targets;
mod terminal;
mod trust;
mod verify;
