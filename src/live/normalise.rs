//! The normalisation table: every way the proxy stores or lists a value differently
//! from how a file writes it, as one row each. The planner puts both sides of every
//! compared field through `canonical` and compares the results; it never branches on
//! a quirk itself. A new proxy quirk is a new row (and a test below).
//!
//! Besides these rows, the planner compares only the fields a file declares plus the
//! always-managed ones (`transport`, `url`, `spec_path`, `alias` and `is_byok`); never
//! timestamps, health, approval or ownership-of-record fields; and `credentials` only
//! by fingerprint. The defaults the rows apply, and the words that name them, are read
//! from the model's field table.

use std::borrow::Cow;

use serde_json::{Map, Number, Value};

use crate::model::proxy::{effective_alias, is_injected_key, is_mcpform_key};
use crate::model::support::field_support;
use crate::model::{FieldKind, SERVER_FIELDS, listed_default, server_field};

/// What a row can see besides the value: the server and the same side's other fields.
pub(crate) struct Context<'a> {
    /// The server's name (for the alias default).
    pub server_name: &'a str,
    /// Another field of the same side (desired or live).
    pub sibling: &'a dyn Fn(&str) -> Option<&'a Value>,
}

/// One row of the table.
pub struct Row {
    /// Stable id, for tests and `docs/reference/normalisation.md`.
    pub id: &'static str,
    rule: Rule,
    apply: fn(field: &str, value: &mut Value, ctx: &Context<'_>),
}

/// What a row does, for people: fixed words, or words made from the field table (the
/// fields it covers, their defaults, the versions it names).
enum Rule {
    Fixed(&'static str),
    Made(fn() -> String),
}

impl Row {
    /// What it does, for people.
    pub fn rule(&self) -> Cow<'static, str> {
        match self.rule {
            Rule::Fixed(text) => Cow::Borrowed(text),
            Rule::Made(make) => Cow::Owned(make()),
        }
    }
}

/// The table, applied in order to both sides of every compared field.
pub static TABLE: &[Row] = &[
    Row {
        id: "empty-collections",
        rule: Rule::Fixed(
            "a missing or null list is `[]`, a missing or null map (and `mcp_info`) is `{}`: the database returns `[]`/`{}`, the list endpoint `null`",
        ),
        apply: empty_collections,
    },
    Row {
        id: "alias-default",
        rule: Rule::Fixed(
            "a missing, null or empty `alias` is the `server_name`; spaces in an alias are `_` (the proxy rewrites both)",
        ),
        apply: alias_default,
    },
    Row {
        id: "mcp-info-injected",
        rule: Rule::Fixed(
            "`mcp_info.server_name`, `mcp_info.description`, `is_public` and `is_public_explicit` are ignored: the proxy injects them",
        ),
        apply: mcp_info_injected,
    },
    Row {
        id: "mcp-info-mcpform",
        rule: Rule::Fixed(
            "mcpform's own `mcp_info` keys (`managed_by`, `mcpform_*`) are compared on their own, not as metadata",
        ),
        apply: mcp_info_mcpform,
    },
    Row {
        id: "token-exchange-defaults",
        rule: Rule::Made(listed_defaults_rule),
        apply: token_exchange_defaults,
    },
    Row {
        id: "openapi-transport",
        rule: Rule::Fixed("`transport: http` with a `spec_path` is `openapi`"),
        apply: openapi_transport,
    },
    Row {
        id: "env-var-defaults",
        rule: Rule::Fixed(
            "an `env_vars` entry without `value`, `scope` or `description` has `\"\"`, `global` and null",
        ),
        apply: env_var_defaults,
    },
    Row {
        id: "empty-description",
        rule: Rule::Fixed(
            "an empty `description` is null: the list shows the description through `mcp_info.description`, which the proxy fills only when the description is not empty",
        ),
        apply: empty_description,
    },
    Row {
        id: "flag-defaults",
        rule: Rule::Made(flag_defaults_rule),
        apply: flag_defaults,
    },
    Row {
        id: "byok-default",
        rule: Rule::Made(byok_default_rule),
        apply: byok_default,
    },
    Row {
        id: "integral-numbers",
        rule: Rule::Fixed("a whole number is the same written `30` or `30.0`"),
        apply: integral_numbers,
    },
];

/// A field's value put through every row. `None` (not declared, not listed) is null.
pub(crate) fn canonical(field: &str, value: Option<&Value>, ctx: &Context<'_>) -> Value {
    let mut v = value.cloned().unwrap_or(Value::Null);
    for row in TABLE {
        (row.apply)(field, &mut v, ctx);
    }
    v
}

/// `` `a`, `b` or `c` `` (`word` "or"), `` `a` `` alone.
fn listed(items: &[String], word: &str) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {word} {last}", rest.join(", ")),
        Some((only, _)) => only.clone(),
        None => String::new(),
    }
}

