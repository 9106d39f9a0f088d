//! Runs `action.yml` as the GitHub runner runs a composite action, as far as can be
//! done offline: inputs with their defaults, `if:` conditions, each `run:` step written
//! to a file and run with `bash --noprofile --norc -eo pipefail FILE` in its
//! working directory, with only the step's `env:` and the runner's variables (no
//! `INPUT_*`: composite actions get none), a fresh `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`, `GITHUB_ENV` and `GITHUB_PATH` per step, read back the
//! runner's way; `uses:` steps replaced by stubs; then the action's outputs.
//!
//! Not the real thing: GitHub's runner and expression engine are not here (see
//! `docs/guides/github-actions.md`, "How the Action is tested, and what that does not
//! prove").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value};

use super::expr::{self, Contexts};

/// `action.yml` as JSON.
pub(crate) fn action() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    yaml_file(&path)
}

/// A YAML file as JSON (scalars as strings, as the runner reads them).
pub(crate) fn yaml_file(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    yaml_text(&text)
}

/// YAML text as JSON.
pub(crate) fn yaml_text(text: &str) -> Value {
    use saphyr::{LoadableYamlNode, YamlOwned};
    let docs = YamlOwned::load_from_str(text).expect("YAML");
    fn json(y: &YamlOwned) -> Value {
        use saphyr::ScalarOwned as S;
        match y {
            YamlOwned::Value(S::Null) => Value::Null,
            YamlOwned::Value(S::Boolean(b)) => Value::String(b.to_string()),
            YamlOwned::Value(S::Integer(i)) => Value::String(i.to_string()),
            YamlOwned::Value(S::FloatingPoint(f)) => Value::String(f.to_string()),
            YamlOwned::Value(S::String(s)) => Value::String(s.clone()),
            YamlOwned::Representation(s, ..) => Value::String(s.clone()),
            YamlOwned::Sequence(items) => Value::Array(items.iter().map(json).collect()),
            YamlOwned::Mapping(m) => {
                let mut out = Map::new();
                for (k, v) in m {
                    let key = match json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    out.insert(key, json(v));
                }
                Value::Object(out)
            }
            YamlOwned::Tagged(_, inner) => json(inner),
            other => panic!("unsupported YAML node {other:?}"),
        }
    }
    json(docs.first().expect("one document"))
}

/// What a stubbed `uses:` step gets and gives.
pub(crate) type Stub<'a> = &'a dyn Fn(&str, &BTreeMap<String, String>) -> BTreeMap<String, String>;

/// One run of the action.
pub(crate) struct Job<'a> {
    /// The workflow's `with:`.
    pub(crate) inputs: BTreeMap<String, String>,
    /// What the runner sets for every step (`GITHUB_*`, `RUNNER_*`, `PATH`, `HOME`).
    pub(crate) env: BTreeMap<String, String>,
    /// `github.*` values of the expressions (`token`, `action_ref`, …).
    pub(crate) github: BTreeMap<String, String>,
    /// `GITHUB_WORKSPACE`: relative working directories start here.
    pub(crate) workspace: PathBuf,
    /// Stubs of the `uses:` steps.
    pub(crate) stub: Stub<'a>,
}

/// What came of it.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// The action's outputs.
    pub(crate) outputs: BTreeMap<String, String>,
    /// Each step's outcome (`success`, `failure`, `skipped`), by id.
    pub(crate) outcomes: BTreeMap<String, String>,
    /// The exit code of the first failed step (0 when none failed).
    pub(crate) exit_code: i32,
    /// Stdout and stderr of every step.
    pub(crate) log: String,
    /// The job summary (every step's, in order).
    pub(crate) summary: String,
    /// Every step's raw `GITHUB_OUTPUT` text.
    pub(crate) output_files: String,
}

impl Outcome {
    /// Whether the action failed.
    pub(crate) fn failed(&self) -> bool {
        self.exit_code != 0
    }
}

/// Reads an output file the runner's way: `name=value` lines and `name<<DELIM` blocks.
pub(crate) fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.split('\n');
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        let heredoc = line.find("<<");
        let equals = line.find('=');
        match (heredoc, equals) {
            (Some(h), e) if e.is_none_or(|e| h < e) => {
                let (name, delimiter) = (&line[..h], &line[h + 2..]);
                let mut value = Vec::new();
                let mut closed = false;
                for l in lines.by_ref() {
                    if l == delimiter {
                        closed = true;
                        break;
                    }
                    value.push(l);
                }
                assert!(
                    closed,
                    "the runner fails: delimiter `{delimiter}` of `{name}` never closes"
                );
                out.insert(name.to_owned(), value.join("\n"));
            }
            (_, Some(e)) => {
                out.insert(line[..e].to_owned(), line[e + 1..].to_owned());
            }
            _ => panic!("the runner fails on the output line `{line}`"),
        }
    }
    out
}

