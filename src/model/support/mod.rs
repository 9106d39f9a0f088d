//! What each LiteLLM version stores, and the version-dependent behaviours mcpform relies
//! on. Which versions store each field is a fact of its row in the field table
//! ([`SERVER_FIELDS`], its [`Introduced`]); this module reads it through a version, and
//! holds the enumerated values and the behaviours that changed. plan reads it through
//! the version it gathers, `lint --proxy-version` offline, and the fake proxy of the
//! tests derives its "behave as version X" from it. Every version a message names comes
//! from here.
//!
//! Each row has the first version that has it and the newest version checked without it
//! (patch releases between the two were not all read). Found by reading the request
//! model, the Prisma schema and the registry's list builder in the published wheels of
//! 1.80.0, 1.82.1, 1.85.0, 1.87.5, 1.88.0, 1.88.6, 1.89.0, 1.90.0, 1.92.0, 1.92.2,
//! 1.93.0, 1.93.2, 1.94.0, 1.95.0, 1.100.0, 1.101.0, 1.101.6, 1.102.0, 1.103.0,
//! 1.105.0, 1.105.7, 1.106.0 and 1.108.7 (plus `../shared/reference/litellm-mcp-api.md`
//! §9 for 1.82.0 and 1.102.0, and §13 for 1.108.14, 1.109.3 and 1.110.2), and checked
//! against real 1.87.5, 1.108.7 and 1.110.2 proxies. Fields without an [`Introduced`]
//! are stored and listed by every version checked ([`OLDEST_CHECKED`] to
//! [`NEWEST_CHECKED`]).

use serde_json::Value;

pub use super::proxy::ProxyVersion;
use super::{SERVER_FIELDS, ServerField, server_field};

pub(super) const fn v(major: u32, minor: u32, patch: u32) -> ProxyVersion {
    ProxyVersion::new(major, minor, patch)
}

/// Older than any version: the stage every field starts in.
pub(super) const ANY: ProxyVersion = v(0, 0, 0);

/// The oldest LiteLLM release the table was checked against: a field without an
/// [`Introduced`] is stored and listed by every version from it to [`NEWEST_CHECKED`].
pub const OLDEST_CHECKED: ProxyVersion = v(1, 80, 0);

/// The newest LiteLLM release the table was checked against (its wheel read, and a real
/// proxy of it run by CI). A newer proxy is planned as this one.
pub const NEWEST_CHECKED: ProxyVersion = v(1, 110, 2);

/// What a proxy that does not support a field does with a request that carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Older {
    /// Drops it without an error (its request model does not know the field).
    Dropped,
    /// Stores it, but its list shows the field as empty: mcpform, which plans from the
    /// list, can neither compare nor check it.
    Unlisted,
    /// Refuses the whole create or update with a 500: the request model knows the
    /// field, the database has no column for it.
    Refused,
}

/// What a field holds when a file does not set it: values a file may write on any
/// version, since a proxy without the field behaves the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {
    /// `null`.
    Null,
    /// `null` or `false`.
    False,
    /// `null` or `true`.
    True,
    /// `null` or `[]`.
    EmptyList,
    /// `null` or `{}`.
    EmptyMap,
}

/// When LiteLLM began storing and listing a field, and what older versions do with it:
/// a fact of the field's row in [`SERVER_FIELDS`](crate::model::SERVER_FIELDS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Introduced {
    /// The first version that stores it and shows it in its list.
    pub since: ProxyVersion,
    /// The newest version checked without it.
    pub last_without: ProxyVersion,
    /// What older versions do with it: `(from, what)`, newest first; the last stage
    /// starts at 0.0.0.
    pub older: &'static [(ProxyVersion, Older)],
}

impl Introduced {
    /// The first version that stores the field, listed or not.
    pub fn stored_from(&self) -> ProxyVersion {
        let mut from = self.since;
        for (stage, what) in self.older {
            if *what != Older::Unlisted {
                break;
            }
            from = *stage;
        }
        from
    }
}

/// One field some LiteLLM versions do not store (or do not list): its row of the field
/// table, seen from the versions' side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSupport {
    /// The field, as files and the API name it.
    pub field: &'static str,
    /// The first version that stores it and shows it in its list.
    pub since: ProxyVersion,
    /// The newest version checked without it.
    pub last_without: ProxyVersion,
    /// What older versions do with it: `(from, what)`, newest first; the last stage
    /// starts at 0.0.0.
    pub older: &'static [(ProxyVersion, Older)],
    /// Values that mean "not set".
    pub absent: Absent,
}

impl ServerField {
    /// The field's support row, when some version checked does not store or list it.
    pub fn support(&self) -> Option<FieldSupport> {
        let Introduced {
            since,
            last_without,
            older,
        } = self.introduced?;
        Some(FieldSupport {
            field: self.name,
            since,
            last_without,
            older,
            absent: self.absent,
        })
    }
}

/// Every field some checked version does not store or list, in declaration order.
pub fn fields() -> impl Iterator<Item = FieldSupport> {
    SERVER_FIELDS.iter().filter_map(ServerField::support)
}

/// One value of an enumerated field that older versions refuse (a 422: their request
/// model does not have it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueSupport {
    /// The field.
    pub field: &'static str,
    /// The value, as files and the API spell it.
    pub value: &'static str,
    /// The first version that accepts it.
    pub since: ProxyVersion,
    /// The newest version checked without it.
    pub last_without: ProxyVersion,
}

const fn value(
    field: &'static str,
    value: &'static str,
    since: ProxyVersion,
    last_without: ProxyVersion,
) -> ValueSupport {
    ValueSupport {
        field,
        value,
        since,
        last_without,
    }
}

