//! Alternating least squares with biases, as in the Spark MLlib course: with one side fixed, each
//! person's (or film's) vector and bias is a ridge regression with a closed form, so the sides
//! are solved in turn.
//!
//! Minimise Σ (r − μ − b_u − b_i − p_u·q_i)² + λ Σ_u n_u (‖p_u‖² + b_u²) + λ Σ_i n_i (‖q_i‖² + b_i²):
//! the "weighted λ" of Zhou et al. (2008) that Spark uses, each row's penalty scaled by its count.
//! Without biases (`biases: false`) it is Spark MLlib's own model, r ≈ p_u·q_i with no mean, so
//! the two engines can be compared on the same settings.

use super::MfWeights;
use crate::data::{Csr, RatingIndex};
use crate::math::{cholesky, cholesky_solve};
use crate::rng::SeededRng;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlsConfig {
    pub rank: usize,
    /// Weighted λ (per rating of the row).
    pub lambda: f64,
    /// Full sweeps (users, then films).
    pub iterations: usize,
    /// Standard deviation of the initial film factors.
    pub init_std: f64,
    pub seed: u64,
    /// Learn μ, b_u and b_i beside the vectors; without them, Spark's model.
    pub biases: bool,
}

impl Default for AlsConfig {
    /// Rank 50 and weighted λ 0.12: the evaluation protocol's reference (u1 RMSE 0.9249).
    fn default() -> Self {
        AlsConfig {
            rank: 50,
            lambda: 0.12,
            iterations: 15,
            init_std: 0.1,
            seed: 42,
            biases: true,
        }
    }
}

/// Solves every row of `rows` (users, or films) given the other side's factors and biases: row
/// vector x = [p; b] from targets r − μ − b_other with features [q_other; 1]. Without biases
/// (`bias` empty) x = p from targets r − μ with features q_other.
#[allow(clippy::too_many_arguments)]
fn solve_side(
    rows: &Csr,
    other_factors: &[f32],
    other_bias: &[f32],
    mean: f32,
    rank: usize,
    lambda: f64,
    factors: &mut [f32],
    bias: &mut [f32],
) {
    let with_bias = !bias.is_empty();
    let n = rank + usize::from(with_bias);
    let mut normal = vec![0.0f64; n * n];
    let mut rhs = vec![0.0f64; n];
    let mut a = vec![0.0f64; n];
    for row in 0..rows.n_rows() {
        let count = rows.len(row);
        if count == 0 {
            continue;
        }
        normal.fill(0.0);
        rhs.fill(0.0);
        for (&col, &value) in rows.columns(row).iter().zip(rows.values(row)) {
            let col = col as usize;
            for (k, slot) in a.iter_mut().take(rank).enumerate() {
                *slot = other_factors[col * rank + k] as f64;
            }
            if with_bias {
                a[rank] = 1.0;
            }
            let other = other_bias.get(col).map_or(0.0, |&b| b as f64);
            let y = value as f64 - mean as f64 - other;
            for r in 0..n {
                rhs[r] += a[r] * y;
                for c in 0..=r {
                    normal[r * n + c] += a[r] * a[c];
                }
            }
        }
        for r in 0..n {
            for c in 0..r {
                normal[c * n + r] = normal[r * n + c];
            }
            normal[r * n + r] += lambda * count as f64;
        }
        let x = cholesky_solve(&cholesky(&normal, n), n, &rhs);
        for k in 0..rank {
            factors[row * rank + k] = x[k] as f32;
        }
        if with_bias {
            bias[row] = x[rank] as f32;
        }
    }
}

