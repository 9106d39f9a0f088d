//! What the runner tells a step: the files it reads back (`GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`), the API and the token, and the event that started the run.
//!
//! Read once, through an `env` function, so tests give any environment they like.

use std::path::PathBuf;

use serde_json::Value;

use crate::secret::Secret;

/// `api.github.com` when the runner does not say (`GITHUB_API_URL` is always set on
/// GitHub-hosted and GHES runners).
const DEFAULT_API_URL: &str = "https://api.github.com";

/// The run as the runner describes it.
#[derive(Debug, Clone)]
pub(crate) struct Github {
    /// `GITHUB_STEP_SUMMARY`: Markdown appended here is the job summary.
    pub summary_path: Option<PathBuf>,
    /// `GITHUB_OUTPUT`: the step's outputs.
    pub output_path: Option<PathBuf>,
    /// `GITHUB_API_URL`.
    pub api_url: String,
    /// `GITHUB_REPOSITORY` (`owner/name`).
    pub repository: Option<String>,
    /// `GITHUB_TOKEN`, when set and not empty.
    pub token: Option<Secret>,
    /// The event.
    pub event: Event,
    /// `GITHUB_SHA`.
    pub sha: Option<String>,
}

/// The part of the event payload mcpform acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Event {
    /// `GITHUB_EVENT_NAME` (`pull_request`, `push`, `schedule`, …).
    pub name: String,
    /// The pull request of a `pull_request*` event.
    pub pull_request: Option<PullRequest>,
    /// Why the event file could not be read, when it could not (said once, as a warning).
    pub problem: Option<String>,
}

/// A pull request, from the event payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PullRequest {
    /// Its number.
    pub number: u64,
    /// The head commit (`GITHUB_SHA` is the test merge commit instead).
    pub head_sha: Option<String>,
    /// Whether the head is in another repository: GitHub then gives the run a read-only
    /// token and no secrets.
    pub from_fork: bool,
}

impl Github {
    /// Reads the runner's variables and the event file (`GITHUB_EVENT_PATH`).
    pub(crate) fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Github {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        let event = Event::read(
            set("GITHUB_EVENT_NAME").unwrap_or_default(),
            set("GITHUB_EVENT_PATH").map(PathBuf::from),
        );
        Github {
            summary_path: set("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output_path: set("GITHUB_OUTPUT").map(PathBuf::from),
            api_url: set("GITHUB_API_URL").unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
            repository: set("GITHUB_REPOSITORY"),
            token: set("GITHUB_TOKEN").map(Secret::new),
            event,
            sha: set("GITHUB_SHA"),
        }
    }

    /// The commit the run is about: a pull request's head, else `GITHUB_SHA`.
    pub(crate) fn commit(&self) -> Option<&str> {
        self.event
            .pull_request
            .as_ref()
            .and_then(|p| p.head_sha.as_deref())
            .or(self.sha.as_deref())
    }

    /// Whether this is a pull request from a fork (read-only token, no secrets).
    pub(crate) fn is_fork_pull_request(&self) -> bool {
        self.event
            .pull_request
            .as_ref()
            .is_some_and(|p| p.from_fork)
    }
}

impl Event {
    fn read(name: String, path: Option<PathBuf>) -> Event {
        let mut event = Event {
            name,
            ..Event::default()
        };
        let Some(path) = path else {
            return event;
        };
        let payload = std::fs::read(&path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).map_err(|e| e.to_string()));
        match payload {
            Ok(v) => event.pull_request = pull_request(&v),
            Err(why) => event.problem = Some(format!("cannot read the event file: {why}")),
        }
        event
    }
}

/// The pull request of a payload: `pull_request` (the `pull_request*` events) or an
/// `issue` with a `pull_request` link (`issue_comment` on a pull request).
fn pull_request(v: &Value) -> Option<PullRequest> {
    if let Some(pr) = v.get("pull_request").filter(|p| p.is_object()) {
        let number = pr
            .get("number")
            .or_else(|| v.get("number"))
            .and_then(Value::as_u64)?;
        let head_repo = pr.pointer("/head/repo/full_name").and_then(Value::as_str);
        let base_repo = pr.pointer("/base/repo/full_name").and_then(Value::as_str);
        // A deleted fork leaves `head.repo` null: still not this repository.
        let from_fork = match (head_repo, base_repo) {
            (Some(h), Some(b)) => !h.eq_ignore_ascii_case(b),
            (None, Some(_)) => true,
            _ => pr.pointer("/head/repo/fork").and_then(Value::as_bool) == Some(true),
        };
        return Some(PullRequest {
            number,
            head_sha: pr
                .pointer("/head/sha")
                .and_then(Value::as_str)
                .map(str::to_owned),
            from_fork,
        });
    }
    let issue = v.get("issue")?;
    issue.get("pull_request")?;
    Some(PullRequest {
        number: issue.get("number").and_then(Value::as_u64)?,
        head_sha: None,
        from_fork: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pull_request_from_this_repository_is_not_a_fork() {
        let pr = pull_request(&json!({"number": 7, "pull_request": {"number": 7,
            "head": {"sha": "abc", "repo": {"full_name": "o/r"}},
            "base": {"repo": {"full_name": "o/r"}}}}))
        .unwrap();
        assert_eq!(pr.number, 7);
        assert_eq!(pr.head_sha.as_deref(), Some("abc"));
        assert!(!pr.from_fork);
    }

    #[test]
    fn a_head_in_another_repository_or_deleted_is_a_fork() {
        let other = json!({"pull_request": {"number": 3,
            "head": {"sha": "abc", "repo": {"full_name": "someone/r"}},
            "base": {"repo": {"full_name": "o/r"}}}});
        assert!(pull_request(&other).unwrap().from_fork);
        let deleted = json!({"pull_request": {"number": 3, "head": {"sha": "abc", "repo": null},
            "base": {"repo": {"full_name": "o/r"}}}});
        assert!(pull_request(&deleted).unwrap().from_fork);
    }

    #[test]
    fn a_push_has_no_pull_request_and_a_broken_file_is_a_problem() {
        assert_eq!(
            pull_request(&json!({"after": "abc", "ref": "refs/heads/main"})),
            None
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("event.json");
        std::fs::write(&path, "{not json").unwrap();
        let e = Event::read("pull_request".into(), Some(path));
        assert!(e.pull_request.is_none());
        assert!(e.problem.unwrap().starts_with("cannot read the event file"));
    }
}
