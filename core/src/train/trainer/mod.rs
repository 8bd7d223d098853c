//! The steppable training loop: one model, one run, one event per step.

use burn::backend::ExecutionError;
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};
use burn::tensor::{Device, Tensor};

use super::recipe::floats;
use super::{
    BatchProgress, CpuKernel, DeviceKernel, EpochReport, Recipe, Schedule, StopReason, TrainEvent,
    TrainSummary, Trainable,
};
use crate::models::{MfConfig, Optimiser};
use crate::rng::SeededRng;
use crate::split::Split;

mod checkpoint;
use checkpoint::BestEpoch;
pub use checkpoint::Checkpoint;

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

/// The weights of recipe `R`'s model.
pub type WeightsOf<R> = <<R as Recipe>::Model as Trainable>::Weights;

/// Trains a model ([`Trainable`], set up by its [`Recipe`]; biased MF by default) with
/// mini-batches, seeded shuffles, early stopping on the validation set, and a learning rate that
/// can change while it runs.
pub struct Trainer<R: Recipe = MfConfig> {
    config: R,
    schedule: Schedule,
    learning_rate: f64,
    /// The training device (autodiff on) and the plain one it wraps.
    device: Device,
    plain: Device,
    /// `None` only inside a step, while the optimiser owns it. With a `kernel`, brought up to
    /// date at the end of each epoch and when stopped.
    model: Option<R::Model>,
    optim: ModuleOptimizer,
    /// The recipe's step written by hand, which trains instead of Burn's autodiff.
    kernel: Option<Fused<R>>,
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
    /// The same sums in plain memory, when a CPU kernel trains.
    kernel_sums: [f64; 2],
    clock: Clock,
    started_ms: Option<f64>,
    epoch_started_ms: f64,
    /// Best epoch so far on validation: (epoch, RMSE, model on the plain device).
    best: Option<BestEpoch<R::Model>>,
    epochs_since_best: usize,
    history: Vec<EpochReport>,
    summary: Option<TrainSummary>,
}

/// A recipe's step written by hand, which trains instead of Burn's autodiff.
enum Fused<R: Recipe> {
    /// In plain memory, on the CPU.
    Cpu(Box<dyn CpuKernel<R>>),
    /// As tensor operations on a GPU.
    Device(Box<dyn DeviceKernel<R>>),
}

impl<R: Recipe> Fused<R> {
    fn model(&self, device: &Device) -> R::Model {
        match self {
            Fused::Cpu(kernel) => kernel.model(device),
            Fused::Device(kernel) => kernel.model(device),
        }
    }
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
        let kernel = Self::kernel_for(&config, &model, &plain);
        Self {
            kernel,
            kernel_sums: [0.0; 2],
            learning_rate: schedule.learning_rate,
            rng: SeededRng::new(schedule.seed),
            schedule,
            config,
            device: train_device,
            plain,
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

    /// The recipe's step written by hand: fused in plain memory on the CPU, as tensor
    /// operations on any other device.
    fn kernel_for(config: &R, model: &R::Model, plain: &Device) -> Option<Fused<R>> {
        if *plain == Device::flex() {
            config.cpu_kernel(model).map(Fused::Cpu)
        } else {
            config.device_kernel(model, plain).map(Fused::Device)
        }
    }

    /// Whether a step written by hand (on the CPU or as device operations) trains rather than
    /// Burn's autodiff.
    pub fn uses_kernel(&self) -> bool {
        self.kernel.is_some()
    }

    /// Brings the module up to date with the kernel's weights.
    fn sync_model(&mut self) {
        if let Some(kernel) = &self.kernel {
            self.model = Some(kernel.model(&self.device));
        }
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

    /// The plain device it trains on.
    pub fn device(&self) -> Device {
        self.plain.clone()
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
            self.sync_model();
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
            self.kernel_sums = [0.0; 2];
        }
        let size = self.schedule.batch_size;
        let start = self.batch * size;
        let picked = &self.order[start..(start + size).min(self.order.len())];
        match &mut self.kernel {
            Some(Fused::Cpu(kernel)) => {
                let sums = kernel.step(&self.examples, picked, self.learning_rate);
                self.kernel_sums[0] += sums[0];
                self.kernel_sums[1] += sums[1];
            }
            Some(Fused::Device(kernel)) => {
                let sums = kernel.step(&self.examples, picked, self.learning_rate);
                self.add_sums(sums);
            }
            None => self.burn_step(start, size),
        }

        self.batch += 1;
        let progress = BatchProgress {
            epoch: self.epoch + 1,
            batch: self.batch,
            batches: self.batches_per_epoch(),
        };
        if self.batch == progress.batches {
            self.phase = Phase::EndOfEpoch;
            self.sync_model();
        }
        progress
    }

    /// One step of Burn's autodiff and optimiser on the examples at `order[start..start + size]`.
    fn burn_step(&mut self, start: usize, size: usize) {
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
        self.add_sums(sums);
    }

    /// Adds a step's [Σ data loss, Σ penalty], kept on the device, to the epoch's.
    fn add_sums(&mut self, sums: Tensor<1>) {
        self.sums = Some(match self.sums.take() {
            Some(total) => total + sums,
            None => sums,
        });
    }

    /// [Σ data loss, Σ penalty, Σ squared validation error (clipped)], to read in one go.
    fn epoch_sums(&self) -> Tensor<1> {
        let sums = match &self.kernel {
            Some(Fused::Cpu(_)) => {
                let [data, penalty] = self.kernel_sums.map(|x| x as f32);
                Tensor::from_floats([data, penalty], &self.plain)
            }
            Some(Fused::Device(_)) | None => {
                self.sums.clone().expect("an epoch has at least one batch")
            }
        };
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
