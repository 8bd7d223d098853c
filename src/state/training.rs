//! The training panel's store: one run at a time as signals. A run is the zoo's fit of biased MF
//! with the panel's settings and live controls (`worker::run::fit`, the same driver as the
//! board's); its replies move the signals, and the model it ends with is kept and serves.

use std::rc::Rc;
use std::sync::Arc;

use filmspace_core::data::{Dataset, RatingIndex};
use filmspace_core::models::{MfWeights, SideFeatures};
use filmspace_core::protocol::{Control, FitReply, FitRequest, FitResult};
use filmspace_core::report::{Baseline, BoardRow, baseline_row, predictions_tsv, top_k_tsv};
use filmspace_core::saved::KeptModel;
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::{Split, make_split};
use filmspace_core::train::{EpochReport, RatingColumns, Stage};
use filmspace_core::zoo::{ZooModel, ZooOptions};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::device::{RunBackend, choose_device, fell_back_message};
use super::serving::Serving;
use crate::ui::widgets::format::thousands;
use crate::web::backend::BackendStatus;
use crate::web::download::download_text;
use crate::web::schedule::{next_macrotask, now_ms};
use crate::worker::client::{Remote, WorkerSlot};
use crate::worker::run::{self, Placement};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainState {
    Idle,
    Training,
    Paused,
    Done,
    Error,
}

impl TrainState {
    pub fn name(self) -> &'static str {
        match self {
            TrainState::Idle => "idle",
            TrainState::Training => "training",
            TrainState::Paused => "paused",
            TrainState::Done => "done",
            TrainState::Error => "error",
        }
    }

    pub fn is_running(self) -> bool {
        matches!(self, TrainState::Training | TrainState::Paused)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Progress {
    pub epoch: usize,
    pub epochs: usize,
    /// 0–100 over the phase in progress (the holdout run, then the refit).
    pub percent: f64,
}

/// What can be downloaded from a trained model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `user<TAB>item<TAB>prediction` for every test pair.
    Predictions,
    /// `user<TAB>i1<TAB>…<TAB>i10` for every evaluated user.
    TopK,
}

/// 2-D points of every film and the variance their two axes explain.
pub type LiveMap = Arc<(Vec<[f32; 2]>, [f64; 2])>;

/// Label of the trained model's row on the board.
pub const MODEL_LABEL: &str = "biased MF (trained here)";

/// Benchmark tracing: the test RMSE after one epoch, and when the page heard of it.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct TraceEntry {
    /// `false` for the holdout run, `true` for the refit.
    pub refit: bool,
    pub epoch: usize,
    pub rmse: f64,
    /// Time spent scoring it (to leave out of a time to a target).
    pub eval_ms: f64,
    /// `performance.now()` when the page received it.
    pub at_ms: f64,
}

#[derive(Clone, Copy)]
pub struct Training {
    pub settings: RwSignal<TrainSettings>,
    pub state: RwSignal<TrainState>,
    pub progress: RwSignal<Progress>,
    pub history: RwSignal<Vec<EpochReport>>,
    /// The trained model's row first, then the baselines on the same split.
    pub board: RwSignal<Vec<BoardRow>>,
    pub backend: RwSignal<Option<RunBackend>>,
    pub message: RwSignal<Option<String>>,
    /// Where training runs ("in a Web Worker", or on the main thread and why).
    pub thread: RwSignal<Option<String>>,
    /// What the run is doing beyond plain epochs (the refit), for the page to say.
    pub stage: RwSignal<String>,
    /// The kept model and the settings that made it (trained now or restored from IndexedDB).
    pub trained: RwSignal<Option<(Arc<MfWeights>, TrainSettings)>>,
    /// The films' PCA map after the latest epoch of the run in progress.
    pub live_map: RwSignal<Option<LiveMap>>,
    /// Benchmark tracing only (`?trace=1`): test RMSE per epoch of the run in progress.
    pub trace: RwSignal<Vec<TraceEntry>>,
    /// Which model serves: a model trained here is kept and serves.
    serving: Serving,
    remote: StoredValue<Rc<Remote>, LocalStorage>,
    worker: WorkerSlot,
}

impl Training {
    pub fn new(settings: TrainSettings, serving: Serving) -> Self {
        Self {
            settings: RwSignal::new(settings),
            state: RwSignal::new(TrainState::Idle),
            progress: RwSignal::new(Progress::default()),
            history: RwSignal::new(Vec::new()),
            board: RwSignal::new(Vec::new()),
            backend: RwSignal::new(None),
            message: RwSignal::new(None),
            stage: RwSignal::new(String::new()),
            thread: RwSignal::new(None),
            trained: RwSignal::new(None),
            live_map: RwSignal::new(None),
            trace: RwSignal::new(Vec::new()),
            serving,
            remote: StoredValue::new_local(Rc::new(Remote::default())),
            worker: WorkerSlot::new(),
        }
    }

