//! Plan benchmarks (see BENCHMARKS.md):
//!
//! - `planner`: the pure planner alone (`plan()`), desired × live for 1,000 and 10,000
//!   servers, with the live side equal to the files (the usual "no changes" plan) and
//!   empty (everything to create).
//! - `plan_fake`: the whole plan in process, as `mcpform plan` does it after reading the
//!   files: load, lint, resolve secrets, one list request to the in-process fake LiteLLM
//!   over loopback HTTP, plan. The fake holds 1,000 or 10,000 live servers.
//!
//! ```text
//! cargo bench --bench plan
//! ```
//!
//! Setup checks, without timing anything, that the live state was applied from the plan
//! (so the measured plan is empty) and that a plan sends exactly one list request.

#[path = "support/generate.rs"]
mod generate;
#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use mcpform::client::Client;
use mcpform::live::{Facts, LiveState};
use mcpform::plan::{PlanOptions, plan};
use mcpform::resolve::ResolvedServer;
use mcpform::secret::{FingerprintKey, Secret};

use support::apply::apply_plan_with;
use support::fake_proxy::{FakeConfig, FakeProxy};
use support::inprocess::{client_for, document_json, plan_live, resolved};

const SIZES: [usize; 2] = [1_000, 10_000];

fn env(name: &str) -> Option<String> {
    Some(format!("bench-secret-{name}"))
}

fn desired(yaml: &str, key: &str) -> Vec<ResolvedServer> {
    resolved(yaml, key, &env)
}

struct World {
    n: usize,
    yaml: String,
    fake: FakeProxy,
    client: Client,
    desired: Vec<ResolvedServer>,
    live: LiveState,
    runtime: tokio::runtime::Runtime,
}

/// A fake holding exactly what the generated file declares, applied from mcpform's plan.
fn world(n: usize) -> World {
    let yaml = generate::servers_yaml(n, generate::DEFAULT_SEED);
    let fake = FakeProxy::start(FakeConfig {
        stdio_enabled: true,
        ..FakeConfig::default()
    });
    let (client, runtime) = client_for(&fake);
    let desired = desired(&yaml, &fake.master_key());
    let key = fake.master_key();
    let (_, first) = plan_live(&client, &runtime, &desired, PlanOptions::default(), &key);
    apply_plan_with(
        &fake.base_url(),
        &fake.master_key(),
        &document_json(first),
        &env,
    );
    fake.clear_journal();
    let (gathered, again) = plan_live(&client, &runtime, &desired, PlanOptions::default(), &key);
    let live = gathered.live;
    assert!(
        again.actions.is_empty(),
        "the measured plan is the empty one"
    );
    assert_eq!(live.servers.len(), n);
    let requests: Vec<String> = fake.journal().into_iter().map(|r| r.path).collect();
    assert_eq!(
        requests,
        ["/v1/mcp/server", "/v1/mcp/server/submissions"],
        "one list request (and the submissions), whatever the number of servers"
    );
    World {
        n,
        yaml,
        fake,
        client,
        desired,
        live,
        runtime,
    }
}

fn benches(c: &mut Criterion) {
    let worlds: Vec<World> = SIZES.iter().map(|&n| world(n)).collect();
    let key = FingerprintKey::new(&Secret::new("bench-key"));

    let mut planner = c.benchmark_group("planner");
    planner
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(8));
    for w in &worlds {
        planner.bench_with_input(BenchmarkId::new("unchanged", w.n), w, |b, w| {
            b.iter(|| {
                plan(
                    black_box(&w.desired),
                    black_box(&w.live),
                    &Facts::default(),
                    PlanOptions::default(),
                    &key,
                )
            });
        });
        let empty = LiveState::default();
        planner.bench_with_input(BenchmarkId::new("all_creates", w.n), w, |b, w| {
            b.iter(|| {
                plan(
                    black_box(&w.desired),
                    black_box(&empty),
                    &Facts::default(),
                    PlanOptions::default(),
                    &key,
                )
            });
        });
    }
    planner.finish();

    let mut whole = c.benchmark_group("plan_fake");
    whole
        .sampling_mode(SamplingMode::Flat)
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    for w in &worlds {
        whole.bench_with_input(BenchmarkId::from_parameter(w.n), w, |b, w| {
            b.iter(|| {
                let desired = desired(&w.yaml, &w.fake.master_key());
                let (_, p) = plan_live(
                    &w.client,
                    &w.runtime,
                    &desired,
                    PlanOptions::default(),
                    &w.fake.master_key(),
                );
                black_box(p)
            });
        });
    }
    whole.finish();
}

criterion_group!(plan_benches, benches);
criterion_main!(plan_benches);
