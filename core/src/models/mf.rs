//! Biased matrix factorisation, r̂ = μ + b_u + b_i + p_u·q_i, as a Burn module.
//!
//! The Burn module [`Mf`] is what trains (see [`crate::train`]); [`MfWeights`] is a plain-`Vec`
//! snapshot of its parameters that scores and evaluates on the CPU. Taking the snapshot reads each
//! of the four parameters once ([`Trainable::to_weights`], or [`Trainable::to_weights_async`] where synchronous
//! reads are not allowed, as on WebGPU in a browser); nothing else ever reads the device.
//!
//! μ is a fixed constant, the training mean, as in Surprise's SVD: the biases absorb any offset,
//! so a learned μ would only add a redundant degree of freedom, and starting the biases at zero
//! around the right centre makes the first epochs count.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Embedding;
use burn::tensor::{Device, Int, Tensor};

use super::init::{normal_table, seen, table};
use super::recipes::{adam_recipe, squared_error_loss};
use super::{RatingModel, Scorer};
use crate::data::Rating;
use crate::math::dot;
use crate::rng::SeededRng;
use crate::train::{Recipe, Trainable, rating_examples};
use crate::zoo::{IntoTrained, Trained};

/// How the parameters follow their gradients.
#[derive(Config, Debug, PartialEq, Eq, Copy)]
pub enum Optimiser {
    /// Adam (β₁ 0.9, β₂ 0.999). The embedding gradients are dense, as in PyTorch's
    /// `nn.Embedding`, so a row's momentum keeps moving it for a while after its last rating.
    Adam,
    /// Plain minibatch SGD on the batch-mean loss: each row moves by lr × (mean gradient), so
    /// the learning rate is ~batch-size times what per-rating SGD (Surprise) uses.
    Sgd,
}

/// The smallest batch the device step trains on a GPU. Measured (docs/BENCHMARK.md, "Training on
/// a real GPU"): on an H200 both engines cost the same ~2.4 ms of dispatch a step at 1,024
/// ratings, and the device step's extra operations made a software adapter's (SwiftShader) run
/// several times slower; from 8,192 it was 2× Burn's autodiff on the H200, at 65,536 11×.
pub const DEVICE_STEP_MIN_BATCH: usize = 8_192;

/// Settings of biased MF and of its training.
///
/// Loss of a batch B: `(1/|B|) Σ_{(u,i)∈B} [(r − r̂)² + reg (‖p_u‖² + ‖q_i‖²) + bias_reg
/// (b_u² + b_i²)]`, the L2 penalty on the rows the batch gathers, once per rating. This is Funk /
/// Surprise's per-rating regulariser, so `reg` means the same as Surprise's `reg_all` (heavily
/// rated users and films are pulled towards zero in proportion to their ratings, like their
/// errors), and it does not depend on the batch size.
#[derive(Config, Debug, PartialEq)]
pub struct MfConfig {
    /// Factors per user and per film (d).
    #[config(default = 32)]
    pub dim: usize,
    /// Step size; can be changed while training ([`crate::train::Trainer::set_learning_rate`]).
    #[config(default = 0.005)]
    pub learning_rate: f64,
    /// L2 penalty on the gathered factor rows.
    #[config(default = 0.1)]
    pub reg: f64,
    /// L2 penalty on the gathered biases.
    #[config(default = 0.0)]
    pub bias_reg: f64,
    /// Most passes over the training ratings (early stopping may end sooner).
    #[config(default = 40)]
    pub epochs: usize,
    /// Ratings per gradient step.
    #[config(default = 1024)]
    pub batch_size: usize,
    #[config(default = "Optimiser::Adam")]
    pub optimiser: Optimiser,
    /// Standard deviation of the factors' normal initialisation (biases start at zero).
    #[config(default = 0.01)]
    pub init_std: f64,
    /// Epochs without a better validation RMSE before training stops; 0 never stops early.
    #[config(default = 3)]
    pub patience: usize,
    /// Seeds the initialisation and the shuffles.
    #[config(default = 42)]
    pub seed: u64,
    /// On the CPU, train with the hand-fused step ([`super::mf_kernel`]) rather than Burn's
    /// autodiff; Adam is then lazy (it moves only the rows a batch touched).
    #[config(default = true)]
    pub fused_cpu_step: bool,
    /// On a GPU, with batches of at least [`DEVICE_STEP_MIN_BATCH`] ratings, train with the step
    /// written as gathers and sums ([`super::MfDeviceStep`], lazy Adam) rather than Burn's
    /// autodiff, whose embedding gradients run serially there.
    #[config(default = true)]
    pub fused_device_step: bool,
}

