//! The catalogue: every model of the board and the facts the page and the reports read about it,
//! in one table (adding a model adds a variant and a row here).

use crate::models::{AlsConfig, EASE_LAMBDA};

/// The models of the board, in the order the page lists them (the table's order).
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

pub const CATALOGUE: [ModelFacts; 12] = [
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
];

impl ZooModel {
    pub const ALL: [ZooModel; 12] = {
        let mut all = [ZooModel::Mean; 12];
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

    pub fn explanation(self) -> &'static str {
        self.facts().explanation
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
}
