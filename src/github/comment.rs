//! The sticky pull-request comment: its hidden marker, its body (at most GitHub's
//! 65,536 characters, marker and footer included) and which existing comment is ours.
//!
//! The marker is keyed by the command, the proxy, the paths and the `comment-key`, so
//! that each environment (a proxy and its files) keeps one comment of its own, and the
//! key is a hash: nothing from outside is written into the HTML comment.

use std::path::PathBuf;

use ring::digest::{SHA256, digest};

use crate::escape::markdown::code;

/// GitHub's limit for a comment body, in characters.
pub(crate) const COMMENT_LIMIT: usize = 65_536;

/// Which command wrote a comment: each has a comment of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `mcpform lint`.
    Lint,
    /// `mcpform plan`.
    Plan,
    /// `mcpform apply`.
    Apply,
}

impl Kind {
    /// The command's name.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Kind::Lint => "lint",
            Kind::Plan => "plan",
            Kind::Apply => "apply",
        }
    }
}

/// What makes one comment per environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// The command.
    pub kind: Kind,
    /// The proxy as shown (`None` for lint, which has none).
    pub proxy: Option<String>,
    /// The paths as given on the command line.
    pub paths: Vec<PathBuf>,
    /// The `comment-key` input (`--comment-key`), to tell apart what the rest does not.
    pub extra: Option<String>,
}

impl Key {
    /// The hidden marker that starts the comment:
    /// `<!-- mcpform:plan:0123456789abcdef -->`.
    pub(crate) fn marker(&self) -> String {
        let mut paths: Vec<String> = self.paths.iter().map(|p| p.display().to_string()).collect();
        paths.sort();
        // Length-prefixed parts, so that no two different keys hash the same text.
        let mut material = String::new();
        for part in [
            self.proxy.as_deref().unwrap_or(""),
            &paths.join("\0"),
            self.extra.as_deref().unwrap_or(""),
        ] {
            material.push_str(&format!("{}:{part};", part.len()));
        }
        let hash = digest(&SHA256, material.as_bytes());
        let hex: String = hash.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("<!-- mcpform:{}:{hex} -->", self.kind.as_str())
    }
}

/// The line that ends every comment: the tool, the commit and the plan digest.
pub(crate) fn footer(commit: Option<&str>, digest: Option<&str>) -> String {
    let mut parts = vec![format!("mcpform {}", env!("CARGO_PKG_VERSION"))];
    if let Some(c) = commit {
        let short: String = c.chars().take(12).collect();
        parts.push(format!("commit {}", code(&short)));
    }
    if let Some(d) = digest {
        parts.push(format!("plan {}", code(d)));
    }
    format!("\n---\n<sub>{}</sub>\n", parts.join(" · "))
}

/// The whole comment: marker, the Markdown `render` makes under the byte budget it is
/// given, and the footer, never over [`COMMENT_LIMIT`] characters.
pub(crate) fn body(marker: &str, footer: &str, render: &dyn Fn(usize) -> String) -> String {
    let room = COMMENT_LIMIT - marker.chars().count() - footer.chars().count() - 1;
    let mut markdown = render(room);
    if markdown.chars().count() > room {
        // The renderers keep to their budget; this is the last line of defence.
        let note = "\n\n_(cut to fit GitHub's comment limit)_\n";
        let keep = room - note.len();
        let end = markdown
            .char_indices()
            .nth(keep)
            .map_or(markdown.len(), |(i, _)| i);
        markdown.truncate(end);
        markdown.push_str(note);
    }
    format!("{marker}\n{markdown}{footer}")
}

/// A comment as the API lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Comment {
    /// Its id.
    pub id: u64,
    /// Its Markdown.
    pub body: String,
    /// Its address on github.com.
    pub html_url: String,
    /// Its author's login.
    pub login: String,
    /// `User` or `Bot`.
    pub user_type: String,
}

/// The author of every comment the workflow's own `GITHUB_TOKEN` writes.
pub(crate) const WORKFLOW_BOT: &str = "github-actions[bot]";