impl Default for MfConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// r̂ = μ + b_u + b_i + p_u·q_i with embedding tables users×d, items×d, users×1, items×1.
#[derive(Module, Debug)]
pub struct Mf {
    pub user_factors: Embedding,
    pub item_factors: Embedding,
    pub user_bias: Embedding,
    pub item_bias: Embedding,
    /// μ, fixed (the training mean).
    pub mean: f32,
}

/// The gathered rows of one batch: predictions and what the L2 penalty needs.
pub struct MfBatch {
    /// r̂ for each (user, item) pair, unclipped, shape `[batch]`.
    pub predictions: Tensor<1>,
    /// Σ over the batch of ‖p_u‖² + ‖q_i‖², shape `[1]`.
    pub factor_norms: Tensor<1>,
    /// Σ over the batch of b_u² + b_i², shape `[1]`.
    pub bias_norms: Tensor<1>,
}

impl Mf {
    /// A model with N(0, init_std²) factors and zero biases. Rows flagged `false` in `user_seen`
    /// / `item_seen` (no training rating) start at zero and, never gathered, stay there: such a
    /// user or film falls back to μ plus the other side's bias.
    pub fn new(
        config: &MfConfig,
        mean: f32,
        user_seen: &[bool],
        item_seen: &[bool],
        device: &Device,
    ) -> Self {
        let d = config.dim;
        let mut rng = SeededRng::new(config.seed ^ 0x6D66_5F69_6E69_7400);
        let (users, items) = (user_seen.len(), item_seen.len());
        Self {
            user_factors: normal_table(user_seen, d, config.init_std, &mut rng, device),
            item_factors: normal_table(item_seen, d, config.init_std, &mut rng, device),
            user_bias: table(vec![0.0; users], users, 1, device),
            item_bias: table(vec![0.0; items], items, 1, device),
            mean,
        }
    }

    /// A model holding `weights`, e.g. to carry on training on another device.
    pub fn from_weights(weights: &MfWeights, device: &Device) -> Self {
        let (users, items, d) = (weights.n_users(), weights.n_items(), weights.dim);
        Self {
            user_factors: table(weights.user_factors.clone(), users, d, device),
            item_factors: table(weights.item_factors.clone(), items, d, device),
            user_bias: table(weights.user_bias.clone(), users, 1, device),
            item_bias: table(weights.item_bias.clone(), items, 1, device),
            mean: weights.mean,
        }
    }

    /// A model for `train`: μ its mean, rows of users and films without a rating at zero.
    pub fn for_ratings(
        config: &MfConfig,
        train: &[Rating],
        n_users: usize,
        n_items: usize,
        device: &Device,
    ) -> Self {
        let (user_seen, item_seen) = seen(train, n_users, n_items);
        let mean =
            (train.iter().map(|r| r.value as f64).sum::<f64>() / train.len().max(1) as f64) as f32;
        Self::new(config, mean, &user_seen, &item_seen, device)
    }

    pub fn n_users(&self) -> usize {
        self.user_bias.weight.shape().dims::<2>()[0]
    }

    pub fn n_items(&self) -> usize {
        self.item_bias.weight.shape().dims::<2>()[0]
    }

