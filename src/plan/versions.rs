//! What the connected proxy's version means for a plan, from the support table in
//! [`crate::model::support`]: a declared field the proxy does not store (or list) is one
//! plan error, and is neither compared nor sent, so it never shows as a diff; on a proxy
//! without partial updates, updates carry what the proxy would otherwise reset, and a
//! field cannot be cleared to `null`.

use serde_json::Value;

use super::Notice;
use crate::live::{Facts, LiveServer, LiveState};
use crate::model::support::{
    Behaviour, Older, ProxyVersion, SKIP_TOOL_OUTPUT_VALIDATION, field_support, reset_when_omitted,
    skip_validation_ignored, skip_validation_refused, value_support,
};
use crate::model::{FieldKind, is_byok_field, server_field};
use crate::resolve::ResolvedServer;

/// What the proxy stores and does, as far as the planner can tell.
#[derive(Debug, Clone, Copy)]
pub(super) struct Support {
    /// Its version, when it said.
    version: Option<ProxyVersion>,
    /// Whether its list shows `is_byok` on every server (evidence of BYOK support, even
    /// when the version is unknown).
    byok_listed: bool,
}

impl Support {
    pub(super) fn new(facts: &Facts, live: &LiveState) -> Support {
        Support {
            version: facts.version,
            byok_listed: live.supports_byok(),
        }
    }

    /// What the proxy does with `field` when a write carries it: `None` when it stores
    /// and lists it, or nothing says otherwise.
    pub(super) fn lacks(&self, field: &str) -> Option<Older> {
        if let Some(what) = self.version.and_then(|v| v.lacks(field)) {
            return Some(what);
        }
        // The list shows the BYOK fields on every server of a proxy that stores them.
        (!self.byok_listed && is_byok_field(field)).then_some(Older::Dropped)
    }

    /// Whether a write may carry `field`, and a comparison read it.
    pub(super) fn stores(&self, field: &str) -> bool {
        self.lacks(field).is_none()
    }

    /// Whether a known version resets what a PUT omits (one without
    /// [`Behaviour::PartialUpdate`]).
    pub(super) fn resets_omitted(&self) -> bool {
        self.version
            .is_some_and(|v| !v.has(Behaviour::PartialUpdate))
    }

    /// Whether a behaviour is known to be there (`None`: the version is unknown).
    pub(super) fn has(&self, behaviour: Behaviour) -> Option<bool> {
        self.version.map(|v| v.has(behaviour))
    }

    /// One error for each field `d` sets that the proxy does not store or list, and for
    /// each value it refuses.
    pub(super) fn check(&self, d: &ResolvedServer, errors: &mut Vec<Notice>) {
        for (field, value) in &d.public {
            let refused = value_support(field, value)
                .zip(self.version)
                .and_then(|(row, v)| row.problem(v));
            if let Some(why) = refused {
                errors.push(super::notice(
                    d,
                    format!("{why}. Choose another `{field}` or upgrade the proxy"),
                ));
            }
            let Some(what) = self.lacks(field) else {
                continue;
            };
            let absent = field_support(field).map_or(value.is_null(), |r| r.is_absent(value));
            if absent {
                continue;
            }
            let why = match (self.version, field_support(field)) {
                (Some(v), Some(row)) if v.lacks(field).is_some() => row.problem(v, what),
                _ => format!(
                    "the proxy does not list `is_byok` on its servers: it does not know BYOK (older than {}) and would silently drop `{field}`",
                    Behaviour::Byok.since().short()
                ),
            };
            errors.push(super::notice(
                d,
                format!(
                    "{why}. Remove `{field}` from the file or upgrade the proxy: mcpform neither compares nor sends it"
                ),
            ));
        }
    }

    /// A warning when `d` asks the proxy to skip validating tool output and the proxy is
    /// known to ignore that (one without [`Behaviour::SkipToolOutputValidation`]).
    pub(super) fn ignored(&self, d: &ResolvedServer) -> Option<Notice> {
        let asked = d
            .public
            .get("mcp_info")
            .and_then(|i| i.get(SKIP_TOOL_OUTPUT_VALIDATION))
            == Some(&Value::Bool(true));
        let why = self
            .version
            .filter(|_| asked)
            .and_then(skip_validation_ignored)?;
        Some(super::notice(d, why))
    }

    /// An error (a warning when the version is unknown) for an update whose body writes
    /// back a stored `mcp_info.skip_tool_output_validation` that is not a boolean, which
    /// a proxy with [`Behaviour::SkipToolOutputValidation`] refuses (a value an older
    /// proxy stored as given).
    pub(super) fn check_written(
        &self,
        d: &ResolvedServer,
        body: Option<&serde_json::Map<String, Value>>,
        errors: &mut Vec<Notice>,
        warnings: &mut Vec<Notice>,
    ) {
        let Some(value) = body
            .and_then(|b| b.get("mcp_info"))
            .and_then(|i| i.get(SKIP_TOOL_OUTPUT_VALIDATION))
        else {
            return;
        };
        if let Some(why) = skip_validation_refused(self.version, value) {
            let to = if self.version.is_some() {
                errors
            } else {
                warnings
            };
            to.push(super::notice(d, why));
        }
    }

