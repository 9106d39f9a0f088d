//! The fake is checked against the real proxy, because apply's fault tests trust it: one
//! seeded random sequence of creates, partial and full updates, deletes, stored keys and
//! lists runs against both, and every status code and body must agree once ids,
//! timestamps and health fields are normalised. Runs when `LITELLM_BASE_URL` and
//! `LITELLM_MASTER_KEY` name a real proxy (as the rest of the end-to-end suite).
//!
//! Known, tested differences are listed in [`KNOWN`]; anything else fails the test with
//! the step, the request and both answers.

#[path = "support/mod.rs"]
mod support;

use serde_json::{Map, Value, json};

use mcpform::model::support::Behaviour;
use support::fake_proxy::{FakeConfig, FakeProxy};
use support::real::RealProxy;

/// Fields whose values depend on time, the upstream's health or who asked.
const VOLATILE: &[&str] = &[
    "created_at",
    "updated_at",
    "last_health_check",
    "status",
    "health_check_error",
    "submitted_at",
    "reviewed_at",
    "connected_at",
    "expires_at",
];

/// Differences the fake keeps on purpose (none so far).
const KNOWN: &[&str] = &[];

/// A small deterministic generator (xorshift), so a failing sequence can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn flip(&mut self) -> bool {
        self.below(2) == 0
    }
}

/// One request of the sequence.
#[derive(Debug, Clone)]
struct Step {
    method: &'static str,
    path: String,
    body: Option<Value>,
}

fn server_body(rng: &mut Rng, prefix: &str, i: u64, full: bool) -> Map<String, Value> {
    let mut b = Map::new();
    b.insert("server_id".into(), json!(format!("{prefix}{i}")));
    if full || rng.flip() {
        b.insert("server_name".into(), json!(format!("{prefix}srv_{i}")));
    }
    if full || rng.flip() {
        b.insert(
            "transport".into(),
            json!(if rng.flip() { "http" } else { "sse" }),
        );
        b.insert(
            "url".into(),
            json!(format!("https://s{i}-{}.example.invalid/mcp", rng.below(3))),
        );
    }
    if rng.flip() {
        b.insert("description".into(), json!(format!("d{}", rng.below(5))));
    }
    if rng.flip() {
        b.insert(
            "alias".into(),
            json!(format!("{prefix}al_{i}_{}", rng.below(2))),
        );
    }
    if rng.flip() {
        b.insert(
            "allowed_tools".into(),
            json!(
                ["a", "b"]
                    .iter()
                    .take(rng.below(3) as usize)
                    .collect::<Vec<_>>()
            ),
        );
    }
    if rng.flip() {
        b.insert(
            "static_headers".into(),
            json!({"X-T": format!("t{}", rng.below(3))}),
        );
    }
    if full || rng.flip() {
        b.insert("auth_type".into(), json!("bearer_token"));
        b.insert("is_byok".into(), json!(rng.below(3) > 0));
    }
    if rng.flip() {
        b.insert(
            "mcp_info".into(),
            json!({"logo_url": format!("https://l.example.invalid/{}.png", rng.below(3))}),
        );
    }
    if rng.flip() {
        b.insert("mcp_access_groups".into(), json!(["g"]));
    }
    b
}

fn sequence(seed: u64, prefix: &str, len: usize) -> Vec<Step> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for _ in 0..len {
        let i = rng.below(6);
        let id = format!("{prefix}{i}");
        let step = match rng.below(9) {
            0..=2 => Step {
                method: "POST",
                path: "/v1/mcp/server".into(),
                body: Some(Value::Object(server_body(&mut rng, prefix, i, true))),
            },
            3 => Step {
                method: "PUT",
                path: "/v1/mcp/server".into(),
                body: Some(Value::Object(server_body(&mut rng, prefix, i, true))),
            },
            4 => Step {
                method: "PUT",
                path: "/v1/mcp/server".into(),
                body: Some(Value::Object(server_body(&mut rng, prefix, i, false))),
            },
            5 => Step {
                method: "DELETE",
                path: format!("/v1/mcp/server/{id}"),
                body: None,
            },
            6 => Step {
                method: "POST",
                path: format!("/v1/mcp/server/{id}/user-credential"),
                body: Some(json!({"credential": "e2e-diff-user-key", "save": true})),
            },
            7 => Step {
                method: "GET",
                path: format!("/v1/mcp/server/{id}/user-credentials"),
                body: None,
            },
            _ => Step {
                method: "GET",
                path: "/v1/mcp/server".into(),
                body: None,
            },
        };
        out.push(step);
    }
    out
}

