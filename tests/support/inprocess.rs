//! The library's plan, in process, against a fake: a client and a runtime for it.

use mcpform::client::{Client, ClientConfig, ProxyUrl};
use mcpform::gather::{Gathered, gather};
use mcpform::lint::{LintOptions, lint};
use mcpform::load::load_text;
use mcpform::plan::document::ProxyInfo;
use mcpform::plan::{Plan, PlanDocument, PlanMeta, PlanOptions, plan};
use mcpform::resolve::{ResolvedServer, resolve};
use mcpform::secret::{FingerprintKey, Secret};

use super::fake_proxy::FakeProxy;

/// A client of `fake` with its master key, and a current-thread runtime to drive it.
pub fn client_for(fake: &FakeProxy) -> (Client, tokio::runtime::Runtime) {
    let client = Client::new(ClientConfig::new(
        ProxyUrl::parse(&fake.base_url()).expect("the fake's URL"),
        Secret::new(fake.master_key()),
    ))
    .expect("client");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    (client, runtime)
}

/// Lints `yaml` (panicking, with the findings, unless it has no errors) and resolves
/// its servers with `env`, fingerprints keyed by `key`.
pub fn resolved(
    yaml: &str,
    key: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<ResolvedServer> {
    let none = |_: &str| None;
    let linted = lint(
        load_text("servers.yaml", yaml),
        &LintOptions {
            require_env: false,
            env: &none,
            reserved_env: &[],
            proxy_version: None,
        },
    );
    assert!(
        !linted.has_errors(),
        "the file does not lint:\n{yaml}\n{:#?}",
        linted.diagnostics
    );
    let key = FingerprintKey::new(&Secret::new(key));
    resolve(&linted.loaded, &linted.desired, env, &key).expect("every variable resolves")
}

/// Gathers and plans in process, as `mcpform plan` does: the planner says what else to
/// read (look-ups, stored-key counts) until it needs nothing more.
pub fn plan_live(
    client: &Client,
    runtime: &tokio::runtime::Runtime,
    desired: &[ResolvedServer],
    options: PlanOptions,
    key: &str,
) -> (Gathered, Plan) {
    let key = FingerprintKey::new(&Secret::new(key));
    let needs = |g: &Gathered| plan(desired, &g.live, &g.facts, options, &key).needs();
    let gathered = runtime.block_on(gather(client, &needs)).expect("gather");
    let p = plan(desired, &gathered.live, &gathered.facts, options, &key);
    (gathered, p)
}

/// The plan document of `p`, with a fixed date, the default options and no version.
pub fn document(p: Plan, url: String, live_servers: usize, declared: usize) -> PlanDocument {
    let meta = PlanMeta {
        created_at: "2026-12-02T00:00:00Z".into(),
        proxy: ProxyInfo {
            url,
            version: None,
            live_servers,
        },
        options: PlanOptions::default(),
        declared_servers: declared,
    };
    PlanDocument::new(
        p,
        meta,
        &|_| None,
        &FingerprintKey::new(&Secret::new("unused")),
    )
}

/// The plan document as JSON, as `mcpform plan --format json` prints it.
pub fn document_json(p: Plan) -> serde_json::Value {
    serde_json::to_value(document(p, "fake".into(), 0, 0)).expect("document")
}
