//! The plan document: a [`Plan`] with what a reader needs besides (which proxy, which
//! options, when, which files), versioned, written by `plan --out`/`--format json` and
//! read back by apply. It holds no secret: bodies keep `${env:…}` references, secret
//! values appear only as keyed fingerprints.
//!
//! `plan_digest` covers everything apply acts on (actions with their bodies, references,
//! guards and preconditions, the proxy URL and version and the options), so a prompt, a PR comment
//! and a saved file can be matched to one another, and an edited file is refused. It is
//! keyed with the fingerprint key, which both plan and apply hold and a reader of the
//! artifact does not: whoever edits a saved plan cannot make its digest match again.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Action, Notice, Plan, PlanOptions, Summary, Unchanged, Unmanaged, summarise};
use crate::model::Origin;
use crate::secret::FingerprintKey;

/// Bumped when a field changes meaning or disappears. 2: typed preconditions,
/// references and the digest replaced `live_fingerprint`. 3: the digest is keyed, and a
/// create's body is its first write (the ownership proof comes with the second).
pub(crate) const PLAN_FORMAT_VERSION: u32 = 3;

/// The tool that wrote a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `mcpform`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The proxy a plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProxyInfo {
    /// Its base URL, as shown to people (no credentials, no query).
    pub url: String,
    /// The LiteLLM version it reported, when it did.
    #[serde(default)]
    pub version: Option<String>,
    /// How many servers it listed.
    pub live_servers: usize,
}

/// What the caller knows that the planner does not.
#[derive(Debug, Clone)]
pub struct PlanMeta {
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// The proxy.
    pub proxy: ProxyInfo,
    /// The options the plan was made with.
    pub options: PlanOptions,
    /// How many servers the files declare.
    pub declared_servers: usize,
}

/// The versioned plan document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    /// `PLAN_FORMAT_VERSION`.
    pub format_version: u32,
    /// Who wrote it.
    pub tool: Tool,
    /// When.
    pub created_at: String,
    /// HMAC-SHA256, keyed with the fingerprint key, over what apply acts on (see the
    /// module docs).
    pub plan_digest: String,
    /// Against which proxy.
    pub proxy: ProxyInfo,
    /// With which options.
    pub options: PlanOptions,
    /// How many servers the files declare.
    pub declared_servers: usize,
    /// Counts.
    pub summary: Summary,
    /// Whether there is anything to do.
    pub has_changes: bool,
    /// Whether apply will skip something.
    pub guarded: bool,
    /// The actions, in plan order.
    pub actions: Vec<Action>,
    /// Declared servers with nothing to do.
    pub unchanged: Vec<Unchanged>,
    /// Live servers left alone.
    pub unmanaged: Vec<Unmanaged>,
    /// Things to know.
    pub warnings: Vec<Notice>,
    /// Things that make the plan unusable.
    pub errors: Vec<Notice>,
}

/// Why a document cannot be read back.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    /// Not JSON, or not a plan document.
    #[error("not an mcpform plan document: {0}")]
    Shape(String),
    /// Written by a version of mcpform with another format.
    #[error(
        "plan format {found} is not supported by this mcpform (it reads format {PLAN_FORMAT_VERSION}); make the plan again with this version"
    )]
    Version {
        /// What the file says.
        found: u64,
    },
    /// The digest does not match the content: the file was edited, or it was made with
    /// another fingerprint key.
    #[error(
        "the plan's digest does not match its content: the file was edited after `mcpform plan` wrote it, or the plan was made with another MCPFORM_FINGERPRINT_KEY (when that is unset, the admin key is the fingerprint key); make the plan again with the key apply uses"
    )]
    Digest,
}

