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

use burn::backend::ExecutionError;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::Rating;
use crate::metrics::RATING_RANGE;
use crate::models::{MfConfig, MfWeights, Optimiser};
use crate::rng::SeededRng;
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

/// One mini-batch done. Counts start at 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchProgress {
    pub epoch: usize,
    pub batch: usize,
    pub batches: usize,
}

/// One epoch done.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochReport {
    /// Starts at 1.
    pub epoch: usize,
    /// The objective (MSE + L2 penalty) averaged over the epoch's ratings, as the batches saw it.
    pub train_loss: f64,
    /// √(MSE) over the epoch's ratings as the batches saw them (unclipped, while training);
    /// `None` for a model trained on a ranking loss.
    pub train_rmse: Option<f64>,
    /// RMSE on the validation ratings after the epoch, predictions clipped to [1, 5]; `None`
    /// without a validation set.
    pub validation_rmse: Option<f64>,
    /// Whether this epoch is the best so far on validation (the one training keeps unless a
    /// better one follows). Always true without validation, where the latest epoch is kept.
    pub best: bool,
    pub learning_rate: f64,
    /// Wall time of this epoch, its evaluation included.
    pub elapsed_ms: f64,
    /// Wall time since the first step.
    pub total_ms: f64,
    pub ratings_per_sec: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StopReason {
    /// All configured epochs ran.
    Completed,
    /// `patience` epochs in a row did not beat the best validation RMSE.
    EarlyStopped,
    /// [`Trainer::stop`] was called.
    Stopped,
}

/// Training is over.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainSummary {
    /// Epochs completed.
    pub epochs: usize,
    /// The epoch whose weights are kept (best on validation; the last one without validation).
    pub best_epoch: Option<usize>,
    pub best_validation_rmse: Option<f64>,
    pub reason: StopReason,
    pub total_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrainEvent {
    Batch(BatchProgress),
    Epoch(EpochReport),
    Finished(TrainSummary),
}

/// What the training loop needs from a model: the loss of a mini-batch of training examples, the
/// error on the validation ratings, and its parameters as plain numbers. Biased MF, the neural
/// models, the enriched MF, AutoRec and the two-tower retriever all train through it.
pub trait Trainable: Module + Clone + Sized {
    /// What validation reads, on the plain device (built once per run).
    type Validation;
    /// The parameters in plain memory: what a checkpoint keeps and what scores on the CPU.
    type Weights: Clone + std::fmt::Debug + PartialEq;

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
}

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
            _: &[$crate::data::Rating],
            validation: &[$crate::data::Rating],
            _: usize,
            _: usize,
            device: &burn::tensor::Device,
        ) -> $crate::train::RatingTensors {
            $crate::train::RatingColumns::of(validation).tensors(device)
        }
    };
}
pub(crate) use rating_examples;

/// Ratings as columns in plain memory: the examples of most rating models, and the compact form
/// in which the page sends ratings to a worker (timestamps are not kept).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatingColumns {
    pub users: Vec<i64>,
    pub items: Vec<i64>,
    pub values: Vec<f32>,
}

/// Ratings as tensors: a batch, or the whole validation set.
pub struct RatingTensors {
    pub users: Tensor<1, Int>,
    pub items: Tensor<1, Int>,
    pub values: Tensor<1>,
    pub count: usize,
}

impl RatingColumns {
    pub fn of(ratings: &[Rating]) -> Self {
        Self {
            users: ratings.iter().map(|r| r.user as i64).collect(),
            items: ratings.iter().map(|r| r.item as i64).collect(),
            values: ratings.iter().map(|r| r.value).collect(),
        }
    }

