//! Property tests for lint:
//! * every generated valid file lints clean;
//! * every generated single mutation is caught with the right rule id at the right line;
//! * the fast path (serde from the tree) and the JSON Schema agree on every server.

use std::collections::{BTreeMap, BTreeSet};

use mcpform::lint::{LintOptions, lint};
use mcpform::load::{Value, load_text};
use mcpform::model::ServerSpec;
use mcpform::rule::RuleId;
use proptest::prelude::*;
use serde::Deserialize;

/// A scalar or collection as it will be written in YAML (one line per field).
#[derive(Debug, Clone)]
enum V {
    Str(String),
    Raw(String),
    List(Vec<String>),
    Map(Vec<(String, String)>),
}

type Server = Vec<(String, V)>;

fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Writes the file; returns it with the line of every `(server, key)`.
fn emit(servers: &[Server]) -> (String, BTreeMap<(usize, String), u32>) {
    let mut out = String::from("version: 1\nservers:\n");
    let mut lines = BTreeMap::new();
    let mut line = 3;
    for (i, server) in servers.iter().enumerate() {
        for (j, (key, value)) in server.iter().enumerate() {
            let lead = if j == 0 { "  - " } else { "    " };
            lines.insert((i, key.clone()), line);
            match value {
                V::Str(s) => out.push_str(&format!("{lead}{key}: {}\n", q(s))),
                V::Raw(s) => out.push_str(&format!("{lead}{key}: {s}\n")),
                V::List(items) => {
                    let items: Vec<String> = items.iter().map(|s| q(s)).collect();
                    out.push_str(&format!("{lead}{key}: [{}]\n", items.join(", ")));
                }
                V::Map(entries) => {
                    out.push_str(&format!("{lead}{key}:\n"));
                    for (k, v) in entries {
                        line += 1;
                        lines.insert((i, format!("{key}.{k}")), line);
                        out.push_str(&format!("      {k}: {}\n", q(v)));
                    }
                }
            }
            line += 1;
        }
    }
    (out, lines)
}

fn name_strategy() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_.]{0,20}"
}

fn server_strategy(index: usize) -> impl Strategy<Value = Server> {
    (
        name_strategy(),
        0..4usize,
        any::<bool>(),
        prop::option::of("[A-Za-z ,.]{0,40}"),
        prop::option::of(0u32..5000),
        any::<bool>(),
        prop::collection::vec("[a-z]{1,8}", 0..3),
    )
        .prop_map(
            move |(name, transport, byok, description, rpm, creds, groups)| {
                let mut s: Server = vec![("server_name".into(), V::Str(format!("{name}_{index}")))];
                let transport = ["http", "sse", "openapi", "stdio"][transport];
                s.push(("transport".into(), V::Raw(transport.into())));
                match transport {
                    "stdio" => {
                        s.push(("command".into(), V::Str("npx".into())));
                        s.push(("args".into(), V::List(vec!["-y".into(), "pkg".into()])));
                    }
                    "openapi" => {
                        s.push((
                            "spec_path".into(),
                            V::Str(format!("https://s{index}.example.invalid/o.json")),
                        ));
                    }
                    _ => s.push((
                        "url".into(),
                        V::Str(format!("https://s{index}.example.invalid/mcp")),
                    )),
                }
                if let Some(d) = description {
                    s.push(("description".into(), V::Str(d)));
                }
                if let Some(r) = rpm {
                    s.push(("rpm".into(), V::Raw(r.to_string())));
                }
                if !groups.is_empty() {
                    s.push(("mcp_access_groups".into(), V::List(groups)));
                }
                let byok = byok && transport != "stdio";
                if byok {
                    s.push(("auth_type".into(), V::Raw("bearer_token".into())));
                    s.push(("is_byok".into(), V::Raw("true".into())));
                    s.push(("byok_description".into(), V::List(vec!["Read".into()])));
                } else if creds && transport != "stdio" {
                    s.push(("auth_type".into(), V::Raw("api_key".into())));
                    s.push((
                        "credentials".into(),
                        V::Map(vec![(
                            "auth_value".into(),
                            format!("${{env:TOKEN_{index}}}"),
                        )]),
                    ));
                }
                s
            },
        )
}

fn file_strategy() -> impl Strategy<Value = Vec<Server>> {
    (1..6usize).prop_flat_map(|n| (0..n).map(server_strategy).collect::<Vec<_>>())
}

fn lint_text(text: &str) -> Vec<(RuleId, u32)> {
    let env = |_: &str| None;
    let options = LintOptions {
        require_env: false,
        env: &env,
        reserved_env: &[],
        proxy_version: None,
    };
    lint(load_text("p.yaml", text), &options)
        .diagnostics
        .iter()
        .map(|d| (d.rule, d.span.map_or(0, |s| s.start.line)))
        .collect()
}

