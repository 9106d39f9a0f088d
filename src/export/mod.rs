//! export: the live servers as an mcpform file, so that an existing proxy can be
//! adopted (export, commit, plan = empty).
//!
//! The inverse of `live`'s normalisation table and of the model's field list, never a
//! second copy of them: a field whose value is what the table makes of an absent one is
//! a default and is left out (`server`); the model's serde orders the fields and says
//! which values it cannot hold. Values the proxy returns in plain text become
//! `${env:…}` placeholders (`placeholders`). The text is written by a small emitter
//! (`yaml`) and linted in process: a server the rules refuse is left out with a
//! comment, and any other finding is a bug that fails the export.
//!
//! Pure: no I/O, no clock. The same live state gives the same bytes.

mod placeholders;
mod server;
mod yaml;

use std::collections::BTreeMap;

pub use placeholders::{NoFreeName, Placeholder};

use crate::diagnostic::Diagnostic;
use crate::lint::{LintOptions, lint};
use crate::live::{Facts, LiveServer, LiveState, PendingServer};
use crate::load::load_text;
use crate::plan::{Ownership, ownership};
use crate::rule::{RuleId, Severity};
use crate::secret::FingerprintKey;
use server::Draft;
use yaml::comment_text;

/// How to export.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    /// Only servers mcpform owns (its marker with a valid proof).
    pub managed_only: bool,
    /// Every field, defaults included.
    pub full: bool,
    /// Plain-text values written as they are instead of placeholders.
    pub reveal_values: bool,
    /// Variables a file may not read besides `env::RESERVED` (`--api-key-env`'s).
    pub reserved_env: &'a [&'a str],
    /// The proxy's address, named in the file's header.
    pub source: Option<&'a str>,
}

/// A live server that is not in the file, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Its id.
    pub server_id: String,
    /// Its name, if it has one.
    pub server_name: Option<String>,
    /// Why it is not declared.
    pub reason: String,
    /// mcpform owns it and nothing protects it: `plan --prune` would delete it.
    pub prunable: bool,
}

/// The exported file and what came with it.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The mcpform file.
    pub text: String,
    /// How many servers it declares.
    pub exported: usize,
    /// Live servers not in it (config servers, servers mcpform cannot declare).
    pub left_out: Vec<LeftOut>,
    /// Servers `managed_only` skipped.
    pub not_owned: usize,
    /// The `${env:…}` placeholders the file uses, in file order.
    pub placeholders: Vec<Placeholder>,
    /// Lint warnings about the file (they describe the live servers), one line each.
    pub warnings: Vec<String>,
    /// Servers that likely hold `credentials`, which cannot be read back: each has a
    /// commented block to fill in.
    pub credential_blocks: usize,
}

impl Exported {
    /// The env file: `NAME='value'` for every placeholder. Holds secrets.
    pub fn env_file(&self) -> String {
        placeholders::env_file(&self.placeholders)
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// mcpform's own output does not lint clean for a reason no server explains: a bug.
    #[error(
        "the exported file does not lint clean, so nothing was written (a bug in mcpform export; please report it): {}",
        .0.join("; ")
    )]
    NotClean(Vec<String>),
    /// No placeholder name was free (bounded search; see `placeholders`).
    #[error(transparent)]
    NoFreeName(#[from] NoFreeName),
}

