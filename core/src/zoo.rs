//! The model zoo: every model of the comparison board, what it is, how it is fitted and how it
//! scores, so that the page, the benchmark and the tests run the same code. The trainable models
//! go through [`crate::train`] (holdout for early stopping, then a refit), the closed-form ones
//! are solved directly.

use std::sync::Arc;

use burn::tensor::Device;

use crate::data::{Dataset, Rating, RatingIndex};
use crate::metrics::{ErrorMetrics, RankingMetrics};
use crate::models::{
    AlsConfig, AutoRecConfig, AutoRecWeights, BiasConfig, BiasModel, EASE_LAMBDA, Ease,
    EnrichedConfig, EnrichedRecipe, EnrichedWeights, Evaluation, GlobalMean, MfConfig, MfWeights,
    Neural, NeuralConfig, NeuralWeights, Popularity, Reconstruction, SideFeatures, TwoTowerConfig,
    TwoTowerRecipe, TwoTowerWeights, evaluate_ranker, evaluate_rating_model, fit_als,
};
use crate::split::Split;
use crate::train::{EpochReport, Recipe, Refit, WeightsOf, fit_with_refit, refit_split};

/// The models of the board, in the order the page lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ZooModel {
    Mean,
    Bias,
    Popularity,
    Mf,
    Ncf,
    Deep,
    Enriched,
    AutoRec,
    TwoTower,
    Als,
    Ease,
}

impl ZooModel {
    pub const ALL: [ZooModel; 11] = [
        ZooModel::Mean,
        ZooModel::Bias,
        ZooModel::Popularity,
        ZooModel::Mf,
        ZooModel::Ncf,
        ZooModel::Deep,
        ZooModel::Enriched,
        ZooModel::AutoRec,
        ZooModel::TwoTower,
        ZooModel::Als,
        ZooModel::Ease,
    ];

    /// The short name (the page's `data-model`, the CSV's first column).
    pub fn name(self) -> &'static str {
        match self {
            ZooModel::Mean => "mean",
            ZooModel::Bias => "bias",
            ZooModel::Popularity => "popularity",
            ZooModel::Mf => "mf",
            ZooModel::Ncf => "ncf",
            ZooModel::Deep => "deep",
            ZooModel::Enriched => "enriched",
            ZooModel::AutoRec => "autorec",
            ZooModel::TwoTower => "twotower",
            ZooModel::Als => "als",
            ZooModel::Ease => "ease",
        }
    }

    pub fn parse(name: &str) -> Option<ZooModel> {
        ZooModel::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            ZooModel::Mean => "Global mean",
            ZooModel::Bias => "User + item bias",
            ZooModel::Popularity => "Popularity",
            ZooModel::Mf => "Biased MF",
            ZooModel::Ncf => "NCF / NeuMF",
            ZooModel::Deep => "Deep regression (dropout)",
            ZooModel::Enriched => "MF + side features",
            ZooModel::AutoRec => "I-AutoRec",
            ZooModel::TwoTower => "Two-tower retrieval",
            ZooModel::Als => "ALS with biases",
            ZooModel::Ease => "EASE",
        }
    }

    /// What it learns and when it wins, in a sentence or two.
    pub fn explanation(self) -> &'static str {
        match self {
            ZooModel::Mean => {
                "Predicts the average rating for everything: the floor every model must beat."
            }
            ZooModel::Bias => {
                "Learns how generous each person is and how well liked each film is (closed-form \
                 ridge). Most of what rating models get right is already here."
            }
            ZooModel::Popularity => {
                "Ranks films by how many people rated them. Predicts no rating, but is hard to \
                 beat at top-10 lists, because people do watch popular films."
            }
            ZooModel::Mf => {
                "Biases plus a vector per person and per film whose dot product is their affinity \
                 (the Keras MF course model). Strong on ratings; ranks poorly unaided, as it puts \
                 rarely rated films with high predictions on top."
            }
            ZooModel::Ncf => {
                "NeuMF: the two embeddings through a small neural network beside their \
                 element-wise product (the PyTorch NCF course model). More flexible than a dot \
                 product, but on 100K ratings that flexibility mostly overfits."
            }
            ZooModel::Deep => {
                "Embeddings concatenated into dense layers with dropout (the Keras deep course \
                 model): a network must learn the interaction a dot product gets for free."
            }
            ZooModel::Enriched => {
                "MF whose vectors also get a share for age band, gender, occupation, first-rating \
                 month, genres and decade (TFRS's enriched model): helps films and people with \
                 few ratings most."
            }
            ZooModel::AutoRec => {
                "An autoencoder that reconstructs each film's column of ratings from the observed \
                 ones (masked loss), filling in the rest from films rated alike. Often the best at \
                 rating prediction here."
            }
            ZooModel::TwoTower => {
                "A person tower and a film tower (ids and features) trained to pick out the liked \
                 film among the batch's others (in-batch softmax, the TFRS and PyTorch two-tower \
                 model). Built for retrieval: no rating, ranking only."
            }
            ZooModel::Als => {
                "The same model as biased MF, solved by alternating exact least-squares steps \
                 (people given films, then films given people) with Spark's weighted λ."
            }
            ZooModel::Ease => {
                "A closed-form film-to-film model on who rated what (no rating values): the \
                 strongest top-10 ranker here by far. Predicts no rating."
            }
        }
    }

    /// Trained by the training loop (epochs, a device); otherwise solved in closed form.
    pub fn trainable(self) -> bool {
        matches!(
            self,
            ZooModel::Mf
                | ZooModel::Ncf
                | ZooModel::Deep
                | ZooModel::Enriched
                | ZooModel::AutoRec
                | ZooModel::TwoTower
        )
    }

    /// Predicts ratings (so RMSE and MAE apply).
    pub fn rates(self) -> bool {
        !matches!(
            self,
            ZooModel::Popularity | ZooModel::TwoTower | ZooModel::Ease
        )
    }
}

