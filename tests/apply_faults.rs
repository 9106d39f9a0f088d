//! The fault matrix: a 50-server apply with one fault at each request index, for every
//! kind of fault apply meets (5xx, 429 with Retry-After, a timeout, a reset, a write
//! committed then answered 500, a write committed then its answer lost, a refused key).
//! Each time: the report agrees with the fake's journal, nothing is created twice,
//! nothing is written after a 401, and a rerun converges to an empty plan.

#[path = "support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use mcpform::apply::{ApplyOptions, Cancel, Outcome, Session, Silent, Status, apply};
use mcpform::client::{Client, ClientConfig, ProxyUrl};
use mcpform::gather::Gathered;
use mcpform::plan::{PlanOptions, plan};
use mcpform::secret::{FingerprintKey, Secret};
use serde_json::{Value, json};

use support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method, RecordedBody};
use support::inprocess::{document, plan_live, resolved};

const SERVERS: usize = 50;

fn yaml() -> String {
    let servers: Vec<Value> = (0..SERVERS)
        .map(|i| {
            json!({"server_name": format!("srv_{i:02}"), "transport": if i % 2 == 0 { "sse" } else { "http" },
                   "url": format!("https://s{i}.example.invalid/mcp"), "description": format!("server {i}")})
        })
        .collect();
    serde_json::to_string_pretty(&json!({"version": 1, "servers": servers})).unwrap()
}

/// A client that gives up quickly, so a timeout fault costs little.
fn client(fake: &FakeProxy) -> (Client, tokio::runtime::Runtime) {
    let mut config = ClientConfig::new(
        ProxyUrl::parse(&fake.base_url()).unwrap(),
        Secret::new(fake.master_key()),
    );
    config.timeout = Duration::from_millis(400);
    config.backoff = Duration::from_millis(5);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    (Client::new(config).unwrap(), runtime)
}

/// Plans, then (with `fault` injected) applies: the fault hits apply's own requests.
fn run(
    fake: &FakeProxy,
    (client, runtime): &(Client, tokio::runtime::Runtime),
    fault: Option<Fault>,
) -> Outcome {
    let key_text = fake.master_key();
    let none = |_: &str| None;
    let desired = resolved(&yaml(), &key_text, &none);
    let (gathered, p) = plan_live(client, runtime, &desired, PlanOptions::default(), &key_text);
    let doc = document(
        p,
        client.shown_base(),
        gathered.live.servers.len(),
        desired.len(),
    );
    fake.clear_journal();
    if let Some(f) = fault {
        fake.inject(f);
    }
    let key = FingerprintKey::new(&Secret::new(key_text));
    let replan = |g: &Gathered| plan(&desired, &g.live, &g.facts, PlanOptions::default(), &key);
    let env = |_: &str| None;
    let session = Session {
        client,
        doc: &doc,
        env: &env,
        key: &key,
        replan: Some(&replan),
        options: ApplyOptions {
            parallelism: 4,
            action_budget: Duration::from_secs(5),
            backoff: Duration::from_millis(5),
            ..ApplyOptions::default()
        },
        observer: &Silent,
        cancel: &Cancel::default(),
    };
    runtime.block_on(apply(&session))
}

fn kinds() -> Vec<(&'static str, Fault)> {
    let any = |f: Fault| f.on_any_request();
    vec![
        ("5xx", any(Fault::status(Method::GET, "", 503))),
        ("429", any(Fault::rate_limited(Method::GET, "", 0))),
        ("timeout", any(Fault::delay(Method::GET, "", 1500))),
        ("reset", any(Fault::reset(Method::GET, ""))),
        ("commit_then_500", any(Fault::commit_then_status(Method::GET, "", 500))),
        ("commit_then_reset", any(Fault::commit_then_reset(Method::GET, ""))),
        (
            "401",
            any(Fault::status(Method::GET, "", 401).with_body(
                json!({"error": {"message": "Authentication Error, Invalid API key provided.", "type": "auth_error", "param": "key", "code": "401"}}),
            )),
        ),
    ]
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "DELETE")
}

#[test]
fn one_fault_at_every_request_of_a_50_server_apply() {
    // How many requests an apply without faults makes (plan, preflight, writes, verify).
    let requests = {
        let fake = FakeProxy::start(FakeConfig::default());
        let c = client(&fake);
        let outcome = run(&fake, &c, None);
        assert!(outcome.results.iter().all(|r| r.status == Status::Applied));
        fake.journal().len()
    };
    assert!(requests > SERVERS, "{requests}");
    for (name, fault) in kinds() {
        for k in 0..requests {
            let fake = FakeProxy::start(FakeConfig::default());
            let c = client(&fake);
            let outcome = run(&fake, &c, Some(fault.clone().after(k)));
            check(&fake, &outcome, name, k);
            // A rerun finishes the job, and then the plan is empty.
            let rerun = run(&fake, &c, None);
            assert!(
                rerun.results.iter().all(|r| r.status.succeeded()),
                "{name} at {k}: the rerun left {:#?}",
                rerun
                    .results
                    .iter()
                    .filter(|r| !r.status.succeeded())
                    .collect::<Vec<_>>()
            );
            let after = run(&fake, &c, None);
            assert!(
                after.results.is_empty(),
                "{name} at {k}: {:#?}",
                after.results
            );
            assert_eq!(fake.rows().len(), SERVERS, "{name} at {k}: nothing twice");
        }
    }
}

/// The report agrees with what the fake saw and holds.
fn check(fake: &FakeProxy, outcome: &Outcome, name: &str, k: usize) {
    let journal = fake.journal();
    let rows: BTreeMap<String, Value> = fake
        .rows()
        .into_iter()
        .map(|r| (r["server_id"].as_str().unwrap().to_owned(), r))
        .collect();
    assert!(rows.len() <= SERVERS, "{name} at {k}: duplicates");
    let mut posted: BTreeMap<String, usize> = BTreeMap::new();
    for r in &journal {
        if let (true, RecordedBody::Json(body)) = (r.method == "POST", &r.body)
            && let Some(id) = body["server_id"].as_str()
        {
            *posted.entry(id.to_owned()).or_default() += 1;
        }
    }
    for r in &outcome.results {
        let held = rows.get(&r.server_id);
        match r.status {
            Status::Applied | Status::AlreadyApplied => {
                let row = held
                    .unwrap_or_else(|| panic!("{name} at {k}: {} applied but absent", r.server_id));
                assert_eq!(row["server_name"], r.server_name.as_str());
            }
            Status::NotAttempted | Status::Interrupted => assert!(
                !posted.contains_key(&r.server_id) || held.is_none(),
                "{name} at {k}: {} not attempted, yet written: {r:#?}",
                r.server_id
            ),
            Status::Failed if !r.outcome_unknown => assert!(
                held.is_none(),
                "{name} at {k}: {} failed with a known outcome, yet the proxy holds it: {r:#?}",
                r.server_id
            ),
            _ => {}
        }
    }
    if name == "401" {
        let refused = journal.iter().position(|r| r.status == Some(401));
        if let Some(at) = refused {
            let later_writes: Vec<String> = journal[at + 1..]
                .iter()
                .filter(|r| is_write(&r.method))
                .map(|r| format!("{} {}", r.method, r.path))
                .collect();
            // Writes already in flight at the 401 may still land; none may start after it.
            assert!(
                later_writes.len() <= 3,
                "{name} at {k}: {} writes after the 401: {later_writes:?}",
                later_writes.len()
            );
        }
    }
}
