//! A fitted model of the board, ready to score, and how it serves someone new.

use crate::data::{Rating, RatingIndex};
use crate::models::{
    BiasModel, Blend, Ease, Evaluation, EvaluationAndLists, GlobalMean, MfWeights, Neural,
    NeuralNet, Popularity, RatingModel, Reconstruction, evaluate_ranker_with_lists,
    evaluate_rating_model_with_lists,
};
use crate::recommend::{EaseWeights, Retrieval, Served};

/// A fitted model, ready to score.
pub enum Trained {
    Mean(GlobalMean),
    Bias(BiasModel),
    Popularity(Popularity),
    /// MF-shaped: biased MF, ALS, the enriched model's effective vectors.
    Factors(MfWeights),
    /// The two towers with their popularity correction: ranking only.
    Towers(Retrieval),
    Neural(Box<Neural>),
    /// The reconstruction it scores with, and the same model as MF-shaped weights (film codes,
    /// decoder rows), which a visitor is folded into.
    AutoRec(Reconstruction, Box<MfWeights>),
    Ease(Box<Ease>),
    Blend(Box<Blend>),
}

impl Trained {
    /// The test metrics: RMSE/MAE for rating models, the top-10 metrics for all.
    pub fn evaluate(&self, index: &RatingIndex, test: &[Rating]) -> Evaluation {
        self.evaluate_with_lists(index, test).0
    }

    /// [`Trained::evaluate`] with the top-10 lists its ranking metrics were computed from.
    pub fn evaluate_with_lists(&self, index: &RatingIndex, test: &[Rating]) -> EvaluationAndLists {
        match self {
            Trained::Mean(m) => evaluate_rating_model_with_lists(m, index, test),
            Trained::Bias(m) => evaluate_rating_model_with_lists(m, index, test),
            Trained::Popularity(m) => evaluate_ranker_with_lists(m, index, test),
            Trained::Factors(m) => evaluate_rating_model_with_lists(m, index, test),
            Trained::Towers(m) => evaluate_ranker_with_lists(&m.ranker, index, test),
            Trained::Neural(m) => evaluate_rating_model_with_lists(m.as_ref(), index, test),
            Trained::AutoRec(m, _) => evaluate_rating_model_with_lists(m, index, test),
            Trained::Ease(m) => evaluate_ranker_with_lists(m.as_ref(), index, test),
            Trained::Blend(m) => evaluate_rating_model_with_lists(m.as_ref(), index, test),
        }
    }

    /// The rating model inside, if this is one.
    pub fn rating_model(&self) -> Option<&dyn RatingModel> {
        Some(match self {
            Trained::Mean(m) => m,
            Trained::Bias(m) => m,
            Trained::Factors(m) => m,
            Trained::Neural(m) => m.as_ref(),
            Trained::AutoRec(m, _) => m,
            Trained::Blend(m) => m.as_ref(),
            Trained::Popularity(_) | Trained::Ease(_) | Trained::Towers(_) => return None,
        })
    }

    /// The model as it serves someone new: recommendations and the film map (`n_items` films).
    pub fn served(&self, n_items: usize) -> Served {
        let without_vectors = |mean: f32, item_bias: Vec<f32>| {
            Served::Linear(MfWeights {
                mean,
                dim: 0,
                user_bias: Vec::new(),
                item_bias,
                user_factors: Vec::new(),
                item_factors: Vec::new(),
            })
        };
        match self {
            Trained::Mean(m) => without_vectors(m.mean, vec![0.0; n_items]),
            Trained::Bias(m) => without_vectors(m.mean, m.item_bias.clone()),
            Trained::Popularity(m) => {
                Served::Popularity(m.counts.iter().map(|&c| c as u32).collect())
            }
            Trained::Factors(w) => Served::Linear(w.clone()),
            Trained::Towers(r) => Served::Retrieval(r.clone()),
            Trained::Neural(m) => Served::Neural(NeuralNet::of(m)),
            Trained::AutoRec(_, linear) => Served::AutoRec(linear.as_ref().clone()),
            Trained::Ease(m) => Served::Ease(EaseWeights {
                n_items: m.n_items(),
                weights: m.weights.clone(),
            }),
            Trained::Blend(b) => Served::Blend {
                parts: b.parts.iter().map(|p| p.served(n_items)).collect(),
                weights: b.weights.clone(),
            },
        }
    }
}
