//! A training run: the panel's fit of biased MF sent to its worker, its replies moving the
//! signals, and the model it ends with scored beside the baselines, kept and serving.

use std::rc::Rc;
use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::models::{Evaluation, MfWeights};
use filmspace_core::protocol::{FitReply, FitRequest, FitResult};
use filmspace_core::recommend::Served;
use filmspace_core::report::BoardRow;
use filmspace_core::saved::KeptModel;
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::{Split, SplitKind};
use filmspace_core::train::Stage;
use filmspace_core::zoo::{ZooModel, cannot_fit};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{MODEL_LABEL, Progress, TraceEntry, TrainState, Training};
use crate::state::device::{RunBackend, choose_device, fell_back_message};
use crate::ui::widgets::format::thousands;
use crate::web::backend::BackendStatus;
use crate::web::schedule::{next_macrotask, now_ms};
use crate::worker::client::Remote;
use crate::worker::run::{self, Placement};

/// The split the last run trained on, or the one made while the page was idle: building
/// ML-100K's u1 takes the page about 17 ms, which a run then no longer waits for.
#[derive(Clone)]
pub(super) struct KeptSplit {
    /// The data set's fingerprint, the kind of split and its seed.
    key: (u64, SplitKind, u64),
    split: Arc<Split>,
}

impl Training {
    /// The split `settings` choose on `dataset`, made once per data set, kind and seed.
    pub(super) fn split_of(self, dataset: &Dataset, settings: &TrainSettings) -> Arc<Split> {
        let key = (
            dataset.fingerprint(),
            settings.split,
            settings.mf_config().seed,
        );
        if let Some(kept) = self.kept_split.get_value().filter(|kept| kept.key == key) {
            return kept.split;
        }
        let split = Arc::new(dataset.split(key.1, key.2));
        let kept = KeptSplit {
            key,
            split: split.clone(),
        };
        self.kept_split.set_value(Some(kept));
        split
    }

    /// Starts a run on `dataset` (one epoch then pause when `one_epoch`).
    pub fn start(self, dataset: Arc<Dataset>, status: BackendStatus, one_epoch: bool) {
        if self.state.get_untracked().is_running() {
            return;
        }
        if let Some(why) = cannot_fit(ZooModel::Mf, &dataset) {
            self.message.set(Some(format!("Not trained: {why}.")));
            return;
        }
        let settings = self.settings.get_untracked();
        // An injected fault is for the first run only.
        self.settings.update_untracked(|s| s.gpu_fault = None);
        let remote = Rc::new(Remote::default());
        self.remote.set_value(remote.clone());
        let (backend, warning) = choose_device(settings.backend, &status);
        self.message.set(warning);
        self.backend.set(Some(backend.clone()));
        self.history.set(Vec::new());
        self.board.set(Vec::new());
        self.trace.set(Vec::new());
        self.stage.set(String::new());
        self.progress.set(Progress {
            epoch: 0,
            epochs: settings.epochs,
            percent: 0.0,
        });
        self.state.set(TrainState::Training);
        spawn_local(async move {
            let split = self.split_of(&dataset, &settings);
            next_macrotask().await;
            let request = self.request(&dataset, &split, &settings, backend.gpu, one_epoch);
            // Its columns are copied again to be sent: a task of its own at millions of ratings.
            next_macrotask().await;
            let mut run = RunLog::new(settings.epochs, split.train.len());
            let mut on_placement = |placement| {
                self.thread.set(Some(match placement {
                    Placement::Worker => "in a Web Worker".to_string(),
                    Placement::MainThread(why) => format!("on the main thread (no worker: {why})"),
                }))
            };
            let mut on_reply = |reply| self.on_reply(reply, &mut run);
            run::fit(
                self.worker,
                request,
                &remote,
                &mut on_placement,
                &mut on_reply,
            )
            .await;
            match run.outcome.take() {
                Some(Ok(result)) => self.finish(&settings, *result).await,
                Some(Err(error)) => {
                    self.message.set(Some(format!("Training failed: {error}")));
                    self.state.set(TrainState::Error);
                }
                None => self.state.set(TrainState::Idle),
            }
        });
    }

    /// The fit of biased MF with the panel's settings, as the worker gets it.
    fn request(
        self,
        dataset: &Dataset,
        split: &Split,
        settings: &TrainSettings,
        gpu: bool,
        one_epoch: bool,
    ) -> FitRequest {
        let config = settings.mf_config();
        let seed = config.seed;
        FitRequest {
            mf: Some(config),
            gpu,
            fault: settings.gpu_fault,
            pause_after_epoch: one_epoch,
            keep_stopped: true,
            live_map: true,
            trace_test: settings.trace_test,
            baselines: true,
            top_k: true,
            ..FitRequest::new(ZooModel::Mf, dataset, split, seed)
        }
    }

