//! A minimal apply for tests, until mcpform has its own: sends every action of a plan
//! document (`mcpform plan --format json`) to the proxy, with `${env:…}` resolved, and
//! after a create its second write (the ownership proof, keyed as mcpform keys it:
//! `MCPFORM_FINGERPRINT_KEY` from the given environment, else the admin key). It lets
//! tests check that a plan made right after "applying" is empty.

use mcpform::client::{Client, ClientConfig, ProxyUrl};
use mcpform::plan::with_proof;
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
    // As mcpform: `MCPFORM_FINGERPRINT_KEY` when set, else the admin key.
    let fingerprint_key = FingerprintKey::new(&Secret::new(
        lookup("MCPFORM_FINGERPRINT_KEY").unwrap_or(key.to_owned()),
    ));
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
                Some("create") => {
                    let body = body.as_ref().expect("body");
                    match client.create(body).await {
                        Ok(row) => {
                            let id = row["server_id"].as_str().expect("an id");
                            let at = row["created_at"].as_str().expect("a creation time");
                            let proven = with_proof(body, id, at, &fingerprint_key);
                            match client.update(&proven).await {
                                // An OpenAPI server whose spec the proxy cannot load: the
                                // PUT is saved, then answered 5xx (as mcpform's apply, read
                                // it back).
                                Err(e) if e.status().is_some_and(|s| s >= 500) => {
                                    let row = client.get_server(id).await;
                                    let held =
                                        row.as_ref().ok().and_then(Option::as_ref).map(|r| {
                                            r["mcp_info"]["mcpform_owner"]
                                                == proven["mcp_info"]["mcpform_owner"]
                                        });
                                    if held == Some(true) { Ok(()) } else { Err(e) }
                                }
                                other => other.map(|_| ()),
                            }
                        }
                        Err(e) => Err(e),
                    }
                }
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
