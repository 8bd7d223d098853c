//! Our own training loop (burn-train does not build for wasm), as a stream of events a caller
//! pulls one at a time: no threads, no blocking, so a page can yield between steps.
//!
//! [`Trainer::step`] does one unit of work and says what happened: a mini-batch
//! ([`TrainEvent::Batch`]), the end of an epoch with its validation RMSE ([`TrainEvent::Epoch`]),
//! or the end of training ([`TrainEvent::Finished`]); after that it returns `None`. For E epochs
//! of B batches the stream is `(Batch × B, Epoch) × E, Finished`, shorter when early stopping or
//! [`Trainer::stop`] ends it.
//!
//! Reads from the device: none during batches; one small read per epoch (train loss and
//! validation error, summed on the device); one per parameter for the final weights.
//! [`Trainer::step_async`] and [`Trainer::weights_async`] do those reads asynchronously, as WebGPU
//! in a browser requires; [`Trainer::step`] and [`Trainer::weights`] read synchronously (native,
//! Flex).
//!
//! The test set is never seen: a trainer gets the training ratings and the validation holdout.

mod events;
mod pipeline;
mod recipe;
pub(crate) mod row_sums;
mod rows;
#[cfg(test)]
mod tests;
pub mod throughput;
mod trainer;
mod warm_up;

pub use events::{
    BatchProgress, EpochReport, StopReason, TrainEvent, TrainSummary, ValidationCurve,
};
pub use pipeline::{Fitted, Pipeline, PipelineError, PipelineEvent, Stage, StageCheckpoint};
pub use recipe::{
    BatchLoss, CpuKernel, DeviceKernel, RatingColumns, RatingTensors, Recipe, Schedule, Trainable,
    rating_range,
};
pub(crate) use recipe::{rating_examples, rating_validation, visited_parameters};
pub use row_sums::{RowSumPlanner, RowSums};
pub(crate) use rows::{BETA_1, BETA_2, EPSILON};
pub use rows::{Grads, RowTable, Rows};
pub use trainer::{Checkpoint, Clock, Trainer, WeightsOf};
pub use warm_up::WarmUp;

use burn::tensor::Device;

use crate::data::Rating;
use crate::models::{MfConfig, MfWeights};
use crate::split::{Split, holdout};

/// Share of the training ratings [`default_training_split`] holds out for validation.
pub const VALIDATION_FRACTION: f64 = 0.1;

/// `split` itself when it has a validation set; otherwise a seeded 10% of its training ratings
/// moved into validation (for early stopping). The test set is passed through untouched.
pub fn default_training_split(split: &Split, seed: u64) -> Split {
    if split.validation.is_empty() {
        holdout(split, VALIDATION_FRACTION, seed)
    } else {
        split.clone()
    }
}

/// One run's kept weights, its epochs and how it ended.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fit<W = MfWeights> {
    pub weights: W,
    pub history: Vec<EpochReport>,
    pub summary: TrainSummary,
}

/// Trains to the end on `split.train` (validating on `split.validation` if any) and returns the
/// kept weights: a native/CPU convenience over [`Trainer`].
pub fn fit<R: Recipe>(
    config: R,
    split: &Split,
    n_users: usize,
    n_items: usize,
    device: &Device,
) -> Fit<WeightsOf<R>> {
    let mut trainer = Trainer::new(config, split, n_users, n_items, device);
    trainer.run();
    Fit {
        weights: trainer.weights(),
        history: trainer.history().to_vec(),
        summary: trainer.summary().expect("training ran to the end"),
    }
}

/// The settings for a refit after a run with validation: the same, for the best epoch's count of
/// epochs, without early stopping.
pub fn refit_config<R: Recipe>(config: &R, summary: &TrainSummary) -> R {
    config.for_refit(summary.best_epoch.unwrap_or(config.schedule().epochs))
}

/// `split` with its validation ratings moved back into training, for a refit on all of them.
pub fn refit_split(split: &Split) -> Split {
    Split {
        train: split
            .train
            .iter()
            .chain(&split.validation)
            .copied()
            .collect(),
        validation: Vec::new(),
        test: split.test.clone(),
    }
}

/// What [`fit_with_refit`] returns.
#[derive(Debug, Clone)]
pub struct Refit<W = MfWeights> {
    /// The run on the training ratings minus the validation holdout, which chose the epochs.
    pub validated: Fit<W>,
    /// The run on all training ratings for that many epochs: its weights are the model.
    pub refit: Fit<W>,
}

/// The recipe the defaults were tuned for (`core/TUNING.md`), run to the end natively: the
/// [`Pipeline`] with its holdout seeded by `config`'s seed.
pub fn fit_with_refit<R: Recipe>(
    config: R,
    split: &Split,
    n_users: usize,
    n_items: usize,
    device: &Device,
) -> Refit<WeightsOf<R>> {
    let seed = config.schedule().seed;
    let fitted = Pipeline::new(config, split, seed, (n_users, n_items), device, false)
        .run()
        .expect("a fit on the CPU");
    let refit = fitted.refit.unwrap_or_else(|| fitted.holdout.clone());
    Refit {
        validated: fitted.holdout,
        refit,
    }
}

/// The model a person gets by pressing Train: the default settings and the holdout-and-refit
/// recipe on `train`, on the CPU. For examples, tests and benchmarks.
pub fn default_model(train: &[Rating], n_users: usize, n_items: usize) -> MfWeights {
    let split = Split {
        train: train.to_vec(),
        ..Split::default()
    };
    fit_with_refit(
        MfConfig::default(),
        &split,
        n_users,
        n_items,
        &Device::flex(),
    )
    .refit
    .weights
}

/// Runs a future that never waits (a fit on Flex, whose reads are synchronous): polled once, it
/// is ready.
pub(crate) fn ready<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => unreachable!("a fit on the CPU never waits"),
    }
}
