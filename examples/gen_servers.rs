//! Writes a generated, lint-clean mcpform file with N servers to stdout (benchmarks).
//!
//! ```text
//! cargo run --release --example gen_servers -- 10000 > /tmp/s10k.yaml
//! cargo run --release --example gen_servers -- 10000 42 > /tmp/s10k-seed42.yaml
//! ```

#[path = "../benches/support/generate.rs"]
mod generate;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let usage = "usage: gen_servers N [SEED]";
    let Some(n) = args
        .next()
        .and_then(|a| a.replace(['_', ','], "").parse::<usize>().ok())
    else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let seed = match args.next().map(|a| a.parse::<u64>()) {
        None => generate::DEFAULT_SEED,
        Some(Ok(seed)) => seed,
        Some(Err(_)) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let yaml = generate::servers_yaml(n, seed);
    let mut out = std::io::stdout().lock();
    match out.write_all(yaml.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_servers: {e}");
            ExitCode::FAILURE
        }
    }
}