    /// Moves the signals with one reply of the run.
    fn on_reply(self, reply: FitReply, run: &mut RunLog) {
        match reply {
            FitReply::Batch(_, b) => {
                let done = (b.epoch - 1) as f64 + b.batch as f64 / b.batches as f64;
                let percent = (100.0 * done / run.epochs as f64).floor();
                if percent != self.progress.get_untracked().percent {
                    self.progress.set(Progress {
                        epoch: b.epoch - 1,
                        epochs: run.epochs,
                        percent,
                    });
                }
            }
            FitReply::Epoch(stage, report) => {
                let percent = 100.0 * report.epoch as f64 / run.epochs as f64;
                self.progress.set(Progress {
                    epoch: report.epoch,
                    epochs: run.epochs,
                    percent,
                });
                if stage == Stage::Holdout {
                    self.history.update(|h| h.push(report));
                }
            }
            FitReply::RefitStarts { epochs } => {
                (run.stage, run.epochs) = (Stage::Refit, epochs);
                self.stage.set(format!(
                    "Refitting on all {} training ratings for {epochs} epochs (the best on the holdout)",
                    thousands(run.ratings)
                ));
            }
            FitReply::Paused(paused) => self.state.set(if paused {
                TrainState::Paused
            } else {
                TrainState::Training
            }),
            FitReply::FellBack { error, resumed_at } => {
                self.message
                    .set(Some(fell_back_message(&error, resumed_at)));
                self.backend.set(Some(RunBackend::after_gpu_failure()));
                if run.stage == Stage::Holdout {
                    // Epochs after the checkpoint are trained again.
                    self.history.update(|h| h.truncate(resumed_at));
                }
            }
            FitReply::FilmMap { points, explained } => {
                self.live_map.set(Some(Arc::new((points, explained))))
            }
            FitReply::TestTrace {
                stage,
                epoch,
                rmse,
                eval_ms,
            } => self.trace.update(|t| {
                let refit = stage == Stage::Refit;
                t.push(TraceEntry {
                    refit,
                    epoch,
                    rmse,
                    eval_ms,
                    at_ms: now_ms(),
                })
            }),
            FitReply::Scoring { stopped: true } => self
                .stage
                .set("Stopped: scoring the best model so far".to_string()),
            FitReply::Finished(result) => run.outcome = Some(Ok(result)),
            FitReply::Failed(error) => run.outcome = Some(Err(error)),
            FitReply::Checkpoint { .. } | FitReply::Scoring { .. } | FitReply::Stopped => {}
        }
    }

    /// The board (the model beside the baselines the worker scored), then the model is kept and
    /// serves.
    async fn finish(self, settings: &TrainSettings, result: FitResult) {
        let Some(weights) = result_weights(&result) else {
            self.message
                .set(Some("Training ended without a model.".into()));
            self.state.set(TrainState::Error);
            return;
        };
        let evaluation = Evaluation {
            errors: result.row.errors,
            ranking: result.row.ranking,
        };
        // The baselines were scored with the model, in the worker.
        let mut rows = vec![BoardRow::new(MODEL_LABEL, evaluation)];
        rows.extend(result.baselines);
        let backend = if result.row.backend == "WebGPU" {
            "WebGPU"
        } else {
            "CPU"
        };
        let kept = KeptModel::trained_here(
            settings,
            backend,
            weights.clone(),
            self.history.get_untracked(),
            rows,
        );
        self.board.set(kept.board.clone());
        self.trained
            .set(Some((Arc::new(weights), settings.clone())));
        self.top_k.set_value(Some(Arc::new(result.top_k)));
        // What follows the new model (the panels it feeds) and what serves it are two tasks, so
        // neither holds the page for long on a busy machine.
        next_macrotask().await;
        self.stage.set(String::new());
        self.state.set(TrainState::Done);
        self.serving.keep(&kept);
    }
}

/// What a run has said so far that the page acts on at its end.
struct RunLog {
    stage: Stage,
    /// Epochs of the stage in progress (the progress bar's 100%).
    epochs: usize,
    /// Training ratings (for the refit's line).
    ratings: usize,
    outcome: Option<Result<Box<FitResult>, String>>,
}

impl RunLog {
    fn new(epochs: usize, ratings: usize) -> Self {
        Self {
            stage: Stage::Holdout,
            epochs,
            ratings,
            outcome: None,
        }
    }
}

/// Biased MF's weights in a fit's serving model.
fn result_weights(result: &FitResult) -> Option<MfWeights> {
    match &result.serving.served {
        Served::Linear(weights) => Some(weights.clone()),
        _ => None,
    }
}
