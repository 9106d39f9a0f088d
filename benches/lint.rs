//! In-process lint benchmark: `load_text` + `lint` of generated files with 100, 1,000
//! and 10,000 servers (the issue's sizes; see BENCHMARKS.md).
//!
//! ```text
//! cargo bench --bench lint                      # everything
//! cargo bench --bench lint -- load_lint/10000   # one size of the main group
//! ```
//!
//! Groups:
//! - `load_lint`: what `mcpform lint FILE` does after reading the file (parse, schema,
//!   model, rules, sort), including dropping the result. The figure BENCHMARKS.md quotes.
//! - `load`: `load_text` alone (YAML → spanned tree).
//! - `lint`: `lint` alone, on an already loaded file.
//! - `report_human`: `write_report` in the human format (what `lint` prints, and what
//!   `plan` prints on stderr) of a file with many findings: the 10,000-server file with
//!   every fifth `server_name` renamed to the first one's, so 1,999 `name-unique` errors,
//!   each with a snippet of its own line and of line 4 (the first use), over 3.6 MB.
//!
//! Setup asserts that each generated file lints with zero diagnostics, so the benchmark
//! never silently measures the error path (and, for `report_human`, that the findings
//! are the expected ones). No timing is asserted anywhere.

#[path = "support/generate.rs"]
mod generate;

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use mcpform::lint::{LintOptions, Linted, lint};
use mcpform::load::load_text;
use mcpform::report::{LintFormat, ReportInput, write_report};
use mcpform::rule::RuleId;

const PATH: &str = "servers.yaml";

fn no_env(_: &str) -> Option<String> {
    None
}

fn options() -> LintOptions<'static> {
    LintOptions {
        require_env: false,
        env: &no_env,
        reserved_env: &[],
        proxy_version: None,
    }
}

fn load_and_lint(yaml: &str) -> Linted {
    lint(load_text(PATH, yaml), &options())
}

/// The generated files, each checked to be lint-clean.
fn inputs() -> Vec<(usize, String)> {
    generate::SIZES
        .iter()
        .map(|&n| {
            let yaml = generate::servers_yaml(n, generate::DEFAULT_SEED);
            let linted = load_and_lint(&yaml);
            assert!(
                linted.diagnostics.is_empty(),
                "the generated file with {n} servers is not lint-clean: {:#?}",
                &linted.diagnostics[..linted.diagnostics.len().min(5)]
            );
            assert_eq!(linted.desired.servers.len(), n, "servers loaded");
            (n, yaml)
        })
        .collect()
}

/// Fewer, longer samples for the big file (one iteration takes a few hundred ms).
fn configure(group: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    group.throughput(Throughput::Elements(n as u64));
    if n >= 10_000 {
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .measurement_time(Duration::from_secs(30));
    } else if n >= 1_000 {
        group
            .sampling_mode(SamplingMode::Auto)
            .sample_size(30)
            .measurement_time(Duration::from_secs(10));
    } else {
        group
            .sampling_mode(SamplingMode::Auto)
            .sample_size(100)
            .measurement_time(Duration::from_secs(10));
    }
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();

    let mut group = c.benchmark_group("load_lint");
    for (n, yaml) in &inputs {
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), yaml.as_str(), |b, yaml| {
            b.iter(|| load_and_lint(black_box(yaml)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("load");
    for (n, yaml) in &inputs {
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), yaml.as_str(), |b, yaml| {
            b.iter(|| load_text(PATH, black_box(yaml)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("lint");
    for (n, yaml) in &inputs {
        configure(&mut group, *n);
        group.bench_with_input(BenchmarkId::from_parameter(n), yaml.as_str(), |b, yaml| {
            b.iter_batched(
                || load_text(PATH, yaml),
                |loaded| lint(loaded, &options()),
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

/// Servers in the file the `report_human` group renders.
const REPORT_SERVERS: usize = 10_000;

/// Every fifth server renamed to the first server's name: `REPORT_SERVERS / 5 - 1`
/// `name-unique` findings spread over the whole file.
fn duplicate_names_yaml() -> String {
    let yaml = generate::servers_yaml(REPORT_SERVERS, generate::DEFAULT_SEED);
    let mut first = None;
    let mut seen = 0;
    let mut out = String::with_capacity(yaml.len());
    for line in yaml.lines() {
        match line.strip_prefix("  - server_name: ") {
            Some(name) => {
                let first = first.get_or_insert_with(|| name.to_owned());
                if seen % 5 == 0 {
                    out.push_str("  - server_name: ");
                    out.push_str(first);
                } else {
                    out.push_str(line);
                }
                seen += 1;
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

fn render_human(linted: &Linted) -> Vec<u8> {
    let input = ReportInput {
        sources: &linted.loaded.sources,
        diagnostics: &linted.diagnostics,
        servers: linted.desired.servers.len(),
        color: false,
    };
    let mut out = Vec::with_capacity(4 << 20);
    write_report(LintFormat::Human, &input, &mut out).expect("writing to a Vec cannot fail");
    out
}

fn report_benches(c: &mut Criterion) {
    let linted = load_and_lint(&duplicate_names_yaml());
    let expected = REPORT_SERVERS / 5 - 1;
    assert_eq!(linted.diagnostics.len(), expected, "findings");
    assert!(
        linted
            .diagnostics
            .iter()
            .all(|d| d.rule == RuleId::NameUnique && d.related.len() == 1),
        "every finding is a name-unique with one related span"
    );
    let mut group = c.benchmark_group("report_human");
    group
        .throughput(Throughput::Elements(expected as u64))
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function(BenchmarkId::new("name_unique", expected), |b| {
        b.iter(|| render_human(black_box(&linted)));
    });
    group.finish();
}

criterion_group!(lint_benches, benches, report_benches);
criterion_main!(lint_benches);