/// Settings the board lets a person change (the Spark course's ALS controls, EASE's λ); the
/// trainable models use their tuned defaults.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZooOptions {
    pub als_rank: usize,
    pub als_lambda: f64,
    pub ease_lambda: f64,
}

impl Default for ZooOptions {
    fn default() -> Self {
        let als = AlsConfig::default();
        Self {
            als_rank: als.rank,
            als_lambda: als.lambda,
            ease_lambda: EASE_LAMBDA,
        }
    }
}

/// A fitted model, ready to score.
pub enum Trained {
    Mean(GlobalMean),
    Bias(BiasModel),
    Popularity(Popularity),
    /// MF-shaped: biased MF, ALS, the enriched model's effective vectors, the two towers.
    Factors(MfWeights),
    Neural(Box<Neural>),
    AutoRec(Reconstruction),
    Ease(Box<Ease>),
}

impl Trained {
    /// The test metrics: RMSE/MAE for rating models, the top-10 metrics for all.
    pub fn evaluate(&self, model: ZooModel, index: &RatingIndex, test: &[Rating]) -> Evaluation {
        match self {
            Trained::Mean(m) => evaluate_rating_model(m, index, test),
            Trained::Bias(m) => evaluate_rating_model(m, index, test),
            Trained::Popularity(m) => evaluate_ranker(m, index, test),
            Trained::Factors(m) if model.rates() => evaluate_rating_model(m, index, test),
            Trained::Factors(m) => evaluate_ranker(m, index, test),
            Trained::Neural(m) => evaluate_rating_model(m.as_ref(), index, test),
            Trained::AutoRec(m) => evaluate_rating_model(m, index, test),
            Trained::Ease(m) => evaluate_ranker(m.as_ref(), index, test),
        }
    }

    /// The MF-shaped weights that can serve recommendations and the film map.
    pub fn factors(&self) -> Option<&MfWeights> {
        match self {
            Trained::Factors(w) => Some(w),
            _ => None,
        }
    }
}

