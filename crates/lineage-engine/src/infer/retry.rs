//! Retry timing for the model stage: exponential backoff from `retry_delay_seconds` with full
//! jitter (a delay drawn uniformly from `0..=base·2^attempt`, capped), the [`Sleeper`] that
//! waits it out — injectable so tests run without waiting — and the invocation [`Deadline`]
//! that no attempt may run into.

use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What an attempt must leave before the deadline by default: one model call (the SDK's
/// attempt timeout is the model's, up to a minute) plus validating and persisting the run.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(75);

/// When the invocation ends (the Lambda context's deadline), and the margin a model attempt
/// must leave before it so the run can still be recorded from static evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub at: Instant,
    pub margin: Duration,
}

impl Deadline {
    /// `at` with the [`DEFAULT_DEADLINE_MARGIN`].
    pub fn at(at: Instant) -> Self {
        Self {
            at,
            margin: DEFAULT_DEADLINE_MARGIN,
        }
    }

    /// `remaining` from now, with the default margin.
    pub fn in_(remaining: Duration) -> Self {
        Self::at(Instant::now() + remaining)
    }

    /// The same deadline with another margin.
    pub fn with_margin(self, margin: Duration) -> Self {
        Self { margin, ..self }
    }

    /// Whether an attempt started after waiting `delay` from now still leaves the margin.
    pub fn allows_attempt_after(&self, delay: Duration) -> bool {
        Instant::now() + delay + self.margin <= self.at
    }
}

/// The longest single wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(60);

/// Waits between attempts.
#[async_trait]
pub trait Sleeper: Send + Sync + std::fmt::Debug {
    async fn sleep(&self, delay: Duration);
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, delay: Duration) {
        tokio::time::sleep(delay).await;
    }
}

/// The backoff ceiling of retry `attempt` (0 for the first retry): `base · 2^attempt`, capped
/// at [`MAX_DELAY`]. `base_seconds` may be fractional; a negative or non-finite base is 0.
pub fn ceiling(base_seconds: f64, attempt: u32) -> Duration {
    let base = if base_seconds.is_finite() && base_seconds > 0.0 {
        base_seconds
    } else {
        0.0
    };
    let exp = 2f64.powi(i32::try_from(attempt.min(30)).unwrap_or(30));
    let secs = (base * exp).min(MAX_DELAY.as_secs_f64());
    Duration::from_secs_f64(secs)
}

/// The full-jitter delay of retry `attempt`: `unit · ceiling`, `unit` in `0..=1`.
pub fn full_jitter(base_seconds: f64, attempt: u32, unit: f64) -> Duration {
    let unit = if unit.is_finite() {
        unit.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ceiling(base_seconds, attempt).mul_f64(unit)
}

static STATE: AtomicU64 = AtomicU64::new(0);

/// A uniform number in `0..1` (splitmix64 over a counter seeded by the clock): enough to
/// spread retries, not for anything secret.
pub fn jitter_unit() -> f64 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut z = STATE
        .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
        .wrapping_add(seed);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_and_are_capped() {
        assert_eq!(ceiling(0.5, 0), Duration::from_millis(500));
        assert_eq!(ceiling(0.5, 1), Duration::from_secs(1));
        assert_eq!(ceiling(0.5, 3), Duration::from_secs(4));
        assert_eq!(ceiling(5.0, 10), MAX_DELAY);
        assert_eq!(ceiling(-1.0, 2), Duration::ZERO);
        assert_eq!(ceiling(f64::NAN, 2), Duration::ZERO);
    }

    #[test]
    fn a_deadline_allows_attempts_only_with_the_margin_left() {
        let d = Deadline::in_(Duration::from_secs(100));
        assert!(d.allows_attempt_after(Duration::from_secs(10)));
        assert!(!d.allows_attempt_after(Duration::from_secs(30)));
        let tight = d.with_margin(Duration::from_secs(99));
        assert!(!tight.allows_attempt_after(Duration::from_secs(2)));
        assert!(!Deadline::in_(Duration::ZERO).allows_attempt_after(Duration::ZERO));
    }

    #[test]
    fn full_jitter_stays_under_the_ceiling() {
        for attempt in 0..6 {
            for _ in 0..50 {
                let d = full_jitter(0.25, attempt, jitter_unit());
                assert!(d <= ceiling(0.25, attempt), "{d:?}");
            }
        }
        assert_eq!(full_jitter(1.0, 0, 0.0), Duration::ZERO);
        assert_eq!(full_jitter(1.0, 0, 1.0), Duration::from_secs(1));
        let units: Vec<f64> = (0..100).map(|_| jitter_unit()).collect();
        assert!(units.iter().all(|u| (0.0..1.0).contains(u)));
        assert!(units.windows(2).any(|w| w[0] != w[1]), "jitter varies");
    }
}
