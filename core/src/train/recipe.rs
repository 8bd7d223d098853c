//! What the loop needs from a model (`Trainable`) and from its settings (`Recipe`), and the
//! ratings as columns and tensors most recipes batch.

use burn::backend::ExecutionError;
use burn::module::Module;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::Rating;
use crate::models::Optimiser;

/// What the training loop needs from a model: the loss of a mini-batch of training examples, the
/// error on the validation ratings, and its parameters as plain numbers. Biased MF, the neural
/// models, the enriched MF, AutoRec and the two-tower retriever all train through it.
pub trait Trainable: Module + Clone + Sized {
    /// What validation reads, on the plain device (built once per run).
    type Validation;
    /// The parameters in plain memory: what a checkpoint keeps and what scores on the CPU.
    type Weights: Clone
        + std::fmt::Debug
        + PartialEq
        + serde::Serialize
        + serde::de::DeserializeOwned;

    /// Whether the data loss is the squared rating error (then a train RMSE is reported and the
    /// validation RMSE early-stops); `false` for a ranking loss.
    const RATING_LOSS: bool = true;

    /// Σ (clip(r̂) − r)² over the validation ratings, shape `[1]`, on the plain device; `None` for
    /// a model that is not validated on rating error (then the latest epoch is kept).
    fn validation_error(&self, validation: &Self::Validation) -> Option<Tensor<1>>;

    /// Every parameter, flattened, in the order [`Trainable::weights_from`] reads them.
    fn flat_parameters(&self) -> Vec<Tensor<1>>;

    /// The snapshot made of [`Trainable::flat_parameters`]' values.
    fn weights_from(&self, values: Vec<Vec<f32>>) -> Self::Weights;

    /// A module holding `weights` on `device` (to carry on training elsewhere).
    fn from_weights(weights: &Self::Weights, device: &Device) -> Self;

    /// The parameters in plain memory, one synchronous read each (Flex; not WebGPU in wasm).
    fn to_weights(&self) -> Self::Weights {
        let values = self
            .flat_parameters()
            .into_iter()
            .map(|t| floats(t.into_data()))
            .collect();
        self.weights_from(values)
    }

    /// [`Trainable::to_weights`] with asynchronous reads.
    #[allow(async_fn_in_trait)]
    async fn to_weights_async(&self) -> Result<Self::Weights, ExecutionError> {
        let mut values = Vec::new();
        for t in self.flat_parameters() {
            values.push(floats(t.into_data_async().await?));
        }
        Ok(self.weights_from(values))
    }
}

/// The loss pieces of one mini-batch.
pub struct BatchLoss {
    /// Σ of the data term over the batch: squared errors for rating models, cross-entropy for
    /// the retriever; shape `[1]`.
    pub data_loss: Tensor<1>,
    /// Σ of the penalty over the batch, shape `[1]`.
    pub penalty: Tensor<1>,
    /// Ratings the batch covers: the batch's objective is (data + penalty) / this.
    pub ratings: usize,
}

/// The part of a model's settings that the loop itself follows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub optimiser: Optimiser,
    /// Epochs without a better validation RMSE before training stops; 0 never stops early.
    pub patience: usize,
    pub seed: u64,
}

impl Schedule {
    /// Adam with these settings (`patience` 0: no early stopping).
    pub fn adam(
        epochs: usize,
        batch_size: usize,
        learning_rate: f64,
        patience: usize,
        seed: u64,
    ) -> Self {
        Schedule {
            epochs,
            batch_size,
            learning_rate,
            optimiser: Optimiser::Adam,
            patience,
            seed,
        }
    }
}

/// A model's settings, as the loop needs them: its schedule, how to build the model and its
/// examples, and the same settings for a refit.
pub trait Recipe: Clone {
    type Model: Trainable;
    /// The training examples in plain memory, as the model batches them (ratings as columns for
    /// most models; the films' rating rows for AutoRec).
    type Examples;

    fn schedule(&self) -> Schedule;

    /// How many examples an epoch passes over (the loop shuffles `0..count`).
    fn example_count(examples: &Self::Examples) -> usize;

    /// The loss of the examples at `picked` for `model`, on `device` (the training device,
    /// autodiff on). The penalty is a setting, so the recipe computes it.
    fn batch_loss(
        &self,
        model: &Self::Model,
        examples: &Self::Examples,
        picked: &[u32],
        device: &Device,
    ) -> BatchLoss;