/// The live servers as an mcpform file. `facts` name the submissions (those awaiting
/// approval are not exported, only named in the header; none is mcpform's); `key` is
/// the fingerprint key that proves ownership.
pub fn export(
    live: &LiveState,
    facts: &Facts,
    options: &ExportOptions<'_>,
    key: &FingerprintKey,
) -> Result<Exported, ExportError> {
    let pending = facts.pending.as_slice();
    let mut servers: Vec<&LiveServer> = live.servers.iter().collect();
    servers.sort_by_cached_key(|l| {
        let name = l.display_name();
        (
            name.to_lowercase(),
            name.to_owned(),
            l.server_id().to_owned(),
        )
    });
    let mut drafts: Vec<(Draft, bool)> = Vec::new();
    let mut left_out = Vec::new();
    let mut not_owned = 0;
    for l in servers {
        let owned = ownership(l, key, &facts.submitted) == Ownership::Owned;
        if options.managed_only && !owned {
            not_owned += 1;
            continue;
        }
        let prunable = owned && !l.prevents_destroy();
        let leave = |reason: String| LeftOut {
            server_id: l.server_id().to_owned(),
            server_name: l.server_name().map(str::to_owned),
            reason,
            prunable,
        };
        if l.is_config() {
            left_out.push(leave(
                "defined in the proxy's config.yaml: read-only, it cannot be declared".to_owned(),
            ));
            continue;
        }
        match server::draft(l, options.full) {
            Ok(d) => drafts.push((d, prunable)),
            Err(why) => left_out.push(leave(why)),
        }
    }
    let none = |_: &str| None;
    let lint_options = LintOptions {
        require_env: false,
        env: &none,
        reserved_env: options.reserved_env,
        // Every field written was listed by the proxy, and a proxy lists only what it
        // stores: the support table has nothing to say about an export.
        proxy_version: None,
    };
    // Each round leaves out at least one server, or ends.
    loop {
        let doc = render(&drafts, &left_out, pending, not_owned, options)?;
        let linted = lint(load_text("export.yaml", &doc.text), &lint_options);
        let verdict = judge(&linted.diagnostics, &doc.lines, &drafts);
        if !verdict.bugs.is_empty() {
            return Err(ExportError::NotClean(verdict.bugs));
        }
        if verdict.refused.is_empty() {
            if linted.has_errors() || linted.desired.servers.len() != drafts.len() {
                return Err(ExportError::NotClean(vec![format!(
                    "{} servers written, {} read back",
                    drafts.len(),
                    linted.desired.servers.len()
                )]));
            }
            return Ok(Exported {
                text: doc.text,
                exported: drafts.len(),
                left_out: sorted_left_out(&left_out),
                not_owned,
                placeholders: doc.placeholders,
                warnings: verdict.warnings,
                credential_blocks: drafts
                    .iter()
                    .filter(|(d, _)| d.credentials.is_some())
                    .count(),
            });
        }
        for (i, reasons) in verdict.refused.into_iter().rev() {
            let (d, prunable) = drafts.remove(i);
            left_out.push(LeftOut {
                server_id: d.server_id,
                server_name: Some(d.server_name),
                reason: format!("mcpform would refuse it: {}", reasons.join("; ")),
                prunable,
            });
        }
    }
}

/// What lint said about a rendered file.
struct Verdict {
    /// Errors on servers, by draft index: those servers are left out.
    refused: BTreeMap<usize, Vec<String>>,
    /// Findings no server explains (the emitter's own, or outside every server).
    bugs: Vec<String>,
    /// Warnings, one line each.
    warnings: Vec<String>,
}

/// Findings of the loader about the text itself: the emitter's doing, never a server's.
const EMITTER_RULES: &[RuleId] = &[
    RuleId::YamlSyntax,
    RuleId::DuplicateKey,
    RuleId::EmptyFile,
    RuleId::FileRead,
    RuleId::AmbiguousBool,
];

fn judge(diagnostics: &[Diagnostic], lines: &[(u32, u32)], drafts: &[(Draft, bool)]) -> Verdict {
    let mut v = Verdict {
        refused: BTreeMap::new(),
        bugs: Vec::new(),
        warnings: Vec::new(),
    };
    for d in diagnostics {
        let line = d.span.map(|s| s.start.line);
        let server = line.and_then(|l| lines.iter().position(|(a, b)| (*a..=*b).contains(&l)));
        let text = format!("`{}`: {}", d.rule.id(), d.message);
        match (server, d.severity) {
            _ if EMITTER_RULES.contains(&d.rule) => v.bugs.push(text),
            (Some(i), Severity::Error) => v.refused.entry(i).or_default().push(text),
            (None, Severity::Error) => v.bugs.push(text),
            (Some(i), _) => v
                .warnings
                .push(format!("server `{}`: {text}", drafts[i].0.server_name)),
            (None, _) => v.warnings.push(text),
        }
    }
    v
}

fn sorted_left_out(left_out: &[LeftOut]) -> Vec<LeftOut> {
    let mut out = left_out.to_vec();
    out.sort_by(|a, b| (&a.server_name, &a.server_id).cmp(&(&b.server_name, &b.server_id)));
    out
}

/// A rendered file.
struct Rendered {
    text: String,
    placeholders: Vec<Placeholder>,
    /// The first and last line (1-based) of each server.
    lines: Vec<(u32, u32)>,
}

fn render(
    drafts: &[(Draft, bool)],
    left_out: &[LeftOut],
    pending: &[PendingServer],
    not_owned: usize,
    options: &ExportOptions<'_>,
) -> Result<Rendered, ExportError> {
    let mut names = placeholders::Names::new(options.reserved_env);
    let mut body = String::new();
    let mut spans = Vec::new();
    let mut found = Vec::new();
    let mut line = 0;
    for (d, _) in drafts {
        let mut item = String::new();
        found.extend(render_server(
            &mut item,
            d,
            options.reveal_values,
            &mut names,
        )?);
        let lines = item.matches('\n').count();
        spans.push((line, line + lines));
        line += lines;
        body.push_str(&item);
    }
    let mut text = header(
        drafts.is_empty(),
        left_out,
        pending,
        not_owned,
        &found,
        options,
    );
    let offset = text.matches('\n').count();
    text.push_str(&body);
    let lines = spans
        .into_iter()
        .map(|(a, b)| ((offset + a + 1) as u32, (offset + b) as u32))
        .collect();
    Ok(Rendered {
        text,
        placeholders: found,
        lines,
    })
}