    /// The ratings back (timestamp 0).
    pub fn ratings(&self) -> Vec<Rating> {
        (0..self.values.len())
            .map(|k| Rating {
                user: self.users[k] as u32,
                item: self.items[k] as u32,
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
        let users = picked.iter().map(|&k| self.users[k as usize]).collect();
        let items = picked.iter().map(|&k| self.items[k as usize]).collect();
        let values = picked.iter().map(|&k| self.values[k as usize]).collect();
        RatingTensors::new(users, items, values, device)
    }

    /// All of them as tensors on `device`.
    pub fn tensors(&self, device: &Device) -> RatingTensors {
        RatingTensors::new(
            self.users.clone(),
            self.items.clone(),
            self.values.clone(),
            device,
        )
    }
}

impl RatingTensors {
    fn new(users: Vec<i64>, items: Vec<i64>, values: Vec<f32>, device: &Device) -> Self {
        let n = values.len();
        Self {
            users: Tensor::from_data(TensorData::new(users, [n]), device),
            items: Tensor::from_data(TensorData::new(items, [n]), device),
            values: Tensor::from_data(TensorData::new(values, [n]), device),
            count: n,
        }
    }

    /// Σ (clip(prediction) − rating)², shape `[1]`.
    pub fn clipped_squared_error(&self, predictions: Tensor<1>) -> Tensor<1> {
        (predictions.clamp(RATING_RANGE.0, RATING_RANGE.1) - self.values.clone())
            .square()
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Batch,
    EndOfEpoch,
    Finish(StopReason),
    Done,
}

/// What one step needs: nothing more, or one read of the epoch's sums.
enum Work {
    Event(TrainEvent),
    Read(Box<Tensor<1>>),
    Nothing,
}

/// A wall clock in milliseconds. `std::time::Instant` panics on wasm32-unknown-unknown, so a page
/// passes its own (`performance.now()`) through [`Trainer::set_clock`].
pub type Clock = Box<dyn FnMut() -> f64>;

fn default_clock() -> Clock {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let start = std::time::Instant::now();
        Box::new(move || start.elapsed().as_secs_f64() * 1e3)
    }
    #[cfg(target_arch = "wasm32")]
    {
        Box::new(|| 0.0)
    }
}

/// Where a run stood at the end of an epoch, in plain memory: enough to carry on on another
/// device (the CPU taking over from a GPU that failed). The optimiser's moments are not kept, so
/// Adam starts afresh from here; shuffles, epochs, early stopping and the history carry on.
/// Serialisable, so a training worker can hand it to the page, which carries on after the worker
/// itself died.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint<W = MfWeights> {
    pub epoch: usize,
    pub current: W,
    /// Best validation epoch so far: (epoch, RMSE, weights).
    pub best: Option<(usize, f64, W)>,
    pub epochs_since_best: usize,
    pub history: Vec<EpochReport>,
    pub learning_rate: f64,
}

/// (epoch, validation RMSE, the model then).
type BestEpoch<M> = (usize, f64, M);

/// The current model and the best epoch so far, before they are read back.
type CheckpointParts<M> = (M, Option<BestEpoch<M>>);

/// The weights of recipe `R`'s model.
pub type WeightsOf<R> = <<R as Recipe>::Model as Trainable>::Weights;

/// Trains a model ([`Trainable`], set up by its [`Recipe`]; biased MF by default) with
/// mini-batches, seeded shuffles, early stopping on the validation set, and a learning rate that
/// can change while it runs.
pub struct Trainer<R: Recipe = MfConfig> {
    config: R,
    schedule: Schedule,
    learning_rate: f64,
    device: Device,
    /// `None` only inside a step, while the optimiser owns it.
    model: Option<R::Model>,
    optim: ModuleOptimizer,
    examples: R::Examples,
    /// Training ratings (for the epoch's mean loss and throughput).
    ratings: usize,
    order: Vec<u32>,
    rng: SeededRng,
    validation: Option<(<R::Model as Trainable>::Validation, usize)>,
    phase: Phase,
    epoch: usize,
    batch: usize,
    /// [Σ data loss, Σ penalty] of the epoch so far, on the plain device.
    sums: Option<Tensor<1>>,
    clock: Clock,
    started_ms: Option<f64>,
    epoch_started_ms: f64,
    /// Best epoch so far on validation: (epoch, RMSE, model on the plain device).
    best: Option<BestEpoch<R::Model>>,
    epochs_since_best: usize,
    history: Vec<EpochReport>,
    summary: Option<TrainSummary>,
}

impl<R: Recipe> Trainer<R> {
    /// A trainer on `split.train`, validating on `split.validation` (none when it is empty: then
    /// no early stopping, and the last epoch is kept). `split.test` is not looked at. `device` is
    /// the backend to train on (autodiff is switched on here); users and films are the dense ids
    /// `0..n_users` and `0..n_items`.
    pub fn new(config: R, split: &Split, n_users: usize, n_items: usize, device: &Device) -> Self {
        let schedule = config.schedule();
        assert!(schedule.batch_size > 0, "batch size must be positive");
        let train_device = device.clone().autodiff();
        let plain = device.clone().inner();
        let model = config.init(&split.train, n_users, n_items, &train_device);
        let optim = match schedule.optimiser {
            Optimiser::Adam => AdamConfig::new().init(),
            Optimiser::Sgd => SgdConfig::new().init(),
        };
        let validation = (!split.validation.is_empty()).then(|| {
            let v = config.validation(&split.train, &split.validation, n_users, n_items, &plain);
            (v, split.validation.len())
        });
        let examples = config.examples(&split.train, n_users, n_items);
        let count = R::example_count(&examples);
        Self {
            learning_rate: schedule.learning_rate,
            rng: SeededRng::new(schedule.seed),
            schedule,
            config,
            device: train_device,
            model: Some(model),
            optim,
            order: (0..count as u32).collect(),
            examples,
            ratings: split.train.len(),
            validation,
            phase: Phase::Batch,
            epoch: 0,
            batch: 0,
            sums: None,
            clock: default_clock(),
            started_ms: None,
            epoch_started_ms: 0.0,
            best: None,
            epochs_since_best: 0,
            history: Vec::new(),
            summary: None,
        }
    }