/// One row of the board.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZooRow {
    pub model: ZooModel,
    pub errors: Option<ErrorMetrics>,
    pub ranking: RankingMetrics,
    pub train_ms: f64,
    pub parameters: usize,
    pub backend: String,
    /// The holdout run's epochs (validation RMSE per epoch), for the overlaid curves.
    pub history: Vec<EpochReport>,
}

/// The trainable models' settings, tuned on a holdout of u1.base (README).
pub fn mf_config() -> MfConfig {
    MfConfig::default()
}

pub fn ncf_config() -> NeuralConfig {
    NeuralConfig::ncf()
}

pub fn deep_config() -> NeuralConfig {
    NeuralConfig::deep()
}

pub fn enriched_config() -> EnrichedConfig {
    EnrichedConfig::new()
}

pub fn autorec_config() -> AutoRecConfig {
    AutoRecConfig::new()
}

pub fn two_tower_config() -> TwoTowerConfig {
    TwoTowerConfig::new()
}

/// What a trainable model's fit hands back.
pub struct TrainableFit {
    pub trained: Trained,
    pub history: Vec<EpochReport>,
    pub parameters: usize,
}

/// A trained model's weights made ready to score, with the number of parameters it learned.
pub trait IntoTrained {
    /// `train`: the ratings it was trained on (AutoRec reconstructs from them).
    fn into_trained(self, train: &[Rating], n_items: usize) -> (Trained, usize);
}

impl IntoTrained for MfWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        let n = mf_parameters(&self);
        (Trained::Factors(self), n)
    }
}

impl IntoTrained for NeuralWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        (
            Trained::Neural(Box::new(self.model())),
            self.parameters.count(),
        )
    }
}

impl IntoTrained for EnrichedWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        (Trained::Factors(self.effective()), self.parameters.count())
    }
}

impl IntoTrained for AutoRecWeights {
    fn into_trained(self, train: &[Rating], n_items: usize) -> (Trained, usize) {
        let n = self.parameters.count();
        (Trained::AutoRec(self.reconstruct(train, n_items)), n)
    }
}

impl IntoTrained for TwoTowerWeights {
    fn into_trained(self, train: &[Rating], _: usize) -> (Trained, usize) {
        (
            Trained::Factors(self.ranker(train)),
            self.parameters.count(),
        )
    }
}

fn fit_one<R: Recipe>(
    recipe: R,
    split: &Split,
    sizes: (usize, usize),
    device: &Device,
) -> TrainableFit
where
    WeightsOf<R>: IntoTrained,
{
    let Refit { validated, refit } = fit_with_refit(recipe, split, sizes.0, sizes.1, device);
    // The refit trained on the training ratings and the validation ones.
    let all = refit_split(split).train;
    let (trained, parameters) = refit.weights.into_trained(&all, sizes.1);
    TrainableFit {
        trained,
        history: validated.history,
        parameters,
    }
}

/// Fits a trainable model natively: holdout run, then refit, on `device` (Flex in tests).
pub fn fit_trainable(
    model: ZooModel,
    dataset: &Dataset,
    split: &Split,
    device: &Device,
) -> TrainableFit {
    let sizes = (dataset.n_users(), dataset.n_items());
    let features = || Arc::new(SideFeatures::of(dataset, &split.train));
    match model {
        ZooModel::Mf => fit_one(mf_config(), split, sizes, device),
        ZooModel::Ncf => fit_one(ncf_config(), split, sizes, device),
        ZooModel::Deep => fit_one(deep_config(), split, sizes, device),
        ZooModel::AutoRec => fit_one(autorec_config(), split, sizes, device),
        ZooModel::Enriched => {
            let config = enriched_config();
            fit_one(
                EnrichedRecipe {
                    config,
                    features: features(),
                },
                split,
                sizes,
                device,
            )
        }
        ZooModel::TwoTower => {
            let config = two_tower_config();
            fit_one(
                TwoTowerRecipe {
                    config,
                    features: features(),
                },
                split,
                sizes,
                device,
            )
        }
        closed => panic!("{} is fitted in closed form", closed.name()),
    }
}

