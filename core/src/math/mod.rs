//! Small numerical building blocks the models and analyses share: seeded normal draws, the dot
//! product, the Cholesky solves of small dense systems, and an L-BFGS minimiser.

mod cholesky;
mod lbfgs;

pub use cholesky::{cholesky, cholesky_solve};
pub use lbfgs::lbfgs;

use crate::rng::SeededRng;

/// Box–Muller: a standard normal value from two uniforms, `u` in (0, 1] and `v` in [0, 1).
pub fn box_muller(u: f64, v: f64) -> f64 {
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A standard normal draw from `rng` (two uniforms; the first kept away from 0).
pub fn standard_normal(rng: &mut SeededRng) -> f64 {
    let u = 1.0 - rng.unit();
    box_muller(u, rng.unit())
}

/// The dot product, with eight running sums so that it vectorises.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_the_plain_sum_at_every_length() {
        for n in [0, 1, 7, 8, 9, 33] {
            let a: Vec<f32> = (0..n).map(|k| k as f32 * 0.5 - 3.0).collect();
            let b: Vec<f32> = (0..n).map(|k| 1.0 - k as f32 * 0.25).collect();
            let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            assert!(
                (dot(&a, &b) - plain).abs() < 1e-4 * plain.abs().max(1.0),
                "n = {n}"
            );
        }
    }

    #[test]
    fn normal_draws_have_mean_0_and_variance_1() {
        let mut rng = SeededRng::new(9);
        let draws: Vec<f64> = (0..20_000).map(|_| standard_normal(&mut rng)).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(
            mean.abs() < 0.03 && (variance - 1.0).abs() < 0.05,
            "{mean} {variance}"
        );
        assert_eq!(box_muller(1.0, 0.3), 0.0, "u = 1 gives 0 whatever v");
    }
}
