//! Apply, as a property: for generated desired servers and earlier live states (renames
//! through pinned ids, alias swaps, OAuth url changes, an older proxy that resets
//! omitted fields), and an interrupt at a generated point, apply, rerun when
//! interrupted, then a plan is empty, nothing was created twice and no field the file
//! does not manage was reset.

#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};

use mcpform::apply::{ApplyOptions, Cancel, Observer, Outcome, Session, Status, apply};
use mcpform::client::Client;
use mcpform::gather::Gathered;
use mcpform::plan::{Action, Plan, PlanOptions, plan};
use mcpform::secret::{FingerprintKey, Secret};
use proptest::prelude::*;
use serde_json::{Value, json};

use support::fake_proxy::{FakeConfig, FakeProxy};
use support::inprocess::{client_for, document, plan_live, resolved};

fn env(name: &str) -> Option<String> {
    Some(format!("secret-for-{name}"))
}

#[derive(Debug, Clone)]
struct Case {
    servers: Vec<Spec>,
    old_proxy: bool,
    interrupt_at: Option<usize>,
}

#[derive(Debug, Clone)]
struct Spec {
    /// Alias index it ends with (a permutation: swaps).
    alias: usize,
    sse: bool,
    oauth: bool,
    byok: bool,
    description: String,
    /// The earlier live version, if any: (renamed, other url, other description).
    earlier: Option<(bool, bool, String)>,
}

fn case() -> impl Strategy<Value = Case> {
    (1..5usize)
        .prop_flat_map(|n| {
            let spec = (
                any::<bool>(),
                any::<bool>(),
                any::<bool>(),
                "[a-z ]{0,12}",
                prop::option::weighted(0.7, (any::<bool>(), any::<bool>(), "[a-z ]{0,12}")),
            );
            (
                prop::collection::vec(spec, n),
                Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                any::<bool>(),
                prop::option::of(0..6usize),
            )
        })
        .prop_map(|(specs, perm, old_proxy, interrupt_at)| Case {
            servers: specs
                .into_iter()
                .zip(perm)
                .map(|((sse, oauth, byok, description, earlier), alias)| Spec {
                    alias,
                    sse,
                    oauth,
                    byok,
                    description,
                    earlier,
                })
                .collect(),
            old_proxy,
            interrupt_at,
        })
}

fn server_yaml(i: usize, s: &Spec) -> Value {
    let mut v = json!({
        "server_id": format!("id_{i}"),
        "server_name": format!("srv_{i}"),
        "alias": format!("al_{}", s.alias),
        "transport": if s.sse { "sse" } else { "http" },
        "url": format!("https://s{i}.example.invalid/mcp"),
        "description": s.description,
    });
    if s.oauth {
        v["auth_type"] = json!("oauth2");
        v["oauth2_flow"] = json!("authorization_code");
        v["authorization_url"] = json!("https://idp.example.invalid/authorize");
        v["token_url"] = json!("https://idp.example.invalid/token");
    } else if s.byok {
        v["auth_type"] = json!("bearer_token");
        v["is_byok"] = json!(true);
        v["credentials"] = json!({"auth_value": format!("${{env:TOKEN_{i}}}")});
    }
    v
}

fn seed(fake: &FakeProxy, i: usize, s: &Spec) {
    let Some((renamed, moved, description)) = &s.earlier else {
        return;
    };
    let mut v = server_yaml(i, s);
    v["alias"] = json!(format!("al_{i}"));
    v["description"] = json!(description);
    if *renamed {
        v["server_name"] = json!(format!("old_{i}"));
    }
    if *moved {
        v["url"] = json!(format!("https://moved{i}.example.invalid/mcp"));
    }
    if let Some(c) = v.get_mut("credentials") {
        *c = json!({"auth_value": "set-in-the-dashboard"});
    }
    // Set in the dashboard, not managed by the file: an older proxy resets both when a
    // PUT omits them, so apply must keep them.
    v["allow_all_keys"] = json!(true);
    v["mcp_access_groups"] = json!(["ops"]);
    fake.seed_server(v);
}

/// The unmanaged fields [`seed`] set, on every server it seeded.
fn unmanaged_kept(fake: &FakeProxy, c: &Case) -> Result<(), TestCaseError> {
    let rows = fake.rows();
    for (i, _) in c
        .servers
        .iter()
        .enumerate()
        .filter(|(_, s)| s.earlier.is_some())
    {
        let row = rows
            .iter()
            .find(|r| r["server_id"] == format!("id_{i}"))
            .ok_or_else(|| TestCaseError::fail(format!("id_{i} is gone")))?;
        prop_assert_eq!(
            (&row["allow_all_keys"], &row["mcp_access_groups"]),
            (&json!(true), &json!(["ops"])),
            "an unmanaged field was reset: {:#}",
            row
        );
    }
    Ok(())
}

/// Cancels apply when the n-th action starts.
struct InterruptAt {
    at: Option<usize>,
    started: AtomicUsize,
    cancel: Cancel,
}

