//! Values the proxy holds in plain text (`static_headers`, `env`, `env_vars[].value`,
//! and fields mcpform last filled from `${env:…}`), written to the file as
//! `${env:MCPFORM_<SERVER>_<KEY>}` placeholders, and the env file that holds them.
//!
//! Names are sanitised (upper case, `[A-Z0-9_]`), never one of the variables a file
//! may not read (`env-reserved`), and unique: a clash gets `_2`, `_3`… in the order the
//! file is written, so the same proxy always gives the same names.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::model::Template;
use crate::secret::Secret;
use crate::secret::urls::{Part, has_url_secrets, replace_secrets};

mod litellm;
mod names;

pub(crate) use names::Names;
pub use names::NoFreeName;

/// Prefix of every placeholder's variable.
pub(crate) const PREFIX: &str = "MCPFORM_";

/// One `${env:…}` placeholder and the value it stands for.
#[derive(Debug, Clone)]
pub struct Placeholder {
    /// The variable's name.
    pub name: String,
    /// The server it belongs to.
    pub server: String,
    /// Where in the server, for messages (`static_headers.X-Key`).
    pub place: String,
    value: Secret,
}

impl Placeholder {
    /// The value, for the env file only.
    pub(crate) fn value(&self) -> &str {
        self.value.expose()
    }
}

/// Fields never replaced: identity (the proxy's charset has no `$`, so these never held
/// a reference).
const NEVER: &[&str] = &["server_id", "server_name", "alias"];

/// The fields the proxy returns in plain text although they can hold secrets
/// (`credentials` aside, which it never returns).
fn plain_text_field(field: &str) -> bool {
    field != "credentials" && crate::model::is_secret_capable(field)
}

/// How one server's placeholders are chosen.
pub(crate) struct Policy<'s> {
    /// Fields mcpform recorded as filled from `${env:…}` the last time it wrote the
    /// server: any string in them may be a secret, names of `env_vars` too.
    pub recorded: &'s BTreeSet<String>,
    /// `--reveal-values`: secrets written as they are (where a file can hold them).
    pub reveal: bool,
    /// Whether a field still fits the model with this value: a string where a
    /// placeholder does not fit (an enum) never came from a reference.
    pub fits: &'s dyn Fn(&str, &Value) -> bool,
}

/// Why a string becomes a placeholder.
#[derive(PartialEq, Eq)]
enum Why {
    /// mcpform would read it as a `${env:…}` reference: a file cannot hold it as text.
    ReadsAsReference,
    /// A plain-text value of `static_headers`, `env` or `env_vars[].value`.
    PlainText,
    /// A string in a field mcpform last filled from a reference.
    Recorded,
}

/// Replaces, in a server's fields, every string that becomes a placeholder, and returns
/// the placeholders. Secrets become placeholders unless revealed, empty, or holding
/// LiteLLM's own `${VAR}`; text mcpform would read as a reference always does.
pub(crate) fn substitute(
    server: &str,
    fields: &mut Map<String, Value>,
    policy: &Policy<'_>,
    names: &mut Names<'_>,
) -> Result<Vec<Placeholder>, NoFreeName> {
    let mut out = Vec::new();
    for (field, value) in fields.iter_mut() {
        if NEVER.contains(&field.as_str()) {
            continue;
        }
        let recorded = policy.recorded.contains(field);
        let mut leaves = Vec::new();
        walk(value, &mut Vec::new(), &mut |path, s| {
            leaves.push((path.to_vec(), s.to_owned()));
        });
        for (path, s) in leaves {
            let why = if !matches!(Template::parse(&s), Ok(None)) {
                Why::ReadsAsReference
            } else if policy.reveal || s.is_empty() || litellm::only_references(&s) {
                continue;
            } else if plain_text_field(field)
                && (field != "env_vars" || last(&path) == Some("value"))
            {
                Why::PlainText
            } else if recorded {
                Why::Recorded
            } else if has_url_secrets(&s) {
                let place = std::iter::once(field.as_str())
                    .chain(plain(&path))
                    .collect::<Vec<_>>()
                    .join(".");
                let key = key_for(field, &path);
                let (text, found) = url_parts(server, &s, &key, &place, names)?;
                set(value, &path, text);
                out.extend(found);
                continue;
            } else {
                continue;
            };
            // Names of recorded `env_vars` may be secrets: never in a variable's name.
            let key = if recorded && field == "env_vars" {
                std::iter::once(field.as_str())
                    .chain(plain(&path))
                    .collect::<Vec<_>>()
                    .join("_")
            } else {
                key_for(field, &path)
            };
            let name = names.allocate(server, &key)?;
            let mut replaced = value.clone();
            set(&mut replaced, &path, format!("${{env:{name}}}"));
            if why == Why::Recorded && !(policy.fits)(field, &replaced) {
                names.release(&name);
                continue;
            }
            *value = replaced;
            out.push(Placeholder {
                name,
                server: server.to_owned(),
                place: std::iter::once(field.as_str())
                    .chain(plain(&path))
                    .collect::<Vec<_>>()
                    .join("."),
                value: Secret::new(s),
            });
        }
    }
    Ok(out)
}

