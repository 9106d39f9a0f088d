//! `--github` and its two companions, shared by lint, plan and apply.

use std::path::PathBuf;

use clap::Args;

use crate::github::{Commenting, Github, Settings};

/// The GitHub Actions flags.
#[derive(Debug, Clone, Args)]
pub struct GithubArgs {
    /// In GitHub Actions: annotations, the job summary, step outputs (`GITHUB_OUTPUT`)
    /// and a sticky pull-request comment, all in this run.
    #[arg(long)]
    pub github: bool,

    /// With --github: no pull-request comment (summary, annotations and outputs only).
    #[arg(long, requires = "github")]
    pub no_comment: bool,

    /// With --github: a name of your own for the comment (an environment), so that two
    /// runs on the same proxy and paths keep two comments.
    #[arg(long, value_name = "KEY", requires = "github")]
    pub comment_key: Option<String>,

    /// With --github: plan or apply a pull request from a fork although the admin key is
    /// in the environment (`pull_request_target`), which is refused otherwise. Only for a
    /// workflow where a maintainer reviews each pull request's files before it runs.
    #[arg(long, requires = "github")]
    pub allow_fork_with_key: bool,
}

impl GithubArgs {
    /// The runner's context and the settings, when `--github` is given.
    pub(crate) fn context(&self, paths: &[PathBuf]) -> Option<(Github, Settings)> {
        if !self.github {
            return None;
        }
        let env = |name: &str| std::env::var(name).ok();
        let settings = Settings {
            commenting: if self.no_comment {
                Commenting::Off
            } else {
                Commenting::On
            },
            comment_key: self.comment_key.clone(),
            paths: paths.to_vec(),
        };
        Some((Github::from_env(&env), settings))
    }
}
