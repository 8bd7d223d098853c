//! Principal component analysis to two dimensions: the linear map of the film vectors.
//!
//! The covariance is accumulated in `f64` (1682 rows of f32 lose digits otherwise) and
//! decomposed with `nalgebra`'s `SymmetricEigen` (exact for a symmetric matrix, no iteration
//! count to tune). A `dim`×`dim` matrix with `dim` ≈ 32 costs microseconds.

use nalgebra::{DMatrix, SymmetricEigen};

/// A fitted two-axis PCA.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// The mean row, subtracted before projecting.
    pub mean: Vec<f32>,
    /// The two leading principal directions: unit length and orthogonal (for `dim` < 2 the
    /// missing axis is all zeros). Each axis's largest-magnitude component is positive, so
    /// refitting on slightly different vectors (the next epoch) does not mirror the map.
    pub axes: [Vec<f32>; 2],
    /// The fraction of the total variance along each axis (0 when the points do not vary).
    pub explained: [f64; 2],
}

impl Pca {
    /// Fits on `vectors`, rows of `dim` values (a trailing partial row is ignored).
    pub fn fit(vectors: &[f32], dim: usize) -> Pca {
        let n = vectors.len().checked_div(dim).unwrap_or(0);
        let mut mean = vec![0f64; dim];
        for row in vectors.chunks_exact(dim.max(1)).take(n) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        for m in &mut mean {
            *m /= n.max(1) as f64;
        }
        let mut covariance = DMatrix::<f64>::zeros(dim, dim);
        let mut centred = vec![0f64; dim];
        for row in vectors.chunks_exact(dim.max(1)).take(n) {
            for ((c, &v), m) in centred.iter_mut().zip(row).zip(&mean) {
                *c = v as f64 - m;
            }
            for a in 0..dim {
                for b in a..dim {
                    covariance[(a, b)] += centred[a] * centred[b];
                }
            }
        }
        for a in 0..dim {
            for b in a..dim {
                covariance[(a, b)] /= n.max(1) as f64;
                covariance[(b, a)] = covariance[(a, b)];
            }
        }
        let total = covariance.trace();
        let mean32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        let unit = |k: usize| -> Vec<f32> { (0..dim).map(|j| (j == k) as u8 as f32).collect() };
        if !(total > 0.0 && total.is_finite()) {
            // No spread (or nothing to fit): the coordinate axes, so projections are 0, not NaN.
            return Pca {
                mean: mean32,
                axes: [unit(0), unit(1)],
                explained: [0.0, 0.0],
            };
        }

        let eigen = SymmetricEigen::new(covariance);
        let mut order: Vec<usize> = (0..dim).collect();
        // Largest eigenvalue first; ties to the smaller index, so the order is deterministic.
        order.sort_by(|&a, &b| {
            eigen.eigenvalues[b]
                .total_cmp(&eigen.eigenvalues[a])
                .then(a.cmp(&b))
        });
        let axis = |rank: usize| -> (Vec<f32>, f64) {
            let Some(&k) = order.get(rank) else {
                return (vec![0.0; dim], 0.0);
            };
            let column = eigen.eigenvectors.column(k);
            let norm = column.norm();
            // Sign convention: the largest-magnitude component (first on a tie) is positive.
            let pivot = (0..dim).fold(0, |best, j| {
                if column[j].abs() > column[best].abs() {
                    j
                } else {
                    best
                }
            });
            let sign = if column[pivot] < 0.0 { -1.0 } else { 1.0 };
            let vector = column.iter().map(|&c| (sign * c / norm) as f32).collect();
            (vector, eigen.eigenvalues[k].max(0.0) / total)
        };
        let (first, explained_first) = axis(0);
        let (second, explained_second) = axis(1);
        Pca {
            mean: mean32,
            axes: [first, second],
            explained: [explained_first, explained_second],
        }
    }

    /// The two coordinates of one vector (`dim` values).
    pub fn project(&self, vector: &[f32]) -> [f32; 2] {
        let along = |axis: &[f32]| -> f32 {
            vector
                .iter()
                .zip(&self.mean)
                .zip(axis)
                .map(|((&v, &m), &a)| (v - m) * a)
                .sum()
        };
        [along(&self.axes[0]), along(&self.axes[1])]
    }

