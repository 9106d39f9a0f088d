//! Placeholder names: `MCPFORM_<SERVER>_<KEY>`, sanitised, unique in the file, never a
//! variable a file may not read (`env-reserved`).
//!
//! A family of reserved names can swallow a whole base: a server whose name sanitises
//! to `ACTION_…` makes every candidate start with `MCPFORM_ACTION_`, which the Action
//! keeps for its inputs, and no `_2`, `_3`… leaves the family. Such a base gives way to
//! `MCPFORM_SRV_<SERVER>_<KEY>`, which no family holds; and the search is bounded, so a
//! future reserved family can only make the export fail with a message, never spin.

use std::collections::BTreeSet;

use super::PREFIX;

/// Where a base whose every candidate is reserved goes instead, after [`PREFIX`].
const FALLBACK: &str = "SRV_";

/// Candidates tried for one base (`NAME`, `NAME_2` … `NAME_{LIMIT}`).
const LIMIT: usize = 10_000;

/// No free name was found for a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no free placeholder name for `{key}` of server `{server}`: every candidate up to `{last}` is taken or reserved"
)]
pub struct NoFreeName {
    /// The server.
    pub server: String,
    /// What the placeholder stands for.
    pub key: String,
    /// The last candidate tried.
    pub last: String,
}

/// The placeholder names given so far in one file.
pub(crate) struct Names<'a> {
    used: BTreeSet<String>,
    reserved_env: &'a [&'a str],
}

impl<'a> Names<'a> {
    /// No names yet; `reserved_env` are the variables besides `env::RESERVED` that a file
    /// may not read (the admin key's, `--api-key-env`).
    pub(crate) fn new(reserved_env: &'a [&'a str]) -> Names<'a> {
        Names {
            used: BTreeSet::new(),
            reserved_env,
        }
    }

    /// A fresh name for `key` of `server`: the first candidate neither used nor
    /// reserved, from `MCPFORM_<SERVER>_<KEY>`, then from `MCPFORM_SRV_<SERVER>_<KEY>`.
    pub(crate) fn allocate(&mut self, server: &str, key: &str) -> Result<String, NoFreeName> {
        let tail = format!("{}_{}", sanitise(server), sanitise(key));
        let mut last = String::new();
        for base in [
            format!("{PREFIX}{tail}"),
            format!("{PREFIX}{FALLBACK}{tail}"),
        ] {
            for n in 1..=LIMIT {
                let name = if n == 1 {
                    base.clone()
                } else {
                    format!("{base}_{n}")
                };
                if !self.used.contains(&name) && !self.reserved(&name) {
                    self.used.insert(name.clone());
                    return Ok(name);
                }
                last = name;
            }
        }
        Err(NoFreeName {
            server: server.to_owned(),
            key: key.to_owned(),
            last,
        })
    }

    fn reserved(&self, name: &str) -> bool {
        crate::env::reserved(name, self.reserved_env).is_some()
    }

    /// Gives back a name that ended up unused.
    pub(crate) fn release(&mut self, name: &str) {
        self.used.remove(name);
    }
}

/// Upper case; every character outside `[A-Z0-9]` becomes `_`.
fn sanitise(part: &str) -> String {
    part.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_never_reserved() {
        let mut names = Names::new(&["MCPFORM_X_ADMIN"]);
        let mut next = |server: &str, key: &str| names.allocate(server, key).unwrap();
        assert_eq!(next("a.b", "X-Key"), "MCPFORM_A_B_X_KEY");
        assert_eq!(next("a_b", "x_key"), "MCPFORM_A_B_X_KEY_2");
        assert_eq!(next("a_b", "x.key"), "MCPFORM_A_B_X_KEY_3");
        assert_eq!(next("fingerprint", "key"), "MCPFORM_FINGERPRINT_KEY_2");
        assert_eq!(next("x", "admin"), "MCPFORM_X_ADMIN_2");
        assert_eq!(next("é", ""), "MCPFORM___");
        names.release("MCPFORM___");
        assert_eq!(names.allocate("é", "").unwrap(), "MCPFORM___");
    }

    /// A server named `action_x` once made export spin forever: every candidate began
    /// with the reserved `MCPFORM_ACTION_`.
    #[test]
    fn a_base_in_a_reserved_family_steps_aside_and_names_like_ci_ones_stay() {
        let mut names = Names::new(&[]);
        let mut next = |server: &str, key: &str| names.allocate(server, key).unwrap();
        assert_eq!(next("action_x", "X-Key"), "MCPFORM_SRV_ACTION_X_X_KEY");
        assert_eq!(next("Action.X", "x_key"), "MCPFORM_SRV_ACTION_X_X_KEY_2");
        for (server, name) in [
            ("actions_x", "MCPFORM_ACTIONS_X_K"),
            ("runner_x", "MCPFORM_RUNNER_X_K"),
            ("input_x", "MCPFORM_INPUT_X_K"),
            ("github_token", "MCPFORM_GITHUB_TOKEN_K"),
        ] {
            assert_eq!(next(server, "k"), name);
        }
        for name in ["MCPFORM_SRV_ACTION_X_X_KEY", "MCPFORM_ACTIONS_X_K"] {
            assert_eq!(crate::env::reserved(name, &[]), None, "{name}");
        }
    }

    #[test]
    fn the_search_is_bounded() {
        let mut names = Names::new(&[]);
        names.used.insert("MCPFORM_SRV_ACTION_A_B".into());
        for n in 2..=LIMIT {
            names.used.insert(format!("MCPFORM_SRV_ACTION_A_B_{n}"));
        }
        let err = names.allocate("action_a", "b").unwrap_err();
        assert_eq!(err.last, format!("MCPFORM_SRV_ACTION_A_B_{LIMIT}"));
        assert!(err.to_string().contains("`action_a`"), "{err}");
    }
}
