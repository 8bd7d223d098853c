//! Folding a new person into a trained model without retraining: with everything about the films
//! fixed, their own parameters x (a vector, then a bias) are a ridge regression on their ratings.
//!
//! Minimise Σ_j (r_j − f_j(x))² + Σ_k Λ_k x_k², where f_j(x) is the model's prediction for film j.
//! For MF, f_j(x) = μ + b_j + [q_j; 1]·x is linear and one solve of the normal equations
//! (Σ a_j a_jᵀ + Λ) x = Σ a_j y_j (a_j = ∂f_j/∂x, y_j = r_j − μ − b_j) is exact: (d+1)² numbers,
//! microseconds for d = 32. For a network (NCF, deep regression) f is not linear in x; Gauss–Newton
//! repeats the same solve with a_j the gradient at the current x and y_j = r_j − f_j(x) + a_j·x,
//! halving a step that does not lower the objective, until x stops moving.

use crate::math::{cholesky, cholesky_solve};
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

/// A model a person can be folded into: its prediction for a film as a function of the person's
/// parameters x (their vector, then their bias, last).
pub trait Personal {
    /// The length of x, the bias included.
    fn personal_dim(&self) -> usize;
    /// f is linear in x (MF-shaped): one solve is exact.
    fn linear(&self) -> bool;
    /// f(x, item), with ∂f/∂x written into `gradient` (`personal_dim` long).
    fn predict_with_gradient(&self, x: &[f32], item: u32, gradient: &mut [f64]) -> f32;
    /// f(x, ·) for every film.
    fn predict_all(&self, x: &[f32], out: &mut [f32]);
}

impl Personal for MfWeights {
    fn personal_dim(&self) -> usize {
        self.dim + 1
    }

    fn linear(&self) -> bool {
        true
    }

    fn predict_with_gradient(&self, x: &[f32], item: u32, gradient: &mut [f64]) -> f32 {
        let q = self.item_vector(item);
        for (g, &v) in gradient.iter_mut().zip(q) {
            *g = v as f64;
        }
        gradient[self.dim] = 1.0;
        self.mean
            + self.item_bias[item as usize]
            + x[self.dim]
            + x.iter().zip(q).map(|(p, q)| p * q).sum::<f32>()
    }

    fn predict_all(&self, x: &[f32], out: &mut [f32]) {
        let (p, bias) = x.split_at(self.dim);
        for (item, slot) in out.iter_mut().enumerate() {
            let q = self.item_vector(item as u32);
            *slot = self.mean
                + self.item_bias[item]
                + bias[0]
                + p.iter().zip(q).map(|(p, q)| p * q).sum::<f32>();
        }
    }
}

/// Gauss–Newton steps at most, for a model that is not linear in x.
const MAX_STEPS: usize = 30;
/// A Gauss–Newton step that lowers the objective by less than this share of it ends the fit.
const CONVERGED: f64 = 1e-5;

/// A person placed in the model's space: their bias and vector, and what it takes to say how much
/// each of their ratings moved any prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldIn {
    pub bias: f32,
    pub vector: Vec<f32>,
    /// The rated films (dense ids), their gradients a_j and working targets y_j at the solution,
    /// in the order given.
    rated: Vec<(u32, Vec<f64>, f64)>,
    /// Cholesky factor L (row-major, n²) of the normal matrix at the solution, for attributions.
    cholesky: Vec<f64>,
}

/// x as the model takes it: the vector, then the bias.
fn joined(vector: &[f32], bias: f32) -> Vec<f32> {
    let mut x = vector.to_vec();
    x.push(bias);
    x
}

