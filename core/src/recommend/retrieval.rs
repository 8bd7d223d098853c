//! Folding someone new into the two-tower model. The person tower needs an id and features a
//! visitor does not have, so their tower output u is fitted instead, with the same objective the
//! towers were trained on: the films they liked should win a softmax over all films,
//!
//!   max_u Σ_{j liked} log softmax_j(s/τ) − ½λ‖u‖²,   s_i = u·v_i + c_i,
//!
//! where v_i is film i's tower output and c_i its popularity correction (the ranker's bias). The
//! objective is concave, so Newton's method (halving any step that does not raise it) finds the
//! one optimum. There, λu = Σ_j (v_j − v̄)/τ with v̄ the softmax-weighted mean film, so each liked
//! film's share of any film's personal score u·v_i is exactly v_i·(v_j − v̄)/(λτ).
//! Ratings below [`LIKED`] are not positives, as in training.

use super::foldin::FoldInRidge;
use crate::math::{cholesky, cholesky_solve};
use crate::models::{LIKED, MfWeights};

/// The two-tower ranker as it serves: film tower outputs (`item_factors`), popularity
/// corrections (`item_bias`), and the softmax temperature it was trained with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Retrieval {
    pub ranker: MfWeights,
    pub temperature: f64,
}

const NEWTON_STEPS: usize = 25;

/// A visitor's tower output and what explains it.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrievalFoldIn {
    pub vector: Vec<f32>,
    /// The liked films (dense ids), in the order given.
    liked: Vec<u32>,
    /// v̄ at the optimum.
    mean_film: Vec<f64>,
    lambda: f64,
}

impl Retrieval {
    fn dim(&self) -> usize {
        self.ranker.dim
    }

    /// s/τ for every film, and the softmax-weighted mean film v̄ and covariance (when asked).
    fn softmax_moments(&self, u: &[f64], covariance: bool) -> (f64, Vec<f64>, Vec<f64>) {
        let d = self.dim();
        let tau = self.temperature;
        let logits: Vec<f64> = (0..self.ranker.n_items())
            .map(|i| {
                let v = self.ranker.item_vector(i as u32);
                (v.iter().zip(u).map(|(&v, u)| v as f64 * u).sum::<f64>()
                    + self.ranker.item_bias[i] as f64)
                    / tau
            })
            .collect();
        let top = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = logits.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut mean = vec![0.0; d];
        let mut second = vec![0.0; if covariance { d * d } else { 0 }];
        for (i, w) in weights.iter().enumerate() {
            let p = w / total;
            let v = self.ranker.item_vector(i as u32);
            for a in 0..d {
                mean[a] += p * v[a] as f64;
                if covariance {
                    for b in 0..d {
                        second[a * d + b] += p * v[a] as f64 * v[b] as f64;
                    }
                }
            }
        }
        if covariance {
            for a in 0..d {
                for b in 0..d {
                    second[a * d + b] -= mean[a] * mean[b];
                }
            }
        }
        (top + total.ln(), mean, second)
    }

    /// The objective at u (log-likelihood of the liked films minus the ridge).
    fn objective(&self, u: &[f64], liked: &[u32], lambda: f64) -> f64 {
        let (log_total, _, _) = self.softmax_moments(u, false);
        let tau = self.temperature;
        let score = |j: u32| {
            let v = self.ranker.item_vector(j);
            (v.iter().zip(u).map(|(&v, u)| v as f64 * u).sum::<f64>()
                + self.ranker.item_bias[j as usize] as f64)
                / tau
        };
        liked.iter().map(|&j| score(j) - log_total).sum::<f64>()
            - 0.5 * lambda * u.iter().map(|x| x * x).sum::<f64>()
    }

