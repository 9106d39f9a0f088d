//! Direct calls to a real LiteLLM proxy, for setting up live state in the end-to-end
//! suite (servers made "in the dashboard", users' stored keys).

use mcpform::model::support::ProxyVersion;
use serde_json::Value;

/// The real proxy named by `LITELLM_BASE_URL` and `LITELLM_MASTER_KEY`, if any.
pub struct RealProxy {
    /// Base URL.
    pub base_url: String,
    /// Master key.
    pub master_key: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl RealProxy {
    /// `None` (and a SKIPPED note on stderr) when the environment names no proxy; a
    /// panic instead when `MCPFORM_E2E_REQUIRED=1` says the suite must run (CI).
    pub fn from_env() -> Option<RealProxy> {
        let (Ok(base_url), Ok(master_key)) = (
            std::env::var("LITELLM_BASE_URL"),
            std::env::var("LITELLM_MASTER_KEY"),
        ) else {
            assert!(
                std::env::var("MCPFORM_E2E_REQUIRED").as_deref() != Ok("1"),
                "MCPFORM_E2E_REQUIRED=1 but LITELLM_BASE_URL and LITELLM_MASTER_KEY are not set: the end-to-end suite cannot run"
            );
            eprintln!(
                "SKIPPED: set LITELLM_BASE_URL and LITELLM_MASTER_KEY to run the end-to-end suite against a real proxy (.ci/run does)"
            );
            return None;
        };
        Some(RealProxy::at(&base_url, &master_key))
    }

    /// Direct calls to any proxy (the fake too, for differential tests).
    pub fn at(base_url: &str, master_key: &str) -> RealProxy {
        let _ = rustls::crypto::ring::default_provider().install_default();
        RealProxy {
            base_url: base_url.trim_end_matches('/').to_owned(),
            master_key: master_key.to_owned(),
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("client"),
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
        }
    }

    /// A request with the master key (or `key`); returns status and JSON (or Null).
    pub fn call_as(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        // Reads and deletes are retried when the connection drops (a busy proxy closes
        // connections); creates and updates are not.
        self.runtime.block_on(async {
            let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
            let idempotent = matches!(method.as_str(), "GET" | "DELETE");
            let mut attempt = 0;
            let resp = loop {
                let mut req = self
                    .http
                    .request(method.clone(), format!("{}{path}", self.base_url))
                    .bearer_auth(key);
                if let Some(b) = &body {
                    req = req.json(b);
                }
                match req.send().await {
                    Ok(resp) => break resp,
                    Err(e) if idempotent && attempt < 3 => {
                        attempt += 1;
                        eprintln!("retrying {method} {path} after: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                    Err(e) => panic!("{method} {path}: {e}"),
                }
            };
            let status = resp.status().as_u16();
            let text = resp.text().await.unwrap_or_default();
            (status, serde_json::from_str(&text).unwrap_or(Value::Null))
        })
    }

    /// A request with the master key.
    pub fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_as(&self.master_key.clone(), method, path, body)
    }

    /// Creates a server as the dashboard would (no mcpform marker); panics unless 201.
    pub fn create(&self, body: Value) -> Value {
        let (status, row) = self.call("POST", "/v1/mcp/server", Some(body.clone()));
        assert_eq!(status, 201, "create {body} failed: {row}");
        row
    }

    /// Every listed server.
    pub fn list(&self) -> Vec<Value> {
        let (status, list) = self.call("GET", "/v1/mcp/server", None);
        assert_eq!(status, 200, "{list}");
        list.as_array().cloned().unwrap_or_default()
    }

    /// The proxy's LiteLLM version (`litellm_version` of the admin readiness details):
    /// the suite's version-specific expectations branch on it, explicitly. When
    /// `LITELLM_EXPECTED_VERSION` is set (CI sets it for each proxy it starts), the proxy
    /// must be that version.
    pub fn version(&self) -> ProxyVersion {
        let (status, details) = self.call("GET", "/health/readiness/details", None);
        assert_eq!(status, 200, "{details}");
        let text = details["litellm_version"].as_str().unwrap_or_default();
        let version = ProxyVersion::parse(text)
            .unwrap_or_else(|| panic!("the proxy's version `{text}` does not parse"));
        if let Ok(expected) = std::env::var("LITELLM_EXPECTED_VERSION") {
            assert_eq!(
                text, expected,
                "LITELLM_EXPECTED_VERSION names another proxy"
            );
        }
        version
    }

    /// Deletes every server whose name starts with `prefix` (best effort).
    pub fn delete_prefixed(&self, prefix: &str) {
        for s in self.list() {
            let name = s["server_name"].as_str().unwrap_or_default();
            if name.starts_with(prefix) && s["is_config"] != Value::Bool(true) {
                let id = s["server_id"].as_str().unwrap_or_default();
                let _ = self.call("DELETE", &format!("/v1/mcp/server/{id}"), None);
            }
        }
    }
}