/// A single mutation: how to change the file, and what lint must say where.
#[derive(Debug, Clone, Copy)]
enum Mutation {
    BadTransport,
    HyphenName,
    DropUrl,
    UnknownField,
    DuplicateName,
    ByokOnStdio,
    PlaintextSecret,
    InsecureUrl,
    MalformedEnvRef,
    NegativeRpm,
}

const MUTATIONS: &[Mutation] = &[
    Mutation::BadTransport,
    Mutation::HyphenName,
    Mutation::DropUrl,
    Mutation::UnknownField,
    Mutation::DuplicateName,
    Mutation::ByokOnStdio,
    Mutation::PlaintextSecret,
    Mutation::InsecureUrl,
    Mutation::MalformedEnvRef,
    Mutation::NegativeRpm,
];

fn set(server: &mut Server, key: &str, value: V) {
    match server.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => server.push((key.into(), value)),
    }
}

/// Applies `m` to server `i` when it applies there; returns the rule, and the server
/// and key whose line the finding must point at (not always server `i`'s).
fn mutate(servers: &mut [Server], i: usize, m: Mutation) -> Option<(RuleId, usize, String)> {
    let transport = match &servers[i].iter().find(|(k, _)| k == "transport")?.1 {
        V::Raw(t) => t.clone(),
        _ => return None,
    };
    let is_http = transport == "http" || transport == "sse";
    let here = |rule: RuleId, key: &str| Some((rule, i, key.to_owned()));
    match m {
        Mutation::BadTransport => {
            set(&mut servers[i], "transport", V::Raw("websocket".into()));
            here(RuleId::Schema, "transport")
        }
        Mutation::HyphenName => {
            set(
                &mut servers[i],
                "server_name",
                V::Str(format!("bad-name-{i}")),
            );
            here(RuleId::NameCharset, "server_name")
        }
        Mutation::DropUrl if is_http => {
            servers[i].retain(|(k, _)| k != "url");
            here(RuleId::UrlRequired, "transport")
        }
        Mutation::UnknownField => {
            servers[i].push(("descripton".into(), V::Str("typo".into())));
            here(RuleId::Schema, "descripton")
        }
        Mutation::DuplicateName if servers.len() > 1 => {
            let other = (i + 1) % servers.len();
            let V::Str(name) = servers[other][0].1.clone() else {
                return None;
            };
            set(&mut servers[i], "alias", V::Str(name.to_uppercase()));
            // The finding is at whichever of the two comes second in the file: this
            // alias, or the other server's name when the alias comes first.
            if other < i {
                here(RuleId::NameUnique, "alias")
            } else {
                Some((RuleId::NameUnique, other, "server_name".to_owned()))
            }
        }
        Mutation::ByokOnStdio if transport == "stdio" => {
            set(&mut servers[i], "is_byok", V::Raw("true".into()));
            here(RuleId::ByokTransport, "is_byok")
        }
        Mutation::PlaintextSecret
            if transport != "stdio" && !servers[i].iter().any(|(k, _)| k == "is_byok") =>
        {
            set(
                &mut servers[i],
                "credentials",
                V::Map(vec![("auth_value".into(), "sk-plain".into())]),
            );
            here(RuleId::PlaintextSecret, "credentials.auth_value")
        }
        Mutation::InsecureUrl if is_http => {
            set(
                &mut servers[i],
                "url",
                V::Str("http://remote.example.invalid/mcp".into()),
            );
            here(RuleId::InsecureUrl, "url")
        }
        Mutation::MalformedEnvRef => {
            set(&mut servers[i], "description", V::Str("${env:}".into()));
            here(RuleId::EnvRef, "description")
        }
        Mutation::NegativeRpm => {
            set(&mut servers[i], "rpm", V::Raw("-1".into()));
            here(RuleId::Schema, "rpm")
        }
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn generated_valid_files_lint_clean(servers in file_strategy()) {
        let (text, _) = emit(&servers);
        let found = lint_text(&text);
        prop_assert!(found.is_empty(), "{text}\n{found:?}");
    }

    #[test]
    fn every_single_mutation_is_caught_at_its_line(
        servers in file_strategy(),
        pick in any::<prop::sample::Index>(),
        which in 0..MUTATIONS.len(),
    ) {
        // The first server from the picked one on where the mutation applies; a file
        // where it applies nowhere is no case at all (rejected, never a silent pass).
        let n = servers.len();
        let start = pick.index(n);
        let applied = (0..n).map(|k| (start + k) % n).find_map(|i| {
            let mut mutated = servers.clone();
            mutate(&mut mutated, i, MUTATIONS[which]).map(|hit| (mutated, i, hit))
        });
        prop_assume!(applied.is_some(), "{:?} applies to no server", MUTATIONS[which]);
        let Some((servers, i, (rule, at, key))) = applied else { unreachable!() };
        let (text, lines) = emit(&servers);
        let line = lines[&(at, key.clone())];
        let found = lint_text(&text);
        prop_assert!(
            found.contains(&(rule, line)),
            "{:?} on server {i} should give `{}` at line {line} (`{key}` of server {at})\n{text}\n{found:?}",
            MUTATIONS[which], rule.id()
        );
    }

    #[test]
    fn serde_and_the_schema_agree_on_every_server(
        servers in file_strategy(),
        pick in any::<prop::sample::Index>(),
        key in prop::sample::select(vec![
            "description", "rpm", "timeout", "is_byok", "transport", "auth_type", "url",
            "mcp_access_groups", "static_headers", "env_vars", "mcp_info", "credentials",
            "args", "env", "allowed_tools", "dcr_bridge", "oauth2_flow", "lifecycle", "alias",
        ]),
        value in prop::sample::select(vec![
            "null", "true", "3", "-3", "2.5", "\"text\"", "[]", "[1]", "[\"a\"]", "{}",
            "{a: b}", "{a: 1}", "{name: X}", "[{name: X, scope: user}]", "{ignore_changes: [x]}",
            "{ignore_changes: [description]}", "{protocol_version: auto}", "{auth_value: 1}",
            "http", "oauth2", "authorization_code", ".inf",
        ]),
    ) {
        let mut servers = servers;
        let i = pick.index(servers.len());
        set(&mut servers[i], key, V::Raw(value.into()));
        let (text, _) = emit(&servers);
        let loaded = load_text("p.yaml", &text);
        let file = loaded.documents[0].file;
        let root = loaded.documents[0].root.as_ref().unwrap();
        let Value::Seq(items) = &root.get("servers").unwrap().value else { unreachable!() };
        let (declared, rejected) = mcpform::model::build(&loaded);
        prop_assert!(rejected.is_empty());
        for (n, node) in items.iter().enumerate() {
            let pointer = format!("/servers/{n}");
            let schema_ok = mcpform::schema::validate_server(&loaded, file, &pointer, node).is_empty();
            let serde_ok = <ServerSpec>::deserialize(node).is_ok();
            prop_assert_eq!(schema_ok, serde_ok, "server {} `{}: {}` in\n{}", n, key, value, text);
            // Field by field: what the model leaves out of a partial server is exactly
            // what the schema finds fault with.
            let s = &declared[n];
            let mut left_out: BTreeSet<String> = s.unfit.iter().cloned().collect();
            if s.spec.server_name.is_none() {
                left_out.insert("server_name".into());
            }
            if s.spec.transport.is_none() {
                left_out.insert("transport".into());
            }
            prop_assert_eq!(
                mcpform::schema::faulty_fields(node), left_out,
                "server {} `{}: {}` in\n{}", n, key, value, text
            );
        }
    }

    /// The rules read only what fits: breaking one field of a clean file adds schema
    /// findings and nothing else (no rule takes an unfit field for an absent one).
    #[test]
    fn a_schema_error_adds_no_other_finding(
        servers in file_strategy(),
        pick in any::<prop::sample::Index>(),
        (key, value) in prop::sample::select(UNFIT.to_vec()),
    ) {
        let mut servers = servers;
        let i = pick.index(servers.len());
        set(&mut servers[i], key, V::Raw(value.into()));
        let (text, _) = emit(&servers);
        let found = lint_text(&text);
        prop_assert!(found.iter().any(|(r, _)| *r == RuleId::Schema), "{text}");
        prop_assert!(
            found.iter().all(|(r, _)| *r == RuleId::Schema),
            "`{key}: {value}` on server {i}\n{text}\n{found:?}"
        );
    }
}

/// Values that never fit their field (or keys the model does not know).
const UNFIT: &[(&str, &str)] = &[
    ("server_name", "[a]"),
    ("server_name", "null"),
    ("transport", "websocket"),
    ("transport", "[http]"),
    ("url", "[1]"),
    ("url", "{a: b}"),
    ("spec_path", "[1]"),
    ("auth_type", "bearer"),
    ("is_byok", "\"yes\""),
    ("is_byok", "[true]"),
    ("credentials", "{auth_value: 1}"),
    ("credentials", "[x]"),
    ("description", "[1]"),
    ("alias", "{a: b}"),
    ("rpm", "-1"),
    ("timeout", "\"soon\""),
    ("mcp_access_groups", "\"dev\""),
    ("byok_description", "\"read\""),
    ("command", "[npx]"),
    ("args", "\"-y\""),
    ("env", "[1]"),
    ("static_headers", "[1]"),
    ("dcr_bridge", "\"no\""),
    ("oauth2_flow", "implicit"),
    ("lifecycle", "{ignore_changes: [x]}"),
    ("mcp_info", "{protocol_version: v9}"),
    ("env_vars", "[{scope: all}]"),
    ("descripton", "typo"),
];