    pub fn dim(&self) -> usize {
        self.user_factors.weight.shape().dims::<2>()[1]
    }

    /// Gathers the batch's rows: predictions and the sums the penalty needs.
    pub fn forward_batch(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> MfBatch {
        let p = self.user_factors.weight.val().select(0, users.clone());
        let q = self.item_factors.weight.val().select(0, items.clone());
        let bu = self.user_bias.weight.val().select(0, users);
        let bi = self.item_bias.weight.val().select(0, items);
        let dot = (p.clone() * q.clone()).sum_dim(1);
        let predictions = (dot + bu.clone() + bi.clone())
            .add_scalar(self.mean)
            .squeeze_dim::<1>(1);
        MfBatch {
            predictions,
            factor_norms: p.square().sum() + q.square().sum(),
            bias_norms: bu.square().sum() + bi.square().sum(),
        }
    }

    /// Unclipped predictions for (user, item) pairs, shape `[batch]`.
    pub fn forward(&self, users: Tensor<1, Int>, items: Tensor<1, Int>) -> Tensor<1> {
        self.forward_batch(users, items).predictions
    }

    /// The four parameter tensors, in [`MfWeights`] order: user factors, item factors, user
    /// biases, item biases.
    fn parameters(&self) -> [Tensor<2>; 4] {
        [
            self.user_factors.weight.val(),
            self.item_factors.weight.val(),
            self.user_bias.weight.val(),
            self.item_bias.weight.val(),
        ]
    }
}

impl Trainable for Mf {
    type Weights = MfWeights;
    crate::train::rating_validation!();

    fn flat_parameters(&self) -> Vec<Tensor<1>> {
        self.parameters()
            .into_iter()
            .map(|t| t.flatten(0, 1))
            .collect()
    }

    fn weights_from(&self, values: Vec<Vec<f32>>) -> MfWeights {
        let [user_factors, item_factors, user_bias, item_bias]: [Vec<f32>; 4] =
            values.try_into().expect("four parameters");
        MfWeights {
            mean: self.mean,
            dim: self.dim(),
            user_factors,
            item_factors,
            user_bias,
            item_bias,
        }
    }

    fn from_weights(weights: &MfWeights, device: &Device) -> Self {
        Mf::from_weights(weights, device)
    }
}

impl Recipe for MfConfig {
    type Model = Mf;
    rating_examples!();
    squared_error_loss!(Mf, |config, out| out.factor_norms.mul_scalar(config.reg)
        + out.bias_norms.mul_scalar(config.bias_reg));
    adam_recipe!(optimiser);

    fn init(&self, train: &[Rating], n_users: usize, n_items: usize, device: &Device) -> Mf {
        Mf::for_ratings(self, train, n_users, n_items, device)
    }

    fn cpu_kernel(&self, model: &Mf) -> Option<Box<dyn crate::train::CpuKernel<Self>>> {
        self.kernel(model)
    }

    fn device_kernel(
        &self,
        model: &Mf,
        device: &Device,
    ) -> Option<Box<dyn crate::train::DeviceKernel<Self>>> {
        let pays = self.fused_device_step && self.batch_size >= DEVICE_STEP_MIN_BATCH;
        pays.then(|| {
            let step = super::MfDeviceStep::from_model(self, model, &device.clone().inner());
            Box::new(step) as Box<_>
        })
    }
}

/// The trained parameters in plain memory: scores and evaluates without touching a device.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MfWeights {
    pub mean: f32,
    pub dim: usize,
    /// b_u, one per user.
    pub user_bias: Vec<f32>,
    /// b_i, one per film.
    pub item_bias: Vec<f32>,
    /// p_u, row-major users × dim.
    pub user_factors: Vec<f32>,
    /// q_i, row-major items × dim.
    pub item_factors: Vec<f32>,
}

impl MfWeights {
    pub fn n_users(&self) -> usize {
        self.user_bias.len()
    }

