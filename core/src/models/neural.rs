//! The neural course models, one Burn module with two presets:
//!
//! - **NCF / NeuMF** (He et al. 2017, the PyTorch course): user and film embeddings concatenated
//!   → an MLP (ReLU, dropout), beside the GMF branch (the element-wise product of a second pair of
//!   embeddings); both feed one linear output.
//! - **Deep regression with dropout** (the Keras course's dense network): the same tower without
//!   the GMF branch, wider, with more dropout.
//!
//! Both predict r̂ = μ + b_u + b_i + f(u, i), trained on the squared error (MAE is reported) with
//! L2 on the gathered embedding rows, once per rating, as in [`super::MfConfig`]. The per-user and
//! per-film biases carry what needs no interaction, so the network spends itself on the rest.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Embedding, Linear};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::init::{linear, mean_rating, normal_table, seen, table};
use super::params::{Parameters, load_parameters, parameters_from, read_values};
use super::recipes::{adam_recipe, squared_error_loss};
use super::{RatingModel, Scorer};
use crate::data::Rating;
use crate::rng::SeededRng;
use crate::train::{Recipe, Trainable, rating_examples};
use crate::zoo::{IntoTrained, Trained};

/// Settings of the neural models and of their training.
#[derive(Config, Debug, PartialEq)]
pub struct NeuralConfig {
    /// Embedding size of the MLP tower, per user and per film.
    #[config(default = 32)]
    pub dim: usize,
    /// Widths of the hidden layers.
    #[config(default = "vec![64, 32]")]
    pub layers: Vec<usize>,
    /// Share of hidden units dropped while training.
    #[config(default = 0.2)]
    pub dropout: f64,
    /// Embedding size of the GMF branch; 0 leaves it out (the deep regression model).
    #[config(default = 16)]
    pub gmf_dim: usize,
    #[config(default = 0.002)]
    pub learning_rate: f64,
    /// L2 penalty on the gathered embedding rows.
    #[config(default = 0.02)]
    pub reg: f64,
    #[config(default = 30)]
    pub epochs: usize,
    #[config(default = 1024)]
    pub batch_size: usize,
    #[config(default = 3)]
    pub patience: usize,
    #[config(default = 0.05)]
    pub init_std: f64,
    #[config(default = 42)]
    pub seed: u64,
}

impl NeuralConfig {
    /// NeuMF: GMF beside a 64–32 MLP.
    pub fn ncf() -> Self {
        Self::new()
    }

    /// The embeddings through a single hidden layer: no GMF, 64 units, a light dropout.
    pub fn one_dense_layer() -> Self {
        Self::new().with_gmf_dim(0).with_layers(vec![64])
    }

    /// The dense network with dropout: no GMF, 128–64, half the hidden units dropped.
    pub fn deep() -> Self {
        Self::new()
            .with_gmf_dim(0)
            .with_layers(vec![128, 64])
            .with_dropout(0.5)
    }
}

/// r̂ = μ + b_u + b_i + w·[MLP(e_u ⊕ e_i) ⊕ (g_u ⊙ g_i)] + c.
#[derive(Module, Debug)]
pub struct Neural {
    pub user_embedding: Embedding,
    pub item_embedding: Embedding,
    pub user_bias: Embedding,
    pub item_bias: Embedding,
    /// The GMF branch's tables (absent in the deep regression model).
    pub gmf_user: Option<Embedding>,
    pub gmf_item: Option<Embedding>,
    pub hidden: Vec<Linear>,
    pub output: Linear,
    pub dropout: Dropout,
    /// μ, fixed (the training mean).
    pub mean: f32,
}

/// Predictions of a batch and the squared norms of the rows it gathered.
pub struct NeuralBatch {
    pub predictions: Tensor<1>,
    pub norms: Tensor<1>,
}

