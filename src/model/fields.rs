//! The fields of a server by name, each with the kind of value it holds: one table
//! owned by the model, for the rooms that work with field names rather than with
//! [`ServerSpec`](super::ServerSpec)'s members (normalisation, `ignore_changes`, the
//! schema's list of ignorable fields).
//!
//! Written by hand beside the struct: the tests below check it against serde's own
//! field list, and `tests/schema_sync.rs` against the generated schema.

/// What a field holds, as far as the rooms reading the table care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string, number, boolean or enum value: empty is `null`.
    Scalar,
    /// A list: empty is `[]` (the proxy stores and returns `[]` for a missing one).
    List,
    /// A free-form mapping: empty is `{}` (the proxy returns `{}` or `null` alike).
    Map,
    /// A structured object with known keys (`credentials`, `lifecycle`): empty is `null`.
    Record,
}

/// One server field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerField {
    /// The name in files and in the API.
    pub name: &'static str,
    /// What it holds.
    pub kind: FieldKind,
}

const fn f(name: &'static str, kind: FieldKind) -> ServerField {
    ServerField { name, kind }
}

use FieldKind::{List, Map, Record, Scalar};

/// Every field of [`ServerSpec`](super::ServerSpec), in declaration order.
pub const SERVER_FIELDS: &[ServerField] = &[
    f("server_id", Scalar),
    f("server_name", Scalar),
    f("alias", Scalar),
    f("description", Scalar),
    f("transport", Scalar),
    f("auth_type", Scalar),
    f("credentials", Record),
    f("url", Scalar),
    f("spec_path", Scalar),
    // Free-form metadata to the proxy, though the model knows some of its keys.
    f("mcp_info", Map),
    f("mcp_access_groups", List),
    f("allowed_tools", List),
    f("tool_name_to_display_name", Map),
    f("tool_name_to_description", Map),
    f("extra_headers", List),
    f("static_headers", Map),
    f("env_vars", List),
    f("instructions", Scalar),
    f("command", Scalar),
    f("args", List),
    f("env", Map),
    f("issuer", Scalar),
    f("authorization_url", Scalar),
    f("token_url", Scalar),
    f("registration_url", Scalar),
    f("oauth2_flow", Scalar),
    f("token_exchange_endpoint", Scalar),
    f("audience", Scalar),
    f("subject_token_type", Scalar),
    f("token_exchange_profile", Scalar),
    f("allow_all_keys", Scalar),
    f("available_on_public_internet", Scalar),
    f("delegate_auth_to_upstream", Scalar),
    f("oauth_passthrough", Scalar),
    f("dcr_bridge", Scalar),
    f("per_server_oauth_discovery", Scalar),
    f("is_byok", Scalar),
    f("byok_description", List),
    f("byok_api_key_help_url", Scalar),
    f("source_url", Scalar),
    f("timeout", Scalar),
    f("max_concurrent_requests", Scalar),
    f("rpm", Scalar),
    f("lifecycle", Record),
];

/// Fields that identify a server or hold mcpform's policy: `lifecycle.ignore_changes`
/// cannot name them.
pub const NOT_IGNORABLE: &[&str] = &["server_id", "server_name", "lifecycle"];

/// The field called `name`.
pub fn server_field(name: &str) -> Option<&'static ServerField> {
    SERVER_FIELDS.iter().find(|f| f.name == name)
}

/// Whether `lifecycle.ignore_changes` may name this field.
pub fn is_ignorable(name: &str) -> bool {
    server_field(name).is_some() && !NOT_IGNORABLE.contains(&name)
}

/// The fields `lifecycle.ignore_changes` may name, in declaration order.
pub fn ignorable_fields() -> impl Iterator<Item = &'static str> {
    SERVER_FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| !NOT_IGNORABLE.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Credentials, Lifecycle, ServerSpec};
    use serde::Deserialize;

    /// The field names serde's derive gives a struct, read by asking it to deserialize
    /// from a deserializer that only records what it is asked for.
    fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
        use serde::de::{self, Visitor};

        #[derive(Debug)]
        struct Fields(&'static [&'static str]);
        impl std::fmt::Display for Fields {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:?}", self.0)
            }
        }
        impl std::error::Error for Fields {}
        impl de::Error for Fields {
            fn custom<M: std::fmt::Display>(_: M) -> Self {
                Fields(&[])
            }
        }
        struct Recorder;
        impl<'de> de::Deserializer<'de> for Recorder {
            type Error = Fields;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
                Err(Fields(&[]))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Fields> {
                Err(Fields(fields))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
                enum identifier ignored_any
            }
        }
        match T::deserialize(Recorder) {
            Err(Fields(fields)) => fields.to_vec(),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn the_table_is_serdes_field_list_in_order() {
        let table: Vec<&str> = SERVER_FIELDS.iter().map(|f| f.name).collect();
        assert_eq!(table, serde_fields::<ServerSpec>());
        // The recorder does see other structs' fields (it is not vacuous).
        assert!(serde_fields::<Lifecycle>().contains(&"ignore_changes"));
        assert!(serde_fields::<Credentials>().contains(&"auth_value"));
    }

    #[test]
    fn ignorable_fields_leave_out_identity_and_policy() {
        assert!(is_ignorable("description") && is_ignorable("url"));
        for f in NOT_IGNORABLE {
            assert!(server_field(f).is_some() && !is_ignorable(f), "{f}");
        }
        assert!(!is_ignorable("no_such_field"));
        assert_eq!(ignorable_fields().count(), SERVER_FIELDS.len() - 3);
    }
}
