//! The one recipe every trainable model is fitted with, as a steppable state machine: a holdout
//! run with early stopping on a seeded holdout of the training ratings, then a refit on all of
//! them for the best epoch count (the refit is what reaches the tuned figures, `core/TUNING.md`).
//!
//! One device policy: on a device read asynchronously (a GPU), the run's checkpoint is read after
//! every epoch; when the device fails, [`Pipeline::fail_over`] hands the last checkpoint to the
//! CPU, which resumes from that epoch. A checkpoint is serialisable ([`StageCheckpoint`]) so a
//! page can hand it to a new worker when the old one died with its GPU.

use std::fmt;

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{
    BatchProgress, Checkpoint, EpochReport, Fit, Recipe, StopReason, TrainEvent, Trainer,
    WeightsOf, default_training_split, refit_config, refit_split,
};
use crate::split::Split;

/// Which of the two runs is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Trained without the holdout, which early-stops it and chooses the epoch count.
    Holdout,
    /// Trained again on every training rating for that many epochs.
    Refit,
}

#[derive(Debug, Clone)]
pub enum PipelineEvent<W> {
    Batch(Stage, BatchProgress),
    Epoch(Stage, EpochReport),
    /// The holdout run is over; the refit starts for `epochs` epochs.
    RefitStarts {
        epochs: usize,
    },
    Finished(Fitted<W>),
}

/// Both runs' results.
#[derive(Debug, Clone)]
pub struct Fitted<W> {
    /// The holdout run: its model never saw the holdout (what a blend weighs its parts on).
    pub holdout: Fit<W>,
    /// The refit; `None` when the holdout run was stopped or there was no holdout to choose with.
    pub refit: Option<Fit<W>>,
}

impl<W> Fitted<W> {
    /// The model the fit ends with: the refit's, or the holdout run's when there was none.
    pub fn model(&self) -> &W {
        &self.refit.as_ref().unwrap_or(&self.holdout).weights
    }

    pub fn into_model(self) -> W {
        self.refit.unwrap_or(self.holdout).weights
    }

    /// Whether [`Pipeline::stop`] ended it early.
    pub fn stopped(&self) -> bool {
        let stopped = |fit: &Fit<W>| fit.summary.reason == StopReason::Stopped;
        stopped(&self.holdout) || self.refit.as_ref().is_some_and(stopped)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PipelineError {
    /// The device failed (a lost GPU, a shader or memory error).
    Device(String),
    /// The training loss stopped being a finite number at the end of `epoch`.
    Diverged { stage: Stage, epoch: usize },
}

impl fmt::Display for PipelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PipelineError::Device(error) => f.write_str(error),
            PipelineError::Diverged { stage, epoch } => write!(
                f,
                "training diverged: the loss was not a finite number after epoch {epoch} of the \
                 {} run (try a smaller learning rate)",
                match stage {
                    Stage::Holdout => "holdout",
                    Stage::Refit => "refit",
                }
            ),
        }
    }
}

/// Where a pipeline stood at the end of an epoch, in plain memory: enough to resume on another
/// device, even in another worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageCheckpoint<W> {
    pub stage: Stage,
    /// The finished holdout run, once the refit is in progress.
    pub holdout: Option<Fit<W>>,
    pub run: Checkpoint<W>,
}

/// Fits recipe `R`: the holdout run, then the refit, one [`PipelineEvent`] per step.
pub struct Pipeline<R: Recipe> {
    recipe: R,
    /// The training ratings with the holdout carved out as validation.
    held: Split,
    sizes: (usize, usize),
    /// Read the device asynchronously (a GPU in wasm): then a checkpoint follows every epoch.
    async_reads: bool,
    stage: Stage,
    trainer: Trainer<R>,
    holdout: Option<Fit<WeightsOf<R>>>,
    checkpoint: Option<Checkpoint<WeightsOf<R>>>,
    clock: Option<fn() -> f64>,
    done: bool,
}

impl<R: Recipe> Pipeline<R> {
    /// A fit of `recipe` on `split.train` (the test ratings are never looked at), its holdout
    /// seeded by `holdout_seed`, on `device`; `async_reads` on a GPU in a browser.
    pub fn new(
        recipe: R,
        split: &Split,
        holdout_seed: u64,
        sizes: (usize, usize),
        device: &Device,
        async_reads: bool,
    ) -> Self {
        let held = default_training_split(split, holdout_seed);
        let trainer = Trainer::new(recipe.clone(), &held, sizes.0, sizes.1, device);
        Self {
            recipe,
            held,
            sizes,
            async_reads,
            stage: Stage::Holdout,
            trainer,
            holdout: None,
            checkpoint: None,
            clock: None,
            done: false,
        }
    }

    /// A fit that carries on from `checkpoint` (taken by a pipeline with the same recipe, split
    /// and seed) on `device`.
    pub fn resume(
        recipe: R,
        split: &Split,
        holdout_seed: u64,
        sizes: (usize, usize),
        device: &Device,
        checkpoint: StageCheckpoint<WeightsOf<R>>,
    ) -> Self {
        let mut pipeline = Self::new(recipe, split, holdout_seed, sizes, device, false);
        pipeline.stage = checkpoint.stage;
        pipeline.holdout = checkpoint.holdout;
        pipeline.checkpoint = Some(checkpoint.run);
        pipeline.fail_over(device);
        pipeline
    }

    /// Replaces the wall clock of this run and of the refit (milliseconds, any origin).
    pub fn set_clock(&mut self, clock: fn() -> f64) {
        self.clock = Some(clock);
        self.trainer.set_clock(clock);
    }

    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// The run in progress (its history, learning rate, batches per epoch).
    pub fn trainer(&self) -> &Trainer<R> {
        &self.trainer
    }

