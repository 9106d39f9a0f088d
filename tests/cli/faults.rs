//! The client under faults: retries with backoff on 5xx, 429 and dropped connections,
//! bounded and within one budget; timeouts; redirects; oversized answers; the proxy's
//! own words in errors, scrubbed and escaped.

use crate::run;
use crate::support::cli::{Workspace, code, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method, Role};

const ONE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n";

fn setup() -> (FakeProxy, Workspace) {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    (fake, ws)
}

fn list_requests(fake: &FakeProxy) -> usize {
    fake.journal()
        .iter()
        .filter(|r| r.path == "/v1/mcp/server")
        .count()
}

#[test]
fn retries_5xx_on_reads_then_succeeds() {
    let (fake, ws) = setup();
    fake.inject(Fault::status(Method::GET, "/v1/mcp/server", 503).times(2));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(list_requests(&fake), 3);
}

#[test]
fn honours_retry_after_on_429() {
    let (fake, ws) = setup();
    fake.inject(Fault::rate_limited(Method::GET, "/v1/mcp/server", 1).times(1));
    let started = std::time::Instant::now();
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(list_requests(&fake), 2);
    // Not a timing assertion on speed: only that the proxy's own wait was respected.
    assert!(started.elapsed() >= std::time::Duration::from_millis(950));
}

#[test]
fn retries_are_bounded_and_the_error_names_the_status() {
    let (fake, ws) = setup();
    fake.inject(Fault::status(Method::GET, "/v1/mcp/server", 502).times(10));
    let out = run(&ws, &fake, &["plan", "s.yaml", "--retries", "2"]);
    assert_eq!(code(&out), 1);
    assert_eq!(list_requests(&fake), 3);
    let err = stderr(&out);
    assert!(
        err.contains("failed with 502 after 3 attempts over "),
        "{err}"
    );
    assert_eq!(
        err.matches("note: waiting ").count(),
        2,
        "every wait is announced: {err}"
    );
}

#[test]
fn a_dropped_connection_is_retried() {
    let (fake, ws) = setup();
    fake.inject(Fault::reset(Method::GET, "/v1/mcp/server").times(1));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(list_requests(&fake), 2);
}

#[test]
fn a_slow_proxy_times_out() {
    let (fake, ws) = setup();
    fake.inject(Fault::delay(Method::GET, "/v1/mcp/server", 3000).times(5));
    let out = run(
        &ws,
        &fake,
        &["plan", "s.yaml", "--timeout", "0.3", "--retries", "1"],
    );
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("did not answer GET"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn server_errors_carry_the_proxys_own_message_and_are_not_retried() {
    let (fake, ws) = setup();
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 500)
            .with_body(serde_json::json!({"detail": {"error": "Database not connected. Connect a database to your proxy"}}))
            .times(1),
    );
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("Database not connected"),
        "{}",
        stderr(&out)
    );
    assert_eq!(list_requests(&fake), 1, "500 is not a transient status");
}

