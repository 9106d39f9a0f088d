//! Integration tests: the built `mcpform` binary against the in-process fake LiteLLM.

#[path = "../support/mod.rs"]
mod support;

mod apply;
mod export;
mod faults;
mod forged_plans;
mod github;
mod hostile_live;
mod keys;
mod outputs;
mod ownership;
mod plan;
mod proxy_input;
mod resume;
mod secrets;
mod url_secrets;
mod versions;

use mcpform::plan::owner_proof;
use mcpform::secret::{FingerprintKey, Secret};
use serde_json::Value;
use support::cli::Workspace;
use support::fake_proxy::FakeProxy;

/// `mcpform ARGS` in `ws` against `fake`.
fn run(ws: &Workspace, fake: &FakeProxy, args: &[&str]) -> std::process::Output {
    ws.mcpform(&fake.base_url(), &fake.master_key())
        .args(args)
        .output()
        .unwrap()
}

/// Seeds a server mcpform owns, as apply makes one: created (with its marker), then
/// its ownership proof, bound to the creation time the proxy set, keyed as the fake's
/// master key keys it. Returns the row.
fn seed_owned_server(fake: &FakeProxy, mut body: Value) -> Value {
    body["mcp_info"]["managed_by"] = Value::from("mcpform");
    let row = fake.seed_server(body);
    let id = row["server_id"].as_str().expect("an id");
    let at = row["created_at"].as_str().expect("a creation time");
    let key = FingerprintKey::new(&Secret::new(fake.master_key()));
    fake.set_mcp_info_key(id, "mcpform_owner", Value::from(owner_proof(id, at, &key)));
    fake.rows()
        .into_iter()
        .find(|r| r["server_id"] == id)
        .expect("the row")
}