    /// The coordinates of every row of `vectors`.
    pub fn project_all(&self, vectors: &[f32]) -> Vec<[f32; 2]> {
        let dim = self.mean.len();
        if dim == 0 {
            return Vec::new();
        }
        vectors
            .chunks_exact(dim)
            .map(|row| self.project(row))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    fn close(a: f64, b: f64, tolerance: f64) -> bool {
        (a - b).abs() <= tolerance
    }

    /// Four points m ± a, m ± b with m = (1, −1), a = (4, 2), b = (1, −2); a ⟂ b.
    /// Population covariance = (a aᵀ + b bᵀ) / 2 = ([[16, 8], [8, 4]] + [[1, −2], [−2, 4]]) / 2
    /// = [[8.5, 3], [3, 4]]. Because a ⟂ b its eigenvectors are a/|a| = (2, 1)/√5 with eigenvalue
    /// |a|²/2 = 10 and b/|b| = (1, −2)/√5 with eigenvalue |b|²/2 = 2.5 (check: trace 12.5 = 10 +
    /// 2.5, det 34 − 9 = 25 = 10 · 2.5). Sign rule: (2, 1) keeps its sign; (1, −2) has −2 as its
    /// largest component, so the second axis is (−1, 2)/√5. Explained: 10/12.5 = 0.8 and 0.2.
    /// Projections: m ± a → (±2√5, 0) since a·(2, 1)/√5 = 10/√5; m ± b → (0, ∓√5).
    #[test]
    fn a_hand_worked_two_dimensional_case() {
        let points = [5.0, 1.0, -3.0, -3.0, 2.0, -3.0, 0.0, 1.0];
        let pca = Pca::fit(&points, 2);
        assert_eq!(pca.mean, vec![1.0, -1.0]);
        let s5 = 5f64.sqrt();
        let expected = [[2.0 / s5, 1.0 / s5], [-1.0 / s5, 2.0 / s5]];
        for (axis, want) in pca.axes.iter().zip(expected) {
            for (&got, want) in axis.iter().zip(want) {
                assert!(close(got as f64, want, 1e-6), "{pca:?}");
            }
        }
        assert!(close(pca.explained[0], 0.8, 1e-9) && close(pca.explained[1], 0.2, 1e-9));
        let projected = pca.project_all(&points);
        let expected = [[2.0 * s5, 0.0], [-2.0 * s5, 0.0], [0.0, -s5], [0.0, s5]];
        for (got, want) in projected.iter().zip(expected) {
            assert!(close(got[0] as f64, want[0], 1e-5), "{projected:?}");
            assert!(close(got[1] as f64, want[1], 1e-5), "{projected:?}");
        }
    }

    /// The same four points lifted into 3-D with a constant third coordinate and the first two
    /// swapped: the axes are the 2-D ones permuted, with a 0 for the constant coordinate.
    #[test]
    fn a_constant_coordinate_gets_no_weight() {
        let points = [
            1.0, 5.0, 7.0, -3.0, -3.0, 7.0, -3.0, 2.0, 7.0, 1.0, 0.0, 7.0,
        ];
        let pca = Pca::fit(&points, 3);
        let s5 = 5f32.sqrt();
        let expected = [[1.0 / s5, 2.0 / s5, 0.0], [2.0 / s5, -1.0 / s5, 0.0]];
        for (axis, want) in pca.axes.iter().zip(expected) {
            for (&got, want) in axis.iter().zip(want) {
                assert!((got - want).abs() < 1e-6, "{pca:?}");
            }
        }
        assert!(close(pca.explained[0] + pca.explained[1], 1.0, 1e-9));
    }

    fn random_points(n: usize, dim: usize, seed: u64) -> Vec<f32> {
        let mut rng = SeededRng::new(seed);
        // Different spreads per coordinate plus a shared component, so the axes are not trivial.
        (0..n)
            .flat_map(|_| {
                let shared = rng.unit() - 0.5;
                (0..dim)
                    .map(|j| ((rng.unit() - 0.5) * (j + 1) as f64 + 3.0 * shared) as f32)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn variance_along(points: &[f32], dim: usize, pca: &Pca, direction: &[f32]) -> f64 {
        let values: Vec<f64> = points
            .chunks_exact(dim)
            .map(|row| {
                row.iter()
                    .zip(&pca.mean)
                    .zip(direction)
                    .map(|((&v, &m), &d)| ((v - m) * d) as f64)
                    .sum()
            })
            .collect();
        values.iter().map(|v| v * v).sum::<f64>() / values.len() as f64
    }

    #[test]
    fn axes_are_orthonormal_and_carry_the_explained_variance() {
        let dim = 6;
        let points = random_points(500, dim, 3);
        let pca = Pca::fit(&points, dim);
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        assert!((dot(&pca.axes[0], &pca.axes[0]) - 1.0).abs() < 1e-5);
        assert!((dot(&pca.axes[1], &pca.axes[1]) - 1.0).abs() < 1e-5);
        assert!(dot(&pca.axes[0], &pca.axes[1]).abs() < 1e-5);

        // Independently: the total variance is the sum of the per-coordinate variances, and the
        // variance of the points along each axis is that axis's share of it.
        let total: f64 = (0..dim)
            .map(|j| {
                let mut unit = vec![0.0; dim];
                unit[j] = 1.0;
                variance_along(&points, dim, &pca, &unit)
            })
            .sum();
        for k in 0..2 {
            let share = variance_along(&points, dim, &pca, &pca.axes[k]) / total;
            assert!(close(share, pca.explained[k], 1e-5), "{share} vs {pca:?}");
        }
        assert!(pca.explained[0] >= pca.explained[1] && pca.explained[1] > 0.0);
        assert!(pca.explained[0] + pca.explained[1] <= 1.0);
        // No direction carries more variance than the first axis.
        let mut rng = SeededRng::new(9);
        for _ in 0..200 {
            let mut direction: Vec<f32> = (0..dim).map(|_| rng.unit() as f32 - 0.5).collect();
            let norm = dot(&direction, &direction).sqrt();
            direction.iter_mut().for_each(|d| *d /= norm);
            let share = variance_along(&points, dim, &pca, &direction) / total;
            assert!(share <= pca.explained[0] + 1e-6);
        }
    }

    #[test]
    fn signs_do_not_depend_on_the_orientation_or_order_of_the_data() {
        let dim = 5;
        let points = random_points(300, dim, 4);
        let pca = Pca::fit(&points, dim);
        for axis in &pca.axes {
            let pivot = axis
                .iter()
                .copied()
                .fold(0f32, |b, v| if v.abs() > b.abs() { v } else { b });
            assert!(pivot > 0.0);
        }
        // Mirrored points have the same covariance, so the same axes and mirrored coordinates.
        let mirrored: Vec<f32> = points.iter().map(|v| -v).collect();
        let flipped = Pca::fit(&mirrored, dim);
        // Reversed row order: same axes.
        let mut reversed: Vec<f32> = Vec::new();
        for row in points.chunks_exact(dim).rev() {
            reversed.extend_from_slice(row);
        }
        let reordered = Pca::fit(&reversed, dim);
        for other in [&flipped, &reordered] {
            for k in 0..2 {
                for (a, b) in pca.axes[k].iter().zip(&other.axes[k]) {
                    assert!((a - b).abs() < 1e-5, "{pca:?} vs {other:?}");
                }
            }
        }
        let (a, b) = (
            pca.project(&points[..dim]),
            flipped.project(&mirrored[..dim]),
        );
        assert!((a[0] + b[0]).abs() < 1e-4 && (a[1] + b[1]).abs() < 1e-4);
    }

    #[test]
    fn degenerate_inputs_give_numbers_not_nan() {
        let one_dim = Pca::fit(&[1.0, 2.0, 4.0], 1);
        assert_eq!(one_dim.axes, [vec![1.0], vec![0.0]]);
        assert!(close(one_dim.explained[0], 1.0, 1e-12) && one_dim.explained[1] == 0.0);
        assert_eq!(one_dim.project(&[4.0]), [4.0 - 7.0 / 3.0, 0.0]);

        let same = Pca::fit(&[2.0, 3.0, 2.0, 3.0, 2.0, 3.0], 2);
        assert_eq!(same.explained, [0.0, 0.0]);
        assert_eq!(
            same.project_all(&[2.0, 3.0, 3.0, 3.0]),
            vec![[0.0, 0.0], [1.0, 0.0]]
        );

        let empty = Pca::fit(&[], 3);
        assert_eq!(empty.project(&[1.0, 1.0, 1.0]), [1.0, 1.0]);
        assert!(Pca::fit(&[], 0).project_all(&[]).is_empty());
    }
}
