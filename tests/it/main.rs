//! One integration-test binary: every module shares the harness.

mod cases;
mod harness;
mod model;
mod publish;
mod remote;
mod scale;
mod verify;
