//! Which files to read: the paths named on the command line, and the `*.yaml`/`*.yml`
//! files under the named directories.
//!
//! The repository's content, symbolic links included, may come from anyone who can open
//! a pull request, while mcpform runs in CI with secrets around it. So a link is only
//! followed where it cannot lead to a file nobody meant to show:
//!
//! * met while searching a directory, a link is followed only if its target (resolved,
//!   canonical) lies inside that directory and no part of the target's path below the
//!   directory is hidden (starts with `.`);
//! * named on the command line, a path that is a link, or leads through a linked
//!   directory below the current directory, is followed only if its target lies inside
//!   the current directory, and not in a hidden path there;
//! * a path named on the command line that involves no link is read as given.
//!
//! A link that is not followed is a `file-read` finding naming the link; its target is
//! never opened. Links to directories already searched are skipped (no loops), and a
//! file reached under several names is read once.

use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

use super::io_message;
use crate::diagnostic::truncate;
use crate::escape::terminal_line;

/// Something to read, or a reason not to.
pub(super) enum Found {
    /// A file to read.
    File {
        /// The name to show: the path as given, joined with what the search found.
        shown: PathBuf,
        /// The file's canonical path (no links left in it), which is what is opened.
        open: PathBuf,
    },
    /// A path that is not read.
    Problem {
        /// The name to show.
        shown: PathBuf,
        /// Why (lower case, values in backticks and escaped).
        message: String,
        /// What to do about it.
        help: Option<String>,
    },
}

impl Found {
    fn shown(&self) -> &Path {
        match self {
            Found::File { shown, .. } | Found::Problem { shown, .. } => shown,
        }
    }
}

/// Files to read and paths refused, in path order, each file once.
pub(super) fn discover(paths: &[PathBuf]) -> Vec<Found> {
    let cwd = std::env::current_dir().and_then(std::fs::canonicalize).ok();
    let mut found = Vec::new();
    for path in paths {
        explicit(path, cwd.as_deref(), &mut found);
    }
    dedup(found)
}

/// A file found by following a link loses to the same file found without one (its name
/// is the one a reader and GitHub know); otherwise the first in path order wins.
fn dedup(mut found: Vec<(Found, bool)>) -> Vec<Found> {
    found.sort_by(|a, b| a.0.shown().cmp(b.0.shown()));
    let mut chosen: HashMap<PathBuf, usize> = HashMap::new();
    let mut problems: HashSet<PathBuf> = HashSet::new();
    let mut keep = vec![true; found.len()];
    for i in 0..found.len() {
        let open = match &found[i].0 {
            Found::File { open, .. } => open,
            Found::Problem { shown, .. } => {
                // The same path named twice, or reached by two searches.
                keep[i] = problems.insert(shown.clone());
                continue;
            }
        };
        let via_link = found[i].1;
        match chosen.get(open) {
            None => {
                chosen.insert(open.clone(), i);
            }
            Some(&j) if found[j].1 && !via_link => {
                keep[j] = false;
                chosen.insert(open.clone(), i);
            }
            Some(_) => keep[i] = false,
        }
    }
    found
        .into_iter()
        .zip(keep)
        .filter_map(|((f, _), keep)| keep.then_some(f))
        .collect()
}

