//! Folding a new person into a trained MF model without retraining: with the film factors q_i and
//! biases b_i fixed, their vector p and bias b are a ridge regression with a closed form.
//!
//! Minimise Σ_j (y_j − a_j·x)² + λ_f‖p‖² + λ_b b², where x = [p; b], a_j = [q_j; 1] and
//! y_j = r_j − μ − b_j over the films j they rated. The normal equations
//! (Σ a_j a_jᵀ + Λ) x = Σ a_j y_j have a symmetric positive definite matrix (Λ > 0), solved by
//! Cholesky in f64: (d+1)² numbers, microseconds for d = 32.

use crate::linalg::{cholesky, cholesky_solve};
use crate::models::MfWeights;

/// Ridge strengths of the fold-in. The model's `reg` is per rating (Surprise's convention), so a
/// person with n ratings gets λ = `per_rating`·n plus a floor that keeps 1–3 ratings sane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FoldInRidge {
    pub factors_floor: f64,
    pub bias_floor: f64,
    pub per_rating: f64,
}

impl FoldInRidge {
    /// Chosen on the tuning users of the fold-in evaluation (`core/examples/foldin.rs`), never on
    /// the users it reports.
    pub const TUNED: FoldInRidge = FoldInRidge {
        factors_floor: 3.0,
        bias_floor: 3.0,
        per_rating: 0.1,
    };

    fn strengths(&self, ratings: usize) -> (f64, f64) {
        let n = ratings as f64 * self.per_rating;
        (self.factors_floor + n, self.bias_floor + n)
    }
}

/// A person placed in the model's space: their bias and vector, and what it takes to say how much
/// each of their ratings moved any prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldIn {
    pub bias: f32,
    pub vector: Vec<f32>,
    /// The rated films (dense ids) and their residual targets y_j, in the order given.
    rated: Vec<(u32, f64)>,
    /// Cholesky factor L (row-major, (d+1)²) of the normal matrix, for per-rating attributions.
    cholesky: Vec<f64>,
}

/// a_j = [q_j; 1] as f64.
fn design_row(weights: &MfWeights, item: u32) -> Vec<f64> {
    let mut row: Vec<f64> = weights
        .item_vector(item)
        .iter()
        .map(|&v| v as f64)
        .collect();
    row.push(1.0);
    row
}

impl FoldIn {
    /// Solves the person's bias and vector from `ratings` (dense item id, 1–5). No ratings gives
    /// the zero vector and zero bias: the model's non-personal prediction μ + b_i.
    pub fn solve(weights: &MfWeights, ratings: &[(u32, f32)], ridge: FoldInRidge) -> FoldIn {
        let n = weights.dim + 1;
        let (lambda_factors, lambda_bias) = ridge.strengths(ratings.len());
        let mut normal = vec![0.0; n * n];
        for k in 0..weights.dim {
            normal[k * n + k] = lambda_factors;
        }
        normal[n * n - 1] = lambda_bias;
        let mut rhs = vec![0.0; n];
        let mut rated = Vec::with_capacity(ratings.len());
        for &(item, value) in ratings {
            let a = design_row(weights, item);
            let y = value as f64 - weights.mean as f64 - weights.item_bias[item as usize] as f64;
            for r in 0..n {
                rhs[r] += a[r] * y;
                for c in 0..n {
                    normal[r * n + c] += a[r] * a[c];
                }
            }
            rated.push((item, y));
        }
        let l = cholesky(&normal, n);
        let x = cholesky_solve(&l, n, &rhs);
        FoldIn {
            bias: x[n - 1] as f32,
            vector: x[..n - 1].iter().map(|&v| v as f32).collect(),
            rated,
            cholesky: l,
        }
    }

    /// Predicted rating (unclipped) for a film.
    pub fn predict(&self, weights: &MfWeights, item: u32) -> f32 {
        let q = weights.item_vector(item);
        weights.mean
            + weights.item_bias[item as usize]
            + self.bias
            + self.vector.iter().zip(q).map(|(p, q)| p * q).sum::<f32>()
    }

    /// Fills `out` with the predicted rating of every film.
    pub fn predict_all(&self, weights: &MfWeights, out: &mut [f32]) {
        for (item, slot) in out.iter_mut().enumerate() {
            *slot = self.predict(weights, item as u32);
        }
    }