    pub fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    pub fn user_vector(&self, user: u32) -> &[f32] {
        let at = user as usize * self.dim;
        &self.user_factors[at..at + self.dim]
    }

    pub fn item_vector(&self, item: u32) -> &[f32] {
        let at = item as usize * self.dim;
        &self.item_factors[at..at + self.dim]
    }
}

impl Scorer for MfWeights {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        let base = self.mean + self.user_bias[user as usize];
        let p = self.user_vector(user);
        for ((o, b), q) in out
            .iter_mut()
            .zip(&self.item_bias)
            .zip(self.item_factors.chunks_exact(self.dim.max(1)))
        {
            *o = base + b + dot(p, q);
        }
    }
}

impl RatingModel for MfWeights {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.mean
            + self.user_bias[user as usize]
            + self.item_bias[item as usize]
            + dot(self.user_vector(user), self.item_vector(item))
    }
}

/// How the board scores it.
impl IntoTrained for MfWeights {
    fn into_trained(self, _: &[Rating], _: usize) -> (Trained, usize) {
        let n = self.parameter_count();
        (Trained::Factors(self), n)
    }

    fn film_factors(&self) -> Option<(&[f32], usize)> {
        Some((&self.item_factors, self.dim))
    }
}

impl MfWeights {
    /// How many numbers it learned.
    pub fn parameter_count(&self) -> usize {
        self.user_factors.len()
            + self.item_factors.len()
            + self.user_bias.len()
            + self.item_bias.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    fn ids(values: &[i64], device: &Device) -> Tensor<1, Int> {
        Tensor::from_data(TensorData::new(values.to_vec(), [values.len()]), device)
    }

    #[test]
    fn the_snapshot_predicts_what_the_module_does() {
        let device = Device::flex();
        let config = MfConfig::new().with_dim(5).with_init_std(0.5);
        let mut item_seen = vec![true; 4];
        item_seen[3] = false;
        let model = Mf::new(&config, 3.5, &[true, true, true], &item_seen, &device);
        assert_eq!((model.n_users(), model.n_items(), model.dim()), (3, 4, 5));
        let weights = model.to_weights();
        assert_eq!(weights.user_factors.len(), 15);
        // An unseen film starts (and stays) at zero factors.
        assert!(weights.item_vector(3).iter().all(|&x| x == 0.0));
        assert!(weights.item_vector(2).iter().any(|&x| x != 0.0));
        let users = [0i64, 1, 2, 2, 0];
        let items = [0i64, 3, 1, 2, 2];
        let burn: Vec<f32> = model
            .forward(ids(&users, &device), ids(&items, &device))
            .into_data()
            .iter::<f32>()
            .collect();
        for (k, (&u, &i)) in users.iter().zip(&items).enumerate() {
            let plain = weights.predict(u as u32, i as u32);
            assert!((plain - burn[k]).abs() < 1e-5, "{plain} vs {}", burn[k]);
        }
        let mut scores = vec![0.0; 4];
        weights.score_items(2, &mut scores);
        assert!((scores[1] - weights.predict(2, 1)).abs() < 1e-6);
        assert!((weights.predict(1, 3) - 3.5).abs() < 1e-6);
    }

    #[test]
    fn the_same_seed_gives_the_same_initialisation() {
        let device = Device::flex();
        let config = MfConfig::new().with_dim(3).with_init_std(0.1);
        let seen = [true; 4];
        let a = Mf::new(&config, 3.0, &seen, &seen, &device).to_weights();
        let b = Mf::new(&config, 3.0, &seen, &seen, &device).to_weights();
        let c = Mf::new(&config.clone().with_seed(7), 3.0, &seen, &seen, &device).to_weights();
        assert_eq!(a, b);
        assert_ne!(a, c);
        let sd = (a.user_factors.iter().map(|x| x * x).sum::<f32>() / 12.0).sqrt();
        assert!((0.03..0.3).contains(&sd), "{sd}");
    }
}