/// The answer with volatile fields blanked and, for the list, only this run's servers;
/// before 1.105 (`sorted` false) the list is compared as a set: the real proxy lists in
/// PostgreSQL's heap order, which reuses the space deletes free.
fn normalise(path: &str, method: &str, body: &Value, prefix: &str, sorted: bool) -> Value {
    fn blank(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if VOLATILE.contains(&k.as_str()) {
                        *x = Value::Null;
                    } else {
                        blank(x);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(blank),
            _ => {}
        }
    }
    let mut v = body.clone();
    if method == "GET"
        && path == "/v1/mcp/server"
        && let Value::Array(items) = &mut v
    {
        items.retain(|s| {
            s["server_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(prefix))
        });
        if !sorted {
            items.sort_by_key(|s| s["server_id"].as_str().unwrap_or_default().to_owned());
        }
    }
    if let Value::Array(items) = &mut v
        && path.ends_with("/user-credentials")
    {
        // Only this run's users are the master key's; keep the shape.
        items.retain(|c| c["user_id"] == "default_user_id");
    }
    blank(&mut v);
    v
}

#[test]
fn the_fake_answers_a_random_sequence_as_the_real_proxy_does() {
    let Some(real) = RealProxy::from_env() else {
        return;
    };
    let prefix = format!("diff{}_", std::process::id());
    // The fake behaves as the real proxy's version.
    let version = real.version();
    let fake = FakeProxy::start(FakeConfig::as_version(&version.to_string()));
    let sorted = version.has(Behaviour::UniqueNames);
    let fake_client = RealProxy::at(&fake.base_url(), &fake.master_key());
    let steps = sequence(0x5eed_cafe, &prefix, 120);
    let mut differences = Vec::new();
    let mut succeeded: std::collections::BTreeMap<String, usize> = Default::default();
    for (n, step) in steps.iter().enumerate() {
        let (rs, rb) = real.call(step.method, &step.path, step.body.clone());
        let (fs, fb) = fake_client.call(step.method, &step.path, step.body.clone());
        if (200..300).contains(&rs) {
            let kind = step.path.rsplit('/').next().unwrap_or_default();
            let kind = if kind.starts_with(&prefix) {
                "server"
            } else {
                kind
            };
            *succeeded
                .entry(format!("{} {kind}", step.method))
                .or_default() += 1;
        }
        let (rn, fnorm) = (
            normalise(&step.path, step.method, &rb, &prefix, sorted),
            normalise(&step.path, step.method, &fb, &prefix, sorted),
        );
        if rs != fs || rn != fnorm {
            let what = format!("{} {}", step.method, step.path);
            if !KNOWN.iter().any(|k| what.contains(k)) {
                differences.push(format!(
                    "step {n}: {what} {}\n  real: {rs} {rn}\n  fake: {fs} {fnorm}",
                    step.body.as_ref().map(Value::to_string).unwrap_or_default()
                ));
            }
        }
    }
    // Clean up the real proxy, whatever happened.
    for i in 0..6 {
        let _ = real.call("DELETE", &format!("/v1/mcp/server/{prefix}{i}"), None);
    }
    // The sequence must exercise every kind of request, or agreement proves little.
    for kind in [
        "POST server",
        "PUT server",
        "DELETE server",
        "POST user-credential",
        "GET server",
    ] {
        assert!(
            succeeded.get(kind).is_some_and(|n| *n > 0),
            "no successful {kind}: {succeeded:?}"
        );
    }
    assert!(
        differences.is_empty(),
        "{} difference(s) between the fake and the real proxy:\n{}",
        differences.len(),
        differences.join("\n")
    );
}