/// Every enumerated value some checked version refuses (`MCPAuth` in `litellm/types/mcp.py`;
/// the real 1.87.5 lists the nine it accepts in its 422).
pub const VALUES: &[ValueSupport] = &[
    value("auth_type", "aws_sigv4", v(1, 85, 0), v(1, 82, 1)),
    value("auth_type", "token", v(1, 85, 0), v(1, 82, 1)),
    value(
        "auth_type",
        "oauth2_token_exchange",
        v(1, 85, 0),
        v(1, 82, 1),
    ),
    value("auth_type", "true_passthrough", v(1, 93, 0), v(1, 92, 2)),
    value("auth_type", "oauth_delegate", v(1, 93, 0), v(1, 92, 2)),
    value("auth_type", "oauth2_id_jag", v(1, 94, 0), v(1, 93, 2)),
];

/// The support row of a field's value, if some version refuses it.
pub fn value_support(field: &str, value: &Value) -> Option<&'static ValueSupport> {
    let text = value.as_str()?;
    VALUES.iter().find(|r| r.field == field && r.value == text)
}

impl ValueSupport {
    /// Why a file with this value cannot be planned against `version`, when it cannot.
    pub(crate) fn problem(&self, version: ProxyVersion) -> Option<String> {
        (version < self.since).then(|| {
            format!(
                "LiteLLM `{version}` refuses `{}: {}` (a 422: it does not know the value); `{}` is the first version that accepts it",
                self.field, self.value, self.since
            )
        })
    }
}

/// The `mcp_info` key that only [`Behaviour::SkipToolOutputValidation`] honours, and that
/// it refuses unless a boolean.
pub const SKIP_TOOL_OUTPUT_VALIDATION: &str = "skip_tool_output_validation";

/// Why `mcp_info.skip_tool_output_validation: true` does nothing on `version`, when it
/// does not.
pub(crate) fn skip_validation_ignored(version: ProxyVersion) -> Option<String> {
    let since = Behaviour::SkipToolOutputValidation.since();
    (version < since).then(|| {
        format!(
            "LiteLLM `{version}` stores `mcp_info.{SKIP_TOOL_OUTPUT_VALIDATION}` but does nothing with it; `{since}` is the first version that honours it"
        )
    })
}

/// Why an update that writes `value` back as `mcp_info.skip_tool_output_validation`
/// fails on `version` (`None`: the version is unknown), when it may.
pub(crate) fn skip_validation_refused(
    version: Option<ProxyVersion>,
    value: &Value,
) -> Option<String> {
    let since = Behaviour::SkipToolOutputValidation.since();
    if value.is_boolean() || version.is_some_and(|v| v < since) {
        return None;
    }
    // Text from the proxy: escaped for a terminal, and cut.
    let shown: String = crate::escape::terminal_line(&value.to_string())
        .chars()
        .take(80)
        .collect();
    let on = version.map_or_else(
        || format!("if the proxy is `{since}` or later (its version is unknown)"),
        |v| format!("on LiteLLM `{v}`"),
    );
    Some(format!(
        "the server holds `mcp_info.{SKIP_TOOL_OUTPUT_VALIDATION}: {shown}`, which the update writes back (the file does not declare `mcp_info`); {on} the proxy refuses any write whose value is not `true` or `false` (422). Declare `mcp_info` with a boolean `{SKIP_TOOL_OUTPUT_VALIDATION}` in the file, or fix the value on the proxy"
    ))
}

/// The support row of a field, if some version lacks it.
pub fn field_support(field: &str) -> Option<FieldSupport> {
    server_field(field)?.support()
}

impl FieldSupport {
    /// What `version` does with the field: `None` when it stores and lists it.
    pub fn at(&self, version: ProxyVersion) -> Option<Older> {
        if version >= self.since {
            return None;
        }
        self.older
            .iter()
            .find(|(from, _)| version >= *from)
            .map(|(_, what)| *what)
    }

    /// Whether `value` means "not set" for this field (a proxy without it behaves so).
    pub fn is_absent(&self, value: &Value) -> bool {
        match (self.absent, value) {
            (_, Value::Null) => true,
            (Absent::False, Value::Bool(b)) => !b,
            (Absent::True, Value::Bool(b)) => *b,
            (Absent::EmptyList, Value::Array(a)) => a.is_empty(),
            (Absent::EmptyMap, Value::Object(m)) => m.is_empty(),
            _ => false,
        }
    }

    /// Why a file that sets the field cannot be planned against `version` (`what` is
    /// [`FieldSupport::at`] of it).
    pub(crate) fn problem(&self, version: ProxyVersion, what: Older) -> String {
        let (field, since) = (self.field, self.since);
        match what {
            Older::Dropped => format!(
                "LiteLLM `{version}` does not store `{field}`: it drops the field without an error; `{since}` is the first version that stores it"
            ),
            Older::Unlisted => format!(
                "LiteLLM `{version}` stores `{field}` but leaves it out of its list, so mcpform can neither compare nor check it; `{since}` is the first version that lists it"
            ),
            Older::Refused => format!(
                "LiteLLM `{version}` refuses any create or update that carries `{field}` (a 500: its database has no such column); `{since}` is the first version that stores and lists it"
            ),
        }
    }
}

impl ProxyVersion {
    /// Whether this version behaves so.
    pub fn has(self, behaviour: Behaviour) -> bool {
        self >= behaviour.since()
    }

    /// What this version does with `field`: `None` when it stores and lists it (or the
    /// table does not know the field).
    pub fn lacks(self, field: &str) -> Option<Older> {
        field_support(field)?.at(self)
    }
}

mod behaviours;

pub use behaviours::{BEHAVIOURS, Behaviour, BehaviourSupport, reset_when_omitted};

#[cfg(test)]
mod tests;
