//! Percentile statistics of a set of samples (nearest-rank percentiles), in milliseconds.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The distribution of a set of timings, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub n: usize,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub max: f64,
    pub mean: f64,
}

/// The nearest-rank percentile `p` (0..=100) of sorted values.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

impl Summary {
    /// Of values already in milliseconds.
    pub fn of_millis(values: &[f64]) -> Self {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        v.sort_by(f64::total_cmp);
        if v.is_empty() {
            return Self::default();
        }
        Self {
            n: v.len(),
            min: v[0],
            p50: percentile(&v, 50.0),
            p90: percentile(&v, 90.0),
            p95: percentile(&v, 95.0),
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
        }
    }

    /// Of durations.
    pub fn of(durations: &[Duration]) -> Self {
        let ms: Vec<f64> = durations.iter().map(|d| millis(*d)).collect();
        Self::of_millis(&ms)
    }
}

/// A duration in milliseconds.
pub fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = Summary::of_millis(&v);
        assert_eq!(
            (s.n, s.min, s.p50, s.p90, s.p95, s.max),
            (100, 1.0, 50.0, 90.0, 95.0, 100.0)
        );
        assert_eq!(Summary::of_millis(&[7.0]).p95, 7.0);
        assert_eq!(Summary::of_millis(&[]).n, 0);
    }
}