impl Neural {
    /// A seeded model: embeddings N(0, init_std²) (zero for users and films without a rating),
    /// biases zero, layers as PyTorch initialises them.
    pub fn new(
        config: &NeuralConfig,
        mean: f32,
        user_seen: &[bool],
        item_seen: &[bool],
        device: &Device,
    ) -> Self {
        let mut rng = SeededRng::new(config.seed ^ 0x6E65_7572_616C);
        let (users, items) = (user_seen.len(), item_seen.len());
        let sd = config.init_std;
        let user_embedding = normal_table(user_seen, config.dim, sd, &mut rng, device);
        let item_embedding = normal_table(item_seen, config.dim, sd, &mut rng, device);
        let (gmf_user, gmf_item) = if config.gmf_dim > 0 {
            (
                Some(normal_table(
                    user_seen,
                    config.gmf_dim,
                    sd,
                    &mut rng,
                    device,
                )),
                Some(normal_table(
                    item_seen,
                    config.gmf_dim,
                    sd,
                    &mut rng,
                    device,
                )),
            )
        } else {
            (None, None)
        };
        let mut width = 2 * config.dim;
        let mut hidden = Vec::new();
        for &out in &config.layers {
            hidden.push(linear(width, out, &mut rng, device));
            width = out;
        }
        Self {
            user_embedding,
            item_embedding,
            user_bias: table(vec![0.0; users], users, 1, device),
            item_bias: table(vec![0.0; items], items, 1, device),
            gmf_user,
            gmf_item,
            hidden,
            output: linear(width + config.gmf_dim, 1, &mut rng, device),
            dropout: DropoutConfig::new(config.dropout).init(),
            mean,
        }
    }

    pub fn n_items(&self) -> usize {
        self.item_bias.weight.shape().dims::<2>()[0]
    }

    pub fn forward_batch(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> NeuralBatch {
        let gather =
            |table: &Embedding, ids: &Tensor<1, Int>| table.weight.val().select(0, ids.clone());
        let (u, i) = (
            gather(&self.user_embedding, &users),
            gather(&self.item_embedding, &items),
        );
        let mut norms = u.clone().square().sum() + i.clone().square().sum();
        let mut h = Tensor::cat(vec![u, i], 1);
        for layer in &self.hidden {
            h = self.dropout.forward(relu(layer.forward(h)));
        }
        if let (Some(gu), Some(gi)) = (&self.gmf_user, &self.gmf_item) {
            let (a, b) = (gather(gu, &users), gather(gi, &items));
            norms = norms + a.clone().square().sum() + b.clone().square().sum();
            h = Tensor::cat(vec![h, a * b], 1);
        }
        let bias = gather(&self.user_bias, &users) + gather(&self.item_bias, &items);
        let predictions = (self.output.forward(h) + bias)
            .add_scalar(self.mean)
            .squeeze_dim::<1>(1);
        NeuralBatch { predictions, norms }
    }

    /// Predictions for (user, item) pairs, unclipped.
    pub fn forward(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> Tensor<1> {
        self.forward_batch(users, items).predictions
    }

    /// Predictions for many pairs at once, read back synchronously (Flex).
    fn predict_pairs(&self, users: Vec<i64>, items: Vec<i64>) -> Vec<f32> {
        let device = self.item_bias.weight.device();
        let n = users.len();
        let users = Tensor::<1, Int>::from_data(TensorData::new(users, [n]), &device);
        let items = Tensor::<1, Int>::from_data(TensorData::new(items, [n]), &device);
        read_values(self.forward(users, items))
    }
}

impl Scorer for Neural {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        let n = out.len();
        let scores = self.predict_pairs(vec![user as i64; n], (0..n as i64).collect());
        out.copy_from_slice(&scores);
    }
}

impl RatingModel for Neural {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.predict_pairs(vec![user as i64], vec![item as i64])[0]
    }

    fn predict_many(&self, pairs: &[(u32, u32)]) -> Vec<f32> {
        self.predict_pairs(
            pairs.iter().map(|p| p.0 as i64).collect(),
            pairs.iter().map(|p| p.1 as i64).collect(),
        )
    }
}

