//! Data for the unit tests: ratings with a known low-rank structure and noise (and fitting the
//! trained models on them), and tiny hand-made ratings and datasets.

use burn::tensor::Device;

use crate::data::{Dataset, MovieLensFiles, Rating, RatingIndex};
use crate::math::standard_normal;
use crate::models::{BiasConfig, BiasModel, RatingModel};
use crate::rng::SeededRng;
use crate::split::{Split, ratio_split};
use crate::train::{Fit, Recipe, WeightsOf, fit};

/// The noise of [`low_rank`] data in most tests: a model that recovers the structure gets a test
/// RMSE near it.
pub const NOISE: f64 = 0.3;

/// Ratings 3 + b_u + b_i + p_u·q_i + N(0, noise²) with rank-`rank` truth, on a seeded
/// `density` of all pairs, cut 80/10/10 into train/validation/test.
pub fn low_rank(
    n_users: usize,
    n_items: usize,
    rank: usize,
    noise: f64,
    density: f64,
    seed: u64,
) -> Split {
    let mut rng = SeededRng::new(seed);
    // Entries of sd a give p·q an sd of √rank·a²: aim for a signal sd of 0.8.
    let a = (0.8 / (rank as f64).sqrt()).sqrt();
    let mut draw = |n: usize, sd: f64| -> Vec<f64> {
        (0..n).map(|_| standard_normal(&mut rng) * sd).collect()
    };
    let (p, q) = (draw(n_users * rank, a), draw(n_items * rank, a));
    let (bu, bi) = (draw(n_users, 0.3), draw(n_items, 0.3));
    let mut ratings = Vec::new();
    for u in 0..n_users {
        for i in 0..n_items {
            if rng.unit() >= density {
                continue;
            }
            let signal: f64 = (0..rank).map(|k| p[u * rank + k] * q[i * rank + k]).sum();
            let value = 3.0 + bu[u] + bi[i] + signal + standard_normal(&mut rng) * noise;
            ratings.push(Rating {
                user: u as u32,
                item: i as u32,
                value: value as f32,
                timestamp: 0,
            });
        }
    }
    let mut parts = ratio_split(&ratings, &[0.8, 0.1, 0.1], seed).into_iter();
    Split {
        train: parts.next().unwrap(),
        validation: parts.next().unwrap(),
        test: parts.next().unwrap(),
    }
}

/// Unclipped RMSE: the synthetic ratings are not confined to [1, 5].
pub fn rmse(model: &impl RatingModel, ratings: &[Rating]) -> f64 {
    let pairs: Vec<(u32, u32)> = ratings.iter().map(|r| (r.user, r.item)).collect();
    let sse: f64 = model
        .predict_many(&pairs)
        .iter()
        .zip(ratings)
        .map(|(&p, r)| (p as f64 - r.value as f64).powi(2))
        .sum();
    (sse / ratings.len() as f64).sqrt()
}

/// What the trained models' tests learn: rank-3 [`low_rank`] ratings with [`NOISE`] on half the
/// pairs of a `users × items` table.
pub struct RankThree {
    pub split: Split,
    pub users: usize,
    pub items: usize,
}

impl RankThree {
    pub fn new(users: usize, items: usize, seed: u64) -> Self {
        let split = low_rank(users, items, 3, NOISE, 0.5, seed);
        Self {
            split,
            users,
            items,
        }
    }

    /// `recipe` trained on the split, on the CPU.
    pub fn fit<R: Recipe>(&self, recipe: R) -> Fit<WeightsOf<R>> {
        fit(recipe, &self.split, self.users, self.items, &Device::flex())
    }

    /// The test RMSE of the user+item bias model: what a model must beat.
    pub fn bias_rmse(&self) -> f64 {
        let index = RatingIndex::new(&self.split.train, self.users, self.items);
        rmse(
            &BiasModel::fit(&index, BiasConfig::default()),
            &self.split.test,
        )
    }

    /// Asserts that `model` predicts the test ratings at least 15% better than the bias model;
    /// `about` says what was fitted (printed either way).
    pub fn assert_beats_bias(
        &self,
        name: &str,
        model: &impl RatingModel,
        about: impl std::fmt::Debug,
    ) {
        let (ours, bias) = (rmse(model, &self.split.test), self.bias_rmse());
        eprintln!("{name}: test RMSE {ours:.4}, bias model {bias:.4}, {about:?}");
        assert!(ours < bias * 0.85, "{name}: {ours:.4} vs bias {bias:.4}");
    }
}

/// Whether two computed values agree to rounding.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// A rating at time 0.
pub fn rating(user: u32, item: u32, value: f32) -> Rating {
    Rating {
        user,
        item,
        value,
        timestamp: 0,
    }
}

/// Ratings at time 0 from `(user, item, value)` triples.
pub fn ratings(triples: &[(u32, u32, f32)]) -> Vec<Rating> {
    triples.iter().map(|&(u, i, v)| rating(u, i, v)).collect()
}

/// A dataset from `u.data` lines, films `(id, title)` without genres and `u.user` lines.
pub fn tiny_dataset(ratings: &str, films: &[(u32, &str)], users: &str) -> Dataset {
    let flags = "|0".repeat(19);
    let items: String = films
        .iter()
        .map(|(id, title)| format!("{id}|{title}|||{flags}\n"))
        .collect();
    let mut files = MovieLensFiles::new();
    files.insert("u.data", ratings.as_bytes().to_vec());
    files.insert("u.item", items.into_bytes());
    files.insert("u.user", users.as_bytes().to_vec());
    Dataset::from_files(&files).expect("a valid tiny dataset")
}
