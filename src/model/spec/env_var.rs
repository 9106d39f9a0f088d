//! `env_vars`: variables the proxy expands into `static_headers`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::field::{Field, NotNull};

/// A variable the proxy can expand into `static_headers` as `${NAME}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvVar {
    /// Variable name.
    pub name: String,
    /// Value (for `scope: global`).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub value: NotNull<String>,
    /// `global` (one value, stored on the server) or `user` (each user supplies it).
    #[serde(default, skip_serializing_if = "NotNull::is_absent")]
    pub scope: NotNull<EnvVarScope>,
    /// What the variable is for, shown to users.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub description: Field<String>,
}

/// `global` or `user`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)] // a doc comment per variant would make the schema a `oneOf`
pub enum EnvVarScope {
    Global,
    User,
}
