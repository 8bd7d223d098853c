//! The model zoo: every model of the comparison board, what it is, how it is fitted and how it
//! scores, so that the page, the benchmark and the tests run the same code. The trainable models
//! go through [`crate::train`] (holdout for early stopping, then a refit), the closed-form ones
//! are solved directly.

use std::sync::Arc;

use burn::tensor::Device;

use crate::data::{Dataset, Rating, RatingIndex};
use crate::linalg::{cholesky, cholesky_solve};
use crate::metrics::{ErrorMetrics, RankingMetrics};
use crate::models::{
    AlsConfig, AutoRecConfig, AutoRecWeights, BiasConfig, BiasModel, EASE_LAMBDA, Ease,
    EnrichedConfig, EnrichedRecipe, EnrichedWeights, Evaluation, GlobalMean, MfConfig, MfWeights,
    Neural, NeuralConfig, NeuralWeights, Popularity, Reconstruction, SideFeatures, TwoTowerConfig,
    TwoTowerRecipe, TwoTowerWeights, evaluate_ranker, evaluate_rating_model, fit_als,
};
use crate::models::{NeuralNet, RatingModel, Scorer};
use crate::recommend::{EaseWeights, Retrieval, Served};
use crate::split::Split;
use crate::train::{
    EpochReport, Recipe, WeightsOf, default_training_split, fit, refit_config, refit_split,
};

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
    Blend,
}