/// Fits ALS with biases; the result scores and predicts like a trained MF.
pub fn fit_als(train: &RatingIndex, config: AlsConfig) -> MfWeights {
    let (users, items) = (&train.by_user, &train.by_item);
    let (n_users, n_items, rank) = (users.n_rows(), items.n_rows(), config.rank);
    let (sum, count) = (0..n_users)
        .flat_map(|u| users.values(u).iter())
        .fold((0.0f64, 0usize), |(s, n), &v| (s + v as f64, n + 1));
    let training_mean = (sum / count.max(1) as f64) as f32;
    let mean = if config.biases { training_mean } else { 0.0 };
    let mut rng = SeededRng::new(config.seed);
    let mut item_factors: Vec<f32> = (0..n_items * rank)
        .map(|_| ((rng.unit() * 2.0 - 1.0) * config.init_std * 3f64.sqrt()) as f32)
        .collect();
    // Without biases the bias vectors stay empty while solving.
    let biases = |n: usize| vec![0f32; if config.biases { n } else { 0 }];
    let mut item_bias = biases(n_items);
    let mut user_factors = vec![0f32; n_users * rank];
    let mut user_bias = biases(n_users);
    for _ in 0..config.iterations {
        solve_side(
            users,
            &item_factors,
            &item_bias,
            mean,
            rank,
            config.lambda,
            &mut user_factors,
            &mut user_bias,
        );
        solve_side(
            items,
            &user_factors,
            &user_bias,
            mean,
            rank,
            config.lambda,
            &mut item_factors,
            &mut item_bias,
        );
    }
    // Films nobody rated keep their random start: zero them, so they fall back to μ + b_u.
    for i in (0..n_items).filter(|&i| items.len(i) == 0) {
        item_factors[i * rank..(i + 1) * rank].fill(0.0);
    }
    if !config.biases {
        // Spark's model has no mean: a film or person training never saw is predicted the
        // training mean (the Spark job's fallback), carried here as its bias.
        let mean_where_unseen = |rows: &Csr| -> Vec<f32> {
            (0..rows.n_rows())
                .map(|k| if rows.len(k) == 0 { training_mean } else { 0.0 })
                .collect()
        };
        item_bias = mean_where_unseen(items);
        user_bias = mean_where_unseen(users);
    }
    MfWeights {
        mean,
        dim: rank,
        user_bias,
        item_bias,
        user_factors,
        item_factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;
    use crate::models::RatingModel;

    #[test]
    fn one_user_one_film_solved_by_hand() {
        // Rank 1, one rating r = 5 by user 0 of film 0, μ = 5 (the only rating): y = 0, so every
        // solve gives zero and predictions stay at μ.
        let index = RatingIndex::new(
            &[Rating {
                user: 0,
                item: 0,
                value: 5.0,
                timestamp: 0,
            }],
            1,
            2,
        );
        let w = fit_als(
            &index,
            AlsConfig {
                rank: 1,
                ..AlsConfig::default()
            },
        );
        assert_eq!(w.mean, 5.0);
        assert!((w.predict(0, 0) - 5.0).abs() < 1e-6);
        // Film 1 has no rating: zero vector and bias, so it falls back to μ + b_u.
        assert_eq!((w.item_factors[1], w.item_bias[1]), (0.0, 0.0));
    }

    /// One person who rated films 0, 1, … with `values`, among `items` films.
    fn one_user_rating(values: &[f32], items: usize) -> RatingIndex {
        let ratings: Vec<Rating> = values
            .iter()
            .enumerate()
            .map(|(item, &value)| Rating {
                user: 0,
                item: item as u32,
                value,
                timestamp: 0,
            })
            .collect();
        RatingIndex::new(&ratings, 1, items)
    }

    #[test]
    fn a_user_side_solve_matches_the_normal_equations() {
        // Rank 1; film factors q = [1, 2], film biases 0, μ = 3. User rated film 0 → 4, film 1 → 5
        // (y = 1, 2). Features [q; 1]: a0 = [1, 1], a1 = [2, 1]; weighted λ 0.5 · n = 1 on the
        // diagonal. M = [[1+4+1, 1+2], [1+2, 1+1+1]] = [[6, 3], [3, 3]], rhs = [1+4, 1+2] = [5, 3].
        // det 9: p = (3·5 − 3·3)/9 = 2/3, b = (6·3 − 3·5)/9 = 1/3.
        let index = one_user_rating(&[4.0, 5.0], 2);
        let (mut p, mut b) = (vec![0f32; 1], vec![0f32; 1]);
        solve_side(
            &index.by_user,
            &[1.0, 2.0],
            &[0.0, 0.0],
            3.0,
            1,
            0.5,
            &mut p,
            &mut b,
        );
        assert!(
            (p[0] - 2.0 / 3.0).abs() < 1e-6 && (b[0] - 1.0 / 3.0).abs() < 1e-6,
            "{p:?} {b:?}"
        );
    }

    #[test]
    fn without_biases_a_user_solve_is_plain_ridge_and_unseen_films_get_the_mean() {
        // Rank 1, no bias: film factors q = [1, 2]; ratings 4 and 5 (no mean taken off).
        // (q·q + λ·n) p = q·r → (1 + 4 + 0.5·2) p = 4 + 10 → p = 14 / 6.
        let index = one_user_rating(&[4.0, 5.0], 3);
        let mut p = vec![0f32; 1];
        solve_side(
            &index.by_user,
            &[1.0, 2.0, 0.0],
            &[],
            0.0,
            1,
            0.5,
            &mut p,
            &mut [],
        );
        assert!((p[0] - 14.0 / 6.0).abs() < 1e-6, "{p:?}");
        let w = fit_als(
            &index,
            AlsConfig {
                rank: 2,
                biases: false,
                ..AlsConfig::default()
            },
        );
        assert_eq!((w.mean, w.user_bias[0], w.item_bias[0]), (0.0, 0.0, 0.0));
        // Film 2 was never rated: zero vector, predicted the training mean 4.5.
        assert_eq!(w.item_bias[2], 4.5);
        assert_eq!(w.predict(0, 2), 4.5);
    }
}
