//! mcpform: GitOps for the MCP server registry of a LiteLLM proxy.
//!
//! Data flows one way: [`load`] (YAML with spans) → [`model`] (typed desired state) →
//! [`lint`] ([`schema`] and rules → [`diagnostic`]s, printed by [`report`]); for `plan`,
//! [`resolve`] (`${env:…}` → [`secret`]s and fingerprints) and [`client`] → [`live`]
//! (typed live state, normalised) → [`plan`] (a pure diff) → [`render`]; [`export`] turns
//! the live state back into a file. [`cli`] wires
//! the rooms together; `main.rs` only calls [`cli::main`].

pub mod apply;
pub mod cli;
pub mod client;
pub mod diagnostic;
pub mod env;
pub mod escape;
pub mod export;
pub mod gather;
pub mod github;
pub mod lint;
pub mod live;
pub mod load;
pub mod model;
pub mod plan;
pub mod render;
pub mod report;
pub mod resolve;
pub mod rule;
pub mod schema;
pub mod secret;
pub mod source;
