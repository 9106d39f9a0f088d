//! A minimal apply for tests, until mcpform has its own: sends every action of a plan
//! document (`mcpform plan --format json`) to the proxy, with `${env:…}` resolved. It
//! lets tests check that a plan made right after "applying" is empty.

use mcpform::client::{Client, ClientConfig, ProxyUrl};
use mcpform::resolve::{Reference, substitute_references};
use mcpform::secret::{FingerprintKey, Secret};
use serde_json::{Map, Value};

/// Applies every unblocked action of `plan`. Panics on any proxy error.
pub fn apply_plan(base_url: &str, key: &str, plan: &Value, env: &[(&str, &str)]) {
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    };
    apply_plan_with(base_url, key, plan, &lookup);
}

/// Like [`apply_plan`], reading `${env:…}` through `lookup`.
pub fn apply_plan_with(
    base_url: &str,
    key: &str,
    plan: &Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) {
    let base_url = ProxyUrl::parse(base_url).expect("proxy URL");
    let client = Client::new(ClientConfig::new(base_url, Secret::new(key))).expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for action in plan["actions"].as_array().expect("actions") {
            if action["blocked"] == Value::Bool(true) {
                continue;
            }
            // Only where the plan recorded a reference from the files, as apply does.
            let references: Vec<Reference> = action
                .get("references")
                .map(|r| serde_json::from_value(r.clone()).expect("references"))
                .unwrap_or_default();
            let key = FingerprintKey::new(&Secret::new("unused"));
            let body: Option<Map<String, Value>> =
                action.get("body").and_then(Value::as_object).map(|b| {
                    substitute_references(b, &references, lookup, &key)
                        .expect("env")
                        .0
                });
            let result = match action["action"].as_str() {
                Some("create") => client
                    .create(body.as_ref().expect("body"))
                    .await
                    .map(|_| ()),
                Some("update") => client
                    .update(body.as_ref().expect("body"))
                    .await
                    .map(|_| ()),
                Some("delete") => {
                    client
                        .delete(action["server_id"].as_str().expect("id"))
                        .await
                }
                other => panic!("unknown action {other:?}"),
            };
            if let Err(e) = result {
                panic!("applying {} failed: {e}", action["server_name"]);
            }
        }
    });
}
