//! One end-to-end scenario against the real proxy named by `LITELLM_BASE_URL` and
//! `LITELLM_MASTER_KEY`: its own name prefix, its own workspace, and everything it made
//! deleted at the end.

use serde_json::{Value, json};

use super::apply::apply_plan;
use super::cli::{Workspace, code, json, stderr, stdout};
use super::real::RealProxy;

/// A prefix unique to this run and test.
fn prefix(test: &str) -> String {
    format!("e2e{}_{test}_", std::process::id())
}

/// One scenario at a time: they share one proxy, and a plan sees every server on it.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One scenario at a time, on its own names.
pub struct Scenario {
    _turn: std::sync::MutexGuard<'static, ()>,
    /// The proxy.
    pub proxy: RealProxy,
    /// Where the files are.
    pub ws: Workspace,
    /// This scenario's name prefix.
    pub prefix: String,
    /// Ids created, deleted at the end by id (the list may not show them all).
    created: std::cell::RefCell<Vec<String>>,
}

impl Scenario {
    /// `None` when no real proxy is named (and the suite is not required).
    pub fn new(test: &str) -> Option<Scenario> {
        let proxy = RealProxy::from_env()?;
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let prefix = prefix(test);
        proxy.delete_prefixed(&prefix);
        Some(Scenario {
            _turn: turn,
            proxy,
            ws: Workspace::new(),
            prefix,
            created: std::cell::RefCell::new(Vec::new()),
        })
    }

    /// Applies a plan document with the test helper, remembering what it creates.
    pub fn apply(&self, plan: &Value, env: &[(&str, &str)]) {
        for a in plan["actions"].as_array().into_iter().flatten() {
            if a["action"] == "create" {
                self.created
                    .borrow_mut()
                    .push(a["server_id"].as_str().unwrap_or_default().to_owned());
            }
        }
        apply_plan(&self.proxy.base_url, &self.proxy.master_key, plan, env);
    }

    /// A local OpenAPI spec the proxy can load (it refuses `.invalid` hosts).
    pub fn spec_file(&self) -> String {
        let dir = std::env::temp_dir().join("mcpform-e2e");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}openapi.json", self.prefix));
        let spec = json!({"openapi": "3.0.0", "info": {"title": "e2e", "version": "1"},
            "servers": [{"url": "https://api.example.invalid"}],
            "paths": {"/items": {"get": {"operationId": "list_items", "responses": {"200": {"description": "ok"}}}}}});
        std::fs::write(&path, spec.to_string()).unwrap();
        path.display().to_string()
    }

    pub fn plan(&self, file: &str, env: &[(&str, &str)], extra: &[&str]) -> (i32, Value, String) {
        let out = self
            .ws
            .mcpform(&self.proxy.base_url, &self.proxy.master_key)
            .envs(env.iter().copied())
            .args(["plan", file, "--format", "json", "--detailed-exitcode"])
            .args(extra)
            .output()
            .unwrap();
        let text = format!("{}{}", stdout(&out), stderr(&out));
        let doc = if code(&out) == 1 {
            Value::Null
        } else {
            json(&out)
        };
        (code(&out), doc, text)
    }

    /// `plan` in human form, stdout and stderr together.
    pub fn human(&self, file: &str, env: &[(&str, &str)]) -> (i32, String) {
        let out = self
            .ws
            .mcpform(&self.proxy.base_url, &self.proxy.master_key)
            .envs(env.iter().copied())
            .args(["plan", file, "--detailed-exitcode"])
            .output()
            .unwrap();
        (code(&out), format!("{}{}", stdout(&out), stderr(&out)))
    }

    /// `mcpform ARGS` against the proxy, with `env` added.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
        self.ws
            .mcpform(&self.proxy.base_url, &self.proxy.master_key)
            .envs(env.iter().copied())
            .args(args)
            .output()
            .unwrap()
    }

    /// `mcpform apply --auto-approve --format json ARGS`: the exit code, the report and
    /// stderr. What it creates is deleted at the end.
    pub fn apply_cli(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, Value, String) {
        let mut all = vec![
            "apply",
            "--auto-approve",
            "--format",
            "json",
            "--progress",
            "lines",
        ];
        all.extend_from_slice(args);
        let out = self.run(&all, env);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        for r in report["results"].as_array().into_iter().flatten() {
            if r["action"] == "create" {
                self.created
                    .borrow_mut()
                    .push(r["server_id"].as_str().unwrap_or_default().to_owned());
            }
        }
        (
            code(&out),
            report,
            format!("{}{}", stdout(&out), stderr(&out)),
        )
    }

    /// Deletes server `id` at the end (the list may not show it).
    pub fn remember(&self, id: &str) {
        self.created.borrow_mut().push(id.to_owned());
    }

    /// The proxy's LiteLLM version (what it stores and does: mcpform's support table).
    pub fn version(&self) -> mcpform::model::support::ProxyVersion {
        self.proxy.version()
    }

    /// The id of the live server with this name.
    pub fn id_of(&self, name: &str) -> String {
        self.proxy
            .list()
            .into_iter()
            .find(|s| s["server_name"] == name)
            .and_then(|s| s["server_id"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("no live server {name}"))
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        self.proxy.delete_prefixed(&self.prefix);
        for id in self.created.borrow().iter() {
            let _ = self
                .proxy
                .call("DELETE", &format!("/v1/mcp/server/{id}"), None);
        }
    }
}