/// A neural model in plain memory: its settings, shape and parameters.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NeuralWeights {
    pub config: NeuralConfig,
    pub mean: f32,
    pub n_users: usize,
    pub n_items: usize,
    pub parameters: Parameters,
}

impl NeuralWeights {
    /// The model on the CPU (Flex), to score with.
    pub fn model(&self) -> Neural {
        Neural::from_weights(self, &Device::flex())
    }
}

impl Trainable for Neural {
    type Weights = NeuralWeights;
    crate::train::rating_validation!();

    crate::train::visited_parameters!();

    fn weights_from(&self, values: Vec<Vec<f32>>) -> NeuralWeights {
        // The settings are not in the module; the shapes say everything the skeleton needs.
        let parameters = parameters_from(self, values);
        NeuralWeights {
            config: NeuralConfig::new()
                .with_dim(self.user_embedding.weight.shape().dims::<2>()[1])
                .with_layers(
                    self.hidden
                        .iter()
                        .map(|l| l.weight.shape().dims::<2>()[1])
                        .collect(),
                )
                .with_gmf_dim(
                    self.gmf_user
                        .as_ref()
                        .map_or(0, |g| g.weight.shape().dims::<2>()[1]),
                )
                .with_dropout(self.dropout.prob),
            mean: self.mean,
            n_users: self.user_bias.weight.shape().dims::<2>()[0],
            n_items: self.n_items(),
            parameters,
        }
    }

    fn from_weights(weights: &NeuralWeights, device: &Device) -> Self {
        let skeleton = Neural::new(
            &weights.config,
            weights.mean,
            &vec![true; weights.n_users],
            &vec![true; weights.n_items],
            device,
        );
        load_parameters(skeleton, &weights.parameters)
    }
}

impl Recipe for NeuralConfig {
    type Model = Neural;
    rating_examples!();
    squared_error_loss!(Neural, |config, out| out.norms.mul_scalar(config.reg));
    adam_recipe!();

    fn init(&self, train: &[Rating], n_users: usize, n_items: usize, device: &Device) -> Neural {
        // Dropout draws from the device's generator: seeded, so a run repeats.
        device.seed(self.seed);
        let (user_seen, item_seen) = seen(train, n_users, n_items);
        Neural::new(self, mean_rating(train), &user_seen, &item_seen, device)
    }
}

/// How the board scores it.
impl IntoTrained for NeuralWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        (
            Trained::Neural(Box::new(self.model())),
            self.parameters.count(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RankThree;

    #[test]
    fn both_presets_learn_low_rank_data_better_than_the_bias_model() {
        let data = RankThree::new(150, 120, 21);
        for (name, config) in [("ncf", NeuralConfig::ncf()), ("deep", NeuralConfig::deep())] {
            let config = config
                .with_epochs(60)
                .with_batch_size(256)
                .with_patience(5)
                .with_reg(0.001);
            let fit = data.fit(config);
            data.assert_beats_bias(name, &fit.weights.model(), fit.summary);
        }
    }

    #[test]
    fn the_snapshot_predicts_what_the_module_does() {
        let device = Device::flex();
        let config = NeuralConfig::ncf()
            .with_dim(4)
            .with_gmf_dim(3)
            .with_layers(vec![5]);
        let model = Neural::new(&config, 3.5, &[true; 3], &[true; 4], &device);
        let again = model.to_weights().model();
        let pairs = [(0, 0), (1, 3), (2, 1)];
        assert_eq!(model.predict_many(&pairs), again.predict_many(&pairs));
        let mut scores = vec![0.0; 4];
        again.score_items(1, &mut scores);
        assert!((scores[3] - model.predict(1, 3)).abs() < 1e-6);
        // Dropout is off outside training: the same pair predicts the same twice.
        assert_eq!(model.predict(2, 2), model.predict(2, 2));
    }
}
