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

/// A string in a body that the files wrote with `${env:…}`: the only places apply
/// substitutes. Text anywhere else in a body (a live `mcp_info` copied back, say) is
/// sent as it is, even when it looks like a reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Reference {
    /// JSON pointer into the server's body (`/credentials/auth_value`).
    pub pointer: String,
    /// The variables it reads, in order.
    pub vars: Vec<String>,
}

/// A reference and a keyed fingerprint of what it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedReference {
    /// Where, and which variables.
    pub reference: Reference,
    /// HMAC-SHA256 of the resolved string.
    pub hmac: String,
}

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
    /// Every `${env:…}` reference the file wrote, with pointers into `public`.
    pub references: Vec<ResolvedReference>,
    /// Top-level fields whose value comes from the environment (and `credentials`).
    pub sensitive: BTreeSet<String>,
    /// Fingerprint of the resolved `credentials` (when declared).
    pub credentials_fingerprint: Option<String>,
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
    /// Callers must not print it when the field is `sensitive`.
    pub fn value(&self, field: &str) -> Option<&Value> {
        self.resolved.get(field)
    }

    /// Whether a field's value must not be shown.
    pub(crate) fn is_sensitive(&self, field: &str) -> bool {
        self.sensitive.contains(field)
    }

    /// Whether the file declares the field (also as `null`).
    pub fn declares(&self, field: &str) -> bool {
        self.public.contains_key(field)
    }

    /// The references that land in a body with these top-level keys, and the
    /// fingerprint of their resolved values (`None` when there are none).
    pub(crate) fn references_in(
        &self,
        body: &Map<String, Value>,
    ) -> (Vec<Reference>, Option<String>) {
        let used: Vec<&ResolvedReference> = self
            .references
            .iter()
            .filter(|r| {
                pointer_tokens(&r.reference.pointer)
                    .first()
                    .is_some_and(|top| body.contains_key(top))
            })
            .collect();
        let fingerprint = references_fingerprint(
            used.iter()
                .map(|r| (r.reference.pointer.as_str(), r.hmac.as_str())),
        );
        (
            used.into_iter().map(|r| r.reference.clone()).collect(),
            fingerprint,
        )
    }
}

