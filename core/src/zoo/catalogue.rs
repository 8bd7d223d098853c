//! The catalogue: every model of the board and the facts the page and the reports read about it,
//! in one table (adding a model adds a variant and a row here).

use std::sync::Arc;

use crate::data::{Dataset, Rating, RatingIndex};
use crate::models::{
    AlsConfig, AutoRecConfig, BiasConfig, BiasModel, EASE_LAMBDA, Ease, EnrichedConfig,
    EnrichedRecipe, GlobalMean, MfConfig, NeuralConfig, Popularity, SideFeatures, TwoTowerConfig,
    TwoTowerRecipe, fit_als,
};
use crate::train::{PipelineError, default_training_split};

use super::{Fitter, Part, TrainableFit, Trained, blend_of};

/// The models of the board, in the order the page lists them (the table's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ZooModel {
    Mean,
    Bias,
    Popularity,
    Mf,
    Dense,
    Ncf,
    Deep,
    Enriched,
    AutoRec,
    TwoTower,
    Als,
    Ease,
    Blend,
    /// Trained by Apache Spark (`scripts/spark-als`), opened from its bundle; never fitted here.
    SparkAls,
}

/// What the board says about a model.
#[derive(Debug)]
pub struct ModelFacts {
    pub model: ZooModel,
    /// The short name: the page's `data-model`, the CSV's first column.
    pub name: &'static str,
    pub label: &'static str,
    /// What it learns and when it wins, in a sentence or two.
    pub explanation: &'static str,
    /// Trained by the training loop (epochs, a device); otherwise solved in closed form.
    pub trainable: bool,
    /// Predicts ratings (so RMSE and MAE apply).
    pub rates: bool,
}

pub const CATALOGUE: [ModelFacts; 14] = [
    ModelFacts {
        model: ZooModel::Mean,
        name: "mean",
        label: "Global mean",
        explanation: "Predicts the average rating for everything: the floor every model must beat.",
        trainable: false,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Bias,
        name: "bias",
        label: "User + item bias",
        explanation: "Learns how generous each person is and how well liked each film is (closed-form \
                 ridge). Most of what rating models get right is already here.",
        trainable: false,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Popularity,
        name: "popularity",
        label: "Popularity",
        explanation: "Ranks films by how many people rated them. Predicts no rating, but is hard to \
                 beat at top-10 lists, because people do watch popular films.",
        trainable: false,
        rates: false,
    },
    ModelFacts {
        model: ZooModel::Mf,
        name: "mf",
        label: "Biased MF",
        explanation: "Biases plus a vector per person and per film whose dot product is their affinity \
                 (the Keras MF course model). Strong on ratings; ranks poorly unaided, as it puts \
                 rarely rated films with high predictions on top.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Dense,
        name: "dense",
        label: "One dense layer",
        explanation: "The two embeddings side by side through one hidden layer (the Keras course's \
                 first step past the dot product): it must learn the interaction a dot product \
                 gets for free, and with one layer it learns less of it.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Ncf,
        name: "ncf",
        label: "NCF / NeuMF",
        explanation: "NeuMF: the two embeddings through a small neural network beside their \
                 element-wise product (the PyTorch NCF course model). More flexible than a dot \
                 product, but on 100K ratings that flexibility mostly overfits.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Deep,
        name: "deep",
        label: "Deep regression (dropout)",
        explanation: "Embeddings concatenated into dense layers with dropout (the Keras deep course \
                 model): a network must learn the interaction a dot product gets for free.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Enriched,
        name: "enriched",
        label: "MF + side features",
        explanation: "MF whose vectors also get a share for age band, gender, occupation, first-rating \
                 month, genres and decade (TFRS's enriched model): helps films and people with \
                 few ratings most.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::AutoRec,
        name: "autorec",
        label: "I-AutoRec",
        explanation: "An autoencoder that reconstructs each film's column of ratings from the observed \
                 ones (masked loss), filling in the rest from films rated alike. Often the best at \
                 rating prediction here.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::TwoTower,
        name: "twotower",
        label: "Two-tower retrieval",
        explanation: "A person tower and a film tower (ids and features) trained to pick out the liked \
                 film among the batch's others (in-batch softmax, the TFRS and PyTorch two-tower \
                 model). Built for retrieval: no rating, ranking only.",
        trainable: true,
        rates: false,
    },
    ModelFacts {
        model: ZooModel::Als,
        name: "als",
        label: "ALS with biases",
        explanation: "The same model as biased MF, solved by alternating exact least-squares steps \
                 (people given films, then films given people) with Spark's weighted λ.",
        trainable: false,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::Ease,
        name: "ease",
        label: "EASE",
        explanation: "A closed-form film-to-film model on who rated what (no rating values): the \
                 strongest top-10 ranker here by far. Predicts no rating.",
        trainable: false,
        rates: false,
    },
    ModelFacts {
        model: ZooModel::Blend,
        name: "blend",
        label: "Blend (side features + AutoRec)",
        explanation: "The two best rating models (MF with side features and I-AutoRec) stacked: their \
                 predictions weighted by least squares on the holdout they were trained \
                 without. Different families err differently, so the blend beats both.",
        trainable: true,
        rates: true,
    },
    ModelFacts {
        model: ZooModel::SparkAls,
        name: "spark-als",
        label: "Spark MLlib ALS (opened bundle)",
        explanation: "ALS trained by Apache Spark (scripts/spark-als), on a laptop or a cluster, for data \
                 a tab cannot hold; opened here from its bundle, with the metrics Spark measured. \
                 It serves by folding you in on its film vectors.",
        trainable: false,
        rates: true,
    },
];

