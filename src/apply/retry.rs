//! When a write is tried again: the verdict on one attempt, and the wait before the
//! next (full jitter, or the proxy's `Retry-After`).

use std::time::Duration;

use super::write::Ended;

/// What one attempt of a step came to.
pub(super) enum Verdict {
    /// Settled, one way or the other.
    Settled(Ended),
    /// Try again after `wait` (or a backoff); `unknown` when this attempt may have been
    /// carried out.
    Retry {
        why: String,
        wait: Option<Duration>,
        unknown: bool,
    },
}

/// Full jitter: a random wait between zero and the doubled base, capped at 30 s.
pub(super) fn backoff(base: Duration, tries: u32) -> Duration {
    let ceiling = base
        .saturating_mul(1 << tries.min(16))
        .min(Duration::from_secs(30));
    ceiling.mul_f64(jitter())
}

fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    (h.finish() % 10_000) as f64 / 10_000.0
}
