//! Shared helpers of the integration tests.
//!
//! Each test binary includes this module with `#[path = "support/mod.rs"] mod support;` and
//! uses a different part of it, hence the `dead_code` and `unused_imports` (re-exports) allowances.
#![allow(dead_code, unused_imports, unreachable_pub)]

pub mod apply;
pub mod cli;
pub mod env_file;
pub mod fake_github;
pub mod fake_proxy;
pub mod inprocess;
pub mod real;
pub mod scenario;
