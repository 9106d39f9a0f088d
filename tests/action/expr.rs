//! The small part of GitHub's expression language that `action.yml` may use, parsed
//! and evaluated: contexts from a whitelist, string literals, `==`, `!=`, `&&`, `||`,
//! `!` and parentheses. Anything else is an error, which is what the static check
//! wants: an expression this cannot evaluate is one the Action should not use.
//!
//! Like GitHub: string comparison ignores case, a missing value is the empty string,
//! and `&&`/`||` return one of their operands.

use std::collections::BTreeMap;

/// Contexts an expression may read, as patterns (`*` is one name).
pub(crate) const WHITELIST: &[&str] = &[
    "inputs.*",
    "steps.*.outputs.*",
    "steps.*.outcome",
    "github.action_ref",
    "github.action_repository",
    "github.token",
];

/// The values of the whitelisted contexts, by dotted name.
pub(crate) type Contexts = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Str(String),
    Op(&'static str),
}

fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err(format!("unterminated string in `{text}`")),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        s.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        s.push(c);
                        i += 1;
                    }
                }
            }
            out.push(Token::Str(s));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '-' | '.'))
            {
                i += 1;
            }
            out.push(Token::Name(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "&&", "||"]
                .into_iter()
                .find(|op| *op == two)
                .map(|op| (op, 2))
                .or_else(|| {
                    ["!", "(", ")"]
                        .into_iter()
                        .find(|op| op.starts_with(c))
                        .map(|op| (op, 1))
                });
            let Some((op, len)) = op else {
                return Err(format!("`{c}` is not allowed in `{text}`"));
            };
            out.push(Token::Op(op));
            i += len;
        }
    }
    Ok(out)
}

/// Whether a dotted context name matches the whitelist.
pub(crate) fn allowed(name: &str) -> bool {
    let parts: Vec<&str> = name.split('.').collect();
    WHITELIST.iter().any(|pattern| {
        let p: Vec<&str> = pattern.split('.').collect();
        p.len() == parts.len() && p.iter().zip(&parts).all(|(p, n)| *p == "*" || p == n)
    })
}

/// The contexts an expression reads (for the static check), or why it is refused.
pub(crate) fn names(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for t in tokens(text)? {
        if let Token::Name(n) = t {
            if !allowed(&n) {
                return Err(format!("`{n}` is not in the whitelist {WHITELIST:?}"));
            }
            out.push(n);
        }
    }
    Ok(out)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    contexts: &'a Contexts,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<String, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Op("||")) {
            self.at += 1;
            let right = self.and()?;
            left = if truthy(&left) { left } else { right };
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<String, String> {
        let mut left = self.comparison()?;
        while self.peek() == Some(&Token::Op("&&")) {
            self.at += 1;
            let right = self.comparison()?;
            left = if truthy(&left) { right } else { left };
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<String, String> {
        let left = self.unary()?;
        match self.peek() {
            Some(Token::Op(op @ ("==" | "!="))) => {
                let eq = *op == "==";
                self.at += 1;
                let right = self.unary()?;
                Ok(bool_text(left.eq_ignore_ascii_case(&right) == eq))
            }
            _ => Ok(left),
        }
    }

    fn unary(&mut self) -> Result<String, String> {
        match self.tokens.get(self.at).cloned() {
            Some(Token::Op("!")) => {
                self.at += 1;
                Ok(bool_text(!truthy(&self.unary()?)))
            }
            Some(Token::Op("(")) => {
                self.at += 1;
                let v = self.or()?;
                if self.peek() != Some(&Token::Op(")")) {
                    return Err("missing `)`".into());
                }
                self.at += 1;
                Ok(v)
            }
            Some(Token::Str(s)) => {
                self.at += 1;
                Ok(s)
            }
            Some(Token::Name(n)) => {
                self.at += 1;
                if !allowed(&n) {
                    return Err(format!("`{n}` is not in the whitelist"));
                }
                Ok(self.contexts.get(&n).cloned().unwrap_or_default())
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

fn truthy(v: &str) -> bool {
    !v.is_empty()
}

fn bool_text(b: bool) -> String {
    if b { "true" } else { "" }.to_owned()
}

/// Evaluates one expression (without `${{ }}`).
pub(crate) fn eval(text: &str, contexts: &Contexts) -> Result<String, String> {
    let mut p = Parser {
        tokens: tokens(text)?,
        at: 0,
        contexts,
    };
    let v = p.or()?;
    if p.at != p.tokens.len() {
        return Err(format!("trailing tokens in `{text}`"));
    }
    Ok(v)
}

/// An `if:` condition: true or false (GitHub: a non-empty result is true).
pub(crate) fn condition(text: &str, contexts: &Contexts) -> Result<bool, String> {
    eval(
        text.trim().trim_start_matches("${{").trim_end_matches("}}"),
        contexts,
    )
    .map(|v| truthy(&v))
}

/// Every `${{ … }}` in `template` replaced by its value.
pub(crate) fn expand(template: &str, contexts: &Contexts) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .ok_or_else(|| format!("unterminated expression in `{template}`"))?;
        out.push_str(&eval(&rest[start + 3..start + end], contexts)?);
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every expression inside `${{ … }}` of a text.
pub(crate) fn expressions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        let Some(end) = rest[start..].find("}}") else {
            out.push(rest[start + 3..].to_owned());
            break;
        };
        out.push(rest[start + 3..start + end].trim().to_owned());
        rest = &rest[start + end + 2..];
    }
    out
}

#[test]
fn the_evaluator_follows_githubs_rules() {
    let mut c = Contexts::new();
    c.insert("steps.install.outputs.build".into(), "TRUE".into());
    c.insert("inputs.comment".into(), "false".into());
    assert!(condition("steps.install.outputs.build == 'true'", &c).unwrap());
    assert!(!condition("steps.cache.outputs.cache-hit == 'true'", &c).unwrap());
    assert!(
        condition(
            "steps.install.outputs.build == 'true' && steps.cache.outputs.cache-hit != 'true'",
            &c
        )
        .unwrap()
    );
    // A non-empty string, even 'false', is true.
    assert!(condition("inputs.comment", &c).unwrap());
    assert_eq!(
        expand("a ${{ inputs.comment }} b ${{ inputs.none }}!", &c).unwrap(),
        "a false b !"
    );
    assert!(eval("secrets.KEY", &c).is_err());
    assert!(eval("contains(inputs.x, 'y')", &c).is_err());
    assert!(names("github.event.pull_request.title").is_err());
}