    /// A trainer that carries on from `checkpoint` (taken by a trainer with the same `config`
    /// and `split`) on `device`: the next epoch is `checkpoint.epoch + 1`, with the shuffle that
    /// epoch would have had.
    pub fn resume(
        config: R,
        split: &Split,
        n_users: usize,
        n_items: usize,
        device: &Device,
        checkpoint: Checkpoint<WeightsOf<R>>,
    ) -> Self {
        let mut trainer = Self::new(config, split, n_users, n_items, device);
        // The shuffles are cumulative: replay the ones the finished epochs made.
        for _ in 0..checkpoint.epoch {
            trainer.rng.shuffle(&mut trainer.order);
        }
        let plain = device.clone().inner();
        trainer.model = Some(R::Model::from_weights(&checkpoint.current, &trainer.device));
        trainer.best = checkpoint
            .best
            .map(|(epoch, rmse, weights)| (epoch, rmse, R::Model::from_weights(&weights, &plain)));
        trainer.epoch = checkpoint.epoch;
        trainer.epochs_since_best = checkpoint.epochs_since_best;
        trainer.learning_rate = checkpoint.learning_rate;
        trainer.history = checkpoint.history;
        trainer
    }

    /// The run at the end of the last epoch; `None` in the middle of one or once finished.
    fn checkpoint_parts(&self) -> Option<CheckpointParts<R::Model>> {
        (self.batch == 0 && matches!(self.phase, Phase::Batch))
            .then(|| (self.current().valid(), self.best.clone()))
    }

    fn checkpoint_from(
        &self,
        current: WeightsOf<R>,
        best: Option<(usize, f64, WeightsOf<R>)>,
    ) -> Checkpoint<WeightsOf<R>> {
        Checkpoint {
            epoch: self.epoch,
            current,
            best,
            epochs_since_best: self.epochs_since_best,
            history: self.history.clone(),
            learning_rate: self.learning_rate,
        }
    }

    /// [`Checkpoint`] with synchronous reads (Flex).
    pub fn checkpoint(&self) -> Option<Checkpoint<WeightsOf<R>>> {
        let (current, best) = self.checkpoint_parts()?;
        let best = best.map(|(e, r, m)| (e, r, m.to_weights()));
        Some(self.checkpoint_from(current.to_weights(), best))
    }

