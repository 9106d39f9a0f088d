//! What the user gives before any request: the proxy URL, the admin key and the proxy
//! flags are checked up front, and no error repeats a value that may be a secret. Ends
//! with the canary: the admin key never appears in any output of any error path.

use crate::run;
use crate::support::cli::{Workspace, code, stderr, stdout};
use crate::support::fake_proxy::{FakeConfig, FakeProxy, Fault, Method};

const ONE: &str = "version: 1\nservers:\n  - server_name: weather\n    transport: sse\n    url: https://w.example.invalid/sse\n";

fn setup() -> (FakeProxy, Workspace) {
    let fake = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    (fake, ws)
}

#[test]
fn a_proxy_url_with_credentials_is_refused_before_any_request() {
    // Today's trap: reqwest turns userinfo into a Basic header, the proxy reads it
    // instead of the Bearer key, and mcpform says the key was refused.
    let (fake, ws) = setup();
    let url = fake
        .base_url()
        .replace("http://", "http://admin:pw-in-url-3141@");
    let out = ws
        .mcpform(&url, &fake.master_key())
        .args(["plan", "s.yaml"])
        .output()
        .unwrap();
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(
        err.contains("must not contain a user name or password") && err.contains("****@127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("pw-in-url-3141") && !stdout(&out).contains("pw-in-url-3141"));
    assert!(!err.contains("refused the admin key"), "{err}");
    assert_eq!(fake.journal().len(), 0, "no request was sent");
}

#[test]
fn a_proxy_url_with_a_query_or_a_pasted_key_is_refused_without_echoing_it() {
    let (fake, ws) = setup();
    for url in [
        format!("{}/?key=sk-pasted-9a8b7c", fake.base_url()),
        format!("{} sk-pasted-9a8b7c", fake.base_url()),
        "sk-pasted-9a8b7c".to_string(),
    ] {
        let out = ws
            .mcpform(&url, &fake.master_key())
            .args(["plan", "s.yaml"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{url}");
        let err = stderr(&out);
        assert!(err.contains("the proxy URL"), "{err}");
        assert!(!err.contains("pasted-9a8b7c"), "{url}: {err}");
    }
    assert_eq!(fake.journal().len(), 0);
}

#[test]
fn bad_timeouts_and_retries_are_usage_errors() {
    // 1e20 panicked (exit 134); 0, -5, inf and NaN silently became 30 s.
    let (fake, ws) = setup();
    for t in ["1e20", "0", "-5", "inf", "NaN", "3601"] {
        let flag = format!("--timeout={t}");
        let out = run(&ws, &fake, &["plan", "s.yaml", &flag]);
        assert_eq!(code(&out), 1, "--timeout {t}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--timeout") && stderr(&out).contains("at most 3600"),
            "{t}: {}",
            stderr(&out)
        );
    }
    let out = run(&ws, &fake, &["plan", "s.yaml", "--retries", "1000"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("--retries"), "{}", stderr(&out));
    assert_eq!(fake.journal().len(), 0, "nothing was sent");
}

#[test]
fn a_key_with_a_newline_or_space_is_refused_up_front() {
    // It showed as "cannot reach the proxy" (reqwest cannot put it in a header).
    let (fake, ws) = setup();
    for key in [
        format!("{}\n", fake.master_key()),
        format!("{} ", fake.master_key()),
        format!("sk-{}", "\u{7}x"),
    ] {
        let out = ws
            .mcpform(&fake.base_url(), &key)
            .args(["plan", "s.yaml"])
            .output()
            .unwrap();
        assert_eq!(code(&out), 1);
        let err = stderr(&out);
        assert!(
            err.contains("the admin key in LITELLM_API_KEY contains a space, line break"),
            "{err}"
        );
        assert!(
            !err.contains("cannot reach") && !err.contains(&fake.master_key()),
            "{err}"
        );
    }
    assert_eq!(fake.journal().len(), 0);
}

#[test]
fn the_proxy_flags_keep_their_names_and_defaults() {
    let out = Workspace::new()
        .mcpform("", "")
        .args(["plan", "--help"])
        .output()
        .unwrap();
    let help = stdout(&out);
    for flag in [
        "--proxy-url <URL>",
        "--api-key-env <NAME>",
        "[default: LITELLM_API_KEY]",
        "--timeout <SECS>",
        "[default: 30]",
        "--retries <N>",
        "[default: 3]",
    ] {
        assert!(help.contains(flag), "{flag}:\n{help}");
    }
}

/// The canary: on every error path around the proxy the admin key never appears in
/// stdout or stderr, whole or in part.
#[test]
fn the_admin_key_never_appears_on_any_error_path() {
    const KEY: &str = "sk-canary-7f3a9c2e1b5d";
    let fake = FakeProxy::start(FakeConfig {
        master_key: KEY.into(),
        ..FakeConfig::default()
    });
    let elsewhere = FakeProxy::start(FakeConfig::default());
    let ws = Workspace::new();
    ws.write("s.yaml", ONE);
    let base = fake.base_url();
    let hostport = base.trim_start_matches("http://").to_owned();
    let mut outputs = Vec::new();
    let mut plan = |url: &str, key: &str, extra: &[&str]| {
        let out = ws
            .mcpform(url, key)
            .args(["plan", "s.yaml", "--retries", "0"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(code(&out), 1, "{url} {extra:?}: {}", stderr(&out));
        outputs.push(format!("{}{}", stdout(&out), stderr(&out)));
    };
    // A redirect whose Location carries the key in its path and query.
    fake.inject(Fault::redirect(
        Method::GET,
        "/v1/mcp/server",
        302,
        &format!("{}/{KEY}/v1/mcp/server?key={KEY}", elsewhere.base_url()),
    ));
    plan(&base, KEY, &[]);
    // The key pasted into the URL: after a space, alone, in the path, in a query, as a
    // password, and into --proxy-url.
    plan(&format!("{base} {KEY}"), KEY, &[]);
    plan(KEY, KEY, &[]);
    plan(&format!("{base}/{KEY}"), KEY, &[]);
    plan(&format!("{base}/?key={KEY}"), KEY, &[]);
    plan(&format!("http://admin:{KEY}@{hostport}"), KEY, &[]);
    plan(
        &base,
        KEY,
        &["--proxy-url", &format!("http://admin:{KEY}@{hostport}")],
    );
    plan(&base, KEY, &["--proxy-url", &format!("{base}/{KEY}")]);
    // An oversized answer, and one that echoes the key at its end.
    fake.inject(Fault::huge_body(
        Method::GET,
        "/v1/mcp/server",
        200 << 20,
        false,
    ));
    plan(&base, KEY, &[]);
    fake.inject(
        Fault::status(Method::GET, "/v1/mcp/server", 500)
            .with_body(serde_json::Value::from(format!("{}{KEY}", "x".repeat(291)))),
    );
    plan(&base, KEY, &[]);
    // The key with a line break or a space in it.
    plan(&base, &format!("{KEY}\n"), &[]);
    plan(&base, &format!("{KEY} "), &[]);
    assert_eq!(
        elsewhere.journal().len(),
        0,
        "the redirect was not followed"
    );
    for (i, text) in outputs.iter().enumerate() {
        for part in [KEY, "canary-7f3a9c2e1b5d", "7f3a9c2e", "sk-canar"] {
            assert!(!text.contains(part), "path {i} shows `{part}`:\n{text}");
        }
    }
}
