//! The table against the model, both ways, and its facts against each other.

use super::*;
use crate::model::support::{Behaviour, Older};
use crate::model::{Credentials, Lifecycle, ServerSpec};
use serde::Deserialize;

/// The field names serde's derive gives a struct, read by asking it to deserialize
/// from a deserializer that only records what it is asked for.
pub(crate) fn serde_fields<'de, T: Deserialize<'de>>() -> Vec<&'static str> {
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
    // Both ways: every member of the struct has a row, every row a member, in order.
    let table: Vec<&str> = SERVER_FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(table, serde_fields::<ServerSpec>());
    // The recorder does see other structs' fields (it is not vacuous).
    assert!(serde_fields::<Lifecycle>().contains(&"ignore_changes"));
    assert!(serde_fields::<Credentials>().contains(&"auth_value"));
}

/// Whether a complete server that sets `field` to `null` fits the model.
fn model_takes_null(field: &str) -> bool {
    let mut server = serde_json::json!({"server_name": "a", "transport": "sse", "url": "u"});
    server[field] = serde_json::Value::Null;
    serde_json::from_value::<ServerSpec>(server).is_ok()
}

#[test]
fn a_field_has_a_request_default_exactly_when_the_model_refuses_null() {
    // The other way round: what the model accepts says which rows have a default. The
    // proxy rejects `null` for a field whose default is not `null`, so the model does
    // too. The fields `ignore_changes` cannot name are mcpform's to require: the
    // server's identity (which the API lets a request leave out) and mcpform's own
    // `lifecycle` (never sent).
    for f in SERVER_FIELDS {
        let defaulted = f.request_default != RequestDefault::Null;
        let takes_null = model_takes_null(f.name);
        assert_eq!(
            !takes_null,
            defaulted || !f.ignorable,
            "`{}`: a default of {} but the model {} `null`",
            f.name,
            f.request_default,
            if takes_null { "takes" } else { "refuses" }
        );
    }
}

#[test]
fn absent_values_follow_the_kind_and_the_default() {
    for f in SERVER_FIELDS {
        let expected = match (f.kind, f.request_default) {
            (FieldKind::List, _) => Absent::EmptyList,
            (FieldKind::Map, _) => Absent::EmptyMap,
            (_, RequestDefault::Bool(true)) => Absent::True,
            (_, RequestDefault::Bool(false)) => Absent::False,
            _ => Absent::Null,
        };
        // A nullable boolean (`dcr_bridge`) may also take `false` for "not set".
        let nullable_flag = f.name == "dcr_bridge" && f.absent == Absent::False;
        assert!(f.absent == expected || nullable_flag, "{}", f.name);
        // A list or map defaults to empty or to null, never to a scalar.
        match (f.kind, f.request_default) {
            (FieldKind::List, d) => assert!(matches!(
                d,
                RequestDefault::Null | RequestDefault::EmptyList
            )),
            (FieldKind::Map, d) => {
                assert!(matches!(d, RequestDefault::Null | RequestDefault::EmptyMap))
            }
            (_, d) => assert!(!matches!(
                d,
                RequestDefault::EmptyList | RequestDefault::EmptyMap
            )),
        }
    }
}

#[test]
fn the_facts_hang_together() {
    for f in SERVER_FIELDS {
        // Only a field compared as a value can be always managed, or cleared by the
        // proxy (and then restored by a second write).
        if f.compared != Compared::Value {
            assert!(f.always_managed.is_none(), "{}", f.name);
            assert!(f.cleared_on_auth_change.is_none(), "{}", f.name);
        }
        if f.holds_url || f.cleared_on_auth_change.is_some() || f.listed_default.is_some() {
            assert_eq!(f.kind, FieldKind::Scalar, "{}", f.name);
        }
        if let Some(i) = f.introduced {
            assert!(i.last_without < i.since, "{}", f.name);
            assert!(i.older.windows(2).all(|w| w[0].0 > w[1].0), "{}", f.name);
            assert!(i.older.iter().all(|s| s.0 < i.since), "{}", f.name);
            assert!(i.stored_from() <= i.since, "{}", f.name);
        }
        // The BYOK fields are BYOK's: they arrived with it.
        if f.byok {
            let since = f.introduced.map(|i| i.since);
            assert_eq!(since, Some(Behaviour::Byok.since()), "{}", f.name);
        }
    }
    assert_eq!(
        SERVER_FIELDS.iter().filter(|f| f.byok).count(),
        3,
        "is_byok, byok_description, byok_api_key_help_url"
    );
}