    /// [`Checkpoint`] with asynchronous reads (a GPU in wasm).
    pub async fn checkpoint_async(
        &self,
    ) -> Result<Option<Checkpoint<WeightsOf<R>>>, ExecutionError> {
        let Some((current, best)) = self.checkpoint_parts() else {
            return Ok(None);
        };
        let best = match best {
            Some((e, r, m)) => Some((e, r, m.to_weights_async().await?)),
            None => None,
        };
        Ok(Some(
            self.checkpoint_from(current.to_weights_async().await?, best),
        ))
    }

    /// Replaces the wall clock (milliseconds, any origin).
    pub fn set_clock(&mut self, clock: impl FnMut() -> f64 + 'static) {
        self.clock = Box::new(clock);
    }

    /// Takes effect from the next mini-batch.
    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.learning_rate = learning_rate;
    }

    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    pub fn config(&self) -> &R {
        &self.config
    }

    pub fn batches_per_epoch(&self) -> usize {
        self.order.len().div_ceil(self.schedule.batch_size)
    }

    /// Reports of the epochs completed so far.
    pub fn history(&self) -> &[EpochReport] {
        &self.history
    }

    /// Set once training is over.
    pub fn summary(&self) -> Option<TrainSummary> {
        self.summary
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finish(_) | Phase::Done)
    }

    /// Ends training at the next step (an epoch in progress is dropped; the best epoch so far is
    /// kept).
    pub fn stop(&mut self) {
        if matches!(self.phase, Phase::Batch | Phase::EndOfEpoch) {
            self.phase = Phase::Finish(StopReason::Stopped);
        }
    }

    /// One unit of work, reading the device synchronously at the end of an epoch. `None` once
    /// training is over and [`TrainEvent::Finished`] was returned.
    pub fn step(&mut self) -> Option<TrainEvent> {
        match self.advance() {
            Work::Event(event) => Some(event),
            Work::Read(sums) => Some(self.end_epoch(&floats(sums.into_data()))),
            Work::Nothing => None,
        }
    }

    /// [`Trainer::step`] with an asynchronous read, for devices that cannot read synchronously.
    pub async fn step_async(&mut self) -> Result<Option<TrainEvent>, ExecutionError> {
        Ok(match self.advance() {
            Work::Event(event) => Some(event),
            Work::Read(sums) => Some(self.end_epoch(&floats(sums.into_data_async().await?))),
            Work::Nothing => None,
        })
    }

    /// Steps through the rest of the current epoch: its report, or `None` when training ended
    /// first (early stopping, [`Trainer::stop`], all epochs done).
    pub fn run_epoch(&mut self) -> Option<EpochReport> {
        loop {
            match self.step()? {
                TrainEvent::Epoch(report) => return Some(report),
                TrainEvent::Batch(_) => {}
                TrainEvent::Finished(_) => return None,
            }
        }
    }

    /// Steps until training is over and returns the epoch reports (native/CPU convenience).
    pub fn run(&mut self) -> &[EpochReport] {
        while self.step().is_some() {}
        &self.history
    }

    /// The model training ends with: the best validation epoch's, or without validation the
    /// current one (which includes the steps of an epoch [`Trainer::stop`] interrupted). On the
    /// plain device, without autodiff. Can be called at any time, e.g. to show progress.
    pub fn model(&self) -> R::Model {
        match &self.best {
            Some((_, _, model)) => model.clone(),
            None => self.current().valid(),
        }
    }

    /// [`Trainer::model`]'s parameters in plain memory (one synchronous read per parameter).
    pub fn weights(&self) -> WeightsOf<R> {
        self.model().to_weights()
    }

    /// [`Trainer::weights`] with asynchronous reads.
    pub async fn weights_async(&self) -> Result<WeightsOf<R>, ExecutionError> {
        self.model().to_weights_async().await
    }

    fn current(&self) -> &R::Model {
        self.model
            .as_ref()
            .expect("the model is back after each step")
    }

    fn now(&mut self) -> f64 {
        (self.clock)()
    }

    fn advance(&mut self) -> Work {
        match self.phase {
            Phase::Batch if self.epoch >= self.schedule.epochs || self.order.is_empty() => {
                self.phase = Phase::Finish(StopReason::Completed);
                self.advance()
            }
            Phase::Batch => Work::Event(TrainEvent::Batch(self.train_batch())),
            Phase::EndOfEpoch => Work::Read(Box::new(self.epoch_sums())),
            Phase::Finish(reason) => {
                self.phase = Phase::Done;
                let now = self.now();
                let summary = TrainSummary {
                    epochs: self.history.len(),
                    best_epoch: match &self.best {
                        Some((epoch, _, _)) => Some(*epoch),
                        None => self.history.last().map(|r| r.epoch),
                    },
                    best_validation_rmse: self.best.as_ref().map(|(_, rmse, _)| *rmse),
                    reason,
                    total_ms: now - self.started_ms.unwrap_or(now),
                };
                self.summary = Some(summary);
                Work::Event(TrainEvent::Finished(summary))
            }
            Phase::Done => Work::Nothing,
        }
    }

    fn train_batch(&mut self) -> BatchProgress {
        if self.batch == 0 {
            let now = self.now();
            self.started_ms.get_or_insert(now);
            self.epoch_started_ms = now;
            self.rng.shuffle(&mut self.order);
            self.sums = None;
        }
        let size = self.schedule.batch_size;
        let start = self.batch * size;
        let picked = &self.order[start..(start + size).min(self.order.len())];

        let model = self
            .model
            .take()
            .expect("the model is back after each step");
        let out = self
            .config
            .batch_loss(&model, &self.examples, picked, &self.device);
        let loss =
            (out.data_loss.clone() + out.penalty.clone()).div_scalar(out.ratings.max(1) as f64);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optim.step(self.learning_rate, model, grads));

        let sums = Tensor::cat(
            vec![out.data_loss.detach().inner(), out.penalty.detach().inner()],
            0,
        );
        self.sums = Some(match self.sums.take() {
            Some(total) => total + sums,
            None => sums,
        });

        self.batch += 1;
        let progress = BatchProgress {
            epoch: self.epoch + 1,
            batch: self.batch,
            batches: self.batches_per_epoch(),
        };
        if self.batch == progress.batches {
            self.phase = Phase::EndOfEpoch;
        }
        progress
    }

    /// [Σ data loss, Σ penalty, Σ squared validation error (clipped)], to read in one go.
    fn epoch_sums(&self) -> Tensor<1> {
        let sums = self.sums.clone().expect("an epoch has at least one batch");
        let validation = self
            .validation
            .as_ref()
            .and_then(|(v, _)| self.current().valid().validation_error(v))
            .unwrap_or_else(|| Tensor::zeros([1], &sums.device()));
        Tensor::cat(vec![sums, validation], 0)
    }

    fn end_epoch(&mut self, sums: &[f32]) -> TrainEvent {
        let n = self.ratings.max(1) as f64;
        let (data_loss, penalty, validation_error) =
            (sums[0] as f64, sums[1] as f64, sums[2] as f64);
        self.epoch += 1;
        self.batch = 0;
        self.sums = None;
        let validation_rmse = self
            .validation
            .as_ref()
            .filter(|_| R::Model::RATING_LOSS)
            .map(|(_, count)| (validation_error / *count as f64).sqrt());
        let best = match validation_rmse {
            Some(rmse) if self.best.as_ref().is_none_or(|(_, b, _)| rmse < *b) => {
                self.best = Some((self.epoch, rmse, self.current().valid()));
                self.epochs_since_best = 0;
                true
            }
            Some(_) => {
                self.epochs_since_best += 1;
                false
            }
            None => true,
        };
        let now = self.now();
        let elapsed_ms = now - self.epoch_started_ms;
        let report = EpochReport {
            epoch: self.epoch,
            train_loss: (data_loss + penalty) / n,
            train_rmse: R::Model::RATING_LOSS.then(|| (data_loss / n).sqrt()),
            validation_rmse,
            best,
            learning_rate: self.learning_rate,
            elapsed_ms,
            total_ms: now - self.started_ms.unwrap_or(now),
            ratings_per_sec: n / (elapsed_ms.max(1e-3) / 1e3),
        };
        self.history.push(report);
        self.phase =
            if self.schedule.patience > 0 && self.epochs_since_best >= self.schedule.patience {
                Phase::Finish(StopReason::EarlyStopped)
            } else {
                Phase::Batch
            };
        TrainEvent::Epoch(report)
    }
}

