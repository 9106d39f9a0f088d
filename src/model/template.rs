//! `${env:NAME}` references inside string values, kept symbolic until plan time.
//!
//! Only the `env:` form is ours; a plain `${NAME}` is left for LiteLLM, which expands
//! it from the server's `env_vars`. Near misses (`${ENV:X}`, `${ env:X }`, a missing
//! `}`) are errors rather than silently sent as text.

use std::fmt;

/// A piece of a templated string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Literal text.
    Lit(String),
    /// The value of an environment variable.
    Env(String),
}

/// A string with at least one `${env:…}` reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a string's reference is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// What is wrong, for the diagnostic.
    pub message: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Whether `name` is a valid environment variable name for a reference.
pub fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

impl Template {
    /// Parses a string. `Ok(None)`: no reference at all (the common case).
    pub fn parse(s: &str) -> Result<Option<Template>, TemplateError> {
        if !s.contains("${") {
            return Ok(None);
        }
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut rest = s;
        while let Some(at) = rest.find("${") {
            lit.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            match classify(after) {
                Opening::Env => {
                    let body = &after[4..];
                    let Some(close) = body.find('}') else {
                        return Err(err(format!(
                            "`${{env:` without a closing `}}` in `{}`",
                            crate::diagnostic::truncate(s, 40)
                        )));
                    };
                    let name = &body[..close];
                    if !is_env_name(name) {
                        return Err(err(format!(
                            "`${{env:{name}}}` is not a valid reference: a name is letters, digits and `_`, not starting with a digit"
                        )));
                    }
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Env(name.to_owned()));
                    rest = &body[close + 1..];
                }
                Opening::NearMiss(seen) => {
                    return Err(err(format!(
                        "`${{{seen}` looks like an environment reference; write `${{env:NAME}}` (lower-case `env:`, no spaces)"
                    )));
                }
                Opening::Other => {
                    lit.push_str("${");
                    rest = after;
                }
            }
        }
        lit.push_str(rest);
        if parts.is_empty() {
            return Ok(None);
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Some(Template { parts }))
    }

    /// Names of the variables used, in order of appearance.
    pub(crate) fn env_names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Env(n) => Some(n.as_str()),
            Part::Lit(_) => None,
        })
    }

    /// Substitutes values; returns the first unset variable's name on failure.
    pub fn resolve(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Env(name) => out.push_str(&lookup(name).ok_or_else(|| name.clone())?),
            }
        }
        Ok(out)
    }
}

enum Opening<'a> {
    Env,
    NearMiss(&'a str),
    Other,
}

fn classify(after: &str) -> Opening<'_> {
    if after.starts_with("env:") {
        return Opening::Env;
    }
    let trimmed = after.trim_start();
    let head: String = trimmed.chars().take(4).collect();
    if head.eq_ignore_ascii_case("env:") {
        let end = after.find('}').map_or(after.len(), |i| i + 1);
        let end = (0..=end.min(after.len()))
            .rev()
            .find(|&i| after.is_char_boundary(i))
            .unwrap_or(0);
        return Opening::NearMiss(&after[..end]);
    }
    Opening::Other
}

fn err(message: String) -> TemplateError {
    TemplateError { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<String> {
        Template::parse(s)
            .unwrap()
            .map(|t| t.env_names().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    #[test]
    fn plain_strings_and_litellm_refs_are_not_templates() {
        assert_eq!(Template::parse("hello").unwrap(), None);
        assert_eq!(Template::parse("Bearer ${TOKEN}").unwrap(), None);
        assert_eq!(Template::parse("$env:X").unwrap(), None);
    }

    #[test]
    fn finds_references_anywhere() {
        assert_eq!(names("${env:A}"), ["A"]);
        assert_eq!(
            names("Bearer ${env:TOKEN_1} and ${X} ${env:_B}"),
            ["TOKEN_1", "_B"]
        );
    }

    #[test]
    fn resolves_with_a_lookup() {
        let t = Template::parse("Bearer ${env:T}!").unwrap().unwrap();
        let got = t.resolve(&|n| (n == "T").then(|| "v".to_owned()));
        assert_eq!(got.unwrap(), "Bearer v!");
        assert_eq!(t.resolve(&|_| None).unwrap_err(), "T");
    }

    #[test]
    fn malformed_references_are_errors() {
        for bad in [
            "${env:}",
            "${env:1A}",
            "${env:A-B}",
            "${env:A",
            "${ENV:A}",
            "${ env:A }",
            "${Env:A}",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn multibyte_text_around_references() {
        assert_eq!(names("é${env:A}☕"), ["A"]);
        assert!(Template::parse("${ENV:é}").is_err());
    }
}
