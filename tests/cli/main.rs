//! Integration tests: the built `mcpform` binary against the in-process fake LiteLLM.

#[path = "../support/mod.rs"]
mod support;

mod apply;
mod export;
mod faults;
mod github;
mod hostile_live;
mod keys;
mod outputs;
mod plan;
mod proxy_input;
mod secrets;
mod url_secrets;
mod versions;

use mcpform::plan::owner_proof;
use mcpform::secret::{FingerprintKey, Secret};
use support::cli::Workspace;
use support::fake_proxy::FakeProxy;

/// `mcpform ARGS` in `ws` against `fake`.
fn run(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .args(args)
        .output()
        .unwrap()
}

/// mcpform's proof that it owns server `id`, keyed as the fake's master key keys it.
fn proof(fake: &FakeProxy, id: &str) -> String {
    owner_proof(id, &FingerprintKey::new(&Secret::new(fake.master_key())))
}