    /// Starts a run on `dataset` (one epoch then pause when `one_epoch`).
    pub fn start(
        self,
        dataset: Arc<Dataset>,
        status: BackendStatus,
        gpu: Option<burn::tensor::Device>,
        one_epoch: bool,
    ) {
        if self.state.get_untracked().is_running() {
            return;
        }
        let settings = self.settings.get_untracked();
        // An injected fault is for the first run only.
        self.settings.update_untracked(|s| s.gpu_fault = None);
        let remote = Rc::new(Remote::default());
        self.remote.set_value(remote.clone());
        let (_, backend, warning) = choose_device(settings.backend, &status, gpu);
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
            let split = make_split(&dataset.ratings, settings.split, settings.mf_config().seed);
            next_macrotask().await;
            let request = self.request(&dataset, &split, &settings, backend.gpu, one_epoch);
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
                Some(Ok(result)) => self.finish(&dataset, &settings, &split, *result).await,
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
        FitRequest {
            model: ZooModel::Mf,
            seed: config.seed,
            mf: Some(config),
            options: ZooOptions::default(),
            train: RatingColumns::of(&split.train),
            validation: RatingColumns::of(&split.validation),
            test: RatingColumns::of(&split.test),
            features: SideFeatures::of(dataset, &split.train),
            sizes: (dataset.n_users(), dataset.n_items()),
            gpu,
            fault: settings.gpu_fault,
            pause_after_epoch: one_epoch,
            keep_stopped: true,
            live_map: true,
            trace_test: settings.trace_test,
            resume: None,
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

    /// The board (the model beside the baselines, a row at a time), then the model is kept and
    /// serves.
    async fn finish(
        self,
        dataset: &Dataset,
        settings: &TrainSettings,
        split: &Split,
        result: FitResult,
    ) {
        let Some(weights) = result_weights(&result) else {
            self.message
                .set(Some("Training ended without a model.".into()));
            self.state.set(TrainState::Error);
            return;
        };
        let index = RatingIndex::new(&split.train, dataset.n_users(), dataset.n_items());
        let evaluation = filmspace_core::models::Evaluation {
            errors: result.row.errors,
            ranking: result.row.ranking,
        };
        let mut rows = vec![BoardRow::new(MODEL_LABEL, evaluation)];
        for baseline in Baseline::ALL {
            next_macrotask().await;
            rows.push(baseline_row(baseline, &split.train, &index, &split.test));
        }
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
        self.stage.set(String::new());
        self.state.set(TrainState::Done);
        self.serving.keep(&kept);
    }

    /// Shows the model kept on an earlier visit when the panel made it. The page's settings
    /// follow the model unless the URL set them.
    pub fn show_kept(self, kept: &KeptModel, keep_url_settings: bool) {
        let (Some(settings), Some(weights)) = (kept.train_settings(), kept.mf_weights()) else {
            return;
        };
        if self.state.get_untracked() != TrainState::Idle {
            return; // a run started meanwhile wins
        }
        if !keep_url_settings {
            self.settings.set(settings.clone());
        }
        self.history.set(kept.history.clone());
        self.board.set(kept.board.clone());
        let reason = format!("kept from an earlier visit (trained on {})", kept.backend);
        self.backend.set(Some(RunBackend {
            gpu: kept.backend == "WebGPU",
            reason,
        }));
        let epochs = settings.epochs;
        self.progress.set(Progress {
            epoch: kept.history.len(),
            epochs,
            percent: 100.0,
        });
        self.trained
            .set(Some((Arc::new(weights.clone()), settings)));
        self.state.set(TrainState::Done);
    }

    /// Drops the panel's model; if it is the one serving, nothing serves or is kept any more.
    pub fn forget(self) {
        if self.state.get_untracked().is_running() {
            return;
        }
        self.trained.set(None);
        self.board.set(Vec::new());
        self.history.set(Vec::new());
        self.backend.set(None);
        self.progress.set(Progress::default());
        self.state.set(TrainState::Idle);
        if self.serving.now.with_untracked(|now| {
            now.as_ref()
                .is_some_and(|n| n.origin == super::serving::Origin::Training)
        }) {
            self.serving.forget();
        }
    }

    /// Downloads the test predictions or the top-10 lists of the kept model, as TSV.
    pub fn export(self, dataset: &Dataset, what: Export) {
        let Some((weights, settings)) = self.trained.get_untracked() else {
            return;
        };
        let split = make_split(&dataset.ratings, settings.split, settings.mf_config().seed);
        let name = settings.split.name();
        let (file, text) = match what {
            Export::Predictions => (
                format!("filmspace-{name}-predictions.tsv"),
                predictions_tsv(&*weights, &split.test, dataset),
            ),
            Export::TopK => {
                let index = RatingIndex::new(&split.train, dataset.n_users(), dataset.n_items());
                (
                    format!("filmspace-{name}-top10.tsv"),
                    top_k_tsv(&*weights, &index, &split.test, dataset),
                )
            }
        };
        if let Err(error) = download_text(&file, "text/tab-separated-values", &text) {
            self.message.set(Some(error));
        }
    }

    /// Starts the training worker early, so its code compiles while the data loads.
    pub fn warm_up(self) {
        let _ = self.worker.get();
    }

    pub fn toggle_pause(self) {
        let remote = self.remote.get_value();
        if self.state.get_untracked().is_running() {
            remote.send(Control::Pause(!remote.controls.paused.get()));
        }
    }

    pub fn stop(self) {
        self.remote.get_value().send(Control::Stop);
    }

    /// While paused: run one more epoch, then pause again.
    pub fn step_epoch(self) {
        self.remote.get_value().send(Control::StepEpoch);
    }

    /// Applies one setting typed in the page (by its URL key). The learning rate also reaches a
    /// run in progress.
    pub fn apply_setting(self, key: &str, value: &str) {
        let mut result = Ok(());
        self.settings.update(|s| result = s.set(key, value));
        match result {
            Err(problem) => self.message.set(Some(format!("Not changed: {problem}."))),
            Ok(()) => {
                self.message.set(None);
                if key == "lr" && self.state.get_untracked().is_running() {
                    let rate = self.settings.get_untracked().learning_rate;
                    self.remote.get_value().send(Control::LearningRate(rate));
                }
            }
        }
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
        filmspace_core::recommend::Served::Linear(weights) => Some(weights.clone()),
        _ => None,
    }
}