impl Observer for InterruptAt {
    fn started(&self, _: &Action) {
        let n = self.started.fetch_add(1, Ordering::SeqCst);
        if self.at == Some(n) {
            self.cancel.cancel();
        }
    }
}

/// Plans and applies; one client per case (building one takes tens of milliseconds).
fn run_apply(
    fake: &FakeProxy,
    (client, runtime): &(Client, tokio::runtime::Runtime),
    yaml: &str,
    interrupt_at: Option<usize>,
) -> (Outcome, Plan) {
    let key_text = fake.master_key();
    let desired = resolved(yaml, &key_text, &env);
    let (gathered, p) = plan_live(client, runtime, &desired, PlanOptions::default(), &key_text);
    let before = p.clone();
    let doc = document(
        p,
        client.shown_base(),
        gathered.live.servers.len(),
        desired.len(),
    );
    let key = FingerprintKey::new(&Secret::new(key_text));
    let replan = |g: &Gathered| plan(&desired, &g.live, &g.facts, PlanOptions::default(), &key);
    let cancel = Cancel::default();
    let observer = InterruptAt {
        at: interrupt_at,
        started: AtomicUsize::new(0),
        cancel: cancel.clone(),
    };
    let env_sync = |n: &str| env(n);
    let session = Session {
        client,
        doc: &doc,
        env: &env_sync,
        key: &key,
        replan: Some(&replan),
        options: ApplyOptions {
            parallelism: 3,
            ..ApplyOptions::default()
        },
        observer: &observer,
        cancel: &cancel,
    };
    (runtime.block_on(apply(&session)), before)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn apply_then_plan_is_empty(c in case()) {
        let fake = FakeProxy::start(FakeConfig {
            put_resets_omitted: c.old_proxy,
            ..FakeConfig::default()
        });
        for (i, s) in c.servers.iter().enumerate() {
            seed(&fake, i, s);
        }
        let servers: Vec<Value> = c.servers.iter().enumerate().map(|(i, s)| server_yaml(i, s)).collect();
        let yaml = serde_json::to_string_pretty(&json!({"version": 1, "servers": servers})).unwrap();
        let client = client_for(&fake);
        let (first, planned) = run_apply(&fake, &client, &yaml, c.interrupt_at);
        prop_assert!(planned.errors.is_empty(), "{:?}", planned.errors);
        let failed: Vec<_> = first.results.iter().filter(|r| r.status == Status::Failed).collect();
        prop_assert!(failed.is_empty(), "{failed:#?}\n{yaml}");
        if first.interrupted {
            let (second, _) = run_apply(&fake, &client, &yaml, None);
            prop_assert!(
                second.results.iter().all(|r| r.status.succeeded()),
                "the rerun finishes the job: {:#?}", second.results
            );
        } else {
            prop_assert!(first.results.iter().all(|r| r.status.succeeded()), "{:#?}", first.results);
        }
        let (after, _) = run_apply(&fake, &client, &yaml, None);
        prop_assert!(after.results.is_empty(), "a plan right after apply is empty: {:#?}\n{yaml}", after.results);
        prop_assert_eq!(fake.rows().len(), c.servers.len(), "nothing created twice");
        unmanaged_kept(&fake, &c)?;
    }
}

#[test]
fn two_applies_racing_on_one_proxy_both_end_applied_with_nothing_twice() {
    let fake = FakeProxy::start(FakeConfig::default());
    let specs: Vec<Spec> = (0..12)
        .map(|i| Spec {
            alias: (i + 1) % 12,
            sse: i % 2 == 0,
            oauth: i % 5 == 0,
            byok: i % 3 == 0,
            description: format!("server {i}"),
            earlier: (i % 4 == 0).then(|| (i % 8 == 0, true, "old".to_owned())),
        })
        .collect();
    for (i, s) in specs.iter().enumerate() {
        seed(&fake, i, s);
    }
    let servers: Vec<Value> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| server_yaml(i, s))
        .collect();
    let yaml = serde_json::to_string_pretty(&json!({"version": 1, "servers": servers})).unwrap();
    let outcomes: Vec<Outcome> = std::thread::scope(|scope| {
        let racers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let client = client_for(&fake);
                    run_apply(&fake, &client, &yaml, None).0
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    for o in &outcomes {
        for r in &o.results {
            // A racer may find the other's write (already applied, or stale because the
            // other moved the server first); it never duplicates or corrupts it.
            assert!(
                r.status.succeeded() || r.status == Status::Stale || r.status == Status::Blocked,
                "{r:#?}"
            );
        }
    }
    let client = client_for(&fake);
    let (rerun, _) = run_apply(&fake, &client, &yaml, None);
    assert!(
        rerun.results.iter().all(|r| r.status.succeeded()),
        "a rerun finishes whatever the race left: {:#?}",
        rerun.results
    );
    let (after, _) = run_apply(&fake, &client, &yaml, None);
    assert!(after.results.is_empty(), "{:#?}", after.results);
    assert_eq!(fake.rows().len(), 12, "nothing created twice");
}