impl ZooModel {
    pub const ALL: [ZooModel; 12] = [
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
        ZooModel::Blend,
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
            ZooModel::Blend => "blend",
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
            ZooModel::Blend => "Blend (side features + AutoRec)",
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
            ZooModel::Blend => {
                "The two best rating models (MF with side features and I-AutoRec) stacked: their \
                 predictions weighted by least squares on the holdout they were trained \
                 without. Different families err differently, so the blend beats both."
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
                | ZooModel::Blend
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
        match self {
            Trained::Mean(m) => evaluate_rating_model(m, index, test),
            Trained::Bias(m) => evaluate_rating_model(m, index, test),
            Trained::Popularity(m) => evaluate_ranker(m, index, test),
            Trained::Factors(m) => evaluate_rating_model(m, index, test),
            Trained::Towers(m) => evaluate_ranker(&m.ranker, index, test),
            Trained::Neural(m) => evaluate_rating_model(m.as_ref(), index, test),
            Trained::AutoRec(m, _) => evaluate_rating_model(m, index, test),
            Trained::Ease(m) => evaluate_ranker(m.as_ref(), index, test),
            Trained::Blend(m) => evaluate_rating_model(m.as_ref(), index, test),
        }
    }

    /// The rating model inside, if this is one.
    fn rating_model(&self) -> Option<&dyn RatingModel> {
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

/// Rating models stacked: r̂ = w₀ + Σ w_k r̂_k, the weights fitted by least squares on holdout
/// ratings that the parts were trained without, then applied to the same parts refitted on all
/// training ratings.
pub struct Blend {
    pub parts: Vec<Trained>,
    /// Intercept first, then one weight per part.
    pub weights: Vec<f64>,
}

impl Blend {
    /// `fitted`: the parts trained without `holdout`; `finals`: the same parts refitted.
    pub fn fit(fitted: &[Trained], finals: Vec<Trained>, holdout: &[Rating]) -> Blend {
        let pairs: Vec<(u32, u32)> = holdout.iter().map(|r| (r.user, r.item)).collect();
        let columns: Vec<Vec<f32>> = fitted
            .iter()
            .map(|t| {
                t.rating_model()
                    .expect("a blend of rating models")
                    .predict_many(&pairs)
            })
            .collect();
        let n = columns.len() + 1;
        // Normal equations of [1, r̂_1, …] against the ratings (a tiny ridge keeps them solvable).
        let mut normal = vec![0.0f64; n * n];
        let mut rhs = vec![0.0f64; n];
        for (k, r) in holdout.iter().enumerate() {
            let x: Vec<f64> = std::iter::once(1.0)
                .chain(columns.iter().map(|c| c[k] as f64))
                .collect();
            for a in 0..n {
                rhs[a] += x[a] * r.value as f64;
                for b in 0..n {
                    normal[a * n + b] += x[a] * x[b];
                }
            }
        }
        for a in 0..n {
            normal[a * n + a] += 1e-6 * holdout.len() as f64;
        }
        let weights = cholesky_solve(&cholesky(&normal, n), n, &rhs);
        Blend {
            parts: finals,
            weights,
        }
    }
}

impl Scorer for Blend {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        out.fill(self.weights[0] as f32);
        let mut part = vec![0.0f32; out.len()];
        for (t, &w) in self.parts.iter().zip(&self.weights[1..]) {
            t.rating_model()
                .expect("rating parts")
                .score_items(user, &mut part);
            for (o, p) in out.iter_mut().zip(&part) {
                *o += w as f32 * p;
            }
        }
    }
}

impl RatingModel for Blend {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.predict_many(&[(user, item)])[0]
    }

    fn predict_many(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        let mut out = vec![self.weights[0] as f32; pairs.len()];
        for (t, &w) in self.parts.iter().zip(&self.weights[1..]) {
            let part = t.rating_model().expect("rating parts").predict_many(pairs);
            for (o, p) in out.iter_mut().zip(part) {
                *o += w as f32 * p;
            }
        }
        out
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

/// How a row's model was fitted (everything on the row but its test metrics).
pub struct Fitting {
    pub train_ms: f64,
    pub parameters: usize,
    pub backend: String,
    pub history: Vec<EpochReport>,
}

impl ZooRow {
    /// The row of `trained`, scored on `test` (candidates exclude the films rated in `index`).
    pub fn scored(
        model: ZooModel,
        trained: &Trained,
        (index, test): (&RatingIndex, &[Rating]),
        fitting: Fitting,
    ) -> ZooRow {
        let evaluation = trained.evaluate(index, test);
        ZooRow {
            model,
            errors: evaluation.errors,
            ranking: evaluation.ranking,
            train_ms: fitting.train_ms,
            parameters: fitting.parameters,
            backend: fitting.backend,
            history: fitting.history,
        }
    }
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
        let linear = Box::new(self.linear(train, n_items));
        (
            Trained::AutoRec(self.reconstruct(train, n_items), linear),
            n,
        )
    }
}

impl IntoTrained for TwoTowerWeights {
    fn into_trained(self, train: &[Rating], _: usize) -> (Trained, usize) {
        (
            Trained::Towers(Retrieval {
                ranker: self.ranker(train),
                temperature: self.temperature,
            }),
            self.parameters.count(),
        )
    }
}

/// A trainable model's fit: the refit, and (for a blend's parts) the holdout run's model, which
/// never saw the holdout.
pub struct Part {
    pub holdout: Option<Trained>,
    pub refit: TrainableFit,
}

impl Part {
    /// The part made of a holdout run (trained on `held.train`) and the refit on `refit_split
    /// (held)`; the holdout run's model is scored-ready only with `keep_holdout`.
    pub fn of<W: IntoTrained>(
        (holdout, history): (W, Vec<EpochReport>),
        refit: W,
        held: &Split,
        n_items: usize,
        keep_holdout: bool,
    ) -> Part {
        let holdout = keep_holdout.then(|| holdout.into_trained(&held.train, n_items).0);
        // The refit trained on the training ratings and the validation ones.
        let (trained, parameters) = refit.into_trained(&refit_split(held).train, n_items);
        Part {
            holdout,
            refit: TrainableFit {
                trained,
                history,
                parameters,
            },
        }
    }
}

/// How the zoo's trainable models are fitted: the holdout run, then the refit for its best epoch
/// count. Natively in one go ([`fit_trainable`]); a page steps the same runs, yielding.
#[allow(async_fn_in_trait)]
pub trait Fitter {
    /// The split trained on, and the seed of its holdout.
    fn split(&self) -> (&Split, u64);

    /// `recipe`'s fit; `None` when it was stopped.
    async fn fit<R: Recipe>(
        &mut self,
        recipe: R,
        keep_holdout: bool,
    ) -> Result<Option<Part>, String>
    where
        WeightsOf<R>: IntoTrained;
}

/// Fits trainable `model` with its tuned settings through `fitter`. The blend fits its two parts
/// and weights them on the holdout their holdout runs never saw. `None` when stopped.
pub async fn fit_trainable_with(
    model: ZooModel,
    features: Arc<SideFeatures>,
    fitter: &mut impl Fitter,
) -> Result<Option<TrainableFit>, String> {
    let refit = |part: Option<Part>| part.map(|p| p.refit);
    let side = |features: Arc<SideFeatures>| EnrichedRecipe {
        config: enriched_config(),
        features,
    };
    Ok(match model {
        ZooModel::Mf => refit(fitter.fit(mf_config(), false).await?),
        ZooModel::Ncf => refit(fitter.fit(ncf_config(), false).await?),
        ZooModel::Deep => refit(fitter.fit(deep_config(), false).await?),
        ZooModel::AutoRec => refit(fitter.fit(autorec_config(), false).await?),
        ZooModel::Enriched => refit(fitter.fit(side(features), false).await?),
        ZooModel::TwoTower => {
            let recipe = TwoTowerRecipe {
                config: two_tower_config(),
                features,
            };
            refit(fitter.fit(recipe, false).await?)
        }
        ZooModel::Blend => {
            let Some(with_features) = fitter.fit(side(features), true).await? else {
                return Ok(None);
            };
            let Some(autorec) = fitter.fit(autorec_config(), true).await? else {
                return Ok(None);
            };
            let (split, seed) = fitter.split();
            let holdout = default_training_split(split, seed).validation;
            Some(blend_of(vec![with_features, autorec], &holdout))
        }
        closed => return Err(format!("{} is solved, not trained", closed.name())),
    })
}

/// The blend of `parts`, weighted on `holdout` (the ratings their holdout models never saw).
pub fn blend_of(parts: Vec<Part>, holdout: &[Rating]) -> TrainableFit {
    let parameters = parts.iter().map(|p| p.refit.parameters).sum::<usize>() + parts.len() + 1;
    let history = parts
        .first()
        .map(|p| p.refit.history.clone())
        .unwrap_or_default();
    let (fitted, finals): (Vec<Trained>, Vec<Trained>) = parts
        .into_iter()
        .map(|p| {
            (
                p.holdout.expect("a blend part keeps its holdout model"),
                p.refit.trained,
            )
        })
        .unzip();
    TrainableFit {
        trained: Trained::Blend(Box::new(Blend::fit(&fitted, finals, holdout))),
        history,
        parameters,
    }
}

/// Fits natively, synchronously, on one device.
struct NativeFitter<'a> {
    split: &'a Split,
    seed: u64,
    sizes: (usize, usize),
    device: &'a Device,
}

impl Fitter for NativeFitter<'_> {
    fn split(&self) -> (&Split, u64) {
        (self.split, self.seed)
    }