    /// The same settings for `epochs` epochs without early stopping (the refit).
    fn for_refit(&self, epochs: usize) -> Self;

    /// A fresh model for these training ratings (users and films are `0..n_users`, `0..n_items`).
    fn init(
        &self,
        train: &[Rating],
        n_users: usize,
        n_items: usize,
        device: &Device,
    ) -> Self::Model;

    fn examples(&self, train: &[Rating], n_users: usize, n_items: usize) -> Self::Examples;

    /// What validation on `validation` needs (on `device`, the plain one); the training ratings
    /// are there for models that predict from them (AutoRec).
    fn validation(
        &self,
        train: &[Rating],
        validation: &[Rating],
        n_users: usize,
        n_items: usize,
        device: &Device,
    ) -> <Self::Model as Trainable>::Validation;

    /// A step fused by hand for the CPU, starting from `model`, where this model has one and its
    /// settings allow it: the trainer then uses it instead of Burn's autodiff on the CPU.
    fn cpu_kernel(&self, _model: &Self::Model) -> Option<Box<dyn CpuKernel<Self>>> {
        None
    }

    /// A step written as tensor operations for a GPU (no autodiff graph, no scatter), starting
    /// from `model`, where this model has one and its settings allow it: the trainer then uses
    /// it instead of Burn's autodiff on any device but the CPU.
    fn device_kernel(
        &self,
        _model: &Self::Model,
        _device: &Device,
    ) -> Option<Box<dyn DeviceKernel<Self>>> {
        None
    }
}

/// One model's training step on a device, from gathers, element-wise arithmetic and sums: the
/// same loss and gradients as [`Recipe::batch_loss`], the optimiser on the rows the batch
/// touched. Burn's autodiff sums an embedding's gradient with a scatter-add that a GPU without
/// float atomics (WebGPU) runs serially over the batch ([`super::RowSums`] says more).
pub trait DeviceKernel<R: Recipe> {
    /// One optimiser step on the examples at `picked`; returns [Σ data loss, Σ penalty] before
    /// it, on the device (read once an epoch).
    fn step(&mut self, examples: &R::Examples, picked: &[u32], learning_rate: f64) -> Tensor<1>;

    /// The model as it stands, as a Burn module on `device`.
    fn model(&self, device: &Device) -> R::Model;
}

/// One model's training step written out for the CPU: the same loss and gradients as the
/// recipe's [`Recipe::batch_loss`], the optimiser on the rows the batch touched
/// ([`super::RowTable`]), no graph and no per-operation dispatch.
pub trait CpuKernel<R: Recipe> {
    /// One optimiser step on the examples at `picked`; returns [Σ data loss, Σ penalty] before it.
    fn step(&mut self, examples: &R::Examples, picked: &[u32], learning_rate: f64) -> [f64; 2];

    /// The model as it stands, as a Burn module on `device`.
    fn model(&self, device: &Device) -> R::Model;
}

/// The [`Trainable`] items of a model validated on the validation ratings' clipped squared
/// error through its `forward(users, items)`: `type Validation` and `validation_error`.
macro_rules! rating_validation {
    () => {
        type Validation = $crate::train::RatingTensors;

        fn validation_error(
            &self,
            validation: &$crate::train::RatingTensors,
        ) -> Option<burn::tensor::Tensor<1>> {
            let predictions = self.forward(validation.users.clone(), validation.items.clone());
            Some(validation.clipped_squared_error(predictions))
        }
    };
}
pub(crate) use rating_validation;

/// [`Trainable::flat_parameters`] for a module whose parameters are all read by Burn's visitor
/// (`models::params`), in visiting order.
macro_rules! visited_parameters {
    () => {
        fn flat_parameters(&self) -> Vec<burn::tensor::Tensor<1>> {
            $crate::models::params::flat_parameters(self).0
        }
    };
}
pub(crate) use visited_parameters;