/// One fingerprint over the per-reference HMACs of an action (`None` for none), so a
/// saved plan can tell whether the environment still holds the same secrets.
pub(crate) fn references_fingerprint<'a>(
    items: impl Iterator<Item = (&'a str, &'a str)>,
) -> Option<String> {
    let map: Map<String, Value> = items
        .map(|(p, h)| (p.to_owned(), Value::String(h.to_owned())))
        .collect();
    (!map.is_empty()).then(|| crate::secret::digest(&Value::Object(map)))
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
    let mut references = Vec::new();
    for r in &server.env_refs {
        let lookup = |name: &str| env(name);
        match r.template.resolve(&lookup) {
            Ok(value) => {
                if let Some(slot) = pointer_mut(&mut resolved, &r.pointer) {
                    *slot = Value::String(value.clone());
                }
                if let Some(top) = pointer_tokens(&r.pointer).first() {
                    sensitive.insert(top.clone());
                }
                references.push(ResolvedReference {
                    reference: Reference {
                        pointer: r.pointer.clone(),
                        vars: r.template.env_names().map(str::to_owned).collect(),
                    },
                    hmac: key.fingerprint(&Value::String(value)),
                });
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
    Ok(ResolvedServer {
        name: server.spec.server_name.clone(),
        server_id: server.spec.server_id.clone(),
        origin: server.origin.clone(),
        lifecycle: server.lifecycle(),
        transport: server.spec.transport,
        public,
        sensitive,
        references,
        credentials_fingerprint,
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

/// Why a saved body cannot be made ready to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubstituteError {
    /// A variable the plan needs is not set.
    #[error("environment variable `{name}` is not set (needed at `{pointer}`)")]
    Unset {
        /// The variable.
        name: String,
        /// Where in the body.
        pointer: String,
    },
    /// The body does not hold the reference the plan recorded there (an edited plan).
    #[error("the body has no `${{env:…}}` reference at `{pointer}` as the plan recorded")]
    Mismatch {
        /// Where in the body.
        pointer: String,
    },
}

/// A body ready to send, with the keyed HMAC of each substituted reference by pointer.
pub(crate) type Substituted = (Map<String, Value>, Vec<(String, String)>);

/// Substitutes exactly the recorded references of a body (apply reads saved plans) and
/// returns the body with each resolved reference's keyed HMAC, by pointer. Any other
/// `${env:…}`-looking text in the body is left as it is: it did not come from the files.
pub fn substitute_references(
    body: &Map<String, Value>,
    references: &[Reference],
    env: &dyn Fn(&str) -> Option<String>,
    key: &FingerprintKey,
) -> Result<Substituted, SubstituteError> {
    let mut out = body.clone();
    let mut hmacs = Vec::with_capacity(references.len());
    for r in references {
        let mismatch = || SubstituteError::Mismatch {
            pointer: r.pointer.clone(),
        };
        let slot = pointer_mut(&mut out, &r.pointer).ok_or_else(mismatch)?;
        let template = match slot.as_str().map(crate::model::Template::parse) {
            Some(Ok(Some(t))) if t.env_names().eq(r.vars.iter().map(String::as_str)) => t,
            _ => return Err(mismatch()),
        };
        let value = template
            .resolve(env)
            .map_err(|name| SubstituteError::Unset {
                name,
                pointer: r.pointer.clone(),
            })?;
        hmacs.push((
            r.pointer.clone(),
            key.fingerprint(&Value::String(value.clone())),
        ));
        *slot = Value::String(value);
    }
    Ok((out, hmacs))
}

/// A secret read from the environment, for the admin key.
pub(crate) fn env_secret(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<Secret> {
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
                proxy_version: None,
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
        assert!(r.credentials_fingerprint.is_some());
        assert_eq!(
            r.references
                .iter()
                .map(|x| (x.reference.pointer.as_str(), x.reference.vars.join(",")))
                .collect::<Vec<_>>(),
            [
                ("/static_headers/X-Key", "K".to_owned()),
                ("/credentials/auth_value", "T".to_owned())
            ]
        );
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
        let fp = |r: &ResolvedServer| r.references_in(&r.public).1;
        assert_ne!(fp(&a), fp(&b));
        assert!(fp(&a).is_some());
    }

    #[test]
    fn unset_variables_are_diagnostics_at_their_reference() {
        let errs = resolved(YAML, &[("K", "K_CANARY_1")]).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("`T`"));
        assert_eq!(errs[0].span.unwrap().start.line, 10);
    }

    #[test]
    fn only_recorded_references_are_substituted() {
        let key = FingerprintKey::new(&Secret::new("k"));
        let body = serde_json::json!({
            "credentials": {"auth_value": "${env:T}"},
            "mcp_info": {"logo_url": "https://x.invalid/${env:LITELLM_API_KEY}"}
        });
        let body = body.as_object().unwrap().clone();
        let refs = [Reference {
            pointer: "/credentials/auth_value".into(),
            vars: vec!["T".into()],
        }];
        let env = |n: &str| Some(format!("value-of-{n}"));
        let (out, hmacs) = substitute_references(&body, &refs, &env, &key).unwrap();
        assert_eq!(out["credentials"]["auth_value"], "value-of-T");
        assert_eq!(
            out["mcp_info"]["logo_url"], "https://x.invalid/${env:LITELLM_API_KEY}",
            "text from the live side is never a reference"
        );
        assert_eq!(hmacs.len(), 1);
        let wrong = [Reference {
            pointer: "/mcp_info/logo_url".into(),
            vars: vec!["T".into()],
        }];
        assert!(matches!(
            substitute_references(&body, &wrong, &env, &key),
            Err(SubstituteError::Mismatch { .. })
        ));
        let none = |_: &str| None;
        assert!(matches!(
            substitute_references(&body, &refs, &none, &key),
            Err(SubstituteError::Unset { .. })
        ));
    }
}