#[test]
fn ignorable_fields_leave_out_identity_and_policy() {
    assert!(is_ignorable("description") && is_ignorable("url"));
    for f in ["server_id", "server_name", "lifecycle"] {
        assert!(server_field(f).is_some() && !is_ignorable(f), "{f}");
    }
    assert!(!is_ignorable("no_such_field"));
    assert_eq!(ignorable_fields().count(), SERVER_FIELDS.len() - 3);
}

/// The lists the rooms read, as they were written by hand before the table: the
/// table must say the same.
#[test]
fn the_lists_over_the_table() {
    let names = |it: &mut dyn Iterator<Item = &'static str>| -> Vec<&'static str> { it.collect() };
    assert_eq!(
        names(&mut always_managed()),
        [
            "server_name",
            "transport",
            "url",
            "spec_path",
            "alias",
            "is_byok"
        ]
    );
    assert_eq!(
        names(&mut cleared_on_auth_change()),
        [
            "issuer",
            "authorization_url",
            "token_url",
            "registration_url",
            "oauth2_flow",
            "dcr_bridge",
            "token_exchange_endpoint",
            "audience",
            "subject_token_type",
            "token_exchange_profile"
        ]
    );
    assert_eq!(
        names(&mut url_fields()),
        [
            "url",
            "spec_path",
            "issuer",
            "authorization_url",
            "token_url",
            "registration_url",
            "token_exchange_endpoint",
            "byok_api_key_help_url"
        ]
    );
    let passing = |test: fn(&str) -> bool| -> Vec<&str> {
        SERVER_FIELDS
            .iter()
            .map(|f| f.name)
            .filter(|f| test(f))
            .collect()
    };
    assert_eq!(
        passing(is_secret_capable),
        ["credentials", "static_headers", "env_vars", "env"]
    );
    assert_eq!(
        passing(mints_oauth),
        [
            "auth_type",
            "credentials",
            "url",
            "spec_path",
            "issuer",
            "authorization_url",
            "token_url",
            "registration_url",
            "oauth2_flow",
            "token_exchange_endpoint"
        ]
    );
    assert!(is_byok_field("byok_description") && !is_byok_field("url"));
    assert!(!is_compared_as_value("server_id") && !is_compared_as_value("credentials"));
    assert!(is_compared_as_value("alias") && is_compared_as_value("mcp_info"));
    assert_eq!(
        flag_defaults().collect::<Vec<_>>(),
        [
            ("allow_all_keys", false),
            ("available_on_public_internet", true),
            ("delegate_auth_to_upstream", false),
            ("oauth_passthrough", false),
            ("per_server_oauth_discovery", false)
        ]
    );
    assert_eq!(listed_default("token_exchange_profile"), Some("rfc8693"));
    assert_eq!(
        listed_default("subject_token_type"),
        Some("urn:ietf:params:oauth:token-type:access_token")
    );
    assert_eq!(listed_default("audience"), None);
}

#[test]
fn reset_when_omitted_is_every_non_null_default_a_resetting_proxy_stores() {
    let reset: Vec<(&str, String)> = crate::model::support::reset_when_omitted()
        .map(|f| (f.name, f.request_default.to_string()))
        .collect();
    let expected = [
        ("transport", "\"sse\""),
        ("mcp_access_groups", "[]"),
        ("args", "[]"),
        ("env", "{}"),
        ("allow_all_keys", "false"),
        ("available_on_public_internet", "true"),
        ("delegate_auth_to_upstream", "false"),
        ("is_byok", "false"),
        ("byok_description", "[]"),
    ];
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(f, d)| (*f, (*d).to_owned()))
        .collect();
    assert_eq!(reset, expected);
    // Left out: defaults that only proxies with partial updates know.
    let flow = server_field("oauth_passthrough").and_then(|f| f.introduced);
    assert!(flow.is_some_and(|i| i.stored_from() >= Behaviour::PartialUpdate.since()));
    // Stored before it is listed: `delegate_auth_to_upstream` from 1.85.0.
    let delegate = server_field("delegate_auth_to_upstream").and_then(|f| f.introduced);
    assert_eq!(delegate.map(|i| i.older[0].1), Some(Older::Unlisted));
    assert!(delegate.is_some_and(|i| i.stored_from() < i.since));
}
