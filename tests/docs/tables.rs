//! The tables the code keeps: normalisation, what each LiteLLM version supports, and
//! the exit codes.

use mcpform::cli::exit;
use mcpform::live::normalise::TABLE;
use mcpform::model::support::{BEHAVIOURS, NEWEST_CHECKED, Older, ProxyVersion, VALUES, fields};
use mcpform::model::{Compared, FieldKind, SERVER_FIELDS};

use crate::generated_note;
use crate::markdown::{table, text};

pub(crate) fn normalisation() -> String {
    let mut s = generated_note("src/live/normalise.rs");
    s.push_str("\n# Normalisation\n\n");
    s.push_str(
        "Both sides of every compared field (the files' and the proxy's) go through these \
         rows, in this order, before plan compares them, so that a plan made right after an \
         apply is empty. Each row has a test in `src/live/normalise.rs`. Why the table \
         exists, and what is never compared: \
         [concepts/normalisation.md](../concepts/normalisation.md).\n\n",
    );
    let rows: Vec<Vec<String>> = TABLE
        .iter()
        .map(|r| vec![format!("`{}`", r.id), text(&r.rule())])
        .collect();
    s.push_str(&table(&["row", "rule"], &rows));
    s
}

/// What older versions do with a field, newest stage first: `stored, not listed from
/// 1.85.0; dropped before`.
fn older(stages: &[(ProxyVersion, Older)]) -> String {
    let any = ProxyVersion::new(0, 0, 0);
    stages
        .iter()
        .enumerate()
        .map(|(i, (from, what))| {
            let word = match what {
                Older::Dropped => "dropped",
                Older::Unlisted => "stored, not listed",
                Older::Refused => "refused (500)",
            };
            match (*from == any, i) {
                (true, 0) => word.to_owned(),
                (true, _) => format!("{word} before"),
                (false, _) => format!("{word} from {from}"),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The three tables of `model::support`, one row per entry. The one function that knows
/// the support table's API: when it changes, only this changes.
fn support_tables() -> [String; 3] {
    // Oldest first: the page is read to find what a proxy of some version lacks.
    let mut by_version: Vec<_> = fields().collect();
    by_version.sort_by_key(|r| r.since);
    let fields: Vec<Vec<String>> = by_version
        .into_iter()
        .map(|r| {
            vec![
                format!("`{}`", r.field),
                r.since.to_string(),
                r.last_without.to_string(),
                older(r.older),
            ]
        })
        .collect();
    let values: Vec<Vec<String>> = VALUES
        .iter()
        .map(|r| {
            vec![
                format!("`{}: {}`", r.field, r.value),
                r.since.to_string(),
                r.last_without.to_string(),
                "refused (422)".to_owned(),
            ]
        })
        .collect();
    let behaviours: Vec<Vec<String>> = BEHAVIOURS
        .iter()
        .map(|r| {
            vec![
                text(r.what),
                r.since.to_string(),
                r.last_without.to_string(),
                text(r.mcpform),
            ]
        })
        .collect();
    [
        table(
            &[
                "field",
                "first version that stores and lists it",
                "newest checked without",
                "older versions",
            ],
            &fields,
        ),
        table(
            &[
                "value",
                "first version that accepts it",
                "newest checked without",
                "older versions",
            ],
            &values,
        ),
        table(
            &[
                "what changed",
                "since",
                "newest checked without",
                "what mcpform does",
            ],
            &behaviours,
        ),
    ]
}

/// Every fact of `model::SERVER_FIELDS`, one row per field in declaration order.
fn every_field() -> String {
    let yes = |b: bool| if b { "yes" } else { "" }.to_owned();
    let rows: Vec<Vec<String>> = SERVER_FIELDS
        .iter()
        .map(|f| {
            vec![
                format!("`{}`", f.name),
                match f.kind {
                    FieldKind::Scalar => "scalar",
                    FieldKind::List => "list",
                    FieldKind::Map => "map",
                    FieldKind::Record => "record",
                }
                .to_owned(),
                format!("`{}`", f.request_default),
                f.listed_default
                    .map(|d| format!("`{d}`"))
                    .unwrap_or_default(),
                f.introduced
                    .map(|i| i.since.to_string())
                    .unwrap_or_else(|| "every".to_owned()),
                match f.compared {
                    Compared::Value => "value",
                    Compared::Fingerprint => "fingerprint",
                    Compared::Identity => "identity (never)",
                    Compared::Policy => "policy (never sent)",
                }
                .to_owned(),
                yes(f.always_managed.is_some()),
                yes(f.ignorable),
                yes(f.secret_capable),
                yes(f.mints_oauth),
                yes(f.cleared_on_auth_change.is_some()),
            ]
        })
        .collect();
    table(
        &[
            "field",
            "kind",
            "request default",
            "listed default",
            "stored and listed since",
            "compared as",
            "always managed",
            "ignorable",
            "secret-capable",
            "OAuth-minting",
            "cleared on auth change",
        ],
        &rows,
    )
}

pub(crate) fn field_support() -> String {
    let [fields, values, behaviours] = support_tables();
    let mut s = generated_note("src/model/support/");
    s.push_str("\n# What each LiteLLM version supports\n\n");
    s.push_str(&format!(
        "mcpform plans by this table, read from the published wheels of LiteLLM 1.80.0 to \
         {NEWEST_CHECKED} and checked against real proxies; {NEWEST_CHECKED} is the newest \
         checked, and a newer proxy is planned as it. Versions before 1.80.0 are treated as \
         1.80.0. How plan and `lint --proxy-version` use it, and which versions CI runs: \
         [supported LiteLLM versions](../litellm-versions.md).\n\n"
    ));
    s.push_str(
        "## Fields\n\nA file that sets one of these fields for a proxy that does not store \
         it, or does not show it in its list, is a plan error (and, with `lint \
         --proxy-version`, a `proxy-version` finding). A value that means \"not set\" (`null`, \
         `[]`, `{}`, the default) is fine on any version. Fields not in the table are stored \
         and listed by every version checked.\n\n",
    );
    s.push_str(&fields);
    s.push_str(
        "\n## Every field\n\nThe model's table (`src/model/fields/table.rs`), one row per \
         field with every fact mcpform plans by: what the proxy stores when a request \
         leaves the field out, what its list shows then, how plan compares it, whether it \
         is sent whatever a file says, whether `lifecycle.ignore_changes` may name it, \
         whether it can hold a secret (shown by key names only), whether changing it makes \
         the proxy delete users' stored OAuth tokens, and whether the proxy clears it when \
         an update changes `url`, `issuer` or the auth class.\n\n",
    );
    s.push_str(&every_field());
    s.push_str("\n## Values\n\n");
    s.push_str(&values);
    s.push_str("\n## Behaviours\n\nWhat mcpform depends on that changed between versions:\n\n");
    s.push_str(&behaviours);
    s
}

pub(crate) fn exit_codes() -> String {
    let mut s = generated_note("src/cli/mod.rs (`exit`)");
    s.push_str("\n# Exit codes\n\n");
    s.push_str(&format!(
        "Usage errors (an unknown flag, a bad value) exit {}, so that {} and {} keep their \
         meaning. `schema` and `rules` exit {} unless their output cannot be written.\n\n",
        exit::ERROR,
        exit::CHANGES,
        exit::GUARDED,
        exit::OK
    ));
    let c = |code: u8| code.to_string();
    s.push_str("## lint and plan\n\n");
    s.push_str(&table(
        &["code", "`lint`", "`plan`", "`plan --detailed-exitcode`"],
        &[
            vec![
                c(exit::OK),
                "no errors (warnings allowed; with `--strict`, none either)".into(),
                "success".into(),
                "no changes".into(),
            ],
            vec![
                c(exit::ERROR),
                "errors in the files".into(),
                "errors in the files, an unset secret, a failed request, or a plan error".into(),
                "same".into(),
            ],
            vec![
                c(exit::CHANGES),
                String::new(),
                String::new(),
                "changes to make".into(),
            ],
            vec![
                c(exit::GUARDED),
                String::new(),
                String::new(),
                "changes, some of them guarded".into(),
            ],
        ],
    ));
    s.push_str("\n## apply\n\n");
    s.push_str(&table(
        &["code", "`apply`"],
        &[
            vec![c(exit::OK), "everything applied (or already was)".into()],
            vec![
                c(exit::ERROR),
                "any failure, partial or stale action, refused plan or interrupt, or writes \
                 the read after them could not verify; usage errors"
                    .into(),
            ],
            vec![
                c(exit::GUARDED),
                "nothing failed, but a guard skipped something".into(),
            ],
            vec![
                c(exit::INTERRUPTED),
                "a second interrupt: apply exited at once, without its report".into(),
            ],
        ],
    ));
    s.push_str(&format!(
        "\n## export\n\n{} on success, {} on any error.\n\n",
        exit::OK,
        exit::ERROR
    ));
    s.push_str(&format!(
        "## In the GitHub Action\n\nThe Action writes its outputs first (`exit-code` among \
         them); then the step passes for {} and {} (changes are not a failure), fails with {} \
         for guarded changes unless `fail-on-guard: false`, and fails with mcpform's code for \
         errors. See [the GitHub Actions guide](../guides/github-actions.md).\n",
        exit::OK,
        exit::CHANGES,
        exit::GUARDED
    ));
    s
}
