//! `lifecycle`: mcpform's own policy for one server, never sent to the proxy.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// mcpform's policy for one server. Never sent to the proxy.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// Allow changes that strand users' stored BYOK keys: turning `is_byok` off, or
    /// moving to `stdio`, while users hold keys (or when the proxy cannot tell).
    #[serde(default)]
    pub allow_byok_disable: bool,
    /// Never delete this server, even with `--prune` (recorded on the proxy, so it holds
    /// after the server is removed from the file).
    #[serde(default)]
    pub prevent_destroy: bool,
    /// Fields sent on create, then neither compared nor sent (someone else owns them).
    #[serde(default, deserialize_with = "ignorable_names")]
    #[schemars(example = &["description"])]
    pub ignore_changes: Vec<String>,
}

/// `ignore_changes` entries must be server fields other than the identity and policy
/// ones: the schema lists them as an enum, and serde agrees.
fn ignorable_names<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    match names.iter().find(|n| !crate::model::is_ignorable(n)) {
        Some(bad) => Err(serde::de::Error::custom(format!(
            "`{bad}` is not a field `ignore_changes` can name"
        ))),
        None => Ok(names),
    }
}
