//! Helpers of the tree builder over scalars: tags mcpform does not take, and the
//! YAML 1.1 booleans (`yes`, `on`) that other readers take for `true`.

use saphyr_parser::Tag;

use super::Fatal;
use crate::diagnostic::Diagnostic;
use crate::rule::RuleId;
use crate::source::Span;

pub(super) fn unsupported_tag(tag: &Tag, span: Span) -> Fatal {
    // saphyr hands `!!map` over expanded; show it the way it was written.
    let shown = match tag.handle.as_str() {
        "tag:yaml.org,2002:" => format!("!!{}", tag.suffix),
        handle => format!("{handle}{}", tag.suffix),
    };
    if tag.is_yaml_core_schema() {
        return Fatal::at(span, format!("the tag `{shown}` does not fit this value"))
            .with_help("remove the tag: mcpform reads the value's own type");
    }
    let help = if shown.contains("env") {
        "write secrets as `${env:NAME}` strings instead of a tag"
    } else {
        "mcpform reads plain YAML 1.2: remove the tag"
    };
    Fatal::at(span, format!("unsupported tag `{shown}`")).with_help(help)
}

/// The YAML 1.1 spellings of booleans that YAML 1.2 reads as strings.
pub(super) fn is_yaml11_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "on"
            | "On"
            | "ON"
            | "off"
            | "Off"
            | "OFF"
    )
}

pub(super) fn ambiguous_bool(s: &str, span: Span) -> Diagnostic {
    let meaning = matches!(s, "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON");
    Diagnostic::at(
        RuleId::AmbiguousBool,
        span,
        format!("plain `{s}` is the string \"{s}\" in YAML 1.2, but YAML 1.1 tools read it as `{meaning}`"),
    )
    .with_help(format!("write `{meaning}` for a boolean, or quote it (\"{s}\") for a string"))
}