/// Runs the action.
pub(crate) fn run(job: &Job<'_>) -> Outcome {
    let action = action();
    let mut contexts = Contexts::new();
    for (name, spec) in action["inputs"].as_object().unwrap() {
        let default = spec.get("default").and_then(Value::as_str).unwrap_or("");
        let github_only = {
            let mut c = Contexts::new();
            for (k, v) in &job.github {
                c.insert(format!("github.{k}"), v.clone());
            }
            c
        };
        let value = match job.inputs.get(name) {
            Some(v) => v.clone(),
            None => expr::expand(default, &github_only).unwrap(),
        };
        contexts.insert(format!("inputs.{name}"), value);
    }
    for given in job.inputs.keys() {
        assert!(
            contexts.contains_key(&format!("inputs.{given}")),
            "the workflow gives `{given}`, which action.yml does not declare"
        );
    }
    for (k, v) in &job.github {
        contexts.insert(format!("github.{k}"), v.clone());
    }
    let mut outcome = Outcome::default();
    let mut env_from_files: BTreeMap<String, String> = BTreeMap::new();
    let mut path_prefix: Vec<String> = Vec::new();
    let scratch = tempfile::tempdir().unwrap();
    let steps = action["runs"]["steps"].as_array().unwrap();
    for (index, step) in steps.iter().enumerate() {
        let id = step
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| format!("__{index}"), str::to_owned);
        let condition = step.get("if").and_then(Value::as_str);
        let go = if outcome.failed() {
            false // `success()` is implied, and no step of ours says `always()`
        } else {
            condition.is_none_or(|c| expr::condition(c, &contexts).unwrap())
        };
        if !go {
            contexts.insert(format!("steps.{id}.outcome"), "skipped".into());
            outcome.outcomes.insert(id, "skipped".into());
            continue;
        }
        let step_outputs;
        let success = if let Some(uses) = step.get("uses").and_then(Value::as_str) {
            let with = strings(step.get("with"), &contexts);
            step_outputs = (job.stub)(uses, &with);
            true
        } else {
            let dir = scratch.path().join(&id);
            std::fs::create_dir_all(&dir).unwrap();
            let files = [
                "GITHUB_OUTPUT",
                "GITHUB_STEP_SUMMARY",
                "GITHUB_ENV",
                "GITHUB_PATH",
            ]
            .map(|name| (name, dir.join(name.to_ascii_lowercase())));
            for (_, f) in &files {
                std::fs::write(f, "").unwrap();
            }
            let script = dir.join("script.sh");
            std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
            let cwd = match step.get("working-directory").and_then(Value::as_str) {
                Some(w) => job.workspace.join(expr::expand(w, &contexts).unwrap()),
                None => job.workspace.clone(),
            };
            assert_eq!(step["shell"].as_str(), Some("bash"), "step {id}: shell");
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script)
                .current_dir(&cwd)
                .env_clear()
                .envs(&job.env)
                .envs(&env_from_files)
                .envs(strings(step.get("env"), &contexts));
            for (name, path) in &files {
                cmd.env(name, path);
            }
            if !path_prefix.is_empty() {
                let base = job.env.get("PATH").cloned().unwrap_or_default();
                cmd.env("PATH", format!("{}:{base}", path_prefix.join(":")));
            }
            let out = cmd.output().unwrap();
            outcome.log.push_str(&String::from_utf8_lossy(&out.stdout));
            outcome.log.push_str(&String::from_utf8_lossy(&out.stderr));
            let read = |name: &str| {
                std::fs::read_to_string(&files.iter().find(|(n, _)| *n == name).unwrap().1).unwrap()
            };
            let text = read("GITHUB_OUTPUT");
            outcome.output_files.push_str(&text);
            step_outputs = parse_outputs(&text);
            outcome.summary.push_str(&read("GITHUB_STEP_SUMMARY"));
            env_from_files.extend(parse_outputs(&read("GITHUB_ENV")));
            path_prefix.extend(read("GITHUB_PATH").lines().map(str::to_owned));
            if !out.status.success() {
                outcome.exit_code = out.status.code().unwrap_or(-1);
            }
            out.status.success()
        };
        for (k, v) in step_outputs {
            contexts.insert(format!("steps.{id}.outputs.{k}"), v);
        }
        let word = if success { "success" } else { "failure" };
        contexts.insert(format!("steps.{id}.outcome"), word.into());
        outcome.outcomes.insert(id, word.into());
    }
    for (name, spec) in action["outputs"].as_object().unwrap() {
        let value = expr::expand(spec["value"].as_str().unwrap(), &contexts).unwrap();
        outcome.outputs.insert(name.clone(), value);
    }
    outcome
}

/// A mapping of strings with every expression expanded.
fn strings(v: Option<&Value>, contexts: &Contexts) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(map) = v.and_then(Value::as_object) {
        for (k, v) in map {
            let text = v.as_str().unwrap_or_default();
            out.insert(k.clone(), expr::expand(text, contexts).unwrap());
        }
    }
    out
}