fn mf_parameters(w: &MfWeights) -> usize {
    w.user_factors.len() + w.item_factors.len() + w.user_bias.len() + w.item_bias.len()
}

/// Fits a closed-form model on `train` (its `index`), with its parameter count.
pub fn fit_closed_form(
    model: ZooModel,
    train: &[Rating],
    index: &RatingIndex,
    options: &ZooOptions,
) -> (Trained, usize) {
    let (users, items) = (index.by_user.n_rows(), index.by_item.n_rows());
    match model {
        ZooModel::Mean => (Trained::Mean(GlobalMean::fit(train)), 1),
        ZooModel::Bias => (
            Trained::Bias(BiasModel::fit(index, BiasConfig::default())),
            1 + users + items,
        ),
        ZooModel::Popularity => (Trained::Popularity(Popularity::fit(index)), items),
        ZooModel::Als => {
            let config = AlsConfig {
                rank: options.als_rank,
                lambda: options.als_lambda,
                ..AlsConfig::default()
            };
            let weights = fit_als(index, config);
            let n = mf_parameters(&weights);
            (Trained::Factors(weights), n)
        }
        ZooModel::Ease => (
            Trained::Ease(Box::new(Ease::fit(index, options.ease_lambda))),
            items * items,
        ),
        trainable => panic!("{} is trained, not solved", trainable.name()),
    }
}

/// Fits any model of the zoo natively and scores it on `split.test`: one board row.
pub fn run_native(
    model: ZooModel,
    dataset: &Dataset,
    split: &Split,
    options: &ZooOptions,
    device: &Device,
    clock: &mut dyn FnMut() -> f64,
) -> (ZooRow, Trained) {
    let index = RatingIndex::new(&split.train, dataset.n_users(), dataset.n_items());
    let started = clock();
    let (trained, parameters, history) = if model.trainable() {
        let fit = fit_trainable(model, dataset, split, device);
        (fit.trained, fit.parameters, fit.history)
    } else {
        let (trained, n) = fit_closed_form(model, &split.train, &index, options);
        (trained, n, Vec::new())
    };
    let train_ms = clock() - started;
    let evaluation = trained.evaluate(model, &index, &split.test);
    let row = ZooRow {
        model,
        errors: evaluation.errors,
        ranking: evaluation.ranking,
        train_ms,
        parameters,
        backend: if model.trainable() {
            "CPU (Flex)"
        } else {
            "closed form"
        }
        .to_string(),
        history,
    };
    (row, trained)
}

/// The board as CSV: one row per model, metrics to 4 places (empty where a model has none).
pub fn board_csv(rows: &[ZooRow]) -> String {
    let mut out =
        String::from("model,label,rmse,mae,p10,r10,ndcg10,hr10,train_seconds,parameters,backend\n");
    let metric = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.4}"));
    for r in rows {
        out.push_str(&format!(
            "{},\"{}\",{},{},{:.4},{:.4},{:.4},{:.4},{:.2},{},\"{}\"\n",
            r.model.name(),
            r.model.label(),
            metric(r.errors.map(|e| e.rmse)),
            metric(r.errors.map(|e| e.mae)),
            r.ranking.precision,
            r.ranking.recall,
            r.ranking.ndcg,
            r.ranking.hit_rate,
            r.train_ms / 1e3,
            r.parameters,
            r.backend
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_kinds_are_consistent() {
        for model in ZooModel::ALL {
            assert_eq!(ZooModel::parse(model.name()), Some(model));
            assert!(!model.explanation().is_empty() && !model.label().is_empty());
        }
        assert!(ZooModel::Mf.trainable() && !ZooModel::Als.trainable());
        assert!(!ZooModel::Ease.rates() && ZooModel::AutoRec.rates());
    }
}