    /// Fits the visitor's tower output to the films they rated ≥ [`LIKED`], with
    /// λ = `factors_floor` + `per_rating`·(films liked): growing with their number keeps u about
    /// the mean of the liked films' directions rather than their sum.
    pub fn fold_in(&self, ratings: &[(u32, f32)], ridge: FoldInRidge) -> RetrievalFoldIn {
        let d = self.dim();
        let tau = self.temperature;
        let liked: Vec<u32> = ratings
            .iter()
            .filter(|r| r.1 >= LIKED)
            .map(|r| r.0)
            .collect();
        let k = liked.len() as f64;
        let lambda = ridge.factors_floor + ridge.per_rating * k;
        let mut u = vec![0.0; d];
        let liked_sum: Vec<f64> = (0..d)
            .map(|a| {
                liked
                    .iter()
                    .map(|&j| self.ranker.item_vector(j)[a] as f64)
                    .sum()
            })
            .collect();
        if !liked.is_empty() {
            for _ in 0..NEWTON_STEPS {
                let (_, mean, covariance) = self.softmax_moments(&u, true);
                let gradient: Vec<f64> = (0..d)
                    .map(|a| (liked_sum[a] - k * mean[a]) / tau - lambda * u[a])
                    .collect();
                // −Hessian = (k/τ²)·Cov + λI, positive definite.
                let mut curvature: Vec<f64> =
                    covariance.iter().map(|c| c * k / (tau * tau)).collect();
                for a in 0..d {
                    curvature[a * d + a] += lambda;
                }
                let step = cholesky_solve(&cholesky(&curvature, d), d, &gradient);
                let before = self.objective(&u, &liked, lambda);
                let mut scale = 1.0;
                let next = loop {
                    let trial: Vec<f64> = u.iter().zip(&step).map(|(u, s)| u + scale * s).collect();
                    if self.objective(&trial, &liked, lambda) >= before || scale < 1e-3 {
                        break trial;
                    }
                    scale *= 0.5;
                };
                let moved = next
                    .iter()
                    .zip(&u)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max);
                u = next;
                if moved < 1e-7 {
                    break;
                }
            }
        }
        let (_, mean_film, _) = self.softmax_moments(&u, false);
        RetrievalFoldIn {
            vector: u.iter().map(|&v| v as f32).collect(),
            liked,
            mean_film,
            lambda,
        }
    }

    /// Every film's ranking score for the folded-in visitor: u·v_i + c_i.
    pub fn scores(&self, fold: &RetrievalFoldIn, out: &mut [f32]) {
        for (i, o) in out.iter_mut().enumerate() {
            let v = self.ranker.item_vector(i as u32);
            *o = self.ranker.item_bias[i]
                + v.iter().zip(&fold.vector).map(|(v, u)| v * u).sum::<f32>();
        }
    }

    /// Each rated film's share of `item`'s personal score u·v_item (zero for the not-liked), in
    /// the order of the ratings the fold-in was given.
    pub fn attributions(
        &self,
        fold: &RetrievalFoldIn,
        ratings: &[(u32, f32)],
        item: u32,
    ) -> Vec<(u32, f32)> {
        let v_item = self.ranker.item_vector(item);
        ratings
            .iter()
            .map(|&(rated, value)| {
                if value < LIKED || !fold.liked.contains(&rated) {
                    return (rated, 0.0);
                }
                let v = self.ranker.item_vector(rated);
                let share: f64 = v_item
                    .iter()
                    .zip(v)
                    .zip(&fold.mean_film)
                    .map(|((&a, &b), m)| a as f64 * (b as f64 - m))
                    .sum::<f64>()
                    / (fold.lambda * self.temperature);
                (rated, share as f32)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RIDGE: FoldInRidge = FoldInRidge {
        factors_floor: 1.0,
        bias_floor: 0.0,
        per_rating: 0.5,
    };

    /// Four films in two directions: 0 and 1 point along x, 2 and 3 along y.
    fn towers() -> Retrieval {
        Retrieval {
            ranker: MfWeights {
                mean: 0.0,
                dim: 2,
                user_bias: vec![],
                item_bias: vec![0.1, 0.0, 0.3, 0.2],
                user_factors: vec![],
                item_factors: vec![1.0, 0.1, 0.9, 0.0, 0.0, 1.0, 0.1, 0.8],
            },
            temperature: 0.5,
        }
    }

    #[test]
    fn the_fold_in_is_the_optimum_and_its_shares_add_up() {
        let model = towers();
        let ratings = [(0, 5.0), (3, 2.0)];
        let fold = model.fold_in(&ratings, RIDGE);
        // Only film 0 is liked: the visitor points along x, so film 1 beats films 2 and 3.
        let mut scores = vec![0.0; 4];
        model.scores(&fold, &mut scores);
        assert!(scores[1] > scores[2] && scores[1] > scores[3], "{scores:?}");
        // Stationary: no small move raises the objective.
        let u: Vec<f64> = fold.vector.iter().map(|&v| v as f64).collect();
        let best = model.objective(&u, &[0], fold.lambda);
        for a in 0..2 {
            for h in [-1e-3, 1e-3] {
                let mut moved = u.clone();
                moved[a] += h;
                assert!(model.objective(&moved, &[0], fold.lambda) <= best + 1e-9);
            }
        }
        // The shares of every film's personal score add up to u·v_i; the 2★ film has none.
        for item in 0..4u32 {
            let parts = model.attributions(&fold, &ratings, item);
            assert_eq!(parts[1], (3, 0.0));
            let v = model.ranker.item_vector(item);
            let personal: f32 = v.iter().zip(&fold.vector).map(|(a, b)| a * b).sum();
            assert!(
                (parts[0].1 - personal).abs() < 1e-4,
                "{parts:?} vs {personal}"
            );
        }
    }

    #[test]
    fn nothing_liked_ranks_by_the_popularity_correction() {
        let model = towers();
        let fold = model.fold_in(&[(1, 2.0)], RIDGE);
        assert!(fold.vector.iter().all(|&v| v == 0.0));
        let mut scores = vec![0.0; 4];
        model.scores(&fold, &mut scores);
        assert_eq!(scores, model.ranker.item_bias);
    }
}