/// `text` with each secret part of its URLs (user-info, query values) a placeholder
/// named after the part (`<KEY>_USERINFO`, `<KEY>_<PARAMETER>`), except a part that is
/// LiteLLM's own `${VAR}`. The rest of the URL stays readable in the file.
fn url_parts(
    server: &str,
    text: &str,
    key: &str,
    place: &str,
    names: &mut Names<'_>,
) -> Result<(String, Vec<Placeholder>), NoFreeName> {
    let mut found = Vec::new();
    let mut failed = None;
    let replaced = replace_secrets(text, |part, value| {
        if litellm::only_references(value) {
            return value.to_owned();
        }
        let (label, shown) = match part {
            Part::Userinfo => ("USERINFO".to_owned(), format!("{place} (user-info)")),
            Part::Query(name) if name.is_empty() => {
                ("QUERY".to_owned(), format!("{place} (query)"))
            }
            Part::Query(name) => (name.clone(), format!("{place} (query `{name}`)")),
        };
        let name = match names.allocate(server, &format!("{key}_{label}")) {
            Ok(name) => name,
            Err(e) => {
                failed.get_or_insert(e);
                return String::new();
            }
        };
        let reference = format!("${{env:{name}}}");
        found.push(Placeholder {
            name,
            server: server.to_owned(),
            place: shown,
            value: Secret::new(value),
        });
        reference
    });
    let replaced = replaced.into_owned();
    match failed {
        Some(e) => Err(e),
        None => Ok((replaced, found)),
    }
}

/// The path's tokens without the item-name markers [`walk`] adds.
fn plain(path: &[String]) -> impl Iterator<Item = &str> {
    path.iter()
        .filter(|t| !t.starts_with('\u{0}'))
        .map(String::as_str)
}

fn last(path: &[String]) -> Option<&str> {
    plain(path).last()
}

/// The `<KEY>` part of a placeholder's name: the header or variable name for
/// `static_headers` and `env`, the variable's name for an `env_vars` value, else the
/// field and the path below it.
fn key_for(field: &str, path: &[String]) -> String {
    let item_name = path.iter().find_map(|t| t.strip_prefix("\u{0}name="));
    let tokens: Vec<&str> = plain(path).collect();
    match (field, item_name, tokens.as_slice()) {
        ("static_headers" | "env", _, [key, ..]) => (*key).to_owned(),
        ("env_vars", Some(name), [_, "value"]) => name.to_owned(),
        ("env_vars", Some(name), [_, other]) => format!("{name}_{other}"),
        _ => std::iter::once(field)
            .chain(tokens.iter().copied())
            .collect::<Vec<_>>()
            .join("_"),
    }
}

/// Sets the string at `path` (as [`walk`] gave it) to `new`.
fn set(value: &mut Value, path: &[String], new: String) {
    let mut node = value;
    for token in plain(path) {
        node = match node {
            Value::Array(items) => match token.parse::<usize>().ok().and_then(|i| items.get_mut(i))
            {
                Some(n) => n,
                None => return,
            },
            Value::Object(map) => match map.get_mut(token) {
                Some(n) => n,
                None => return,
            },
            _ => return,
        };
    }
    *node = Value::String(new);
}