    async fn fit<R: Recipe>(
        &mut self,
        recipe: R,
        keep_holdout: bool,
    ) -> Result<Option<Part>, String>
    where
        WeightsOf<R>: IntoTrained,
    {
        let ((users, items), device) = (self.sizes, self.device);
        let held = default_training_split(self.split, self.seed);
        let validated = fit(recipe.clone(), &held, users, items, device);
        let refit = fit(
            refit_config(&recipe, &validated.summary),
            &refit_split(&held),
            users,
            items,
            device,
        );
        let holdout = (validated.weights, validated.history);
        Ok(Some(Part::of(
            holdout,
            refit.weights,
            &held,
            items,
            keep_holdout,
        )))
    }
}

/// Runs a future that never waits (the native fitter's): polled once, it is ready.
fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => unreachable!("native fitting never waits"),
    }
}

/// Fits a trainable model natively: holdout run, then refit, on `device` (Flex in tests).
pub fn fit_trainable(
    model: ZooModel,
    dataset: &Dataset,
    split: &Split,
    device: &Device,
) -> TrainableFit {
    let mut fitter = NativeFitter {
        split,
        seed: mf_config().seed,
        sizes: (dataset.n_users(), dataset.n_items()),
        device,
    };
    let features = Arc::new(SideFeatures::of(dataset, &split.train));
    ready(fit_trainable_with(model, features, &mut fitter))
        .expect("a trainable model")
        .expect("native fitting is never stopped")
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
    let backend = if model.trainable() {
        "CPU (Flex)"
    } else {
        "closed form"
    };
    let row = ZooRow::scored(
        model,
        &trained,
        (&index, &split.test),
        Fitting {
            train_ms,
            parameters,
            backend: backend.to_string(),
            history,
        },
    );
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

    /// A model predicting 3 + b_u + b_i from these biases (no factors).
    fn biases(user_bias: Vec<f32>, item_bias: Vec<f32>) -> Trained {
        Trained::Factors(MfWeights {
            mean: 3.0,
            dim: 0,
            user_factors: Vec::new(),
            item_factors: Vec::new(),
            user_bias,
            item_bias,
        })
    }

    #[test]
    fn a_blend_of_two_models_that_err_differently_beats_both() {
        let mut rng = crate::rng::SeededRng::new(5);
        let mut noise =
            |n: usize| -> Vec<f32> { (0..n).map(|_| (rng.unit() as f32 - 0.5) * 0.8).collect() };
        let (users, items) = (40, 30);
        let (bu, bi) = (noise(users), noise(items));
        let ratings: Vec<Rating> = (0..users * items)
            .map(|k| Rating {
                user: (k / items) as u32,
                item: (k % items) as u32,
                value: 3.0 + bu[k / items] + bi[k % items],
                timestamp: 0,
            })
            .collect();
        // Each part is right about one side and wrong about the other.
        let (wrong_u, wrong_i) = (noise(users), noise(items));
        let a = || biases(bu.clone(), wrong_i.clone());
        let b = || biases(wrong_u.clone(), bi.clone());
        let blend = Blend::fit(&[a(), b()], vec![a(), b()], &ratings);
        let rmse = |t: &Trained| {
            let pairs: Vec<(u32, u32)> = ratings.iter().map(|r| (r.user, r.item)).collect();
            let p = t.rating_model().unwrap().predict_many(&pairs);
            let se: f64 = p
                .iter()
                .zip(&ratings)
                .map(|(p, r)| ((p - r.value) as f64).powi(2))
                .sum();
            (se / ratings.len() as f64).sqrt()
        };
        let blended = rmse(&Trained::Blend(Box::new(blend)));
        let (ra, rb) = (rmse(&a()), rmse(&b()));
        assert!(blended < ra.min(rb) * 0.9, "blend {blended} vs {ra}, {rb}");
    }

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