/// One path from the command line. Entries are `(found, reached through a link)`.
fn explicit(path: &Path, cwd: Option<&Path>, found: &mut Vec<(Found, bool)>) {
    let problem = |message: String, help: Option<String>| Found::Problem {
        shown: path.to_path_buf(),
        message,
        help,
    };
    let linked = match through_link(path, cwd) {
        Ok(linked) => linked,
        Err(e) => return found.push((problem(io_message(&e), None), false)),
    };
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(e) if linked => return found.push((problem(unfollowable(path, &e), None), true)),
        Err(e) => return found.push((problem(io_message(&e), None), false)),
    };
    if linked {
        let refusal = match cwd {
            None => Some((
                "symbolic link not followed: the current directory is unknown, so where \
                 the link leads cannot be checked"
                    .to_owned(),
                None,
            )),
            Some(cwd) => refuse(path, &target, cwd, "the current directory"),
        };
        if let Some((message, help)) = refusal {
            return found.push((problem(message, help), true));
        }
    }
    match std::fs::metadata(&target) {
        Ok(meta) if meta.is_dir() => {
            let before = found.len();
            Walk::new(path, target, found).run();
            if found.len() == before {
                found.push((
                    problem(
                        "no `*.yaml` or `*.yml` files in this directory".to_owned(),
                        None,
                    ),
                    false,
                ));
            }
        }
        // Not a regular file (a FIFO, a device)? Reading says so, without opening it.
        Ok(_) => found.push((
            Found::File {
                shown: path.to_path_buf(),
                open: target,
            },
            linked,
        )),
        Err(e) => found.push((problem(io_message(&e), None), linked)),
    }
}

