//! The secret parts of URLs: the one place that says which parts of a URL may hold a
//! secret, for plan (shown values, preconditions, notices), apply (stale messages) and
//! export (placeholders).
//!
//! A URL here is a text that starts with `scheme://` (to its end), or any `scheme://…`
//! run inside a text (it ends at a blank, a control, a quote or `<>`), so a URL inside
//! a proxy's message or a description is covered too. Its secret parts are:
//!
//! * the whole user-info (`user:password@`): user names are secrets too, because a
//!   token is often given as the user alone (`https://<token>@host`,
//!   `https://x-access-token:<token>@host`) and a URL cannot tell which it is;
//! * the value of every query parameter (`?token=…&region=…`): names stay, values are
//!   secrets whatever the name says, since no list of names (`token`, `key`, `sig`,
//!   `code`…) is complete; a parameter without `=` is a value too (`?sk-…`).
//!
//! Scheme, host, port, path, parameter names and the fragment stay: they say where a
//! server is, and a fragment never reaches it.

use std::borrow::Cow;
use std::ops::Range;

use serde_json::Value;

/// What a URL's secret part is, for a placeholder's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// `user:password` before the `@`.
    Userinfo,
    /// The value of the query parameter with this name (empty: a parameter without
    /// `=`).
    Query(String),
}

/// One secret part of a URL in a text: where it is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlSecret {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// What it is.
    pub part: Part,
}

/// What a secret part is shown as.
pub(crate) const HIDDEN: &str = "****";

/// The secret parts of every URL in `text`, in order, never overlapping.
pub(crate) fn url_secrets(text: &str) -> Vec<UrlSecret> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(found) = text[from..].find("://") {
        let sep = from + found;
        let start = scheme_start(text, sep);
        // A value that is a URL (`url`, `spec_path`) is one to its end, blanks and all:
        // the proxy keeps what it was given. Inside other text a blank ends it.
        let end = match start {
            Some(0) => text.len(),
            _ => text[sep..].find(ends_url).map_or(text.len(), |i| sep + i),
        };
        if start.is_some() {
            parts(text, sep + 3, end, &mut out);
        }
        from = end.max(sep + 3);
    }
    out
}

/// Whether `text` holds a URL with a secret part.
pub(crate) fn has_url_secrets(text: &str) -> bool {
    !url_secrets(text).is_empty()
}

/// `text` with the secret part of every URL shown as `****`.
pub(crate) fn redact_urls(text: &str) -> Cow<'_, str> {
    replace_secrets(text, |_, _| HIDDEN.to_owned())
}

/// `text` with each secret part replaced by what `with(part, value)` gives.
pub(crate) fn replace_secrets(
    text: &str,
    mut with: impl FnMut(&Part, &str) -> String,
) -> Cow<'_, str> {
    let secrets = url_secrets(text);
    if secrets.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in secrets {
        out.push_str(&text[at..s.range.start]);
        out.push_str(&with(&s.part, &text[s.range.clone()]));
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether any string in `value` (at any depth) holds a URL with a secret part.
pub(crate) fn value_has_url_secrets(value: &Value) -> bool {
    match value {
        Value::String(s) => has_url_secrets(s),
        Value::Array(items) => items.iter().any(value_has_url_secrets),
        Value::Object(map) => map.values().any(value_has_url_secrets),
        _ => false,
    }
}

/// `value` with every string redacted by [`redact_urls`] (map keys stay).
pub(crate) fn redact_value(value: Value) -> Value {
    match value {
        Value::String(s) => match redact_urls(&s) {
            Cow::Borrowed(_) => Value::String(s),
            Cow::Owned(r) => Value::String(r),
        },
        Value::Array(items) => Value::Array(items.into_iter().map(redact_value).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, redact_value(v))).collect())
        }
        other => other,
    }
}

