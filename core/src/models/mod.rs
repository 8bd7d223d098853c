//! Models, one file each: closed-form baselines, EASE (closed-form ranking), ALS with biases,
//! and biased MF ([`Mf`]) trained with Burn by [`crate::train`].

mod als;
mod autorec;
mod bias;
mod blend;
mod ease;
mod enriched;
mod init;
mod mean;
mod mf;
mod mf_device_step;
mod mf_kernel;
mod neural;
mod neural_net;
pub mod params;
mod popularity;
mod recipes;
mod two_tower;

pub use als::{AlsConfig, fit_als};
pub use autorec::{AutoRec, AutoRecConfig, AutoRecWeights, FilmColumns, Reconstruction};
pub use bias::{BiasConfig, BiasModel};
pub use blend::Blend;
pub use ease::{EASE_LAMBDA, Ease};
pub use enriched::{Enriched, EnrichedConfig, EnrichedRecipe, EnrichedWeights, SideFeatures};
pub use mean::GlobalMean;
pub use mf::{DEVICE_STEP_MIN_BATCH, Mf, MfBatch, MfConfig, MfWeights, Optimiser};
pub use mf_device_step::MfDeviceStep;
pub use mf_kernel::MfKernel;
pub use neural::{Neural, NeuralConfig, NeuralWeights};
pub use neural_net::{Dense, NeuralNet};
pub use popularity::Popularity;
pub use two_tower::{LIKED, TwoTower, TwoTowerConfig, TwoTowerRecipe, TwoTowerWeights};

use crate::data::{Rating, RatingIndex};
use crate::metrics::{ErrorMetrics, RankingMetrics, UserTopK, rank_and_evaluate, rating_errors};

/// Anything that gives a user a score for every item. Rating models score by predicted rating;
/// ranking-only models (popularity) by their own scale.
pub trait Scorer {
    /// Fills `out` (one slot per item) with raw, unclipped scores for `user`.
    fn score_items(&self, user: u32, out: &mut [f32]);
}

/// A model that predicts ratings.
pub trait RatingModel: Scorer {
    fn predict(&self, user: u32, item: u32) -> f32;

    /// [`RatingModel::predict`] for many pairs (models that run on a device do it in one go).
    fn predict_many(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        pairs.iter().map(|&(u, i)| self.predict(u, i)).collect()
    }
}

/// What a rating model gets on a test set: RMSE/MAE on every pair and the top-10 metrics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub errors: Option<ErrorMetrics>,
    pub ranking: RankingMetrics,
}

pub const TOP_K: usize = 10;

/// An evaluation with the top-K lists its ranking metrics were computed from.
pub type EvaluationAndLists = (Evaluation, Vec<UserTopK>);

pub fn evaluate_rating_model(
    model: &impl RatingModel,
    train: &RatingIndex,
    test: &[Rating],
) -> Evaluation {
    evaluate_rating_model_with_lists(model, train, test).0
}

/// [`evaluate_rating_model`] with the top-10 lists its ranking metrics were computed from.
pub fn evaluate_rating_model_with_lists(
    model: &impl RatingModel,
    train: &RatingIndex,
    test: &[Rating],
) -> EvaluationAndLists {
    let pairs: Vec<(u32, u32)> = test.iter().map(|r| (r.user, r.item)).collect();
    let predictions = model.predict_many(&pairs);
    let errors = rating_errors(
        &train.scale,
        predictions.into_iter().zip(test.iter().map(|r| r.value)),
    );
    let (ranking, lists) =
        rank_and_evaluate(train, test, TOP_K, |user, out| model.score_items(user, out));
    let errors = Some(errors);
    (Evaluation { errors, ranking }, lists)
}

pub fn evaluate_ranker(model: &impl Scorer, train: &RatingIndex, test: &[Rating]) -> Evaluation {
    evaluate_ranker_with_lists(model, train, test).0
}

/// [`evaluate_ranker`] with the top-10 lists its metrics were computed from.
pub fn evaluate_ranker_with_lists(
    model: &impl Scorer,
    train: &RatingIndex,
    test: &[Rating],
) -> EvaluationAndLists {
    let (ranking, lists) =
        rank_and_evaluate(train, test, TOP_K, |user, out| model.score_items(user, out));
    let errors = None;
    (Evaluation { errors, ranking }, lists)
}