    /// One error for each field an update would clear to `null` on a proxy whose PUT
    /// ignores `null` (lists and maps are sent empty instead, which it keeps).
    pub(super) fn check_clears(
        &self,
        d: &ResolvedServer,
        changed: &[(String, Value, Value)],
        errors: &mut Vec<Notice>,
    ) {
        if !self.resets_omitted() {
            return;
        }
        let Some(v) = self.version else { return };
        let since = Behaviour::PartialUpdate.since();
        for (field, old, new) in changed {
            let scalar = server_field(field).is_none_or(|f| f.kind == FieldKind::Scalar);
            if scalar && new.is_null() && !old.is_null() {
                errors.push(super::notice(
                    d,
                    format!(
                        "LiteLLM `{v}` cannot clear `{field}`: before `{since}` a PUT ignores `null`, so the update would leave the old value. Clear it on the proxy by hand, or stop managing it (remove `{field}` from the file)"
                    ),
                ));
            }
        }
    }

    /// The fields an update must carry besides `fields` so that the proxy resets
    /// nothing: on a proxy without partial updates, each field with a non-null default that the
    /// update does not manage, at its live value. Also when the version is unknown:
    /// sending a live value back is harmless to a proxy with partial updates, while
    /// leaving it out would reset it on an older one.
    pub(super) fn carried(&self, fields: &[String], l: &LiveServer) -> Vec<(String, Value)> {
        self.resettable(fields)
            .filter_map(|f| {
                let live = l.get(f).filter(|v| !v.is_null())?;
                Some((f.to_owned(), live.clone()))
            })
            .collect()
    }

    /// The fields outside `fields` that a PUT may reset when it omits them: none on a
    /// proxy known to have partial updates. Each is watched by the precondition, the
    /// ones empty at plan time too (a value set before apply would be reset).
    pub(super) fn resettable<'a>(
        &'a self,
        fields: &'a [String],
    ) -> impl Iterator<Item = &'static str> + 'a {
        let partial = self
            .version
            .is_some_and(|v| v.has(Behaviour::PartialUpdate));
        reset_when_omitted()
            .map(|r| r.name)
            .filter(move |f| !partial && !fields.iter().any(|x| x == f) && self.stores(f))
    }

    /// A warning for an update that will reset a field this proxy stores but does not
    /// list (`delegate_auth_to_upstream` before it is listed): its PUT resets what it
    /// omits, and mcpform, which cannot see the value, cannot send it back.
    pub(super) fn blind_reset(&self, d: &ResolvedServer, fields: &[String]) -> Option<Notice> {
        let v = self.version.filter(|v| !v.has(Behaviour::PartialUpdate))?;
        let blind: Vec<String> = reset_when_omitted()
            .filter(|r| !fields.iter().any(|x| x == r.name))
            .filter(|r| self.lacks(r.name) == Some(Older::Unlisted))
            .map(|r| {
                let since = r.introduced.map_or(v, |i| i.since);
                format!(
                    "`{}` to `{}` (listed from `{since}`)",
                    r.name, r.request_default
                )
            })
            .collect();
        (!blind.is_empty()).then(|| {
            super::notice(
                d,
                format!(
                    "LiteLLM `{v}` resets what an update omits, and does not list what mcpform would have to send back: this update resets {}. mcpform can neither see nor keep a value set on the proxy; upgrade it to manage the field",
                    blind.join(", ")
                ),
            )
        })
    }

    /// A value as a proxy without partial updates can store it: `null` lists and maps are sent
    /// empty (its PUT ignores `null`; empty is the same after normalisation).
    pub(super) fn sendable(&self, field: &str, value: Value) -> Value {
        if !(self.resets_omitted() && value.is_null()) {
            return value;
        }
        match server_field(field).map(|f| f.kind) {
            Some(FieldKind::List) => Value::Array(Vec::new()),
            Some(FieldKind::Map) => Value::Object(serde_json::Map::new()),
            _ => value,
        }
    }
}

/// The warning for a delete of a BYOK server on a proxy that keeps its users' keys.
pub(super) fn kept_keys_warning(support: &Support, l: &LiveServer) -> Option<String> {
    if !l.is_byok() || support.has(Behaviour::DeletePurgesStoredKeys) != Some(false) {
        return None;
    }
    let since = Behaviour::DeletePurgesStoredKeys.since();
    Some(format!(
        "LiteLLM before `{since}` keeps users' stored keys when a server is deleted: a server created later with the id `{}` would take them over",
        crate::escape::terminal_line(l.server_id())
    ))
}
