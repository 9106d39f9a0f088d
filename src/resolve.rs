//! resolve: desired servers → what plan compares and apply sends, with `${env:…}`
//! substituted from the environment.
//!
//! Each [`ResolvedServer`] holds two views of its body: `public` (references still
//! symbolic: safe to print and to save in a plan file) and the resolved values, which
//! only the planner's comparisons and the client see. Fields with any env-derived
//! value, and `credentials` always, are listed as sensitive.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::{Map, Value};

use crate::diagnostic::Diagnostic;
use crate::load::{Loaded, pointer_tokens};
use crate::model::{DesiredServer, DesiredState, Lifecycle, Locate, Origin, Transport};
use crate::rule::RuleId;
use crate::secret::{FingerprintKey, Secret};

/// A declared server, ready to plan.
#[derive(Clone)]
pub struct ResolvedServer {
    /// `server_name`.
    pub name: String,
    /// The declared `server_id`, if any.
    pub server_id: Option<String>,
    /// Where it is declared.
    pub origin: Origin,
    /// mcpform's policy for it.
    pub lifecycle: Lifecycle,
    /// The declared transport (`openapi` kept; the body says `http`).
    pub transport: Transport,
    /// The API body as declared (`lifecycle` removed, `openapi` → `http`), references
    /// kept symbolic.
    pub public: Map<String, Value>,
    /// Top-level fields whose value comes from the environment (and `credentials`).
    pub sensitive: BTreeSet<String>,
    /// Fingerprint of the resolved `credentials` (when declared).
    pub credentials_fingerprint: Option<String>,
    /// Fingerprint of every env-derived value, for a saved plan to be checked against.
    pub secrets_fingerprint: Option<String>,
    /// The body with references substituted. Never printed.
    resolved: Map<String, Value>,
}

impl fmt::Debug for ResolvedServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResolvedServer")
            .field("name", &self.name)
            .field("server_id", &self.server_id)
            .field("public", &self.public)
            .field("sensitive", &self.sensitive)
            .finish_non_exhaustive()
    }
}

impl ResolvedServer {
    /// The resolved value of a declared top-level field (`None`: not declared).
    /// Callers must not print it when the field is [`sensitive`](Self::is_sensitive).
    pub fn value(&self, field: &str) -> Option<&Value> {
        self.resolved.get(field)
    }

    /// Whether a field's value must not be shown.
    pub fn is_sensitive(&self, field: &str) -> bool {
        self.sensitive.contains(field)
    }

    /// Whether the file declares the field (also as `null`).
    pub fn declares(&self, field: &str) -> bool {
        self.public.contains_key(field)
    }

    /// The resolved body, for the client only.
    pub fn expose_resolved(&self) -> &Map<String, Value> {
        &self.resolved
    }
}

