//! Rating models stacked by least squares on a holdout their holdout runs never saw.

use crate::data::Rating;
use crate::math::{cholesky, cholesky_solve};
use crate::models::{RatingModel, Scorer};
use crate::zoo::Trained;

/// Rating models stacked: r̂ = w₀ + Σ w_k r̂_k, the weights fitted by least squares on holdout
/// ratings that the parts were trained without, then applied to the same parts refitted on all
/// training ratings.
pub struct Blend {
    pub parts: Vec<Trained>,
    /// Intercept first, then one weight per part.
    pub weights: Vec<f64>,
}

impl Blend {
    /// `fitted`: the parts trained without `holdout`; `finals`: the same parts refitted.
    pub fn fit(fitted: &[Trained], finals: Vec<Trained>, holdout: &[Rating]) -> Blend {
        let pairs: Vec<(u32, u32)> = holdout.iter().map(|r| (r.user, r.item)).collect();
        let columns: Vec<Vec<f32>> = fitted
            .iter()
            .map(|t| {
                t.rating_model()
                    .expect("a blend of rating models")
                    .predict_many(&pairs)
            })
            .collect();
        let n = columns.len() + 1;
        // Normal equations of [1, r̂_1, …] against the ratings (a tiny ridge keeps them solvable).
        let mut normal = vec![0.0f64; n * n];
        let mut rhs = vec![0.0f64; n];
        for (k, r) in holdout.iter().enumerate() {
            let x: Vec<f64> = std::iter::once(1.0)
                .chain(columns.iter().map(|c| c[k] as f64))
                .collect();
            for a in 0..n {
                rhs[a] += x[a] * r.value as f64;
                for b in 0..n {
                    normal[a * n + b] += x[a] * x[b];
                }
            }
        }
        for a in 0..n {
            normal[a * n + a] += 1e-6 * holdout.len() as f64;
        }
        let weights = cholesky_solve(&cholesky(&normal, n), n, &rhs);
        Blend {
            parts: finals,
            weights,
        }
    }
}

impl Scorer for Blend {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        out.fill(self.weights[0] as f32);
        let mut part = vec![0.0f32; out.len()];
        for (t, &w) in self.parts.iter().zip(&self.weights[1..]) {
            t.rating_model()
                .expect("rating parts")
                .score_items(user, &mut part);
            for (o, p) in out.iter_mut().zip(&part) {
                *o += w as f32 * p;
            }
        }
    }
}

impl RatingModel for Blend {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.predict_many(&[(user, item)])[0]
    }

    fn predict_many(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        let mut out = vec![self.weights[0] as f32; pairs.len()];
        for (t, &w) in self.parts.iter().zip(&self.weights[1..]) {
            let part = t.rating_model().expect("rating parts").predict_many(pairs);
            for (o, p) in out.iter_mut().zip(part) {
                *o += w as f32 * p;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::MfWeights;

    /// A model predicting 3 + b_u + b_i from these biases (no factors).
    fn biases(user_bias: Vec<f32>, item_bias: Vec<f32>) -> Trained {
        Trained::Factors(MfWeights {
            mean: 3.0,
            dim: 0,
            user_factors: Vec::new(),
            item_factors: Vec::new(),
            user_bias,
            item_bias,
        })
    }

    #[test]
    fn a_blend_of_two_models_that_err_differently_beats_both() {
        let mut rng = crate::rng::SeededRng::new(5);
        let mut noise =
            |n: usize| -> Vec<f32> { (0..n).map(|_| (rng.unit() as f32 - 0.5) * 0.8).collect() };
        let (users, items) = (40, 30);
        let (bu, bi) = (noise(users), noise(items));
        let ratings: Vec<Rating> = (0..users * items)
            .map(|k| Rating {
                user: (k / items) as u32,
                item: (k % items) as u32,
                value: 3.0 + bu[k / items] + bi[k % items],
                timestamp: 0,
            })
            .collect();
        // Each part is right about one side and wrong about the other.
        let (wrong_u, wrong_i) = (noise(users), noise(items));
        let a = || biases(bu.clone(), wrong_i.clone());
        let b = || biases(wrong_u.clone(), bi.clone());
        let blend = Blend::fit(&[a(), b()], vec![a(), b()], &ratings);
        let rmse = |t: &Trained| {
            let pairs: Vec<(u32, u32)> = ratings.iter().map(|r| (r.user, r.item)).collect();
            let p = t.rating_model().unwrap().predict_many(&pairs);
            let se: f64 = p
                .iter()
                .zip(&ratings)
                .map(|(p, r)| ((p - r.value) as f64).powi(2))
                .sum();
            (se / ratings.len() as f64).sqrt()
        };
        let blended = rmse(&Trained::Blend(Box::new(blend)));
        let (ra, rb) = (rmse(&a()), rmse(&b()));
        assert!(blended < ra.min(rb) * 0.9, "blend {blended} vs {ra}, {rb}");
    }
}
