//! End-to-end: a team member's submission, on a real LiteLLM proxy, against mcpform's
//! ownership. The proxy's submission path (`POST /v1/mcp/server/register` with a
//! team-scoped key, `PUT …/approve`) stores `mcp_info` as sent, so whoever reads a plan
//! artifact can submit its body with copied markers; an admin approves it. mcpform must
//! neither settle its own create on it nor adopt or prune it.

#[path = "support/mod.rs"]
mod support;

use serde_json::{Value, json};

use support::cli::{code, stderr, stdout};
use support::real::RealProxy;
use support::scenario::Scenario;

/// A team, a member and the member's team-scoped key, removed at the end (with the
/// `default_user_id` row that `/team/new` makes for the master key, unless it was
/// there before).
struct Member<'a> {
    proxy: &'a RealProxy,
    team_id: String,
    user: String,
    key_alias: String,
    key: String,
    default_user_existed: bool,
}

impl<'a> Member<'a> {
    fn new(proxy: &'a RealProxy, prefix: &str) -> Member<'a> {
        let (_, before) = proxy.call("GET", "/v2/user/info?user_id=default_user_id", None);
        let default_user_existed = before.get("user_role").is_some();
        let (status, team) = proxy.call(
            "POST",
            "/team/new",
            Some(json!({"team_alias": format!("{prefix}team")})),
        );
        assert_eq!(status, 200, "{team}");
        let user = format!("{prefix}member");
        let (status, body) = proxy.call(
            "POST",
            "/user/new",
            Some(json!({"user_id": user, "user_role": "internal_user"})),
        );
        assert_eq!(status, 200, "{body}");
        let key_alias = format!("{prefix}teamkey");
        let team_id = team["team_id"].as_str().unwrap_or_default().to_owned();
        let (status, body) = proxy.call(
            "POST",
            "/key/generate",
            Some(json!({"user_id": user, "team_id": team_id, "key_alias": key_alias})),
        );
        assert_eq!(status, 200, "{body}");
        Member {
            proxy,
            team_id,
            user,
            key_alias,
            key: body["key"].as_str().unwrap_or_default().to_owned(),
            default_user_existed,
        }
    }

    /// Submits `body` for review, then an admin approves it.
    fn submit_and_get_approved(&self, body: Value) {
        let (status, answer) = self.proxy.call_as(
            &self.key,
            "POST",
            "/v1/mcp/server/register",
            Some(body.clone()),
        );
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["approval_status"], "pending_review", "{answer}");
        let id = body["server_id"].as_str().unwrap_or_default();
        let (status, answer) = self.proxy.call(
            "PUT",
            &format!("/v1/mcp/server/{id}/approve"),
            Some(json!({})),
        );
        assert_eq!(status, 200, "{answer}");
        // Approved, it is listed like any other server: the list says nothing of where
        // it came from.
        let listed = self
            .proxy
            .list()
            .into_iter()
            .find(|r| r["server_id"] == id)
            .expect("an approved submission is listed");
        assert_eq!(listed["submitted_by"], Value::Null, "{listed}");
    }
}

impl Drop for Member<'_> {
    fn drop(&mut self) {
        let _ = self.proxy.call(
            "POST",
            "/key/delete",
            Some(json!({"key_aliases": [self.key_alias]})),
        );
        let _ = self.proxy.call(
            "POST",
            "/team/delete",
            Some(json!({"team_ids": [self.team_id]})),
        );
        let mut users = vec![self.user.clone()];
        if !self.default_user_existed {
            users.push("default_user_id".to_owned());
        }
        let _ = self
            .proxy
            .call("POST", "/user/delete", Some(json!({"user_ids": users})));
    }
}

const ENV: &[(&str, &str)] = &[("E2E_OWN_TOKEN", "our-e2e-token")];

fn file(id: &str) -> String {
    format!(
        "version: 1\nservers:\n  - server_id: {id}\n    server_name: {id}\n    transport: http\n    url: https://{id}.example.invalid/mcp\n    auth_type: bearer_token\n    credentials:\n      auth_value: ${{env:E2E_OWN_TOKEN}}\n"
    )
}

