//! Models, one file each: closed-form baselines, EASE (closed-form ranking), ALS with biases,
//! and biased MF ([`Mf`]) trained with Burn by [`crate::train`].

mod als;
mod bias;
mod ease;
mod mean;
mod mf;
mod popularity;

pub use als::{AlsConfig, fit_als};
pub use bias::{BiasConfig, BiasModel};
pub use ease::{EASE_LAMBDA, Ease};
pub use mean::GlobalMean;
pub use mf::{Mf, MfBatch, MfConfig, MfWeights, Optimiser};
pub use popularity::Popularity;

use crate::data::{Rating, RatingIndex};
use crate::metrics::{ErrorMetrics, RankingMetrics, evaluate_ranking, rating_errors};

/// Anything that gives a user a score for every item. Rating models score by predicted rating;
/// ranking-only models (popularity) by their own scale.
pub trait Scorer {
    /// Fills `out` (one slot per item) with raw, unclipped scores for `user`.
    fn score_items(&self, user: u32, out: &mut [f32]);
}

/// A model that predicts ratings.
pub trait RatingModel: Scorer {
    fn predict(&self, user: u32, item: u32) -> f32;
}

/// What a rating model gets on a test set: RMSE/MAE on every pair and the top-10 metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub errors: Option<ErrorMetrics>,
    pub ranking: RankingMetrics,
}

pub const TOP_K: usize = 10;

pub fn evaluate_rating_model(
    model: &impl RatingModel,
    train: &RatingIndex,
    test: &[Rating],
) -> Evaluation {
    Evaluation {
        errors: Some(rating_errors(
            test.iter()
                .map(|r| (model.predict(r.user, r.item), r.value)),
        )),
        ranking: evaluate_ranking(train, test, TOP_K, |user, out| model.score_items(user, out)),
    }
}

pub fn evaluate_ranker(model: &impl Scorer, train: &RatingIndex, test: &[Rating]) -> Evaluation {
    Evaluation {
        errors: None,
        ranking: evaluate_ranking(train, test, TOP_K, |user, out| model.score_items(user, out)),
    }
}
