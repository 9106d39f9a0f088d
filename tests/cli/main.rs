//! Integration tests: the built `mcpform` binary against the in-process fake LiteLLM.

#[path = "../support/mod.rs"]
mod support;

mod faults;
mod plan;
mod secrets;
