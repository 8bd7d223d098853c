//! Data for the unit tests: ratings with a known low-rank structure and noise, and tiny
//! hand-made ratings and datasets.

use crate::data::{Dataset, MovieLensFiles, Rating};
use crate::models::RatingModel;
use crate::rng::SeededRng;
use crate::split::{Split, ratio_split};

/// The noise of [`low_rank`] data in most tests: a model that recovers the structure gets a test
/// RMSE near it.
pub const NOISE: f64 = 0.3;

use crate::math::standard_normal as normal;

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
    let mut draw =
        |n: usize, sd: f64| -> Vec<f64> { (0..n).map(|_| normal(&mut rng) * sd).collect() };
    let (p, q) = (draw(n_users * rank, a), draw(n_items * rank, a));
    let (bu, bi) = (draw(n_users, 0.3), draw(n_items, 0.3));
    let mut ratings = Vec::new();
    for u in 0..n_users {
        for i in 0..n_items {
            if rng.unit() >= density {
                continue;
            }
            let signal: f64 = (0..rank).map(|k| p[u * rank + k] * q[i * rank + k]).sum();
            let value = 3.0 + bu[u] + bi[i] + signal + normal(&mut rng) * noise;
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

/// The test RMSE of the user+item bias model on `split`: what a model must beat.
pub fn bias_rmse(split: &Split, n_users: usize, n_items: usize) -> f64 {
    use crate::data::RatingIndex;
    use crate::models::{BiasConfig, BiasModel};
    let index = RatingIndex::new(&split.train, n_users, n_items);
    rmse(&BiasModel::fit(&index, BiasConfig::default()), &split.test)
}

/// Asserts that `model`, fitted on `split`, predicts its test ratings at least 15% better than
/// the bias model; `about` says what was fitted (printed either way).
pub fn assert_beats_bias(
    name: &str,
    model: &impl RatingModel,
    split: &Split,
    (n_users, n_items): (usize, usize),
    about: impl std::fmt::Debug,
) {
    let (ours, bias) = (rmse(model, &split.test), bias_rmse(split, n_users, n_items));
    eprintln!("{name}: test RMSE {ours:.4}, bias model {bias:.4}, {about:?}");
    assert!(ours < bias * 0.85, "{name}: {ours:.4} vs bias {bias:.4}");
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