impl FoldIn {
    /// Solves the person's bias and vector from `ratings` (dense item id, 1–5). No ratings gives
    /// the zero vector and zero bias: the model's non-personal prediction.
    pub fn solve(model: &impl Personal, ratings: &[(u32, f32)], ridge: FoldInRidge) -> FoldIn {
        let n = model.personal_dim();
        let (lambda_factors, lambda_bias) = ridge.strengths(ratings.len());
        let penalty: Vec<f64> = (0..n)
            .map(|k| {
                if k + 1 == n {
                    lambda_bias
                } else {
                    lambda_factors
                }
            })
            .collect();
        let objective = |x: &[f32]| -> f64 {
            let mut gradient = vec![0.0; n];
            let misfit: f64 = ratings
                .iter()
                .map(|&(item, r)| {
                    let e = (r - model.predict_with_gradient(x, item, &mut gradient)) as f64;
                    e * e
                })
                .sum();
            misfit
                + x.iter()
                    .zip(&penalty)
                    .map(|(&v, l)| l * (v as f64).powi(2))
                    .sum::<f64>()
        };
        let mut x = vec![0f32; n];
        if model.linear() {
            // The gradients and working targets do not depend on x: one solve is the answer.
            let system = NormalSystem::at(model, &x, ratings, &penalty);
            let solution = system.solution().iter().map(|&v| v as f32).collect();
            return system.into_fold_in(solution);
        }
        let mut step = 0;
        loop {
            let system = NormalSystem::at(model, &x, ratings, &penalty);
            if step == MAX_STEPS {
                return system.into_fold_in(x);
            }
            step += 1;
            let target: Vec<f32> = system.solution().iter().map(|&v| v as f32).collect();
            // Gauss–Newton may overshoot on a curved f: halve the step until the objective drops.
            let before = objective(&x);
            let mut scale = 1.0f32;
            let accepted = loop {
                let trial: Vec<f32> = x
                    .iter()
                    .zip(&target)
                    .map(|(a, b)| a + scale * (b - a))
                    .collect();
                let after = objective(&trial);
                if after < before {
                    break Some((trial, after));
                }
                scale *= 0.5;
                if scale < 1e-3 {
                    break None;
                }
            };
            match accepted {
                // Done once the objective has all but stopped falling.
                Some((next, after)) => {
                    x = next;
                    if before - after <= CONVERGED * before {
                        step = MAX_STEPS;
                    }
                }
                None => step = MAX_STEPS,
            }
        }
    }

    fn x(&self) -> Vec<f32> {
        joined(&self.vector, self.bias)
    }

    /// Predicted rating (unclipped) for a film.
    pub fn predict(&self, model: &impl Personal, item: u32) -> f32 {
        let mut gradient = vec![0.0; model.personal_dim()];
        model.predict_with_gradient(&self.x(), item, &mut gradient)
    }

    /// Fills `out` with the predicted rating of every film.
    pub fn predict_all(&self, model: &impl Personal, out: &mut [f32]) {
        model.predict_all(&self.x(), out);
    }

    /// How much each rating moved the personal part of `item`'s prediction. The solution is
    /// linear in the working targets, x = Σ_j M⁻¹a_j y_j, so rating j adds a_iᵀM⁻¹a_j·y_j. For MF
    /// the terms sum to b + p·q_i exactly; for a network, to its first-order change a_i·x. Same
    /// order as the ratings given to [`FoldIn::solve`].
    pub fn attributions(&self, model: &impl Personal, item: u32) -> Vec<(u32, f32)> {
        let n = model.personal_dim();
        let mut a_item = vec![0.0; n];
        model.predict_with_gradient(&self.x(), item, &mut a_item);
        let m_inv_a = cholesky_solve(&self.cholesky, n, &a_item);
        self.rated
            .iter()
            .map(|(rated, a, y)| {
                let weight: f64 = a.iter().zip(&m_inv_a).map(|(x, y)| x * y).sum();
                (*rated, (weight * y) as f32)
            })
            .collect()
    }
}

/// The ridge normal equations linearised at x: M = Σ a_j a_jᵀ + Λ, rhs = Σ a_j y_j.
struct NormalSystem {
    n: usize,
    cholesky: Vec<f64>,
    rhs: Vec<f64>,
    rated: Vec<(u32, Vec<f64>, f64)>,
}

impl NormalSystem {
    fn at(model: &impl Personal, x: &[f32], ratings: &[(u32, f32)], penalty: &[f64]) -> Self {
        let n = penalty.len();
        let mut normal = vec![0.0; n * n];
        for (k, &l) in penalty.iter().enumerate() {
            normal[k * n + k] = l;
        }
        let mut rhs = vec![0.0; n];
        let mut rated = Vec::with_capacity(ratings.len());
        for &(item, value) in ratings {
            let mut a = vec![0.0; n];
            let f = model.predict_with_gradient(x, item, &mut a) as f64;
            let ax: f64 = a.iter().zip(x).map(|(a, &x)| a * x as f64).sum();
            let y = value as f64 - f + ax;
            for r in 0..n {
                rhs[r] += a[r] * y;
                for c in 0..n {
                    normal[r * n + c] += a[r] * a[c];
                }
            }
            rated.push((item, a, y));
        }
        NormalSystem {
            n,
            cholesky: cholesky(&normal, n),
            rhs,
            rated,
        }
    }

    fn solution(&self) -> Vec<f64> {
        cholesky_solve(&self.cholesky, self.n, &self.rhs)
    }

    fn into_fold_in(self, x: Vec<f32>) -> FoldIn {
        let (vector, bias) = x.split_at(self.n - 1);
        FoldIn {
            bias: bias[0],
            vector: vector.to_vec(),
            rated: self.rated,
            cholesky: self.cholesky,
        }
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