/// Resolves every server; an unset variable is a diagnostic at its reference.
pub fn resolve(
    loaded: &Loaded,
    desired: &DesiredState,
    env: &dyn Fn(&str) -> Option<String>,
    key: &FingerprintKey,
) -> Result<Vec<ResolvedServer>, Vec<Diagnostic>> {
    let mut out = Vec::with_capacity(desired.servers.len());
    let mut problems = Vec::new();
    for server in &desired.servers {
        match resolve_one(server, env, key) {
            Ok(r) => out.push(r),
            Err(unset) => {
                for (pointer, name) in unset {
                    problems.push(unset_variable(loaded, server, &pointer, &name));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn unset_variable(
    loaded: &Loaded,
    server: &DesiredServer,
    pointer: &str,
    name: &str,
) -> Diagnostic {
    let message = format!("environment variable `{name}` is not set");
    let span = loaded.value_span(server.origin.file, &server.origin.field_pointer(pointer));
    let d = Diagnostic::located(RuleId::EnvRef, server.origin.file, span, message);
    d.with_help(format!(
        "set `{name}` where mcpform runs; plan needs every secret to compare fingerprints"
    ))
}

type Unset = Vec<(String, String)>;

fn resolve_one(
    server: &DesiredServer,
    env: &dyn Fn(&str) -> Option<String>,
    key: &FingerprintKey,
) -> Result<ResolvedServer, Unset> {
    let mut public = match serde_json::to_value(&server.spec) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    public.remove("lifecycle");
    if server.spec.transport == Transport::Openapi {
        public.insert("transport".into(), Value::String("http".into()));
    }
    let mut resolved = public.clone();
    let mut sensitive = BTreeSet::new();
    let mut unset = Vec::new();
    let mut secret_values = Map::new();
    for r in &server.env_refs {
        let lookup = |name: &str| env(name);
        match r.template.resolve(&lookup) {
            Ok(value) => {
                if let Some(slot) = pointer_mut(&mut resolved, &r.pointer) {
                    *slot = Value::String(value.clone());
                }
                secret_values.insert(r.pointer.clone(), Value::String(value));
                if let Some(top) = pointer_tokens(&r.pointer).first() {
                    sensitive.insert(top.clone());
                }
            }
            Err(name) => unset.push((r.pointer.clone(), name)),
        }
    }
    if !unset.is_empty() {
        return Err(unset);
    }
    let credentials_fingerprint = resolved.get("credentials").map(|c| key.fingerprint(c));
    if resolved.contains_key("credentials") {
        sensitive.insert("credentials".into());
    }
    let secrets_fingerprint =
        (!secret_values.is_empty()).then(|| key.fingerprint(&Value::Object(secret_values)));
    Ok(ResolvedServer {
        name: server.spec.server_name.clone(),
        server_id: server.spec.server_id.clone(),
        origin: server.origin.clone(),
        lifecycle: server.lifecycle(),
        transport: server.spec.transport,
        public,
        sensitive,
        credentials_fingerprint,
        secrets_fingerprint,
        resolved,
    })
}

fn pointer_mut<'a>(map: &'a mut Map<String, Value>, pointer: &str) -> Option<&'a mut Value> {
    let tokens = pointer_tokens(pointer);
    let (first, rest) = tokens.split_first()?;
    let mut node = map.get_mut(first)?;
    for t in rest {
        node = match node {
            Value::Object(m) => m.get_mut(t)?,
            Value::Array(a) => a.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Substitutes every `${env:…}` reference in a saved body (apply reads plan files);
/// returns the name of the first unset variable on failure.
pub fn substitute(value: &Value, env: &dyn Fn(&str) -> Option<String>) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) => match crate::model::Template::parse(s) {
            Ok(Some(t)) => Value::String(t.resolve(env)?),
            _ => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, env))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, env)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// A secret read from the environment, for the admin key.
pub fn env_secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<Secret> {
    env(name).filter(|v| !v.is_empty()).map(Secret::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{LintOptions, lint};
    use crate::load::load_text;

    fn resolved(yaml: &str, env: &[(&str, &str)]) -> Result<Vec<ResolvedServer>, Vec<Diagnostic>> {
        let none = |_: &str| None;
        let linted = lint(
            load_text("r.yaml", yaml),
            &LintOptions {
                require_env: false,
                env: &none,
                reserved_env: &[],
            },
        );
        let lookup = |n: &str| {
            env.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| (*v).to_owned())
        };
        let key = FingerprintKey::new(&Secret::new("k"));
        resolve(&linted.loaded, &linted.desired, &lookup, &key)
    }

    const YAML: &str = "version: 1\nservers:\n  - server_name: a\n    transport: openapi\n    spec_path: https://a.invalid/o.json\n    static_headers:\n      X-Key: 'Bearer ${env:K}'\n      X-Tenant: acme\n    credentials:\n      auth_value: ${env:T}\n    lifecycle:\n      prevent_destroy: true\n";

    #[test]
    fn substitutes_and_marks_sensitive_fields() {
        let r = resolved(YAML, &[("K", "K_CANARY_1"), ("T", "T_CANARY_2")])
            .unwrap()
            .remove(0);
        assert_eq!(r.public["transport"], "http");
        assert_eq!(r.public["static_headers"]["X-Key"], "Bearer ${env:K}");
        assert_eq!(
            r.value("static_headers").unwrap()["X-Key"],
            "Bearer K_CANARY_1"
        );
        assert_eq!(r.value("credentials").unwrap()["auth_value"], "T_CANARY_2");
        assert!(r.is_sensitive("static_headers") && r.is_sensitive("credentials"));
        assert!(!r.is_sensitive("spec_path"));
        assert!(!r.public.contains_key("lifecycle"));
        assert!(r.lifecycle.prevent_destroy);
        assert!(r.credentials_fingerprint.is_some() && r.secrets_fingerprint.is_some());
        let debug = format!("{r:?}");
        assert!(!debug.contains("CANARY"), "{debug}");
    }

    #[test]
    fn fingerprints_follow_the_secret() {
        let a = resolved(YAML, &[("K", "K_CANARY_1"), ("T", "T_CANARY_2")])
            .unwrap()
            .remove(0);
        let b = resolved(YAML, &[("K", "K_CANARY_1"), ("T", "other")])
            .unwrap()
            .remove(0);
        assert_ne!(a.credentials_fingerprint, b.credentials_fingerprint);
        assert_ne!(a.secrets_fingerprint, b.secrets_fingerprint);
    }

    #[test]
    fn unset_variables_are_diagnostics_at_their_reference() {
        let errs = resolved(YAML, &[("K", "K_CANARY_1")]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("`T`"));
        assert_eq!(errs[0].span.unwrap().start.line, 10);
    }
}
