//! LiteLLM's own `${VAR}` references, which the proxy expands from a server's
//! `env_vars`: a value made of nothing else is no secret and is exported as it is.

use crate::model::is_env_name;

/// Auth schemes that may stand before a reference (`Bearer ${TOKEN}`): a word a
/// header needs, never a secret.
const SCHEMES: &[&str] = &["Bearer", "Basic", "Token"];

/// Whether `value` is only LiteLLM `${VAR}` references (at least one), blanks, and an
/// auth scheme before them. Any other text (`${USER}:hunter2`, `Bearer ${T} sk-…`) may
/// be a secret written beside a reference, so the value is not kept as it is.
pub(super) fn only_references(value: &str) -> bool {
    let mut rest = value.trim_start();
    if let Some((word, after)) = rest.split_once(' ')
        && SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(word))
    {
        rest = after;
    }
    let mut seen = false;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return seen;
        }
        let Some(after) = rest.strip_prefix("${") else {
            return false;
        };
        let Some(close) = after.find('}') else {
            return false;
        };
        if !is_env_name(&after[..close]) {
            return false;
        }
        seen = true;
        rest = &after[close + 1..];
    }
}

#[cfg(test)]
mod tests {
    use super::only_references;

    #[test]
    fn references_alone_or_after_a_scheme_are_kept_other_text_is_not() {
        for kept in [
            "${TOKEN}",
            "Bearer ${TOKEN}",
            "basic ${A} ${B}",
            " ${A}${B} ",
        ] {
            assert!(only_references(kept), "{kept}");
        }
        for secret in [
            "${USER}:hunter2",
            "Bearer ${TOKEN} sk-literal",
            "sk-literal ${TOKEN}",
            "Bearer sk-literal",
            "${not a name}",
            "${OPEN",
            "",
            "Bearer ",
        ] {
            assert!(!only_references(secret), "{secret}");
        }
    }
}