fn floats(data: TensorData) -> Vec<f32> {
    data.iter::<f32>().collect()
}

/// What [`fit`] returns.
#[derive(Debug, Clone)]
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

/// The recipe the defaults were tuned for (`core/TUNING.md`): train with early stopping on
/// `split.validation` (a seeded 10% holdout of `split.train`, seeded by `config.seed`, when the
/// split has none), then train again from scratch on training + validation ratings for the best
/// epoch's count of epochs. Native/CPU convenience; a page drives two [`Trainer`]s the same way.
pub fn fit_with_refit<R: Recipe>(
    config: R,
    split: &Split,
    n_users: usize,
    n_items: usize,
    device: &Device,
) -> Refit<WeightsOf<R>> {
    let held = default_training_split(split, config.schedule().seed);
    let validated = fit(config.clone(), &held, n_users, n_items, device);
    let refit = fit(
        refit_config(&config, &validated.summary),
        &refit_split(&held),
        n_users,
        n_items,
        device,
    );
    Refit { validated, refit }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RatingIndex;
    use crate::metrics::rating_errors;
    use crate::models::{BiasConfig, BiasModel, RatingModel};
    use crate::testing::{NOISE, low_rank, rmse};

    #[test]
    fn low_rank_data_is_recovered_down_to_the_noise() {
        let split = low_rank(200, 150, 3, NOISE, 0.8, 11);
        let config = MfConfig::new()
            .with_dim(3)
            .with_learning_rate(0.01)
            .with_reg(0.005)
            .with_init_std(0.1)
            .with_batch_size(256)
            .with_epochs(100)
            .with_patience(5);
        let fit = fit(config, &split, 200, 150, &Device::flex());
        let mf = rmse(&fit.weights, &split.test);
        let index = RatingIndex::new(&split.train, 200, 150);
        let bias = rmse(&BiasModel::fit(&index, BiasConfig::default()), &split.test);
        eprintln!(
            "low rank: MF test RMSE {mf:.4} (noise {NOISE}), bias model {bias:.4}, {:?}",
            fit.summary
        );
        assert!(
            mf < NOISE * 1.15 && mf < bias * 0.5,
            "MF test RMSE {mf:.4}, noise {NOISE}, bias model {bias:.4}, {:?}",
            fit.summary
        );
    }

    #[test]
    fn a_run_resumed_from_a_checkpoint_carries_on() {
        let split = low_rank(120, 80, 3, NOISE, 0.3, 11);
        let config = MfConfig::default()
            .with_epochs(12)
            .with_patience(0)
            .with_batch_size(256);
        let device = Device::flex();
        let mut first = Trainer::new(config.clone(), &split, 120, 80, &device);
        while first.history().len() < 5 {
            first.step();
        }
        let checkpoint = first.checkpoint().expect("at the end of epoch 5");
        assert_eq!(checkpoint.epoch, 5);
        let rmse_then = checkpoint.history[4].validation_rmse.unwrap();
        // Mid-epoch there is no checkpoint.
        first.step();
        assert!(first.checkpoint().is_none());

        let mut resumed = Trainer::resume(config.clone(), &split, 120, 80, &device, checkpoint);
        // The resumed model is the checkpoint's, exactly.
        assert_eq!(
            resumed.weights(),
            first_weights_at_5(&config, &split, &device)
        );
        resumed.run();
        let history = resumed.history();
        assert_eq!(history.len(), 12);
        assert_eq!(
            history.iter().map(|r| r.epoch).collect::<Vec<_>>(),
            (1..=12).collect::<Vec<_>>()
        );
        let rmse_end = history[11].validation_rmse.unwrap();
        assert!(rmse_end < rmse_then, "{rmse_end} vs {rmse_then}");
        assert_eq!(resumed.summary().unwrap().epochs, 12);
    }

    /// The model an uninterrupted run hands back after 5 epochs (its best validation epoch).
    fn first_weights_at_5(config: &MfConfig, split: &Split, device: &Device) -> MfWeights {
        let mut t = Trainer::new(config.clone(), split, 120, 80, device);
        while t.history().len() < 5 {
            t.step();
        }
        t.weights()
    }

    #[test]
    fn early_stopping_keeps_the_best_validation_epoch() {
        // Many factors, no penalty, a large step and few noisy ratings: it overfits fast.
        let split = low_rank(60, 50, 2, 0.5, 0.3, 5);
        let config = MfConfig::new()
            .with_dim(32)
            .with_learning_rate(0.05)
            .with_reg(0.0)
            .with_batch_size(64)
            .with_epochs(100)
            .with_patience(3);
        let fit = fit(config, &split, 60, 50, &Device::flex());
        assert_eq!(fit.summary.reason, StopReason::EarlyStopped);
        let scores: Vec<f64> = fit
            .history
            .iter()
            .map(|r| r.validation_rmse.unwrap())
            .collect();
        eprintln!("validation RMSE by epoch: {scores:?}");
        let best = (0..scores.len())
            .min_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap();
        assert_eq!(fit.summary.best_epoch, Some(best + 1));
        assert_eq!(fit.history.len(), best + 1 + 3, "{scores:?}");
        assert!(fit.history[best].best);
        assert!(fit.history[best + 1..].iter().all(|r| !r.best));
        // The weights handed back are the best epoch's, not the last one's.
        let kept = rating_errors(
            split
                .validation
                .iter()
                .map(|r| (fit.weights.predict(r.user, r.item), r.value)),
        )
        .rmse;
        assert!(
            (kept - scores[best]).abs() < 1e-4,
            "{kept} vs {}",
            scores[best]
        );
        assert!(scores.last().unwrap() > &(scores[best] + 1e-3));
    }

    #[test]
    fn events_come_in_order_and_the_learning_rate_can_change() {
        let split = low_rank(30, 40, 2, NOISE, 1.0, 3);
        let n = split.train.len();
        let batches = n.div_ceil(300);
        assert!(batches >= 2);
        let config = MfConfig::new()
            .with_dim(4)
            .with_batch_size(300)
            .with_epochs(3)
            .with_patience(0);
        let mut trainer = Trainer::new(config, &split, 30, 40, &Device::flex());
        let mut ticks = 0.0;
        trainer.set_clock(move || {
            ticks += 10.0;
            ticks
        });
        let mut events = Vec::new();
        while let Some(event) = trainer.step() {
            if let TrainEvent::Epoch(report) = event
                && report.epoch == 1
            {
                trainer.set_learning_rate(0.0);
            }
            events.push(event);
        }
        assert!(trainer.step().is_none());
        assert_eq!(events.len(), 3 * (batches + 1) + 1);
        let mut k = 0;
        for epoch in 1..=3 {
            for batch in 1..=batches {
                assert_eq!(
                    events[k],
                    TrainEvent::Batch(BatchProgress {
                        epoch,
                        batch,
                        batches
                    })
                );
                k += 1;
            }
            let TrainEvent::Epoch(report) = events[k] else {
                panic!("expected the end of epoch {epoch}, got {:?}", events[k]);
            };
            assert_eq!(report.epoch, epoch);
            assert!(report.validation_rmse.is_some() && report.train_loss > 0.0);
            // The fake clock ticks once per read: the epoch's start, then its end.
            assert!(report.elapsed_ms > 0.0 && report.ratings_per_sec > 0.0);
            k += 1;
        }
        let TrainEvent::Finished(summary) = events[k] else {
            panic!("expected the end, got {:?}", events[k]);
        };
        assert_eq!((summary.epochs, summary.reason), (3, StopReason::Completed));
        // From epoch 2 on the learning rate is 0: nothing moves any more.
        let history = trainer.history();
        assert_eq!(history[1].learning_rate, 0.0);
        assert_eq!(history[1].validation_rmse, history[0].validation_rmse);
        assert_eq!(history[2].validation_rmse, history[0].validation_rmse);
        assert_eq!(summary.best_epoch, Some(1));
    }

    /// Polls a future to completion on this thread (Flex reads are ready at once).
    fn block_on<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut context = std::task::Context::from_waker(std::task::Waker::noop());
        loop {
            if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
        }
    }

    #[test]
    fn the_async_steps_match_the_sync_ones() {
        let split = low_rank(30, 30, 2, NOISE, 0.8, 9);
        let config = MfConfig::new()
            .with_dim(4)
            .with_batch_size(128)
            .with_epochs(4);
        let device = Device::flex();
        let mut sync = Trainer::new(config.clone(), &split, 30, 30, &device);
        let mut not_sync = Trainer::new(config, &split, 30, 30, &device);
        loop {
            let a = sync.step();
            let b = block_on(not_sync.step_async()).unwrap();
            match (a, b) {
                (Some(TrainEvent::Epoch(a)), Some(TrainEvent::Epoch(b))) => {
                    assert_eq!(a.validation_rmse, b.validation_rmse);
                    assert_eq!(a.train_loss, b.train_loss);
                }
                (Some(TrainEvent::Batch(a)), Some(TrainEvent::Batch(b))) => assert_eq!(a, b),
                (Some(TrainEvent::Finished(a)), Some(TrainEvent::Finished(b))) => {
                    assert_eq!(a.best_epoch, b.best_epoch)
                }
                (None, None) => break,
                other => panic!("the streams differ: {other:?}"),
            }
        }
        assert_eq!(sync.weights(), block_on(not_sync.weights_async()).unwrap());
    }

    #[test]
    fn stop_ends_training_at_the_next_step() {
        let split = low_rank(20, 20, 2, NOISE, 1.0, 4);
        let config = MfConfig::new().with_dim(2).with_batch_size(64);
        let mut trainer = Trainer::new(config, &split, 20, 20, &Device::flex());
        let first = trainer.run_epoch().unwrap();
        assert_eq!(first.epoch, 1);
        assert!(matches!(trainer.step(), Some(TrainEvent::Batch(_))));
        trainer.stop();
        let Some(TrainEvent::Finished(summary)) = trainer.step() else {
            panic!("expected the end");
        };
        // The interrupted second epoch does not count; the first one is kept.
        assert_eq!((summary.epochs, summary.reason), (1, StopReason::Stopped));
        assert_eq!(summary.best_epoch, Some(1));
        assert!(trainer.step().is_none() && trainer.is_finished());
        assert!(trainer.run_epoch().is_none());
    }

    #[test]
    fn without_validation_the_last_epoch_is_kept_and_a_holdout_can_be_made() {
        let mut split = low_rank(20, 20, 2, NOISE, 1.0, 8);
        split.validation.clear();
        let config = MfConfig::new().with_dim(2).with_epochs(2);
        let mut trainer = Trainer::new(config, &split, 20, 20, &Device::flex());
        trainer.run();
        let summary = trainer.summary().unwrap();
        assert_eq!(
            (summary.best_epoch, summary.best_validation_rmse),
            (Some(2), None)
        );
        assert!(
            trainer
                .history()
                .iter()
                .all(|r| r.validation_rmse.is_none())
        );

        let held = default_training_split(&split, 1);
        assert_eq!(
            held.validation.len(),
            (split.train.len() as f64 * 0.1).round() as usize
        );
        assert_eq!(held.train.len() + held.validation.len(), split.train.len());
        assert_eq!(held.test, split.test);
        assert_eq!(default_training_split(&held, 2).validation, held.validation);
    }
}
