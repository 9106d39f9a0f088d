//! `docs/reference/commands.md` and `docs/reference/man/*.1`, from clap's definitions.

use clap::{Arg, ArgAction, Command};

use crate::markdown::{fence, slug, text};

/// The command line, built (so that usages and global flags are filled in).
fn built() -> Command {
    let mut cmd = mcpform::cli::command();
    cmd.build();
    cmd
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

fn is_builtin(arg: &Arg) -> bool {
    matches!(arg.get_id().as_str(), "help" | "version")
}

/// Whether the argument takes a value (a flag such as `--strict` does not).
fn takes_value(arg: &Arg) -> bool {
    !matches!(
        arg.get_action(),
        ArgAction::SetTrue
            | ArgAction::SetFalse
            | ArgAction::Count
            | ArgAction::Help
            | ArgAction::HelpShort
            | ArgAction::HelpLong
            | ArgAction::Version
    )
}

/// How an argument is written: `[PATHS]...`, `--format <FORMAT>`, `--strict`.
fn spelling(arg: &Arg) -> String {
    let names: Vec<String> = arg
        .get_value_names()
        .map(|v| v.iter().map(|n| n.to_string()).collect())
        .unwrap_or_else(|| vec![arg.get_id().as_str().to_uppercase()]);
    let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1);
    if arg.is_positional() {
        let name = names.join(" ");
        let name = if arg.is_required_set() {
            format!("<{name}>")
        } else {
            format!("[{name}]")
        };
        return if many { format!("{name}...") } else { name };
    }
    let mut s = String::new();
    if let Some(short) = arg.get_short() {
        s.push_str(&format!("-{short}, "));
    }
    s.push_str(&format!(
        "--{}",
        arg.get_long().unwrap_or(arg.get_id().as_str())
    ));
    if takes_value(arg) {
        for n in &names {
            s.push_str(&format!(" <{n}>"));
        }
    }
    s
}

/// A help text on one line, ending with a full stop (clap drops the first line's).
fn sentence(help: &str) -> String {
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    if help.is_empty() || help.ends_with(['.', '!', '?', ':']) {
        help
    } else {
        format!("{help}.")
    }
}

/// The argument's help and its default, then its values as a nested list.
fn description(arg: &Arg) -> String {
    let help = arg
        .get_long_help()
        .or(arg.get_help())
        .map(|h| h.to_string())
        .unwrap_or_default();
    let mut s = text(&sentence(&help));
    let takes_value = takes_value(arg);
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|d| format!("`{}`", d.to_string_lossy()))
        .collect();
    if takes_value && !defaults.is_empty() {
        s.push_str(&format!(" Default: {}.", defaults.join(", ")));
    }
    if takes_value {
        for v in arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
        {
            match v.get_help() {
                Some(h) => s.push_str(&format!(
                    "\n  * `{}`: {}",
                    v.get_name(),
                    text(&h.to_string())
                )),
                None => s.push_str(&format!("\n  * `{}`", v.get_name())),
            }
        }
    }
    s
}

fn usage(cmd: &Command) -> String {
    let usage = cmd.clone().render_usage().to_string();
    usage
        .strip_prefix("Usage: ")
        .unwrap_or(&usage)
        .trim()
        .to_owned()
}

fn about(cmd: &Command) -> String {
    cmd.get_long_about()
        .or(cmd.get_about())
        .map(|a| a.to_string())
        .unwrap_or_default()
}

fn arguments(cmd: &Command, out: &mut String) {
    // A global flag is listed once, with the command that defines it.
    let top = cmd.get_name() == "mcpform";
    let args: Vec<&Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !is_builtin(a) && (top || !a.is_global_set()))
        .collect();
    let (positional, options): (Vec<&Arg>, Vec<&Arg>) =
        args.into_iter().partition(|a| a.is_positional());
    for (title, list) in [("Arguments", positional), ("Options", options)] {
        if list.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{title}:\n\n"));
        for arg in list {
            let global = if arg.is_global_set() {
                " (every command)"
            } else {
                ""
            };
            out.push_str(&format!(
                "* **`{}`**{global}: {}\n",
                spelling(arg),
                description(arg)
            ));
        }
    }
}

pub(crate) fn page() -> String {
    let cmd = built();
    let mut s = crate::generated_note("clap's definitions in src/cli/");
    s.push_str("\n# Commands\n\n");
    s.push_str(&format!("{}\n\n", text(&sentence(&about(&cmd)))));
    s.push_str(&fence("text", &usage(&cmd)));
    s.push_str(
        "\nEvery command takes `-h` (a summary) and `--help` (this page's text), and \
         `mcpform --version` prints the version. Exit codes: [exit-codes.md](exit-codes.md); \
         environment variables: [environment.md](environment.md). The same text as man \
         pages: [`man/`](man/) (`man ./docs/reference/man/mcpform.1`).\n\n",
    );
    for sub in visible_subcommands(&cmd) {
        let title = format!("mcpform {}", sub.get_name());
        s.push_str(&format!(
            "* [`{title}`](#{}): {}\n",
            slug(&title),
            text(&sentence(
                &sub.get_about().map(|a| a.to_string()).unwrap_or_default()
            ))
        ));
    }
    arguments(&cmd, &mut s);
    for sub in visible_subcommands(&cmd) {
        s.push_str(&format!("\n## mcpform {}\n\n", sub.get_name()));
        s.push_str(&format!("{}\n\n", text(&sentence(&about(sub)))));
        s.push_str(&fence("text", &usage(sub)));
        arguments(sub, &mut s);
    }
    s
}

/// One man page for mcpform and one per command (`mcpform-lint.1`, …).
pub(crate) fn man_pages() -> Vec<(String, String)> {
    let cmd = built().disable_help_subcommand(true);
    let mut out = Vec::new();
    let mut render = |page: Command| {
        let man = clap_mangen::Man::new(page);
        let name = man.get_filename();
        let mut roff = Vec::new();
        man.render(&mut roff).unwrap();
        let roff = String::from_utf8(roff).unwrap();
        out.push((
            name,
            format!(
                ".\\\" Generated from clap's definitions in src/cli/ by tests/docs; do not edit.\n.\\\" Regenerate: {}\n{roff}",
                crate::REGENERATE
            ),
        ));
    };
    render(cmd.clone());
    for sub in visible_subcommands(&cmd) {
        let name = format!("mcpform-{}", sub.get_name());
        render(sub.clone().display_name(name));
    }
    out
}