/// The [`Recipe`] items of a model whose examples are the training ratings themselves and whose
/// validation is the validation ratings as tensors (biased MF, the neural models, the enriched
/// model): `type Examples`, `example_count`, `examples` and `validation`.
macro_rules! rating_examples {
    () => {
        type Examples = $crate::train::RatingColumns;

        fn example_count(examples: &$crate::train::RatingColumns) -> usize {
            examples.len()
        }

        fn examples(
            &self,
            train: &[$crate::data::Rating],
            _: usize,
            _: usize,
        ) -> $crate::train::RatingColumns {
            $crate::train::RatingColumns::of(train)
        }

        fn validation(
            &self,
            train: &[$crate::data::Rating],
            validation: &[$crate::data::Rating],
            _: usize,
            _: usize,
            device: &burn::tensor::Device,
        ) -> $crate::train::RatingTensors {
            let range = $crate::train::rating_range(train, validation);
            $crate::train::RatingColumns::of(validation)
                .tensors(device)
                .clipped_to(range)
        }
    };
}
pub(crate) use rating_examples;

/// Ratings as columns in plain memory: the examples of most rating models, and the compact form
/// in which the page sends ratings to a worker (timestamps are not kept).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatingColumns {
    pub users: Vec<u32>,
    pub items: Vec<u32>,
    pub values: Vec<f32>,
}

/// Ratings as tensors: a batch, or the whole validation set.
pub struct RatingTensors {
    pub users: Tensor<1, Int>,
    pub items: Tensor<1, Int>,
    pub values: Tensor<1>,
    pub count: usize,
    /// What validation clips predictions to: the lowest and highest rating the model learns
    /// from or is validated on ([`rating_range`]), which is the data set's scale (1–5 in ML-100K,
    /// 0.5–5 in the half-star releases, a person's own 1–10).
    pub range: (f32, f32),
}

impl RatingColumns {
    pub fn of(ratings: &[Rating]) -> Self {
        Self {
            users: ratings.iter().map(|r| r.user).collect(),
            items: ratings.iter().map(|r| r.item).collect(),
            values: ratings.iter().map(|r| r.value).collect(),
        }
    }

    /// The ratings back (timestamp 0).
    pub fn ratings(&self) -> Vec<Rating> {
        (0..self.values.len())
            .map(|k| Rating {
                user: self.users[k],
                item: self.items[k],
                value: self.values[k],
                timestamp: 0,
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The ratings at `picked` as tensors on `device`.
    pub fn gather(&self, picked: &[u32], device: &Device) -> RatingTensors {
        let users = picked
            .iter()
            .map(|&k| self.users[k as usize] as i64)
            .collect();
        let items = picked
            .iter()
            .map(|&k| self.items[k as usize] as i64)
            .collect();
        let values = picked.iter().map(|&k| self.values[k as usize]).collect();
        RatingTensors::new(users, items, values, device)
    }

    /// All of them as tensors on `device`.
    pub fn tensors(&self, device: &Device) -> RatingTensors {
        let ids = |column: &[u32]| column.iter().map(|&id| id as i64).collect();
        RatingTensors::new(
            ids(&self.users),
            ids(&self.items),
            self.values.clone(),
            device,
        )
    }
}

impl RatingTensors {
    fn new(users: Vec<i64>, items: Vec<i64>, values: Vec<f32>, device: &Device) -> Self {
        let n = values.len();
        let range = value_range(values.iter().copied());
        Self {
            range,
            users: Tensor::from_data(TensorData::new(users, [n]), device),
            items: Tensor::from_data(TensorData::new(items, [n]), device),
            values: Tensor::from_data(TensorData::new(values, [n]), device),
            count: n,
        }
    }

    /// The same tensors, clipping to `range` in validation.
    pub fn clipped_to(self, range: (f32, f32)) -> Self {
        Self { range, ..self }
    }

    /// Σ (clip(prediction) − rating)², shape `[1]`.
    pub fn clipped_squared_error(&self, predictions: Tensor<1>) -> Tensor<1> {
        (predictions.clamp(self.range.0, self.range.1) - self.values.clone())
            .square()
            .sum()
    }
}

/// The lowest and highest value (0, 0 when there are none).
fn value_range(values: impl Iterator<Item = f32>) -> (f32, f32) {
    let (low, high) = values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if low <= high { (low, high) } else { (0.0, 0.0) }
}

/// The lowest and highest of the training and validation ratings: the range validation clips to.
pub fn rating_range(train: &[Rating], validation: &[Rating]) -> (f32, f32) {
    value_range(train.iter().chain(validation).map(|r| r.value))
}

pub(crate) fn floats(data: TensorData) -> Vec<f32> {
    data.iter::<f32>().collect()
}
