//! Replays `tests/fixtures/litellm-access-{1.87.5,1.108.7,1.110.2}.json`, recorded from
//! the real proxies with `tests/fixtures/record-litellm-access.py`, against the fake as
//! that version: toolset CRUD, team rows and their per-field merge, key rows and the
//! 403s of their checks, key lists, and `GET /v1/mcp/server` through team keys.
//!
//! The recorder's normalisation is applied to the fake's answers the same way: generated
//! values (toolset ids, keys, token hashes) become the recorded placeholders (`<<ts.x>>`,
//! `<<key.x>>`, `<<token.x>>`), learnt where an exchange's `learn` says; permission-row
//! ids become `<uuid>`; an exchange's `view` keeps the same pointers or the same items.
//! Then status and body must agree, timestamps compared by format only (`mask`), key
//! order included.

use serde_json::{Map, Value, json};

use super::support::fake_proxy::{FakeConfig, FakeProxy, Role};
use super::{Http, Send, mask};

const RECORDED: [(&str, &str); 3] = [
    (
        "1.87.5",
        include_str!("../fixtures/litellm-access-1.87.5.json"),
    ),
    (
        "1.108.7",
        include_str!("../fixtures/litellm-access-1.108.7.json"),
    ),
    (
        "1.110.2",
        include_str!("../fixtures/litellm-access-1.110.2.json"),
    ),
];

/// Placeholder name (`ts.ts1`, `key.k1`, `token.k1`) → the fake's value.
#[derive(Default)]
struct Names(Vec<(String, String)>);