/// Visits every string value (map keys stay), with its path below the field. A list
/// item that is a mapping with a string `name` adds a marker token (`\0name=…`) so that
/// its values can be named after it.
fn walk(value: &Value, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &str)) {
    match value {
        Value::String(s) => f(path, s),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                let marker = item
                    .get("name")
                    .and_then(Value::as_str)
                    .map(|n| format!("\u{0}name={n}"));
                let pushed = marker.map(|m| path.push(m)).is_some();
                walk(item, path, f);
                if pushed {
                    path.pop();
                }
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                path.push(k.clone());
                walk(v, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The env file: a `NAME='value'` line per placeholder (POSIX shell quoting, so that
/// `set -a; . ./FILE; set +a` loads it), under a header that says what it is.
pub(crate) fn env_file(placeholders: &[Placeholder]) -> String {
    let mut out = String::from(
        "# mcpform export: the values behind the ${env:MCPFORM_…} placeholders of the exported\n\
         # file, as the proxy holds them. SECRET: never commit this file.\n\
         # Load it before plan or apply:  set -a; . ./THIS_FILE; set +a\n",
    );
    for p in placeholders {
        out.push_str(&p.name);
        out.push_str("='");
        out.push_str(&p.value().replace('\'', "'\\''"));
        out.push_str("'\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(fields: Value, reveal: bool, recorded: &[&str]) -> (Value, Vec<Placeholder>) {
        let mut map = fields.as_object().unwrap().clone();
        let recorded: BTreeSet<String> = recorded.iter().map(|f| (*f).to_owned()).collect();
        let mut names = Names::new(&["MY_ADMIN_KEY"]);
        let fits = |f: &str, v: &Value| {
            !(f == "mcp_info"
                && v["protocol_version"]
                    .as_str()
                    .is_some_and(|p| p.starts_with('$')))
        };
        let policy = Policy {
            recorded: &recorded,
            reveal,
            fits: &fits,
        };
        let found = substitute("my.server", &mut map, &policy, &mut names).unwrap();
        (Value::Object(map), found)
    }

    #[test]
    fn plain_text_secrets_become_named_placeholders() {
        let (out, found) = run(
            json!({"static_headers": {"X-Key": "k1", "X-Ref": "Bearer ${TOKEN}", "X-Empty": ""},
                   "env": {"TOKEN": "t"},
                   "env_vars": [{"name": "REGION", "value": "eu", "description": "d"}, {"name": "U", "scope": "user"}],
                   "description": "plain"}),
            false,
            &[],
        );
        assert_eq!(
            out,
            json!({"static_headers": {"X-Key": "${env:MCPFORM_MY_SERVER_X_KEY}", "X-Ref": "Bearer ${TOKEN}", "X-Empty": ""},
                   "env": {"TOKEN": "${env:MCPFORM_MY_SERVER_TOKEN}"},
                   "env_vars": [{"name": "REGION", "value": "${env:MCPFORM_MY_SERVER_REGION}", "description": "d"}, {"name": "U", "scope": "user"}],
                   "description": "plain"})
        );
        let places: Vec<_> = found
            .iter()
            .map(|p| (p.place.as_str(), p.value()))
            .collect();
        assert_eq!(
            places,
            [
                ("static_headers.X-Key", "k1"),
                ("env.TOKEN", "t"),
                ("env_vars.0.value", "eu")
            ]
        );
    }

    #[test]
    fn reveal_keeps_values_but_never_text_that_reads_as_a_reference() {
        let (out, found) = run(
            json!({"static_headers": {"A": "k1", "B": "x ${env:NOT_OURS}"}, "description": "${ENV:X}"}),
            true,
            &["description"],
        );
        assert_eq!(out["static_headers"]["A"], "k1");
        assert_eq!(out["static_headers"]["B"], "${env:MCPFORM_MY_SERVER_B}");
        assert_eq!(out["description"], "${env:MCPFORM_MY_SERVER_DESCRIPTION}");
        assert_eq!(found.len(), 2);
    }

    #[test]
    fn fields_filled_from_references_last_time_are_secrets_where_a_reference_fits() {
        let (out, found) = run(
            json!({"url": "https://h.example/?k=1", "server_name": "n",
                   "env_vars": [{"name": "tok-secret", "value": "v"}],
                   "mcp_info": {"logo_url": "l", "protocol_version": "2025-06-18"}}),
            false,
            &["url", "server_name", "env_vars", "mcp_info"],
        );
        assert_eq!(
            out,
            json!({"url": "${env:MCPFORM_MY_SERVER_URL}", "server_name": "n",
                   "env_vars": [{"name": "${env:MCPFORM_MY_SERVER_ENV_VARS_0_NAME}", "value": "${env:MCPFORM_MY_SERVER_ENV_VARS_0_VALUE}"}],
                   "mcp_info": {"logo_url": "${env:MCPFORM_MY_SERVER_MCP_INFO_LOGO_URL}", "protocol_version": "2025-06-18"}})
        );
        assert!(found.iter().all(|p| !p.name.contains("TOK")));
    }

    #[test]
    fn the_env_file_quotes_for_the_shell() {
        let (_, found) = run(json!({"env": {"A": "it's $HOME\nnext"}}), false, &[]);
        let text = env_file(&found);
        assert!(
            text.ends_with("MCPFORM_MY_SERVER_A='it'\\''s $HOME\nnext'\n"),
            "{text}"
        );
        assert!(text.starts_with("# mcpform export"));
    }
}
