//! What apply shows while it writes: a progress bar on a terminal, a line per server
//! in CI logs, or nothing until the end.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressStyle};

use super::apply_cmd::ProgressMode;
use crate::apply::{ActionResult, Observer, Status};
use crate::escape::terminal_line;
use crate::plan::Action;

/// How progress is shown.
pub(super) trait Progress: Observer {
    fn done(&self) {}
}

pub(super) fn progress(mode: ProgressMode, total: usize) -> Box<dyn Progress> {
    let tty = std::io::stderr().is_terminal();
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    match mode {
        ProgressMode::None => Box::new(Quiet),
        ProgressMode::Lines => Box::new(Lines),
        ProgressMode::Bar => Box::new(Bar::new(total)),
        ProgressMode::Auto if tty && !ci => Box::new(Bar::new(total)),
        ProgressMode::Auto => Box::new(Lines),
    }
}

struct Quiet;

impl Observer for Quiet {}
impl Progress for Quiet {}

struct Lines;

impl Observer for Lines {
    fn finished(&self, r: &ActionResult) {
        eprintln!("{}", line(r));
    }

    fn note(&self, text: &str) {
        eprintln!("  {text}");
    }
}

impl Progress for Lines {}

fn line(r: &ActionResult) -> String {
    let tail = match (&r.status, &r.message) {
        (Status::Applied | Status::AlreadyApplied, _) | (_, None) => String::new(),
        (_, Some(m)) => format!(": {}", terminal_line(m)),
    };
    format!(
        "{:<15} {:<6} {} (server_id {}){tail}",
        r.status.as_str(),
        r.action.as_str(),
        terminal_line(&r.server_name),
        terminal_line(&r.server_id)
    )
}

struct Bar(ProgressBar);

impl Bar {
    fn new(total: usize) -> Bar {
        let bar = ProgressBar::new(total as u64);
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}") {
            bar.set_style(style);
        }
        Bar(bar)
    }
}

impl Observer for Bar {
    fn started(&self, a: &Action) {
        self.0
            .set_message(terminal_line(&a.server_name).into_owned());
    }

    fn finished(&self, r: &ActionResult) {
        if !r.status.succeeded() {
            self.0.println(line(r));
        }
        self.0.inc(1);
    }

    fn note(&self, text: &str) {
        self.0.println(format!("  {text}"));
    }
}

impl Progress for Bar {
    fn done(&self) {
        self.0.finish_and_clear();
    }
}