    /// Takes effect from the next mini-batch.
    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        self.trainer.set_learning_rate(learning_rate);
    }

    /// Ends the run in progress at the next step; no refit follows a stopped holdout run.
    pub fn stop(&mut self) {
        self.trainer.stop();
    }

    /// The last checkpoint read (after an epoch, on an asynchronously read device).
    pub fn checkpoint(&self) -> Option<StageCheckpoint<WeightsOf<R>>> {
        Some(StageCheckpoint {
            stage: self.stage,
            holdout: self.holdout.clone(),
            run: self.checkpoint.clone()?,
        })
    }

    /// The model the run in progress would hand back now (best epoch so far): read from the last
    /// checkpoint on a GPU, synchronously otherwise.
    pub fn latest_weights(&self) -> Option<WeightsOf<R>> {
        if !self.async_reads {
            return Some(self.trainer.weights());
        }
        let run = self.checkpoint.as_ref()?;
        Some(run.best.as_ref().map_or(&run.current, |b| &b.2).clone())
    }

    /// Moves the run in progress to `cpu`: it resumes from the last checkpoint (or starts the
    /// stage again when there is none). Returns the epoch it resumes after.
    pub fn fail_over(&mut self, cpu: &Device) -> usize {
        let (config, split) = self.stage_run();
        let (users, items) = self.sizes;
        let resumed_at = self.checkpoint.as_ref().map_or(0, |c| c.epoch);
        self.trainer = match self.checkpoint.take() {
            Some(c) => Trainer::resume(config, &split, users, items, cpu, c),
            None => Trainer::new(config, &split, users, items, cpu),
        };
        self.async_reads = false;
        if let Some(clock) = self.clock {
            self.trainer.set_clock(clock);
        }
        resumed_at
    }

    /// The settings and ratings of the stage in progress.
    fn stage_run(&self) -> (R, Split) {
        match (self.stage, &self.holdout) {
            (Stage::Refit, Some(holdout)) => (
                refit_config(&self.recipe, &holdout.summary),
                refit_split(&self.held),
            ),
            _ => (self.recipe.clone(), self.held.clone()),
        }
    }

    /// One step; `Ok(None)` once [`PipelineEvent::Finished`] was returned. Synchronous reads
    /// (Flex): never call it on a GPU in wasm.
    pub fn step(&mut self) -> Result<Option<PipelineEvent<WeightsOf<R>>>, PipelineError> {
        super::ready(self.step_async())
    }

    /// Steps to the end (native convenience).
    pub fn run(&mut self) -> Result<Fitted<WeightsOf<R>>, PipelineError> {
        loop {
            match self.step()? {
                Some(PipelineEvent::Finished(fitted)) => return Ok(fitted),
                Some(_) => {}
                None => unreachable!("a pipeline reports Finished before it ends"),
            }
        }
    }

    /// One step, reading the device asynchronously where it must be.
    pub async fn step_async(
        &mut self,
    ) -> Result<Option<PipelineEvent<WeightsOf<R>>>, PipelineError> {
        if self.done {
            return Ok(None);
        }
        let device_error = |e| PipelineError::Device(format!("{e:?}"));
        let event = if self.async_reads {
            self.trainer.step_async().await.map_err(device_error)?
        } else {
            self.trainer.step()
        };
        let stage = self.stage;
        Ok(Some(match event {
            None => unreachable!("a trainer reports Finished before it ends"),
            Some(TrainEvent::Batch(progress)) => PipelineEvent::Batch(stage, progress),
            Some(TrainEvent::Epoch(report)) => {
                if !report.train_loss.is_finite() {
                    self.done = true;
                    return Err(PipelineError::Diverged {
                        stage,
                        epoch: report.epoch,
                    });
                }
                if self.async_reads {
                    self.checkpoint = self
                        .trainer
                        .checkpoint_async()
                        .await
                        .map_err(device_error)?;
                }
                PipelineEvent::Epoch(stage, report)
            }
            Some(TrainEvent::Finished(summary)) => {
                let weights = if self.async_reads {
                    self.trainer.weights_async().await.map_err(device_error)?
                } else {
                    self.trainer.weights()
                };
                let fit = Fit {
                    weights,
                    history: self.trainer.history().to_vec(),
                    summary,
                };
                self.end_stage(fit)
            }
        }))
    }

    /// After a run: the refit starts, or the fit is over.
    fn end_stage(&mut self, fit: Fit<WeightsOf<R>>) -> PipelineEvent<WeightsOf<R>> {
        let refit_follows = self.stage == Stage::Holdout
            && fit.summary.reason != StopReason::Stopped
            && !self.held.validation.is_empty();
        if !refit_follows {
            self.done = true;
            let fitted = match self.holdout.take() {
                Some(holdout) => Fitted {
                    holdout,
                    refit: Some(fit),
                },
                None => Fitted {
                    holdout: fit,
                    refit: None,
                },
            };
            return PipelineEvent::Finished(fitted);
        }
        self.holdout = Some(fit);
        self.stage = Stage::Refit;
        self.checkpoint = None;
        let (config, split) = self.stage_run();
        let epochs = config.schedule().epochs;
        let device = self.trainer_device();
        self.trainer = Trainer::new(config, &split, self.sizes.0, self.sizes.1, &device);
        if let Some(clock) = self.clock {
            self.trainer.set_clock(clock);
        }
        PipelineEvent::RefitStarts { epochs }
    }

    fn trainer_device(&self) -> Device {
        self.trainer.device()
    }
}