fn listed_defaults_rule() -> String {
    let defaults: Vec<String> = SERVER_FIELDS
        .iter()
        .filter_map(|f| Some(format!("`{}: {}`", f.name, f.listed_default?)))
        .collect();
    format!(
        "{} equal null: the list shows these defaults",
        listed(&defaults, "and")
    )
}

fn flag_defaults_rule() -> String {
    let with = |default: bool| -> Vec<String> {
        crate::model::flag_defaults()
            .filter(|(_, d)| *d == default)
            .map(|(f, _)| format!("`{f}`"))
            .collect()
    };
    format!(
        "a missing or null {} is `false`, and {} is `true`: the proxy's defaults",
        listed(&with(false), "or"),
        listed(&with(true), "or")
    )
}

fn byok_default_rule() -> String {
    let since = field_support("is_byok").map_or_else(String::new, |r| r.since.to_string());
    format!("a missing `is_byok` is `false` (proxies before {since} do not list it)")
}

fn empty_collections(field: &str, value: &mut Value, _: &Context<'_>) {
    if value.is_null() {
        match server_field(field).map(|f| f.kind) {
            Some(FieldKind::List) => *value = Value::Array(Vec::new()),
            Some(FieldKind::Map) => *value = Value::Object(Map::new()),
            _ => {}
        }
    }
}

fn alias_default(field: &str, value: &mut Value, ctx: &Context<'_>) {
    if field != "alias" {
        return;
    }
    *value = Value::String(effective_alias(value.as_str(), ctx.server_name));
}

fn mcp_info_injected(field: &str, value: &mut Value, _: &Context<'_>) {
    if let (true, Value::Object(map)) = (field == "mcp_info", value) {
        map.retain(|k, _| !is_injected_key(k));
    }
}

fn mcp_info_mcpform(field: &str, value: &mut Value, _: &Context<'_>) {
    if let (true, Value::Object(map)) = (field == "mcp_info", value) {
        map.retain(|k, _| !is_mcpform_key(k));
    }
}

fn token_exchange_defaults(field: &str, value: &mut Value, _: &Context<'_>) {
    if value
        .as_str()
        .is_some_and(|v| listed_default(field) == Some(v))
    {
        *value = Value::Null;
    }
}

fn openapi_transport(field: &str, value: &mut Value, ctx: &Context<'_>) {
    if field == "transport"
        && value.as_str() == Some("http")
        && (ctx.sibling)("spec_path")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    {
        *value = Value::String("openapi".into());
    }
}

fn env_var_defaults(field: &str, value: &mut Value, _: &Context<'_>) {
    let (true, Value::Array(items)) = (field == "env_vars", value) else {
        return;
    };
    for item in items.iter_mut().filter_map(Value::as_object_mut) {
        for (key, default) in [
            ("value", Value::String(String::new())),
            ("scope", "global".into()),
            ("description", Value::Null),
        ] {
            if item.get(key).is_none_or(Value::is_null) {
                item.insert(key.into(), default);
            }
        }
    }
}

fn empty_description(field: &str, value: &mut Value, _: &Context<'_>) {
    if field == "description" && value.as_str() == Some("") {
        *value = Value::Null;
    }
}

fn flag_defaults(field: &str, value: &mut Value, _: &Context<'_>) {
    if value.is_null()
        && let Some((_, default)) = crate::model::flag_defaults().find(|(f, _)| *f == field)
    {
        *value = Value::Bool(default);
    }
}

fn byok_default(field: &str, value: &mut Value, _: &Context<'_>) {
    if field == "is_byok" && value.is_null() {
        *value = Value::Bool(false);
    }
}

fn integral_numbers(_: &str, value: &mut Value, _: &Context<'_>) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n
                .as_f64()
                .filter(|f| n.is_f64() && f.fract() == 0.0 && f.abs() < 9.0e15)
            {
                *n = Number::from(f as i64);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| integral_numbers("", v, &NO_CONTEXT)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|v| integral_numbers("", v, &NO_CONTEXT)),
        _ => {}
    }
}

fn no_sibling(_: &str) -> Option<&'static Value> {
    None
}

