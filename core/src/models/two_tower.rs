//! Two-tower retrieval (the TFRS and PyTorch two-tower course models): a user tower (id embedding
//! plus the person's side features, through a dense layer) and a film tower (id plus genres and
//! decade), scored by the dot product of the two towers' outputs. It learns to rank, not to
//! predict ratings: each batch of liked pairs (training ratings ≥ 4) is a softmax over the batch's
//! films, the other people's liked films serving as negatives ("in-batch softmax").
//!
//! Both towers are computed for everyone once trained, so the model ranks as a plain dot product
//! ([`TwoTowerWeights::towers`], an [`MfWeights`] with zero biases).

use std::sync::Arc;

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Embedding, Linear};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::init::{linear, normal_table};
use super::params::{Parameters, load_parameters, parameters_from, read_values};
use super::{MfWeights, SideFeatures};
use crate::data::Rating;
use crate::recommend::Retrieval;
use crate::rng::SeededRng;
use crate::train::{BatchLoss, RatingColumns, Recipe, Schedule, Trainable};
use crate::zoo::{IntoTrained, Trained};

/// The rating from which a training pair counts as liked.
pub const LIKED: f32 = 4.0;

#[derive(Config, Debug, PartialEq)]
pub struct TwoTowerConfig {
    /// Size of each tower's output (and of the id embeddings).
    #[config(default = 32)]
    pub dim: usize,
    /// Softmax temperature: logits are dot products divided by this.
    #[config(default = 0.1)]
    pub temperature: f64,
    #[config(default = 0.005)]
    pub learning_rate: f64,
    /// L2 on the gathered tower outputs.
    #[config(default = 0.0001)]
    pub reg: f64,
    #[config(default = 15)]
    pub epochs: usize,
    /// Liked pairs per batch (and so negatives per positive, less one).
    #[config(default = 512)]
    pub batch_size: usize,
    #[config(default = 0.1)]
    pub init_std: f64,
    #[config(default = 42)]
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub struct TwoTowerRecipe {
    pub config: TwoTowerConfig,
    pub features: Arc<SideFeatures>,
}

#[derive(Module, Debug)]
pub struct TwoTower {
    pub user_embedding: Embedding,
    pub item_embedding: Embedding,
    /// [id embedding ⊕ features] → dim, per side.
    pub user_dense: Linear,
    pub item_dense: Linear,
    pub user_features: Tensor<2>,
    pub item_features: Tensor<2>,
    #[module(skip)]
    pub features: Arc<SideFeatures>,
    /// The softmax temperature it was trained with (ranking adds popularity back on its scale).
    pub temperature: f64,
}

impl TwoTower {
    pub fn new(config: &TwoTowerConfig, features: Arc<SideFeatures>, device: &Device) -> Self {
        let mut rng = SeededRng::new(config.seed ^ 0x7477_6f74_6f77);
        let (users, items) = (features.n_users(), features.n_items());
        let d = config.dim;
        let (user_features, item_features) = features.tensors(device);
        Self {
            user_embedding: normal_table(&vec![true; users], d, config.init_std, &mut rng, device),
            item_embedding: normal_table(&vec![true; items], d, config.init_std, &mut rng, device),
            user_dense: linear(d + features.user_dim, d, &mut rng, device),
            item_dense: linear(d + features.item_dim, d, &mut rng, device),
            user_features,
            item_features,
            features,
            temperature: config.temperature,
        }
    }

    pub fn user_tower(&self, users: Tensor<1, Int>) -> Tensor<2> {
        let id = self.user_embedding.weight.val().select(0, users.clone());
        let side = self.user_features.clone().select(0, users);
        self.user_dense.forward(Tensor::cat(vec![id, side], 1))
    }

    pub fn item_tower(&self, items: Tensor<1, Int>) -> Tensor<2> {
        let id = self.item_embedding.weight.val().select(0, items.clone());
        let side = self.item_features.clone().select(0, items);
        self.item_dense.forward(Tensor::cat(vec![id, side], 1))
    }