/// One server as a list item, then its comments.
fn render_server(
    out: &mut String,
    d: &Draft,
    reveal: bool,
    names: &mut placeholders::Names<'_>,
) -> Result<Vec<Placeholder>, placeholders::NoFreeName> {
    let mut fields = d.fields.clone();
    let policy = placeholders::Policy {
        recorded: &d.recorded,
        reveal,
        fits: &server::fits,
    };
    let mut found = placeholders::substitute(&d.server_name, &mut fields, &policy, names)?;
    yaml::write_seq(out, &[serde_json::Value::Object(fields)], 2);
    for field in &d.unfit {
        comment(
            out,
            &format!(
                "`{field}` is not declared (so not managed): the proxy holds a value mcpform's model cannot"
            ),
        );
    }
    if let Some(hint) = &d.credentials {
        comment(
            out,
            "credentials are write-only on the proxy, so they cannot be exported. To manage",
        );
        comment(
            out,
            "them, uncomment this and set the variables (plan then sends them once):",
        );
        // The keys the proxy lists (`scopes`, …) are its text: one that mcpform would
        // read as a reference becomes a placeholder here too, or uncommenting the block
        // would make plan read the variable it names. Before the keys to fill in get
        // theirs, which read as references by design.
        let mut wrapped = serde_json::Map::new();
        wrapped.insert(
            "credentials".into(),
            serde_json::Value::Object(hint.clone()),
        );
        let no_fields = std::collections::BTreeSet::new();
        let only_references = placeholders::Policy {
            recorded: &no_fields,
            reveal: true,
            fits: &|_, _| true,
        };
        found.extend(placeholders::substitute(
            &d.server_name,
            &mut wrapped,
            &only_references,
            names,
        )?);
        if let Some(serde_json::Value::Object(block)) = wrapped.get_mut("credentials") {
            for (k, v) in block.iter_mut() {
                if v.is_null() {
                    let name = names.allocate(&d.server_name, k)?;
                    *v = serde_json::Value::String(format!("${{env:{name}}}"));
                }
            }
        }
        let mut text = String::new();
        yaml::write_map(&mut text, &wrapped, 0);
        for line in text.lines() {
            comment(out, line);
        }
    }
    Ok(found)
}

fn comment(out: &mut String, text: &str) {
    out.push_str("    # ");
    out.push_str(&comment_text(text));
    out.push('\n');
}

fn header(
    empty: bool,
    left_out: &[LeftOut],
    pending: &[PendingServer],
    not_owned: usize,
    placeholders: &[Placeholder],
    options: &ExportOptions<'_>,
) -> String {
    let mut lines = vec![match options.source {
        Some(url) => format!("Exported by `mcpform export` from {url}."),
        None => "Exported by `mcpform export`.".to_owned(),
    }];
    if options.full {
        lines.push("Every field is declared (`--full`), defaults too.".to_owned());
    } else {
        lines.push("Fields at the proxy's defaults are left out, so they are not managed (`--full` declares them).".to_owned());
    }
    if options.reveal_values {
        lines.push("SECRET: written with `--reveal-values`, this file holds values the proxy keeps in plain text.".to_owned());
    }
    if !placeholders.is_empty() {
        lines.push(
            "`${env:MCPFORM_…}` placeholders stand for values the proxy keeps in plain text;"
                .to_owned(),
        );
        lines.push(
            "set them before plan (`mcpform export --env-file FILE` writes them).".to_owned(),
        );
    }
    if not_owned > 0 {
        lines.push(format!(
            "`--managed-only`: {not_owned} servers mcpform does not own are left out."
        ));
    }
    if !left_out.is_empty() {
        lines.push("Left out (not declared here, so plan leaves them alone):".to_owned());
        for l in sorted_left_out(left_out) {
            let name = l.server_name.as_deref().unwrap_or("(no name)");
            let prune = if l.prunable {
                " mcpform owns it: `plan --prune` would delete it."
            } else {
                ""
            };
            lines.push(format!(
                "  `{name}` (server_id `{}`): {}.{prune}",
                l.server_id, l.reason
            ));
        }
    }
    lines.push(
        "The proxy's list leaves out OpenAPI servers whose spec it cannot load: they are not here."
            .to_owned(),
    );
    if !pending.is_empty() {
        let names: Vec<String> = pending
            .iter()
            .map(|p| format!("`{}`", p.server_name.as_deref().unwrap_or(&p.server_id)))
            .collect();
        lines.push(format!(
            "Submissions awaiting approval are not here either: {}.",
            names.join(", ")
        ));
    }
    let mut out = String::new();
    for line in lines {
        out.push_str("# ");
        out.push_str(&comment_text(&line));
        out.push('\n');
    }
    out.push_str("version: 1\n");
    out.push_str(if empty { "servers: []\n" } else { "servers:\n" });
    out
}

#[cfg(test)]
mod tests;