impl PlanDocument {
    /// The document of `plan`; `locate` gives `file:line` for a declaration; `key` keys
    /// the digest.
    pub fn new(
        plan: Plan,
        meta: PlanMeta,
        locate: &dyn Fn(&Origin) -> Option<String>,
        key: &FingerprintKey,
    ) -> Self {
        let Plan {
            mut actions,
            unchanged,
            unmanaged,
            mut warnings,
            mut errors,
            ..
        } = plan;
        // Origins point into this run's loaded files; the document carries `file:line`
        // instead, so that it reads back equal to what was written.
        for a in &mut actions {
            a.source = a.origin.take().as_ref().and_then(locate);
            a.blocked = a.is_blocked();
        }
        for n in warnings.iter_mut().chain(errors.iter_mut()) {
            n.source = n.origin.take().as_ref().and_then(locate);
        }
        let summary = summarise(&actions, unchanged.len());
        let mut doc = PlanDocument {
            format_version: PLAN_FORMAT_VERSION,
            tool: Tool {
                name: "mcpform".into(),
                version: env!("CARGO_PKG_VERSION").into(),
            },
            created_at: meta.created_at,
            plan_digest: String::new(),
            proxy: meta.proxy,
            options: meta.options,
            declared_servers: meta.declared_servers,
            has_changes: !actions.is_empty(),
            guarded: actions.iter().any(Action::is_blocked),
            summary,
            actions,
            unchanged,
            unmanaged,
            warnings,
            errors,
        };
        doc.plan_digest = doc.digest(key);
        doc
    }

    /// The digest of what apply acts on, keyed with `key`; changes with any action, body,
    /// reference, field filled from the live server, guard or precondition, the proxy URL
    /// or the options, never with the time.
    pub fn digest(&self, key: &FingerprintKey) -> String {
        let actions: Vec<Value> = self
            .actions
            .iter()
            .map(|a| {
                let mut action = json!({
                    "action": a.action,
                    "server_id": a.server_id,
                    "server_name": a.server_name,
                    "body": a.body,
                    "references": a.references,
                    "sends_credentials": a.sends_credentials,
                    "secrets_fingerprint": a.secrets_fingerprint,
                    "guard": a.guard,
                    "precondition": a.precondition,
                    "seen": a.seen,
                    "phase": a.phase,
                    "order": a.order,
                    "after": a.after,
                    "temp_names": a.temp_names,
                    "restores_oauth": a.restores_oauth,
                });
                // Only when set, so that the digests of other plans stay as they were.
                if !a.from_live.is_empty() {
                    action["from_live"] = json!(a.from_live);
                }
                action
            })
            .collect();
        let mut covered = json!({
            "format_version": self.format_version,
            "proxy_url": self.proxy.url,
            "options": self.options,
            "actions": actions,
        });
        // Apply judges by the version (a plan made for partial updates is refused by a
        // proxy without them); only when known, as above.
        if let Some(v) = &self.proxy.version {
            covered["proxy_version"] = json!(v);
        }
        key.fingerprint(&covered)
    }

    /// Pretty JSON, as `--out` writes it.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        let mut s = serde_json::to_string_pretty(self)?;
        s.push('\n');
        Ok(crate::escape::json_text(s))
    }

    /// Reads a document back, checking its format version and its digest (keyed with
    /// `key`).
    pub fn from_json(text: &str, key: &FingerprintKey) -> Result<PlanDocument, DocumentError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| DocumentError::Shape(e.to_string()))?;
        match value.get("format_version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(PLAN_FORMAT_VERSION) => {}
            Some(found) => return Err(DocumentError::Version { found }),
            None => return Err(DocumentError::Shape("no `format_version`".into())),
        }
        let doc: PlanDocument =
            serde_json::from_value(value).map_err(|e| DocumentError::Shape(e.to_string()))?;
        if doc.digest(key) != doc.plan_digest {
            return Err(DocumentError::Digest);
        }
        Ok(doc)
    }

    /// Counts of actions by kind.
    pub fn summary(&self) -> Summary {
        self.summary
    }
}

/// The current time as RFC 3339 UTC (`2026-12-02T03:04:05Z`), for `created_at`.
pub(crate) fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// Seconds since the Unix epoch as RFC 3339 UTC, whole seconds.
pub(crate) fn rfc3339(secs: u64) -> String {
    // A clock past `i64::MAX` seconds (292 billion years) is clamped, never wrapped.
    crate::live::rfc3339(i64::try_from(secs).unwrap_or(i64::MAX), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_180_645), "2026-12-02T03:04:05Z");
    }
}