const NO_CONTEXT: Context<'static> = Context {
    server_name: "",
    sibling: &no_sibling,
};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(field: &str, value: Value) -> Value {
        canon_with(field, value, &Map::new())
    }

    fn canon_with(field: &str, value: Value, siblings: &Map<String, Value>) -> Value {
        let sibling = |f: &str| siblings.get(f);
        let ctx = Context {
            server_name: "my server",
            sibling: &sibling,
        };
        canonical(field, Some(&value), &ctx)
    }

    #[test]
    fn empty_collections() {
        assert_eq!(canon("allowed_tools", Value::Null), json!([]));
        assert_eq!(canon("byok_description", Value::Null), json!([]));
        assert_eq!(canon("static_headers", Value::Null), json!({}));
        assert_eq!(canon("tool_name_to_display_name", Value::Null), json!({}));
        assert_eq!(canon("env", Value::Null), json!({}));
        assert_eq!(canon("mcp_info", Value::Null), json!({}));
        assert_eq!(canon("env_vars", Value::Null), json!([]));
        assert_eq!(canon("description", Value::Null), Value::Null);
    }

    #[test]
    fn alias_default() {
        assert_eq!(canon("alias", Value::Null), json!("my_server"));
        assert_eq!(canon("alias", json!("")), json!("my_server"));
        assert_eq!(canon("alias", json!("a b")), json!("a_b"));
    }

    #[test]
    fn mcp_info_injected_and_own_keys() {
        let listed = json!({"server_name": "x", "description": "d", "is_public": false, "is_public_explicit": false,
                            "managed_by": "mcpform", "mcpform_credentials_hmac": "h", "logo_url": "l"});
        assert_eq!(canon("mcp_info", listed), json!({"logo_url": "l"}));
    }

    #[test]
    fn token_exchange_defaults() {
        assert_eq!(
            canon(
                "subject_token_type",
                json!("urn:ietf:params:oauth:token-type:access_token")
            ),
            Value::Null
        );
        assert_eq!(
            canon("token_exchange_profile", json!("rfc8693")),
            Value::Null
        );
        assert_eq!(
            canon("token_exchange_profile", json!("entra_obo")),
            json!("entra_obo")
        );
    }

    #[test]
    fn openapi_transport() {
        let with_spec = json!({"spec_path": "https://a.invalid/o.json"})
            .as_object()
            .unwrap()
            .clone();
        assert_eq!(
            canon_with("transport", json!("http"), &with_spec),
            json!("openapi")
        );
        assert_eq!(canon("transport", json!("http")), json!("http"));
        let empty_spec = json!({"spec_path": ""}).as_object().unwrap().clone();
        assert_eq!(
            canon_with("transport", json!("http"), &empty_spec),
            json!("http")
        );
    }

    #[test]
    fn env_var_defaults() {
        let listed = json!([{"name": "A", "value": "", "scope": "global", "description": null}]);
        assert_eq!(
            canon("env_vars", json!([{"name": "A"}])),
            canon("env_vars", listed)
        );
    }

    #[test]
    fn empty_description() {
        assert_eq!(canon("description", json!("")), Value::Null);
        assert_eq!(canon("description", json!("d")), json!("d"));
        assert_eq!(canon("instructions", json!("")), json!(""));
    }

    #[test]
    fn byok_default() {
        assert_eq!(canon("is_byok", Value::Null), json!(false));
        assert_eq!(canon("is_byok", json!(true)), json!(true));
    }

    #[test]
    fn flag_defaults() {
        assert_eq!(canon("allow_all_keys", Value::Null), json!(false));
        assert_eq!(
            canon("available_on_public_internet", Value::Null),
            json!(true)
        );
        assert_eq!(
            canon("available_on_public_internet", json!(false)),
            json!(false)
        );
        assert_eq!(canon("dcr_bridge", Value::Null), Value::Null);
    }

    #[test]
    fn integral_numbers() {
        assert_eq!(canon("timeout", json!(30.0)), canon("timeout", json!(30)));
        assert_eq!(canon("timeout", json!(2.5)), json!(2.5));
        assert_eq!(
            canon(
                "mcp_info",
                json!({"mcp_server_cost_info": {"default_cost_per_query": 1.0}})
            ),
            json!({"mcp_server_cost_info": {"default_cost_per_query": 1}})
        );
    }

    #[test]
    fn maps_compare_without_order() {
        assert_eq!(
            canon("static_headers", json!({"a": "1", "b": "2"})),
            canon("static_headers", json!({"b": "2", "a": "1"}))
        );
    }

    #[test]
    fn every_row_has_an_id_and_a_rule() {
        let ids: std::collections::BTreeSet<_> = TABLE.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), TABLE.len());
        assert!(TABLE.iter().all(|r| !r.rule().is_empty()));
    }
}
