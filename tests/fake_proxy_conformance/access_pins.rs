//! Facts of the access API that the product will depend on, pinned by hand (not read from
//! the transcripts, so a re-recording cannot silently drop them), and the seeding helpers
//! the feature's tests will use.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::support::fake_proxy::{FakeConfig, FakeProxy};
use super::{Http, Send};

fn server(fake: &FakeProxy, id: &str, extra: Value) {
    let mut body = json!({"server_id": id, "server_name": id, "transport": "http",
                          "url": format!("https://{id}.example.invalid/mcp")});
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    fake.seed_server(body);
}

fn listed(http: &Http, key: &str) -> Vec<String> {
    let a = http.send("GET", "/v1/mcp/server", Some(key), Send::None);
    assert_eq!(a.status, 200, "{}", a.body);
    let mut ids: Vec<String> = a
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["server_id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

#[test]
fn a_team_update_replaces_only_the_fields_sent_and_keeps_vector_stores() {
    for version in ["1.87.5", "1.108.7", "1.110.2"] {
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        let http = Http::new(&fake);
        let master = fake.master_key();
        let new = json!({"team_id": "t1", "object_permission": {
            "mcp_servers": ["a"], "vector_stores": ["vs_keep"],
            "mcp_tool_permissions": {"a": ["x"]}}});
        assert_eq!(
            http.send("POST", "/team/new", Some(&master), Send::Json(new))
                .status,
            200
        );
        let update = json!({"team_id": "t1", "object_permission": {
            "mcp_access_groups": ["g"], "mcp_tool_permissions": {"b": ["y"]}}});
        let a = http.send("POST", "/team/update", Some(&master), Send::Json(update));
        assert_eq!(a.status, 200, "{version}: {}", a.body);
        let row = fake.team_row("t1").expect("row");
        assert_eq!(
            row["vector_stores"],
            json!(["vs_keep"]),
            "{version}: not sent, kept"
        );
        assert_eq!(
            row["mcp_servers"],
            json!(["a"]),
            "{version}: not sent, kept"
        );
        assert_eq!(row["mcp_access_groups"], json!(["g"]), "{version}");
        assert_eq!(
            row["mcp_tool_permissions"],
            json!({"b": ["y"]}),
            "{version}: a sent map is replaced whole"
        );
        let info = http.send("GET", "/team/info?team_id=t1", Some(&master), Send::None);
        assert_eq!(
            info.body["team_info"]["object_permission"], row,
            "{version}"
        );
    }
}

#[test]
fn a_null_list_field_or_row_is_a_500_that_changes_nothing() {
    let fake = FakeProxy::start(FakeConfig::default());
    let http = Http::new(&fake);
    let master = fake.master_key();
    fake.seed_team(
        "t1",
        Some(json!({"mcp_servers": ["a"], "mcp_toolsets": ["ts"]})),
    );
    let before = fake.team_row("t1");
    for op in [
        json!({"mcp_servers": null}),
        json!({"mcp_toolsets": null, "mcp_servers": ["b"]}),
        Value::Null,
    ] {
        let a = http.send(
            "POST",
            "/team/update",
            Some(&master),
            Send::Json(json!({"team_id": "t1", "object_permission": op})),
        );
        assert_eq!(a.status, 500, "{op}: {}", a.body);
        assert_eq!(a.body["error"]["type"], "internal_server_error");
        assert_eq!(fake.team_row("t1"), before, "{op}: nothing written");
    }
    // A null map is a stored null; `[]` is how a list is cleared.
    let a = http.send(
        "POST",
        "/team/update",
        Some(&master),
        Send::Json(json!({"team_id": "t1", "object_permission": {"mcp_servers": [], "mcp_tool_permissions": null}})),
    );
    assert_eq!(a.status, 200);
    let row = fake.team_row("t1").expect("row");
    assert_eq!(
        (
            row["mcp_servers"].clone(),
            row["mcp_tool_permissions"].clone()
        ),
        (json!([]), Value::Null)
    );
}

#[test]
fn an_unknown_toolset_id_is_a_500_on_put_and_delete() {
    for version in ["1.87.5", "1.108.7"] {
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        let http = Http::new(&fake);
        let master = fake.master_key();
        let internal =
            json!({"error": {"message": "Internal server error", "type": "internal_server_error"}});
        let a = http.send(
            "PUT",
            "/v1/mcp/toolset",
            Some(&master),
            Send::Json(json!({"toolset_id": "nope", "description": "x"})),
        );
        assert_eq!((a.status, &a.body), (500, &internal), "{version}");
        let a = http.send("DELETE", "/v1/mcp/toolset/nope", Some(&master), Send::None);
        assert_eq!((a.status, &a.body), (500, &internal), "{version}");
        let a = http.send("GET", "/v1/mcp/toolset/nope", Some(&master), Send::None);
        assert_eq!(a.status, 404, "{version}: reading by id is a plain 404");
    }
}

#[test]
fn toolset_routes_and_the_null_description_follow_the_version() {
    let old = FakeProxy::start(FakeConfig::as_version("1.82.0"));
    let a = Http::new(&old).send(
        "GET",
        "/v1/mcp/toolset",
        Some(&old.master_key()),
        Send::None,
    );
    assert_eq!((a.status, a.body), (404, json!({"detail": "Not Found"})));
    for (version, cleared) in [("1.85.0", false), ("1.100.0", false), ("1.103.0", true)] {
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        let http = Http::new(&fake);
        let master = fake.master_key();
        let a = http.send(
            "POST",
            "/v1/mcp/toolset",
            Some(&master),
            Send::Json(json!({"toolset_name": "ts", "description": "d", "toolset_id": "mine"})),
        );
        assert_eq!(a.status, 201, "{version}");
        let id = a.body["toolset_id"].as_str().expect("id").to_owned();
        assert_ne!(id, "mine", "{version}: the proxy's id, not the body's");
        let a = http.send(
            "PUT",
            "/v1/mcp/toolset",
            Some(&master),
            Send::Json(json!({"toolset_id": id, "description": null})),
        );
        let expected = if cleared { Value::Null } else { json!("d") };
        assert_eq!(a.body["description"], expected, "{version}");
    }
}

#[test]
fn toolset_tool_names_lose_their_server_prefix_before_1_100() {
    for (version, bare) in [("1.87.5", "add"), ("1.108.7", "s2-add")] {
        let fake = FakeProxy::start(FakeConfig::as_version(version));
        server(&fake, "s2", json!({}));
        let id = fake.seed_toolset("ts", json!([{"server_id": "s2", "tool_name": "s2-add"}]));
        assert_eq!(
            fake.toolset_tools(&id),
            vec![("s2".to_owned(), bare.to_owned())],
            "{version}"
        );
    }
}

#[test]
fn the_1_87_5_team_cache_gap_is_a_switch() {
    let fake = FakeProxy::start(FakeConfig {
        team_cache_gap: Some(Duration::from_millis(400)),
        ..FakeConfig::as_version("1.87.5")
    });
    server(&fake, "s1", json!({}));
    server(&fake, "s3", json!({"allow_all_keys": true}));
    fake.seed_team("t", Some(json!({"mcp_servers": ["s1"]})));
    fake.seed_key("sk-team-key-000000001", Some("t"), None);
    let http = Http::new(&fake);
    assert_eq!(listed(&http, "sk-team-key-000000001"), ["s1", "s3"]);
    let a = http.send(
        "POST",
        "/team/update",
        Some(&fake.master_key()),
        Send::Json(json!({"team_id": "t", "max_budget": 5})),
    );
    assert_eq!(a.status, 200);
    assert_eq!(
        listed(&http, "sk-team-key-000000001"),
        ["s3"],
        "an unrelated update still empties the cached team"
    );
    std::thread::sleep(Duration::from_millis(450));
    assert_eq!(listed(&http, "sk-team-key-000000001"), ["s1", "s3"]);
}

#[test]
fn seeded_rows_answer_like_written_ones_and_reachable_servers_agrees_with_the_list() {
    let fake = FakeProxy::start(FakeConfig::default());
    server(&fake, "s1", json!({}));
    server(&fake, "s2", json!({"mcp_access_groups": ["g"]}));
    server(&fake, "s3", json!({"allow_all_keys": true}));
    server(&fake, "s4", json!({}));
    let ts = fake.seed_toolset("ts", json!([{"server_id": "s4", "tool_name": "x"}]));
    fake.seed_team(
        "ta",
        Some(json!({"mcp_servers": ["s1"], "mcp_access_groups": ["g"]})),
    );
    fake.seed_team(
        "tall",
        Some(json!({"mcp_servers": ["all-proxy-mcpservers"]})),
    );
    fake.seed_team("tts", Some(json!({"mcp_toolsets": [ts]})));
    fake.seed_team("tdead", Some(json!({"mcp_toolsets": ["gone"]})));
    let cases = [
        (
            "sk-k-inherit-00000001",
            Some("ta"),
            None,
            vec!["s1", "s2", "s3"],
        ),
        (
            "sk-k-narrow-000000001",
            Some("ta"),
            Some(json!({"mcp_servers": ["s2"]})),
            vec!["s2", "s3"],
        ),
        (
            "sk-k-empty-0000000001",
            Some("ta"),
            Some(json!({"mcp_servers": []})),
            vec!["s1", "s2", "s3"],
        ),
        (
            "sk-k-optout-000000001",
            Some("ta"),
            Some(json!({"mcp_servers": ["no-mcp-servers"]})),
            vec![],
        ),
        (
            "sk-k-all-000000000001",
            Some("tall"),
            None,
            vec!["s1", "s2", "s3", "s4"],
        ),
        ("sk-k-toolset-00000001", Some("tts"), None, vec!["s3", "s4"]),
        (
            "sk-k-dead-00000000001",
            Some("tdead"),
            Some(json!({"mcp_servers": ["s1"]})),
            vec!["s3"],
        ),
        ("sk-k-teamless-0000001", None, None, vec!["s3"]),
    ];
    let http = Http::new(&fake);
    for (key, team, row, expected) in cases {
        fake.seed_key(key, team, row);
        assert_eq!(fake.reachable_servers(key), expected, "{key}");
        assert_eq!(listed(&http, key), expected, "{key}: the list agrees");
    }
    let info = http.send(
        "GET",
        "/key/info?key=sk-k-narrow-000000001",
        Some(&fake.master_key()),
        Send::None,
    );
    assert_eq!(
        info.body["info"]["object_permission"]["mcp_servers"],
        json!(["s2"])
    );
    assert_eq!(
        fake.key_row("sk-k-narrow-000000001").expect("row")["mcp_servers"],
        json!(["s2"])
    );
    assert_eq!(fake.key_row("sk-k-inherit-00000001"), None);
}

#[test]
fn two_hundred_teams_and_five_thousand_keys_seed_and_page_quickly() {
    let fake = FakeProxy::start(FakeConfig::default());
    let started = Instant::now();
    for t in 0..200 {
        fake.seed_team(
            &format!("team{t}"),
            Some(json!({"mcp_servers": [format!("s{t}")]})),
        );
    }
    for k in 0..5000 {
        let team = format!("team{}", k % 200);
        fake.seed_key(
            &format!("sk-bench-{k:06}-0000"),
            Some(&team),
            Some(json!({"mcp_servers": []})),
        );
    }
    let http = Http::new(&fake);
    let master = fake.master_key();
    let mut seen = 0;
    for page in 1..=50 {
        let a = http.send(
            "GET",
            &format!("/key/list?return_full_object=true&size=100&page={page}"),
            Some(&master),
            Send::None,
        );
        assert_eq!(a.status, 200);
        assert_eq!(
            (
                a.body["total_count"].as_u64(),
                a.body["total_pages"].as_u64()
            ),
            (Some(5000), Some(50))
        );
        let keys = a.body["keys"].as_array().expect("keys");
        assert!(
            keys.iter()
                .all(|k| k["object_permission"]["mcp_servers"] == json!([]))
        );
        seen += keys.len();
    }
    assert_eq!(seen, 5000);
    let a = http.send(
        "GET",
        "/key/list?return_full_object=true&size=101",
        Some(&master),
        Send::None,
    );
    assert_eq!(a.status, 422);
    let a = http.send("GET", "/team/list", Some(&master), Send::None);
    assert_eq!(a.body.as_array().map(Vec::len), Some(200));
    // Debug builds on a shared two-core machine: generous, but O(n²) would blow it.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}
