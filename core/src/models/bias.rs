use super::{RatingModel, Scorer};
use crate::data::RatingIndex;

/// Settings of the user + item bias model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiasConfig {
    /// Ridge penalty on each user bias.
    pub reg_user: f32,
    /// Ridge penalty on each item bias.
    pub reg_item: f32,
    /// Alternating sweeps; the joint ridge problem converges in a handful.
    pub sweeps: usize,
}

impl Default for BiasConfig {
    fn default() -> Self {
        Self {
            reg_user: 5.0,
            reg_item: 2.0,
            sweeps: 20,
        }
    }
}

/// r̂ = μ + b_u + b_i, the biases a regularised least-squares fit:
/// minimise Σ (r − μ − b_u − b_i)² + λ_u Σ b_u² + λ_i Σ b_i², solved by exact alternating
/// minimisation (each step is the closed-form ridge solution for one side given the other).
/// Users and films absent from training keep a zero bias, so they fall back to the mean.
#[derive(Debug, Clone, PartialEq)]
pub struct BiasModel {
    pub mean: f32,
    pub user_bias: Vec<f32>,
    pub item_bias: Vec<f32>,
}

/// One side's closed-form ridge update: b_row = Σ (r − μ − b_other) / (λ + n_row).
fn ridge_sweep(rows: &crate::data::Csr, other: &[f32], mean: f64, reg: f32, out: &mut [f32]) {
    for (row, bias) in out.iter_mut().enumerate() {
        let residual: f64 = rows
            .columns(row)
            .iter()
            .zip(rows.values(row))
            .map(|(&col, &value)| value as f64 - mean - other[col as usize] as f64)
            .sum();
        *bias = (residual / (reg as f64 + rows.len(row) as f64)) as f32;
    }
}

impl BiasModel {
    pub fn fit(train: &RatingIndex, config: BiasConfig) -> Self {
        let users = &train.by_user;
        let (sum, count) = (0..users.n_rows())
            .flat_map(|u| users.values(u).iter())
            .fold((0.0f64, 0usize), |(s, n), &v| (s + v as f64, n + 1));
        let mean = sum / count.max(1) as f64;
        let mut user_bias = vec![0f32; users.n_rows()];
        let mut item_bias = vec![0f32; train.by_item.n_rows()];
        for _ in 0..config.sweeps {
            ridge_sweep(
                &train.by_item,
                &user_bias,
                mean,
                config.reg_item,
                &mut item_bias,
            );
            ridge_sweep(users, &item_bias, mean, config.reg_user, &mut user_bias);
        }
        Self {
            mean: mean as f32,
            user_bias,
            item_bias,
        }
    }
}

impl Scorer for BiasModel {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        let base = self.mean + self.user_bias[user as usize];
        for (o, b) in out.iter_mut().zip(&self.item_bias) {
            *o = base + b;
        }
    }
}

impl RatingModel for BiasModel {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.mean + self.user_bias[user as usize] + self.item_bias[item as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    #[test]
    fn biases_solve_the_ridge_normal_equations() {
        let ratings = crate::testing::ratings(&[
            (0, 0, 5.0),
            (0, 1, 3.0),
            (1, 0, 4.0),
            (1, 2, 1.0),
            (2, 1, 2.0),
        ]);
        let index = RatingIndex::new(&ratings, 3, 4);
        let config = BiasConfig {
            reg_user: 1.5,
            reg_item: 0.5,
            sweeps: 200,
        };
        let m = BiasModel::fit(&index, config);
        assert!((m.mean - 3.0).abs() < 1e-6);
        // At the optimum each bias satisfies its own normal equation given the others.
        // Given the other side, `side`'s bias of `id` is the ridge mean of its residuals.
        let check = |is_user: bool, id: u32| {
            let of = |x: &Rating| if is_user { x.user } else { x.item };
            let rows: Vec<&Rating> = ratings.iter().filter(|x| of(x) == id).collect();
            let other = |x: &Rating| {
                if is_user {
                    m.item_bias[x.item as usize]
                } else {
                    m.user_bias[x.user as usize]
                }
            };
            let residual: f32 = rows.iter().map(|x| x.value - m.mean - other(x)).sum();
            let (bias, reg) = if is_user {
                (m.user_bias[id as usize], config.reg_user)
            } else {
                (m.item_bias[id as usize], config.reg_item)
            };
            assert!((bias - residual / (reg + rows.len() as f32)).abs() < 1e-5);
        };
        for id in 0..3u32 {
            check(true, id);
            check(false, id);
        }
        // Item 3 has no training rating: it predicts the mean plus the user's bias.
        assert_eq!(m.item_bias[3], 0.0);
        assert!((m.predict(0, 3) - (m.mean + m.user_bias[0])).abs() < 1e-6);
    }
}
