//! Drives a core `Trainer` in the page: one step at a time, yielding to the browser between
//! steps, obeying pause / stop / learning-rate commands, and reading the device asynchronously
//! when it is a GPU (synchronous reads panic on WebGPU in wasm).

use std::cell::Cell;

use burn::tensor::Device;
use filmspace_core::models::{MfConfig, MfWeights};
use filmspace_core::split::Split;
use filmspace_core::train::{BatchProgress, EpochReport, TrainEvent, TrainSummary, Trainer};

use super::schedule::{next_macrotask, now_ms, sleep_ms};

/// Commands from the page, read between steps.
#[derive(Default)]
pub struct TrainControls {
    pub paused: Cell<bool>,
    pub stop: Cell<bool>,
    /// Pause again when the current epoch ends (the Step button).
    pub pause_after_epoch: Cell<bool>,
    pub learning_rate: Cell<Option<f64>>,
}

/// What the page hears from a run.
pub enum TrainUpdate {
    Batch(BatchProgress),
    Epoch(EpochReport),
    Paused(bool),
    Finished(TrainSummary, MfWeights),
    /// The device failed (a lost GPU, a shader or memory error); nothing more follows.
    Failed(String),
}

/// Longest stretch of work between two yields: well under the 100 ms long-task threshold.
const SLICE_MS: f64 = 12.0;

/// Trains to the end (or until stopped), reporting every event to `on_update`.
pub async fn train(
    config: MfConfig,
    split: &Split,
    (n_users, n_items): (usize, usize),
    device: &Device,
    gpu: bool,
    controls: &TrainControls,
    mut on_update: impl FnMut(TrainUpdate),
) {
    let mut trainer = Trainer::new(config, split, n_users, n_items, device);
    trainer.set_clock(now_ms);
    // Building the trainer copied the ratings into tensors: let the page breathe before step one.
    next_macrotask().await;
    let mut slice_start = now_ms();
    loop {
        if controls.stop.get() {
            trainer.stop();
            controls.paused.set(false);
        }
        if let Some(rate) = controls.learning_rate.take() {
            trainer.set_learning_rate(rate);
        }
        if controls.paused.get() {
            on_update(TrainUpdate::Paused(true));
            while controls.paused.get() && !controls.stop.get() {
                sleep_ms(30).await;
            }
            on_update(TrainUpdate::Paused(false));
            continue;
        }
        let event = if gpu {
            match trainer.step_async().await {
                Ok(event) => event,
                Err(error) => return on_update(TrainUpdate::Failed(format!("{error:?}"))),
            }
        } else {
            trainer.step()
        };
        match event {
            None => break,
            Some(TrainEvent::Batch(progress)) => on_update(TrainUpdate::Batch(progress)),
            Some(TrainEvent::Epoch(report)) => {
                on_update(TrainUpdate::Epoch(report));
                if controls.pause_after_epoch.take() {
                    controls.paused.set(true);
                }
            }
            Some(TrainEvent::Finished(summary)) => {
                let weights = if gpu {
                    match trainer.weights_async().await {
                        Ok(weights) => weights,
                        Err(error) => return on_update(TrainUpdate::Failed(format!("{error:?}"))),
                    }
                } else {
                    trainer.weights()
                };
                on_update(TrainUpdate::Finished(summary, weights));
            }
        }
        if now_ms() - slice_start > SLICE_MS {
            next_macrotask().await;
            slice_start = now_ms();
        }
    }
}