    /// How much each rating moved the personal part of `item`'s prediction: the solution is linear
    /// in the targets, x = Σ_j M⁻¹a_j y_j, so rating j adds a_iᵀM⁻¹a_j·y_j. The terms sum to
    /// b + p·q_i. Same order as the ratings given to [`FoldIn::solve`].
    pub fn attributions(&self, weights: &MfWeights, item: u32) -> Vec<(u32, f32)> {
        let n = weights.dim + 1;
        let m_inv_a = cholesky_solve(&self.cholesky, n, &design_row(weights, item));
        self.rated
            .iter()
            .map(|&(rated, y)| {
                let a = design_row(weights, rated);
                let weight: f64 = a.iter().zip(&m_inv_a).map(|(x, y)| x * y).sum();
                (rated, (weight * y) as f32)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two films in one dimension, worked out by hand.
    fn tiny_model() -> MfWeights {
        MfWeights {
            mean: 3.0,
            dim: 1,
            user_bias: vec![0.0],
            item_bias: vec![0.5, -0.5, 0.0],
            user_factors: vec![0.0],
            item_factors: vec![1.0, -1.0, 2.0],
        }
    }

    const RIDGE: FoldInRidge = FoldInRidge {
        factors_floor: 1.0,
        bias_floor: 1.0,
        per_rating: 0.0,
    };

    #[test]
    fn fold_in_equals_the_hand_solved_normal_equations() {
        // Rated film 0 → 5 (y = 1.5, a = [1, 1]) and film 1 → 2 (y = −0.5, a = [−1, 1]).
        // M = [[1+1+1, 1−1], [1−1, 1+1+1]] = [[3, 0], [0, 3]]; rhs = [1.5+0.5, 1.5−0.5] = [2, 1].
        // x = [2/3, 1/3]: p = 0.6667, b = 0.3333.
        let fold = FoldIn::solve(&tiny_model(), &[(0, 5.0), (1, 2.0)], RIDGE);
        assert!(
            (fold.vector[0] - 2.0 / 3.0).abs() < 1e-6,
            "{:?}",
            fold.vector
        );
        assert!((fold.bias - 1.0 / 3.0).abs() < 1e-6, "{}", fold.bias);
        // Film 2: 3 + 0 + 1/3 + (2/3)·2 = 4.6667.
        assert!((fold.predict(&tiny_model(), 2) - 14.0 / 3.0).abs() < 1e-5);
    }

    #[test]
    fn a_correlated_case_matches_gaussian_elimination() {
        // Non-diagonal normal matrix: films 0 and 2 both load positively.
        // a0 = [1, 1], y0 = 1.5; a2 = [2, 1], y2 = 1.0 (rated 4).
        // M = [[1+1+4, 1+2], [1+2, 1+1+1]] = [[6, 3], [3, 3]]; rhs = [1.5+2, 1.5+1] = [3.5, 2.5].
        // det = 9; x = [ (3·3.5 − 3·2.5)/9, (6·2.5 − 3·3.5)/9 ] = [1/3, 0.5].
        let fold = FoldIn::solve(&tiny_model(), &[(0, 5.0), (2, 4.0)], RIDGE);
        assert!(
            (fold.vector[0] - 1.0 / 3.0).abs() < 1e-6,
            "{:?}",
            fold.vector
        );
        assert!((fold.bias - 0.5).abs() < 1e-6, "{}", fold.bias);
    }

    #[test]
    fn attributions_sum_to_the_personal_part_of_the_prediction() {
        let model = tiny_model();
        let fold = FoldIn::solve(&model, &[(0, 5.0), (1, 2.0), (2, 4.0)], RIDGE);
        let parts = fold.attributions(&model, 1);
        let personal = fold.predict(&model, 1) - model.mean - model.item_bias[1];
        let sum: f32 = parts.iter().map(|(_, c)| c).sum();
        assert!((sum - personal).abs() < 1e-5, "{sum} vs {personal}");
        assert_eq!(parts.iter().map(|p| p.0).collect::<Vec<_>>(), vec![0, 1, 2]);
    }

    #[test]
    fn no_ratings_gives_the_non_personal_prediction() {
        let model = tiny_model();
        let fold = FoldIn::solve(&model, &[], FoldInRidge::TUNED);
        assert_eq!(fold.bias, 0.0);
        assert_eq!(fold.predict(&model, 0), 3.5);
    }
}