/// Our comment among `comments`: the first that starts with `marker` and was written by
/// `me` (the token's user, when `GET /user` said). When the token cannot say who it is
/// (the workflow's `GITHUB_TOKEN` and app tokens cannot), a bot's: the workflow bot's
/// first, else the newest (another app may have copied the marker earlier; the newest
/// is the one mcpform wrote when it could not edit that one). A human's comment is never
/// taken over, even if it carries the marker.
pub(crate) fn ours<'a>(
    comments: &'a [Comment],
    marker: &str,
    me: Option<&str>,
) -> Option<&'a Comment> {
    let marked = |c: &&Comment| c.body.starts_with(marker);
    match me {
        Some(me) => comments
            .iter()
            .filter(marked)
            .find(|c| c.login.eq_ignore_ascii_case(me)),
        None => {
            let mut bots = comments
                .iter()
                .filter(marked)
                .filter(|c| c.user_type == "Bot");
            bots.clone()
                .find(|c| c.login == WORKFLOW_BOT)
                .or_else(|| bots.next_back())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(kind: Kind, proxy: Option<&str>, paths: &[&str], extra: Option<&str>) -> Key {
        Key {
            kind,
            proxy: proxy.map(str::to_owned),
            paths: paths.iter().map(PathBuf::from).collect(),
            extra: extra.map(str::to_owned),
        }
    }

    #[test]
    fn the_marker_differs_by_command_proxy_paths_and_key_and_not_by_path_order() {
        let base = key(Kind::Plan, Some("https://a"), &["x", "y"], None);
        let m = base.marker();
        assert!(
            m.starts_with("<!-- mcpform:plan:") && m.ends_with(" -->"),
            "{m}"
        );
        assert_eq!(
            m,
            key(Kind::Plan, Some("https://a"), &["y", "x"], None).marker()
        );
        for other in [
            key(Kind::Apply, Some("https://a"), &["x", "y"], None),
            key(Kind::Plan, Some("https://b"), &["x", "y"], None),
            key(Kind::Plan, Some("https://a"), &["x"], None),
            key(Kind::Plan, Some("https://a"), &["x", "y"], Some("prod")),
            key(Kind::Plan, None, &["x", "y"], None),
        ] {
            assert_ne!(m, other.marker(), "{other:?}");
        }
    }

    #[test]
    fn outside_text_never_reaches_the_marker() {
        let m = key(Kind::Lint, None, &["--> <script>"], Some("-->")).marker();
        assert!(!m[4..m.len() - 3].contains("-->"), "{m}");
        assert!(!m.contains("script"));
    }

    #[test]
    fn the_body_stays_within_the_limit_marker_and_footer_included() {
        let marker = key(Kind::Plan, Some("p"), &["s"], None).marker();
        let footer = footer(Some("0123456789abcdef0123"), Some("sha256:abc"));
        assert!(footer.contains("commit `0123456789ab`") && footer.contains("plan `sha256:abc`"));
        let honest = body(&marker, &footer, &|room| "x".repeat(room));
        assert_eq!(honest.chars().count(), COMMENT_LIMIT);
        assert!(honest.starts_with(&marker) && honest.ends_with(&footer));
        // A renderer that overshoots, with multi-byte characters, is cut.
        let greedy = body(&marker, &footer, &|room| "é".repeat(room * 2));
        assert!(greedy.chars().count() <= COMMENT_LIMIT);
        assert!(greedy.contains("cut to fit"));
    }

    fn comment(id: u64, body: &str, login: &str, user_type: &str) -> Comment {
        Comment {
            id,
            body: body.into(),
            html_url: format!("https://github.example/c/{id}"),
            login: login.into(),
            user_type: user_type.into(),
        }
    }

    #[test]
    fn our_comment_is_the_tokens_own_or_else_a_bots_never_a_humans() {
        let m = "<!-- mcpform:plan:00 -->";
        let list = [
            comment(1, &format!("{m}\nforged"), "mallory", "User"),
            comment(2, &format!("quoting {m}"), "ci-bot", "Bot"),
            comment(3, &format!("{m}\nreal"), "github-actions[bot]", "Bot"),
            comment(4, &format!("{m}\nmine"), "ops-user", "User"),
        ];
        assert_eq!(ours(&list, m, Some("ops-user")).map(|c| c.id), Some(4));
        assert_eq!(ours(&list, m, None).map(|c| c.id), Some(3));
        assert_eq!(ours(&list, m, Some("someone")).map(|c| c.id), None);
        assert_eq!(ours(&list[..2], m, None).map(|c| c.id), None);
        // Another app's copy of the marker, first: the workflow bot's comment still wins,
        // and without one, the newest bot comment (the one mcpform wrote last).
        let list = [
            comment(1, &format!("{m}\ncopy"), "other-app[bot]", "Bot"),
            comment(2, &format!("{m}\nmine"), "my-app[bot]", "Bot"),
            comment(3, &format!("{m}\nreal"), WORKFLOW_BOT, "Bot"),
        ];
        assert_eq!(ours(&list, m, None).map(|c| c.id), Some(3));
        assert_eq!(ours(&list[..2], m, None).map(|c| c.id), Some(2));
    }
}
