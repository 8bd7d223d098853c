//! EASE (Steck, 2019): a closed-form item-to-item ranking model, the strong ranking baseline.
//!
//! With X the binary user × film matrix of training ratings, B minimises
//! ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0. The solution: P = (XᵀX + λI)⁻¹,
//! B_ij = −P_ij / P_jj (i ≠ j), B_jj = 0. A person's score for film j is Σ_{i rated} B_ij.

use nalgebra::DMatrix;

use super::Scorer;
use crate::data::RatingIndex;

/// λ of the reference figure in the evaluation protocol (u1: NDCG@10 0.4449, HR@10 0.9189).
pub const EASE_LAMBDA: f64 = 300.0;

#[derive(Debug, Clone, PartialEq)]
pub struct Ease {
    /// B, row-major films × films.
    pub weights: Vec<f32>,
    n_items: usize,
    /// Each user's training films: what their scores are summed over.
    rated: Vec<Vec<u32>>,
}

impl Ease {
    /// Builds the Gram matrix XᵀX (Σ n_u² pair visits), adds λ on the diagonal and inverts it by
    /// Cholesky (symmetric positive definite for λ > 0). About a second natively for 1682 films.
    pub fn fit(train: &RatingIndex, lambda: f64) -> Ease {
        assert!(lambda > 0.0, "EASE needs λ > 0");
        let n = train.by_item.n_rows();
        let mut gram = DMatrix::<f64>::zeros(n, n);
        let rated: Vec<Vec<u32>> = (0..train.by_user.n_rows())
            .map(|u| train.by_user.columns(u).to_vec())
            .collect();
        for items in &rated {
            for &a in items {
                for &b in items {
                    gram[(a as usize, b as usize)] += 1.0;
                }
            }
        }
        for i in 0..n {
            gram[(i, i)] += lambda;
        }
        let p = gram
            .cholesky()
            .expect("XᵀX + λI is positive definite for λ > 0")
            .inverse();
        let mut weights = vec![0f32; n * n];
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    weights[i * n + j] = (-p[(i, j)] / p[(j, j)]) as f32;
                }
            }
        }
        Ease {
            weights,
            n_items: n,
            rated,
        }
    }
}

impl Ease {
    pub fn n_items(&self) -> usize {
        self.n_items
    }
}

impl Scorer for Ease {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        out.fill(0.0);
        for &i in &self.rated[user as usize] {
            let row = &self.weights[i as usize * self.n_items..(i as usize + 1) * self.n_items];
            for (o, w) in out.iter_mut().zip(row) {
                *o += w;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    #[test]
    fn two_films_solved_by_hand() {
        // X = [[1, 1], [1, 0]] (user 0 rated both, user 1 only film 0), λ = 1:
        // G = XᵀX + I = [[3, 1], [1, 2]], det 5, P = G⁻¹ = [[2, −1], [−1, 3]] / 5.
        // B_01 = −P_01 / P_11 = (1/5)/(3/5) = 1/3; B_10 = −P_10 / P_00 = (1/5)/(2/5) = 1/2.
        let r = |user, item| Rating {
            user,
            item,
            value: 3.0,
            timestamp: 0,
        };
        let index = RatingIndex::new(&[r(0, 0), r(0, 1), r(1, 0)], 2, 2);
        let ease = Ease::fit(&index, 1.0);
        let expected = [0.0, 1.0 / 3.0, 0.5, 0.0];
        for (got, want) in ease.weights.iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{:?}", ease.weights);
        }
        // User 1 rated film 0: film 1 scores B_01.
        let mut out = [9.0f32; 2];
        ease.score_items(1, &mut out);
        assert!(
            (out[1] - 1.0 / 3.0).abs() < 1e-6 && out[0] == 0.0,
            "{out:?}"
        );
    }
}