#[test]
fn e2e_an_approved_submission_of_the_plans_body_is_neither_settled_nor_adopted() {
    let Some(s) = Scenario::new("own") else {
        return;
    };
    let member = Member::new(&s.proxy, &s.prefix);
    let id = format!("{}jira", s.prefix);
    s.remember(&id);
    s.ws.write("s.yaml", &file(&id));
    let out = s.run(&["plan", "s.yaml", "--out", "plan.json"], ENV);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(s.ws.path().join("plan.json")).unwrap())
            .unwrap();
    // The plan artifact's body, the attacker's token, the markers as the plan wrote them.
    let mut body = doc["actions"][0]["body"].clone();
    body["credentials"] = json!({"auth_value": "attacker-token"});
    member.submit_and_get_approved(body);
    let (exit, report, text) = s.apply_cli(&["plan.json"], ENV);
    assert_eq!(exit, 1, "{text}\n{report:#}");
    let r = &report["results"][0];
    assert_eq!(r["status"], "stale", "{report:#}");
    assert!(
        r["message"]
            .as_str()
            .unwrap_or_default()
            .contains("submission"),
        "{report:#}"
    );
    let row = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_id"] == id.as_str())
        .expect("the submission");
    assert_eq!(
        row["mcp_info"].get("mcpform_owner"),
        None,
        "nothing written over it: {row}"
    );
    // Planning from the files does not adopt it either.
    let (exit, _, text) = s.plan("s.yaml", ENV, &[]);
    assert_eq!(exit, 1, "{text}");
    assert!(
        text.contains("came in as a submission") && text.contains(&member.user),
        "{text}"
    );
}

#[test]
fn e2e_a_reused_id_with_copied_markers_is_neither_pruned_nor_adopted() {
    let Some(s) = Scenario::new("reuse") else {
        return;
    };
    let member = Member::new(&s.proxy, &s.prefix);
    let id = format!("{}gone", s.prefix);
    s.remember(&id);
    s.ws.write("s.yaml", &file(&id));
    let (exit, report, text) = s.apply_cli(&["s.yaml"], ENV);
    assert_eq!(exit, 0, "{text}\n{report:#}");
    let owned = s
        .proxy
        .list()
        .into_iter()
        .find(|r| r["server_id"] == id.as_str())
        .expect("created");
    let mut info = owned["mcp_info"].clone();
    assert!(info.get("mcpform_owner").is_some(), "{owned}");
    // Anyone who could read it copies its markers; the server goes away.
    let (status, _) = s
        .proxy
        .call("DELETE", &format!("/v1/mcp/server/{id}"), None);
    assert_eq!(status, 202);
    for injected in [
        "server_name",
        "description",
        "is_public",
        "is_public_explicit",
    ] {
        if let Some(m) = info.as_object_mut() {
            m.remove(injected);
        }
    }
    member.submit_and_get_approved(json!({"server_id": id, "server_name": id,
        "transport": "http", "url": format!("https://{id}.example.invalid/mcp"),
        "auth_type": "bearer_token", "credentials": {"auth_value": "attacker-token"},
        "mcp_info": info}));
    s.ws.write(
        "other.yaml",
        &format!(
            "version: 1\nservers:\n  - server_name: {}other\n    transport: sse\n    url: https://o.example.invalid/sse\n",
            s.prefix
        ),
    );
    let (exit, doc, text) = s.plan("other.yaml", ENV, &["--prune"]);
    assert_eq!(exit, 2, "{text}");
    let deletes = doc["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["action"] == "delete")
        .count();
    assert_eq!(deletes, 0, "{doc:#}");
    let reason = doc["unmanaged"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["server_id"] == id.as_str())
        .map(|u| u["reason"].clone());
    assert_eq!(reason, Some(json!("foreign_marker")), "{doc:#}");
    let out = s.run(&["plan", "s.yaml"], ENV);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("came in as a submission"),
        "{}",
        stdout(&out)
    );
}