    /// Every user's and film's tower output: ranking is their dot product.
    pub fn towers(&self) -> MfWeights {
        let device = self.user_features.device();
        let all = |n: usize| {
            Tensor::<1, Int>::from_data(
                TensorData::new((0..n as i64).collect::<Vec<_>>(), [n]),
                &device,
            )
        };
        let users = self.user_features.shape().dims::<2>()[0];
        let items = self.item_features.shape().dims::<2>()[0];
        MfWeights {
            mean: 0.0,
            dim: self.user_embedding.weight.shape().dims::<2>()[1],
            user_factors: read_values(self.user_tower(all(users))),
            item_factors: read_values(self.item_tower(all(items))),
            user_bias: vec![0.0; users],
            item_bias: vec![0.0; items],
        }
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TwoTowerWeights {
    pub dim: usize,
    pub temperature: f64,
    pub features: SideFeatures,
    pub parameters: Parameters,
}

impl TwoTowerWeights {
    /// The towers of everyone, computed on the CPU: a dot-product ranker.
    pub fn towers(&self) -> MfWeights {
        TwoTower::from_weights(self, &Device::flex()).towers()
    }

    /// The ranker: towers plus each film's log count of liked training pairs as its bias. The
    /// in-batch softmax samples negatives as often as films are liked, so the towers learn
    /// p(film | person) / p(film); adding log p(film) back ("logQ correction") ranks by
    /// p(film | person), on the logits' scale (× temperature).
    pub fn ranker(&self, train: &[Rating]) -> MfWeights {
        let mut ranker = self.towers();
        let mut liked = vec![0u32; ranker.item_bias.len()];
        for r in train.iter().filter(|r| r.value >= LIKED) {
            liked[r.item as usize] += 1;
        }
        for (bias, n) in ranker.item_bias.iter_mut().zip(liked) {
            *bias = (self.temperature * (1.0 + n as f64).ln()) as f32;
        }
        ranker
    }
}

impl Trainable for TwoTower {
    /// Not validated on ratings: the latest epoch is kept.
    type Validation = ();
    type Weights = TwoTowerWeights;
    const RATING_LOSS: bool = false;

    fn validation_error(&self, _: &()) -> Option<Tensor<1>> {
        None
    }

    crate::train::visited_parameters!();

    fn weights_from(&self, values: Vec<Vec<f32>>) -> TwoTowerWeights {
        TwoTowerWeights {
            dim: self.user_embedding.weight.shape().dims::<2>()[1],
            temperature: self.temperature,
            features: (*self.features).clone(),
            parameters: parameters_from(self, values),
        }
    }

    fn from_weights(weights: &TwoTowerWeights, device: &Device) -> Self {
        let config = TwoTowerConfig::new()
            .with_dim(weights.dim)
            .with_temperature(weights.temperature);
        let skeleton = TwoTower::new(&config, Arc::new(weights.features.clone()), device);
        load_parameters(skeleton, &weights.parameters)
    }
}

impl Recipe for TwoTowerRecipe {
    type Model = TwoTower;
    /// The liked training pairs.
    type Examples = RatingColumns;

    fn schedule(&self) -> Schedule {
        let c = &self.config;
        Schedule::adam(c.epochs, c.batch_size, c.learning_rate, 0, c.seed)
    }

    fn example_count(examples: &RatingColumns) -> usize {
        examples.len()
    }

    fn batch_loss(
        &self,
        model: &TwoTower,
        examples: &RatingColumns,
        picked: &[u32],
        device: &Device,
    ) -> BatchLoss {
        let batch = examples.gather(picked, device);
        let n = batch.count;
        let u = model.user_tower(batch.users);
        let v = model.item_tower(batch.items);
        let norms = u.clone().square().sum() + v.clone().square().sum();
        // logits[a, b] = u_a · v_b / T: row a's own film is the diagonal.
        let logits = u.matmul(v.transpose()).div_scalar(self.config.temperature);
        let log_p = log_softmax(logits, 1);
        let diagonal: Vec<i64> = (0..n as i64).collect();
        let picks = Tensor::<2, Int>::from_data(TensorData::new(diagonal, [n, 1]), device);
        let own = log_p.gather(1, picks);
        BatchLoss {
            data_loss: own.sum().neg(),
            penalty: norms.mul_scalar(self.config.reg),
            ratings: n,
        }
    }

    fn for_refit(&self, epochs: usize) -> Self {
        Self {
            config: self.config.clone().with_epochs(epochs),
            features: self.features.clone(),
        }
    }

    fn init(&self, _: &[Rating], _: usize, _: usize, device: &Device) -> TwoTower {
        TwoTower::new(&self.config, self.features.clone(), device)
    }

    fn examples(&self, train: &[Rating], _: usize, _: usize) -> RatingColumns {
        let liked: Vec<Rating> = train.iter().filter(|r| r.value >= LIKED).copied().collect();
        RatingColumns::of(&liked)
    }

    fn validation(&self, _: &[Rating], _: &[Rating], _: usize, _: usize, _: &Device) {}
}

/// How the board scores it.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RatingIndex;
    use crate::metrics::evaluate_ranking;
    use crate::models::Popularity;
    use crate::testing::low_rank;
    use crate::train::fit;

    /// Side features that say nothing (one constant column each).
    fn blank(users: usize, items: usize) -> Arc<SideFeatures> {
        Arc::new(SideFeatures {
            user_dim: 1,
            user: vec![1.0; users],
            item_dim: 1,
            item: vec![1.0; items],
            user_names: vec!["all".into()],
            item_names: vec!["all".into()],
        })
    }

    #[test]
    fn it_ranks_liked_films_above_popularity_on_structured_data() {
        let (users, items) = (200, 150);
        // Ratings shifted up so that about half are "liked".
        let mut split = low_rank(users, items, 3, 0.3, 0.4, 41);
        for r in split.train.iter_mut().chain(&mut split.test) {
            r.value += 0.8;
        }
        let recipe = TwoTowerRecipe {
            config: TwoTowerConfig::new()
                .with_dim(8)
                .with_batch_size(128)
                .with_epochs(30),
            features: blank(users, items),
        };
        let fit = fit(recipe, &split, users, items, &Device::flex());
        assert!(
            fit.history
                .iter()
                .all(|r| r.train_rmse.is_none() && r.validation_rmse.is_none())
        );
        let losses: Vec<f64> = fit.history.iter().map(|r| r.train_loss).collect();
        assert!(losses.last().unwrap() < &(losses[0] * 0.9), "{losses:?}");
        let towers = fit.weights.ranker(&split.train);
        let index = RatingIndex::new(&split.train, users, items);
        let ours = evaluate_ranking(&index, &split.test, 10, |u, out| {
            crate::models::Scorer::score_items(&towers, u, out)
        });
        let popular = Popularity::fit(&index);
        let baseline = evaluate_ranking(&index, &split.test, 10, |u, out| {
            crate::models::Scorer::score_items(&popular, u, out)
        });
        eprintln!(
            "two-tower NDCG@10 {:.4}, popularity {:.4}",
            ours.ndcg, baseline.ndcg
        );
        assert!(
            ours.ndcg > baseline.ndcg,
            "{} vs {}",
            ours.ndcg,
            baseline.ndcg
        );
    }
}