/// Whether a named path is a link, or goes through a linked directory: every component
/// of a relative path is checked, and of an absolute path those below the current
/// directory (above it, links are the machine's, not the repository's) and the last.
fn through_link(path: &Path, cwd: Option<&Path>) -> std::io::Result<bool> {
    let components: Vec<Component<'_>> = path.components().collect();
    let below = match cwd {
        _ if path.is_relative() => 0,
        Some(cwd) if path.starts_with(cwd) => cwd.components().count(),
        _ => components.len().saturating_sub(1),
    };
    let mut prefix = PathBuf::new();
    for (i, component) in components.iter().enumerate() {
        prefix.push(component);
        if i >= below
            && matches!(component, Component::Normal(_))
            && std::fs::symlink_metadata(&prefix)?.file_type().is_symlink()
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Why a link to `target` is not followed from within `root` (`root_name` for the
/// message), or `None` when it may be.
fn refuse(
    link: &Path,
    target: &Path,
    root: &Path,
    root_name: &str,
) -> Option<(String, Option<String>)> {
    let to = link_text(link);
    // A path named on the command line may go through a linked directory instead.
    let what = if to.is_empty() {
        "path goes through a symbolic link that leads"
    } else {
        "symbolic link leads"
    };
    let Ok(below) = target.strip_prefix(root) else {
        return Some((
            format!(
                "{what} outside {root_name}{to}; mcpform follows links only to paths \
                 inside it"
            ),
            Some("keep the file itself in the repository instead of a link to it".to_owned()),
        ));
    };
    let hidden = below
        .components()
        .any(|c| c.as_os_str().to_string_lossy().starts_with('.'));
    hidden.then(|| {
        (
            format!(
                "{what} into the hidden path `{}`{to}; mcpform does not follow links to \
                 hidden files and directories",
                shown(below)
            ),
            Some("link to a path that is not hidden, or keep the file itself".to_owned()),
        )
    })
}

/// ` (to `TARGET`)` with the link's own text, escaped and shortened; empty when the path
/// is not itself a link (it goes through one).
fn link_text(link: &Path) -> String {
    // Without a trailing `/`, which would make the system read the link's target.
    let link: PathBuf = link.components().collect();
    std::fs::read_link(link)
        .map(|to| format!(" (to `{}`)", shown(&to)))
        .unwrap_or_default()
}

/// A path for a message: escaped, at most 120 characters.
fn shown(path: &Path) -> String {
    truncate(&terminal_line(&path.to_string_lossy()), 120)
}

fn unfollowable(link: &Path, e: &std::io::Error) -> String {
    #[cfg(unix)]
    let loops = e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    let loops = false;
    let why = if loops {
        "it leads back to itself".to_owned()
    } else {
        io_message(e)
    };
    format!("symbolic link cannot be followed{}: {why}", link_text(link))
}

fn is_yaml_name(name: &OsStr) -> bool {
    matches!(
        Path::new(name).extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// The search of one directory named on the command line.
struct Walk<'a> {
    /// The directory as named.
    root_shown: &'a Path,
    /// Its canonical path: links must stay below it.
    root: PathBuf,
    /// Canonical directories searched or queued, so that links never loop.
    seen: HashSet<PathBuf>,
    /// Directories to search: (name to show, canonical path, reached through a link).
    queue: Vec<(PathBuf, PathBuf, bool)>,
    found: &'a mut Vec<(Found, bool)>,
}

impl<'a> Walk<'a> {
    fn new(root_shown: &'a Path, root: PathBuf, found: &'a mut Vec<(Found, bool)>) -> Walk<'a> {
        Walk {
            root_shown,
            seen: HashSet::from([root.clone()]),
            queue: vec![(root_shown.to_path_buf(), root.clone(), false)],
            root,
            found,
        }
    }

    /// Real directories first, then linked ones, so that a linked directory inside the
    /// tree is found already searched (its files keep their real names).
    fn run(mut self) {
        let mut links = Vec::new();
        while let Some((shown, canonical, via_link)) = self.queue.pop() {
            self.search(&shown, &canonical, via_link, &mut links);
            if self.queue.is_empty() {
                for (shown, canonical) in links.drain(..) {
                    if self.seen.insert(canonical.clone()) {
                        self.queue.push((shown, canonical, true));
                    }
                }
            }
        }
    }

    fn search(
        &mut self,
        dir: &Path,
        canonical: &Path,
        via_link: bool,
        links: &mut Vec<(PathBuf, PathBuf)>,
    ) {
        let entries = match std::fs::read_dir(canonical) {
            Ok(entries) => entries,
            Err(e) => return self.problem(dir, io_message(&e), None),
        };
        let mut entries: Vec<_> = entries
            .flatten()
            .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
            .collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in entries {
            // Hidden entries (.git, editor state) are skipped, as most tools do.
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let shown = dir.join(&name);
            if kind.is_dir() {
                let canonical = canonical.join(&name);
                if self.seen.insert(canonical.clone()) {
                    self.queue.push((shown, canonical, via_link));
                }
            } else if kind.is_symlink() {
                self.link(shown, canonical.join(&name), &name, links);
            } else if is_yaml_name(&name) {
                // Regular or not (a FIFO): reading checks, and names it if it is not.
                let open = canonical.join(&name);
                self.found.push((Found::File { shown, open }, via_link));
            }
        }
    }

    /// A link: followed when it leads to a directory, or is named `*.yaml`/`*.yml`, and
    /// stays inside the root; other links are not mcpform's business.
    fn link(
        &mut self,
        shown: PathBuf,
        path: PathBuf,
        name: &OsStr,
        links: &mut Vec<(PathBuf, PathBuf)>,
    ) {
        let yaml = is_yaml_name(name);
        let is_dir = match std::fs::metadata(&path) {
            Ok(meta) => meta.is_dir(),
            Err(e) if yaml => return self.problem(&shown, unfollowable(&path, &e), None),
            Err(_) => return,
        };
        if !is_dir && !yaml {
            return;
        }
        let target = match std::fs::canonicalize(&path) {
            Ok(target) => target,
            Err(e) => return self.problem(&shown, unfollowable(&path, &e), None),
        };
        let root_name = format!("`{}`", shown_root(self.root_shown));
        if let Some((message, help)) = refuse(&path, &target, &self.root, &root_name) {
            return self.problem(&shown, message, help);
        }
        if is_dir {
            links.push((shown, target));
        } else {
            self.found.push((
                Found::File {
                    shown,
                    open: target,
                },
                true,
            ));
        }
    }

    fn problem(&mut self, shown: &Path, message: String, help: Option<String>) {
        self.found.push((
            Found::Problem {
                shown: shown.to_path_buf(),
                message,
                help,
            },
            false,
        ));
    }
}

fn shown_root(root: &Path) -> String {
    let name = shown(root);
    match name.trim_end_matches('/') {
        "" => name,
        trimmed => trimmed.to_owned(),
    }
}
