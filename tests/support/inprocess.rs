//! The library's plan, in process, against a fake: a client and a runtime for it.

use mcpform::client::{Client, ClientConfig};
use mcpform::lint::{LintOptions, lint};
use mcpform::load::load_text;
use mcpform::resolve::{ResolvedServer, resolve};
use mcpform::secret::{FingerprintKey, Secret};

use super::fake_proxy::FakeProxy;

/// A client of `fake` with its master key, and a current-thread runtime to drive it.
pub fn client_for(fake: &FakeProxy) -> (Client, tokio::runtime::Runtime) {
    let client = Client::new(ClientConfig::new(
        fake.base_url(),
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