#[test]
fn a_wrong_key_says_a_proxy_admin_key_is_needed() {
    let (fake, ws) = setup();
    let out = ws
        .mcpform(&fake.base_url(), "sk-not-a-real-key")
        .args(["plan", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("401") && err.contains("proxy_admin"), "{err}");
}

#[test]
fn a_non_admin_key_is_refused_by_the_credential_count() {
    let fake = FakeProxy::start(FakeConfig::default());
    fake.add_key("sk-alice-key", "alice", Role::InternalUser);
    fake.seed_server(serde_json::json!({"server_id": "gh", "server_name": "github_tools", "transport": "http",
        "url": "https://gh.example.invalid/mcp", "auth_type": "bearer_token", "is_byok": true, "allow_all_keys": true}));
    let ws = Workspace::new();
    ws.write("s.yaml", "version: 1\nservers:\n  - server_name: github_tools\n    transport: http\n    url: https://gh.example.invalid/mcp\n    auth_type: bearer_token\n");
    let out = ws
        .mcpform(&fake.base_url(), "sk-alice-key")
        .args(["plan", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(stderr(&out).contains("proxy_admin"), "{}", stderr(&out));
}

#[test]
fn nothing_listening() {
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = ws
        .mcpform(&url, "sk-k")
        .args(["plan", "s.yaml", "--retries", "1"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("cannot reach the proxy"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_url_or_key_are_explained() {
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let out = ws
        .mcpform("", "k")
        .env_remove("LITELLM_PROXY_URL")
        .args(["plan", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("--proxy-url or set LITELLM_PROXY_URL"),
        "{}",
        stderr(&out)
    );
    let out = ws
        .mcpform("http://127.0.0.1:9", "k")
        .env_remove("LITELLM_API_KEY")
        .args(["plan", "s.yaml", "--api-key-env", "MY_ADMIN_KEY"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("MY_ADMIN_KEY is not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn files_with_errors_stop_the_plan_before_any_request() {
    let (fake, ws) = setup();
    ws.write("bad.yaml", "version: 1\nservers:\n  - server_name: bad-name\n    transport: sse\n    url: https://b.example.invalid/sse\n");
    let out = run(&ws, &fake, &["plan", "."]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("name-charset"), "{}", stderr(&out));
    assert_eq!(fake.journal().len(), 0);
}

#[test]
fn an_unset_secret_names_the_variable_and_its_line() {
    let (fake, ws) = setup();
    ws.write(
        "s.yaml",
        "version: 1\nservers:\n  - server_name: jira\n    transport: http\n    url: https://j.example.invalid/mcp\n    auth_type: bearer_token\n    credentials:\n      auth_value: ${env:MCPFORM_TEST_NOT_SET}\n",
    );
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("`MCPFORM_TEST_NOT_SET` is not set") && err.contains("s.yaml:8:19"),
        "{err}"
    );
}

#[test]
fn a_long_error_body_never_shows_part_of_the_key() {
    // The body was cut to 300 characters before the key was scrubbed: 291 characters
    // then the 14-character key left its first 8 on screen.
    let (fake, ws) = setup();
    let key = fake.master_key();
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 500)
            .with_body(serde_json::Value::from(format!("{}{key}", "x".repeat(291)))),
    );
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("failed with 500"), "{err}");
    assert!(!err.contains(&key[..8]), "{err}");
}

#[test]
fn proxy_messages_reach_the_terminal_escaped() {
    let (fake, ws) = setup();
    fake.inject(Fault::status(Method::GET, "/v1/mcp/server", 500).with_body(
        serde_json::json!({"detail": {"error": "boom \u{1b}]0;pwned\u{7} \u{202e}done"}}),
    ));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("boom \\x1b]0;pwned\\x07 \\u{202e}done"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{202e}'),
        "{err}"
    );
}

#[test]
fn a_redirect_is_an_error_and_is_not_followed() {
    // Followed silently, the request reached the target: with the key when it is the
    // same host and port, without it (and "the proxy refused the admin key") otherwise.
    let (fake, ws) = setup();
    let elsewhere = FakeProxy::start(FakeConfig::default());
    let target = format!(
        "{}/v1/mcp/server?token=sk-in-location-77#frag",
        elsewhere.base_url()
    );
    fake.inject(Fault::redirect(Method::GET, "/v1/mcp/server", 307, &target));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("does not follow redirects")
            && err.contains("307")
            && err.contains(&format!("`{}/v1/mcp/server`", elsewhere.base_url())),
        "{err}"
    );
    assert!(
        !err.contains("sk-in-location-77") && !err.contains("refused"),
        "{err}"
    );
    assert_eq!(elsewhere.journal().len(), 0, "nothing reached the target");
    assert_eq!(list_requests(&fake), 1, "a redirect is not retried");
}

#[test]
fn a_redirect_to_the_same_proxy_does_not_carry_the_key_along() {
    let (fake, ws) = setup();
    fake.inject(Fault::redirect(
        Method::GET,
        "/v1/mcp/server",
        301,
        "/elsewhere/v1/mcp/server",
    ));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("`{}/elsewhere/v1/mcp/server`", fake.base_url())),
        "{err}"
    );
    assert!(
        fake.journal()
            .iter()
            .all(|r| !r.path.starts_with("/elsewhere")),
        "{:?}",
        fake.journal()
    );
}

#[test]
fn an_oversized_answer_stops_at_the_cap() {
    // 200 MiB streamed without Content-Length: mcpform read it all (an 8 GB answer took
    // it to 8 GB); now it stops at 128 MiB.
    let (fake, ws) = setup();
    fake.inject(Fault::huge_body(
        Method::GET,
        "/v1/mcp/server",
        200 << 20,
        false,
    ));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("larger than 128 MiB") && err.contains("GET http://127.0.0.1:"),
        "{err}"
    );
    assert_eq!(list_requests(&fake), 1, "not retried");
}

#[test]
fn a_declared_oversized_answer_is_refused_before_reading() {
    let (fake, ws) = setup();
    fake.inject(Fault::huge_body(
        Method::GET,
        "/v1/mcp/server",
        8 << 30,
        true,
    ));
    let started = std::time::Instant::now();
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("larger than 128 MiB"),
        "{}",
        stderr(&out)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

#[test]
fn a_slow_proxy_gives_up_within_the_budget_and_says_so() {
    // --timeout was per attempt: 4 attempts of 1 s plus waits, while the message said
    // "within 1 s". It is now the budget of the whole request.
    let (fake, ws) = setup();
    fake.inject(Fault::delay(Method::GET, "/v1/mcp/server", 2500).times(4));
    let started = std::time::Instant::now();
    let out = run(
        &ws,
        &fake,
        &["plan", "s.yaml", "--timeout", "1", "--retries", "3"],
    );
    let elapsed = started.elapsed();
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("did not answer GET")
            && err.contains("within 1 s")
            && err.contains("(1 attempt over 1.0 s)"),
        "{err}"
    );
    assert!(
        elapsed < std::time::Duration::from_millis(2500),
        "{elapsed:?}"
    );
}

#[test]
fn a_retry_after_longer_than_the_budget_stops_at_once() {
    // It waited min(Retry-After, 30 s) in silence, then tried again.
    let (fake, ws) = setup();
    fake.inject(Fault::rate_limited(Method::GET, "/v1/mcp/server", 1000));
    let started = std::time::Instant::now();
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("answered 429 and the proxy asked to wait 1000 s before retrying")
            && err.contains("Rate limit exceeded"),
        "{err}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(list_requests(&fake), 1);
}

#[test]
fn every_wait_is_announced_on_stderr() {
    let (fake, ws) = setup();
    fake.inject(Fault::rate_limited(Method::GET, "/v1/mcp/server", 1));
    let out = run(&ws, &fake, &["plan", "s.yaml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "note: waiting 1 s before retrying GET /v1/mcp/server: 429 rate limited (attempt 2 of 4)"
        ),
        "{}",
        stderr(&out)
    );
}