/// Characters a URL does not run over: blanks, controls, quotes and angle brackets
/// (how prose and markup delimit one).
fn ends_url(c: char) -> bool {
    c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`')
}

/// Where the scheme before the `://` at `sep` starts: the longest run of scheme
/// characters (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`), or `None`.
fn scheme_start(text: &str, sep: usize) -> Option<usize> {
    let head = &text[..sep];
    let run = head
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        .last()
        .map(|(i, _)| i)?;
    // The scheme starts at the first letter of the run.
    let letter = head[run..].find(|c: char| c.is_ascii_alphabetic())?;
    Some(run + letter)
}

/// The secret parts of the URL whose authority starts at `auth` and which ends at
/// `end`.
fn parts(text: &str, auth: usize, end: usize, out: &mut Vec<UrlSecret>) {
    let url = &text[auth..end];
    let authority_end = url.find(['/', '?', '#']).unwrap_or(url.len());
    if let Some(at) = url[..authority_end].rfind('@')
        && at > 0
    {
        out.push(UrlSecret {
            range: auth..auth + at,
            part: Part::Userinfo,
        });
    }
    let rest = &url[authority_end..];
    let Some(q) = rest.find('?') else { return };
    // A `#` before the `?` starts the fragment: no query then.
    if rest[..q].contains('#') {
        return;
    }
    let query_start = auth + authority_end + q + 1;
    let query_end = text[query_start..end]
        .find('#')
        .map_or(end, |i| query_start + i);
    let mut at = query_start;
    for param in text[query_start..query_end].split('&') {
        let (name, value_start) = match param.find('=') {
            Some(eq) => (&param[..eq], at + eq + 1),
            None => ("", at),
        };
        let value_end = at + param.len();
        if value_end > value_start {
            out.push(UrlSecret {
                range: value_start..value_end,
                part: Part::Query(name.to_owned()),
            });
        }
        at = value_end + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shown(s: &str) -> String {
        redact_urls(s).into_owned()
    }

    #[test]
    fn userinfo_and_query_values_are_hidden_the_rest_stays() {
        assert_eq!(
            shown("https://u:p@h.invalid:8443/x/y?token=abc&region=eu#frag"),
            "https://****@h.invalid:8443/x/y?token=****&region=****#frag"
        );
        assert_eq!(shown("https://tok@h.invalid"), "https://****@h.invalid");
        assert_eq!(shown("https://h.invalid/a@b"), "https://h.invalid/a@b");
        assert_eq!(
            shown("https://h.invalid/?sk-abc"),
            "https://h.invalid/?****"
        );
        assert_eq!(
            shown("https://h.invalid/?a=&b&=c"),
            "https://h.invalid/?a=&****&=****"
        );
        assert_eq!(
            shown("https://h.invalid/p#x?y=z"),
            "https://h.invalid/p#x?y=z"
        );
        assert_eq!(shown("plain text"), "plain text");
        assert!(matches!(
            redact_urls("https://h.invalid/p"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_value_that_is_a_url_runs_to_its_end() {
        assert_eq!(
            shown("https://h.invalid/?a=x y&b=z\nw"),
            "https://h.invalid/?a=****&b=****"
        );
    }

    #[test]
    fn urls_inside_text_are_found() {
        assert_eq!(
            shown("GET http://bot:pw@up.invalid/mcp?key=k1 failed; see (https://d.invalid/?q=2)"),
            "GET http://****@up.invalid/mcp?key=**** failed; see (https://d.invalid/?q=****"
        );
        assert_eq!(
            shown("\"postgres://u:p@db.invalid/x\""),
            "\"postgres://****@db.invalid/x\""
        );
        assert_eq!(shown(":// a ://b@c"), ":// a ://b@c", "no scheme, no URL");
        assert_eq!(
            shown("https://h.invalid/?next=https://u:p@x.invalid/?t=1"),
            "https://h.invalid/?next=****",
            "a URL inside a query value is part of that value"
        );
    }

    #[test]
    fn parts_are_named_for_placeholders() {
        let found = url_secrets("https://u:p@h.invalid/?token=t&x");
        let parts: Vec<_> = found.iter().map(|s| s.part.clone()).collect();
        assert_eq!(
            parts,
            [
                Part::Userinfo,
                Part::Query("token".into()),
                Part::Query(String::new())
            ]
        );
        let replaced = replace_secrets("https://u:p@h.invalid/?token=t", |part, value| {
            format!("<{part:?}={value}>")
        });
        assert_eq!(
            replaced,
            "https://<Userinfo=u:p>@h.invalid/?token=<Query(\"token\")=t>"
        );
    }

    #[test]
    fn values_are_searched_at_every_depth() {
        let v = json!({"args": ["--url", "https://h.invalid/?t=secret"], "n": 1});
        assert!(value_has_url_secrets(&v));
        assert_eq!(
            redact_value(v),
            json!({"args": ["--url", "https://h.invalid/?t=****"], "n": 1})
        );
        assert!(!value_has_url_secrets(&json!(["https://h.invalid/p"])));
    }
}