impl ZooModel {
    pub const ALL: [ZooModel; 14] = {
        let mut all = [ZooModel::Mean; 14];
        let mut k = 0;
        while k < CATALOGUE.len() {
            all[k] = CATALOGUE[k].model;
            k += 1;
        }
        all
    };

    pub fn facts(self) -> &'static ModelFacts {
        &CATALOGUE[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.facts().name
    }

    pub fn parse(name: &str) -> Option<ZooModel> {
        ZooModel::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn label(self) -> &'static str {
        self.facts().label
    }

    /// Whether the model learns from the people's and films' side features (the fits that
    /// [`fit_trainable_with`] hands them to); the others are sent none.
    pub fn uses_side_features(self) -> bool {
        matches!(
            self,
            ZooModel::Enriched | ZooModel::TwoTower | ZooModel::Blend
        )
    }

    pub fn explanation(self) -> &'static str {
        self.facts().explanation
    }

    /// Whether the page fits it (every model but those opened from a bundle trained elsewhere).
    pub fn fitted_here(self) -> bool {
        self != ZooModel::SparkAls
    }

    pub fn trainable(self) -> bool {
        self.facts().trainable
    }

    pub fn rates(self) -> bool {
        self.facts().rates
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

/// The trainable models' tuned settings (chosen on a holdout of u1.base, `core/TUNING.md`).
pub fn mf_config() -> MfConfig {
    MfConfig::default()
}

pub fn ncf_config() -> NeuralConfig {
    NeuralConfig::ncf()
}

pub fn dense_config() -> NeuralConfig {
    NeuralConfig::one_dense_layer()
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

/// Fits trainable `model` with its tuned settings through `fitter` (this is where a model's recipe
/// is chosen); the blend fits its two parts and weighs them on the holdout their holdout runs
/// never saw. `None` when stopped.
pub async fn fit_trainable_with(
    model: ZooModel,
    features: Arc<SideFeatures>,
    fitter: &mut impl Fitter,
) -> Result<Option<TrainableFit>, PipelineError> {
    let refit = |part: Option<Part>| part.map(|p| p.refit);
    let side = |features: Arc<SideFeatures>| EnrichedRecipe {
        config: enriched_config(),
        features,
    };
    Ok(match model {
        ZooModel::Mf => refit(fitter.fit(mf_config(), false).await?),
        ZooModel::Ncf => refit(fitter.fit(ncf_config(), false).await?),
        ZooModel::Dense => refit(fitter.fit(dense_config(), false).await?),
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
        closed => panic!("{} is solved, not trained", closed.name()),
    })
}

/// Fits a closed-form model on `train` (its `index`), with its parameter count.
/// The most items EASE takes: its dense item × item matrix (and the inverse it solves) grows as
/// the square, 1.6 GB at 20,000 items, past what a browser tab holds.
pub const EASE_MAX_ITEMS: usize = 20_000;

/// Why `model` cannot be fitted on `dataset`, said before it is tried (rather than a tab that
/// freezes or runs out of memory, or a rating model fitted to ratings that are all 1).
pub fn cannot_fit(model: ZooModel, dataset: &Dataset) -> Option<String> {
    if !model.fitted_here() {
        return Some(format!(
            "{} is trained by scripts/spark-als; open its bundle instead",
            model.label()
        ));
    }
    if dataset.is_catalogue_only() {
        return Some(
            "the data loaded is a film list without its ratings, so nothing trains on it here; \
             open a model bundle trained on its ratings instead"
                .into(),
        );
    }
    let n_items = dataset.n_items();
    if model == ZooModel::Ease && n_items > EASE_MAX_ITEMS {
        let gib = (n_items * n_items * 4) as f64 / (1u64 << 30) as f64;
        return Some(format!(
            "EASE needs a dense {n_items} × {n_items} item matrix ({gib:.1} GiB of floats, twice \
             over to solve it), more than a tab holds; it runs up to {EASE_MAX_ITEMS} items"
        ));
    }
    let ranks = matches!(
        model,
        ZooModel::Popularity | ZooModel::Ease | ZooModel::TwoTower
    );
    (dataset.scale.implicit && !ranks).then(|| {
        format!(
            "{} learns from ratings, and this data set has none (each row is a positive): \
             popularity, EASE and two-tower rank from implicit data",
            model.label()
        )
    })
}

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
            let n = weights.parameter_count();
            (Trained::Factors(weights), n)
        }
        ZooModel::Ease => (
            Trained::Ease(Box::new(Ease::fit(index, options.ease_lambda))),
            items * items,
        ),
        trainable => panic!("{} is trained, not solved", trainable.name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_variant_order_and_names_round_trip() {
        for (k, facts) in CATALOGUE.iter().enumerate() {
            assert_eq!(facts.model as usize, k, "{} is out of place", facts.name);
        }
        for model in ZooModel::ALL {
            assert_eq!(ZooModel::parse(model.name()), Some(model));
            assert!(!model.explanation().is_empty() && !model.label().is_empty());
        }
        assert!(ZooModel::Mf.trainable() && !ZooModel::Als.trainable());
        assert!(!ZooModel::Ease.rates() && ZooModel::AutoRec.rates());
    }

    #[test]
    fn models_say_what_they_cannot_fit() {
        use crate::data::MovieLensFiles;
        use crate::data::formats::read_catalogue;
        use crate::data::synthetic::{Layout, Shape, files};
        let wide = Shape {
            items: 25_000,
            ..Shape::small(250_000)
        };
        let big = Dataset::from_files(&files(Layout::MlCsv, wide)).unwrap();
        assert!(big.n_items() > EASE_MAX_ITEMS, "{}", big.n_items());
        let why = cannot_fit(ZooModel::Ease, &big).unwrap();
        assert!(
            why.contains(&format!("{0} × {0}", big.n_items())) && why.contains("GiB"),
            "{why}"
        );
        assert_eq!(cannot_fit(ZooModel::Mf, &big), None);
        let implicit =
            Dataset::from_files(&files(Layout::OwnImplicit, Shape::small(3_000))).unwrap();
        assert!(
            cannot_fit(ZooModel::Bias, &implicit)
                .unwrap()
                .contains("has none")
        );
        for ranker in [ZooModel::Popularity, ZooModel::Ease, ZooModel::TwoTower] {
            assert_eq!(cannot_fit(ranker, &implicit), None);
        }
        let mut films = MovieLensFiles::new();
        let csv = "movieId,title,genres\n1,Heat (1995),Action\n";
        films.insert("movies.csv", csv.into());
        let films = Dataset::from_parsed(read_catalogue(&films).unwrap()).unwrap();
        for model in [ZooModel::Popularity, ZooModel::Mf, ZooModel::Ease] {
            assert!(
                cannot_fit(model, &films)
                    .unwrap()
                    .contains("film list without its ratings")
            );
        }
    }
}