impl Names {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no value learnt for <<{name}>>"))
    }

    fn learn(&mut self, name: &str, value: &str) {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_owned(), value.to_owned()));
    }

    /// A recorded request string with its placeholders filled in.
    fn fill(&self, s: &str) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("<<") {
            let Some(len) = rest[start..].find(">>") else {
                break;
            };
            out.push_str(&rest[..start]);
            out.push_str(self.get(&rest[start + 2..start + len]));
            rest = &rest[start + len + 2..];
        }
        out.push_str(rest);
        out
    }

    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::from(self.fill(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.resolve(i)).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (self.fill(k), self.resolve(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// The recorder's `name_values`: generated values → placeholders (longest first),
    /// permission-row ids → `<uuid>`.
    fn name_values(&self, v: &Value) -> Value {
        let named = |s: &str| {
            let mut by_len: Vec<&(String, String)> = self.0.iter().collect();
            by_len.sort_by_key(|(_, real)| std::cmp::Reverse(real.len()));
            by_len.iter().fold(s.to_owned(), |acc, (n, real)| {
                acc.replace(real.as_str(), &format!("<<{n}>>"))
            })
        };
        match v {
            Value::String(s) => Value::from(named(s)),
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.name_values(i)).collect())
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, x)| {
                        if k == "object_permission_id" && x.is_string() {
                            (k.clone(), Value::from("<uuid>"))
                        } else {
                            (named(k), self.name_values(x))
                        }
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// The recorder's `pointer`: `"<absent>"` where nothing is.
fn pointer(doc: &Value, ptr: &str) -> Value {
    doc.pointer(ptr)
        .cloned()
        .unwrap_or_else(|| Value::from("<absent>"))
}

fn pick(doc: &Value, pointers: &Value) -> Value {
    Value::Object(
        pointers
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|p| (p.to_owned(), pointer(doc, p)))
            .collect::<Map<String, Value>>(),
    )
}

/// The recorder's `apply_view`.
fn apply_view(doc: &Value, view: &Value, prefix: &str) -> Value {
    if view.is_null() {
        return doc.clone();
    }
    let Some(at) = view["items"].as_str() else {
        return pick(doc, &view["pick"]);
    };
    let items = pointer(doc, at);
    let Some(items) = items.as_array() else {
        return items;
    };
    let field = view["mine"].as_str().unwrap_or_default();
    let sort = view["sort"].as_str().unwrap_or_default();
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut mine: Vec<&Value> = items
        .iter()
        .filter(|i| i.is_object())
        .filter(|i| {
            text(&i[field])
                .to_lowercase()
                .starts_with(&prefix.to_lowercase())
        })
        .collect();
    mine.sort_by_key(|i| text(&i[sort]));
    Value::Array(
        mine.into_iter()
            .map(|i| {
                if view.get("pick").is_some() {
                    pick(i, &view["pick"])
                } else {
                    i.clone()
                }
            })
            .collect(),
    )
}

/// The fake, seeded as the recording began: its servers, the internal user's key and the
/// toolset created before the first exchange.
fn setup(recorded: &Value, version: &str) -> (FakeProxy, Names) {
    let fake = FakeProxy::start(FakeConfig::as_version(version));
    for (id, extra) in recorded["servers"].as_object().expect("servers") {
        let mut body = json!({"server_id": id, "server_name": id, "transport": "http",
                              "url": format!("https://{id}.example.invalid/mcp")});
        for (k, v) in extra.as_object().into_iter().flatten() {
            body[k] = v.clone();
        }
        fake.seed_server(body);
    }
    let mut names = Names::default();
    let user = &recorded["user"];
    let user_key = "sk-fake-access-user-0123456789";
    fake.add_key(
        user_key,
        user["user_id"].as_str().expect("user id"),
        Role::InternalUser,
    );
    names.learn("key.user", user_key);
    for (name, ts) in recorded["setup_toolsets"]
        .as_object()
        .expect("setup_toolsets")
    {
        let id = fake.seed_toolset(
            ts["toolset_name"].as_str().expect("toolset_name"),
            ts["tools"].clone(),
        );
        names.learn(&format!("ts.{name}"), &id);
    }
    (fake, names)
}

fn replay(version: &str, text: &str) {
    let recorded: Value = serde_json::from_str(text).expect("transcript");
    assert_eq!(recorded["version"], version);
    let prefix = recorded["prefix"].as_str().expect("prefix");
    let (fake, mut names) = setup(&recorded, version);
    let http = Http::new(&fake);
    names.learn("key.master", &fake.master_key());
    let exchanges = recorded["exchanges"].as_array().expect("exchanges");
    for (n, exchange) in exchanges.iter().enumerate() {
        let title = exchange["title"].as_str().unwrap_or_default();
        let at = format!("{version} exchange {} ({title})", n + 1);
        let who = exchange["key"].as_str().expect("key label");
        let key = names.get(&format!("key.{who}")).to_owned();
        let path = names.fill(exchange["path"].as_str().expect("path"));
        let body = match &exchange["body"] {
            Value::Null => Send::None,
            b => Send::Json(names.resolve(b)),
        };
        let method = exchange["method"].as_str().expect("method");
        let answer = http.send(method, &path, Some(&key), body);
        assert_eq!(
            u64::from(answer.status),
            exchange["status"].as_u64().unwrap_or(0),
            "{at}: status; the fake answered {}",
            answer.body
        );
        if (200..300).contains(&answer.status) {
            for (ptr, name) in exchange["learn"].as_object().into_iter().flatten() {
                if let Some(v) = answer.body.pointer(ptr).and_then(Value::as_str) {
                    names.learn(name.as_str().unwrap_or_default(), v);
                }
            }
        }
        let view = exchange.get("view").cloned().unwrap_or(Value::Null);
        let actual = mask(
            &apply_view(&names.name_values(&answer.body), &view, prefix),
            "",
        );
        let expected = mask(&exchange["response"], "");
        assert_eq!(
            serde_json::to_string_pretty(&actual).unwrap_or_default(),
            serde_json::to_string_pretty(&expected).unwrap_or_default(),
            "{at}: body"
        );
    }
}

#[test]
fn replays_the_recorded_access_transcript_of_1_87_5() {
    replay(RECORDED[0].0, RECORDED[0].1);
}

#[test]
fn replays_the_recorded_access_transcript_of_1_108_7() {
    replay(RECORDED[1].0, RECORDED[1].1);
}

#[test]
fn replays_the_recorded_access_transcript_of_1_110_2() {
    replay(RECORDED[2].0, RECORDED[2].1);
}
