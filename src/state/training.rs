//! The training session: the page's state for one run at a time, and the glue between the
//! `web::training` driver and the panels. Panels read these signals and call the commands.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, Rating, RatingIndex};
use filmspace_core::models::{MfConfig, MfWeights};
use filmspace_core::report::{
    Baseline, BoardRow, baseline_row, model_row, predictions_tsv, top_k_tsv,
};
use filmspace_core::saved::SavedModel;
use filmspace_core::settings::{BackendChoice, TrainSettings};
use filmspace_core::split::{Split, make_split};
use filmspace_core::train::{
    Checkpoint, EpochReport, StopReason, TrainSummary, default_training_split, refit_config,
    refit_split,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::widgets::format::thousands;
use crate::web::backend::BackendStatus;
use crate::web::download::download_text;
use crate::web::schedule::{next_macrotask, now_ms};
use crate::web::storage;
use crate::worker::training::{
    Command, NoWorker, Phase, RatingColumns, StartRun, TrainControls, TrainSplit, TrainUpdate,
    TrainingWorker, train, train_in_worker,
};

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

/// The backend a run uses, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RunBackend {
    pub gpu: bool,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq)]
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

/// The IndexedDB key of the kept model.
const MODEL_KEY: &str = "model";

/// 2-D points of every film and the variance their two axes explain.
pub type LiveMap = Arc<(Vec<[f32; 2]>, [f64; 2])>;

/// Label of the trained model's row on the board.
pub const MODEL_LABEL: &str = "biased MF (trained here)";

/// The device and commands of one run, kept across its phases.
struct Run {
    device: Device,
    backend: RunBackend,
    controls: Rc<TrainControls>,
    /// Benchmark tracing (`?trace=1`): the test ratings scored after every epoch; else empty.
    trace_test: Vec<Rating>,
}

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
    /// Counts the models trained (not restored) on this visit: a new one takes over serving.
    pub runs_kept: RwSignal<u32>,
    /// The films' PCA map after the latest epoch of the run in progress.
    pub live_map: RwSignal<Option<LiveMap>>,
    /// Benchmark tracing only (`?trace=1`): test RMSE per epoch of the run in progress.
    pub trace: RwSignal<Vec<TraceEntry>>,
    controls: StoredValue<Rc<TrainControls>, LocalStorage>,
    worker: StoredValue<Option<Rc<TrainingWorker>>, LocalStorage>,
}

/// What the page says when the CPU takes over from a failed GPU after `resumed_at` epochs.
fn fell_back_message(error: &str, resumed_at: usize) -> String {
    if resumed_at > 0 {
        format!(
            "WebGPU failed ({error}); training carries on on the CPU backend from epoch \
             {resumed_at} (the optimiser's momentum starts afresh)."
        )
    } else {
        format!("WebGPU failed ({error}); training again on the CPU backend.")
    }
}

/// Picks the device for a run: auto means WebGPU only on a hardware adapter.
pub(crate) fn choose_device(
    choice: BackendChoice,
    status: &BackendStatus,
    gpu: Option<Device>,
) -> (Device, RunBackend, Option<String>) {
    let cpu = |reason: &str| {
        (
            Device::flex(),
            RunBackend {
                gpu: false,
                reason: reason.to_string(),
            },
        )
    };
    let (device, backend) = match (choice, status, gpu) {
        (BackendChoice::Cpu, _, _) => cpu("CPU backend, as chosen"),
        (BackendChoice::WebGpu, _, Some(device)) => (
            device,
            RunBackend {
                gpu: true,
                reason: "WebGPU, as chosen".into(),
            },
        ),
        (BackendChoice::WebGpu, _, None) => {
            let (device, backend) =
                cpu("CPU backend: WebGPU was asked for but is not available here");
            return (
                device,
                backend,
                Some(
                    "WebGPU is not available in this browser; training on the CPU instead.".into(),
                ),
            );
        }
        (
            BackendChoice::Auto,
            BackendStatus::WebGpu {
                software: false, ..
            },
            Some(device),
        ) => (
            device,
            RunBackend {
                gpu: true,
                reason: "WebGPU on a hardware adapter".into(),
            },
        ),
        (BackendChoice::Auto, BackendStatus::WebGpu { software: true, .. }, _) => cpu(
            "CPU backend: the only WebGPU adapter is software (SwiftShader), 15–20× slower than the CPU backend",
        ),
        (BackendChoice::Auto, _, _) => cpu("CPU backend: no WebGPU adapter"),
    };
    (device, backend, None)
}

impl Training {
    pub fn new(settings: TrainSettings) -> Self {
        Self {
            settings: RwSignal::new(settings),
            state: RwSignal::new(TrainState::Idle),
            progress: RwSignal::new(Progress {
                epoch: 0,
                epochs: 0,
                percent: 0.0,
            }),
            history: RwSignal::new(Vec::new()),
            board: RwSignal::new(Vec::new()),
            backend: RwSignal::new(None),
            message: RwSignal::new(None),
            stage: RwSignal::new(String::new()),
            thread: RwSignal::new(None),
            trained: RwSignal::new(None),
            runs_kept: RwSignal::new(0),
            live_map: RwSignal::new(None),
            trace: RwSignal::new(Vec::new()),
            controls: StoredValue::new_local(Rc::new(TrainControls::default())),
            worker: StoredValue::new_local(None),
        }
    }

    /// Starts a run on `dataset` (one epoch then pause when `one_epoch`).
    pub fn start(
        self,
        dataset: Arc<Dataset>,
        status: BackendStatus,
        gpu: Option<Device>,
        one_epoch: bool,
    ) {
        if self.state.get_untracked().is_running() {
            return;
        }
        let settings = self.settings.get_untracked();
        let controls = Rc::new(TrainControls::default());
        controls.pause_after_epoch.set(one_epoch);
        controls.gpu_fault.set(settings.gpu_fault);
        self.controls.set_value(controls.clone());
        let (device, backend, warning) = choose_device(settings.backend, &status, gpu);
        self.message.set(warning);
        self.history.set(Vec::new());
        self.board.set(Vec::new());
        self.trace.set(Vec::new());
        self.progress.set(Progress {
            epoch: 0,
            epochs: settings.epochs,
            percent: 0.0,
        });
        self.state.set(TrainState::Training);
        spawn_local(async move {
            let config = settings.mf_config();
            let split = make_split(&dataset.ratings, settings.split, config.seed);
            let held = default_training_split(&split, config.seed);
            let sizes = (dataset.n_users(), dataset.n_items());
            next_macrotask().await;
            let trace_test = if settings.trace_test {
                split.test.clone()
            } else {
                Vec::new()
            };
            let mut run = Run {
                device,
                backend,
                controls,
                trace_test,
            };
            // Early stopping on the holdout, then a refit on every training rating for the best
            // epoch count: the refit is what reaches the tuned RMSE (core/TUNING.md).
            let Some((summary, weights)) = self
                .run_phase(&mut run, config.clone(), &held, sizes, true)
                .await
            else {
                return;
            };
            let weights = if summary.reason == StopReason::Stopped || held.validation.is_empty() {
                weights
            } else {
                let refit = refit_config(&config, &summary);
                self.stage.set(format!(
                    "Refitting on all {} training ratings for {} epochs (the best on the holdout)",
                    thousands(split.train.len()),
                    refit.epochs
                ));
                match self
                    .run_phase(&mut run, refit, &refit_split(&held), sizes, false)
                    .await
                {
                    Some((_, refit_weights)) => refit_weights,
                    None => return,
                }
            };
            self.finish(&settings, &split, sizes, weights, &run.backend)
                .await;
        });
    }

    /// Trains one phase to the end. A GPU failure moves the phase to the CPU backend, which carries
    /// on from the last epoch the GPU finished (or starts again when there was none); `None` when
    /// the run ended without weights (an error, or nothing to train).
    async fn run_phase(
        self,
        run: &mut Run,
        config: MfConfig,
        split: &Split,
        sizes: (usize, usize),
        record: bool,
    ) -> Option<(TrainSummary, MfWeights)> {
        // The latest checkpoint the GPU sent, and where the next attempt starts from.
        let checkpoint: RefCell<Option<Checkpoint>> = RefCell::new(None);
        let mut resume: Option<Checkpoint> = None;
        loop {
            self.backend.set(Some(run.backend.clone()));
            let mut outcome = None;
            let fell_back = Cell::new(false);
            let epochs = config.epochs;
            let mut handle = |update| match update {
                TrainUpdate::Batch(b) => {
                    let done = (b.epoch - 1) as f64 + b.batch as f64 / b.batches as f64;
                    let percent = (100.0 * done / epochs as f64).floor();
                    if percent != self.progress.get_untracked().percent {
                        self.progress.set(Progress {
                            epoch: b.epoch - 1,
                            epochs,
                            percent,
                        });
                    }
                }
                TrainUpdate::Epoch(report) => {
                    let percent = 100.0 * report.epoch as f64 / epochs as f64;
                    self.progress.set(Progress {
                        epoch: report.epoch,
                        epochs,
                        percent,
                    });
                    if record {
                        self.history.update(|h| h.push(report));
                    }
                }
                TrainUpdate::Paused(paused) => self.state.set(if paused {
                    TrainState::Paused
                } else {
                    TrainState::Training
                }),
                TrainUpdate::Finished(summary, weights) => {
                    if summary.reason == StopReason::Stopped {
                        self.stage
                            .set("Stopped: scoring the best model so far".to_string());
                    }
                    outcome = Some(Ok((summary, weights)))
                }
                TrainUpdate::Checkpoint(c) => *checkpoint.borrow_mut() = Some(*c),
                TrainUpdate::TestTrace {
                    epoch,
                    rmse,
                    eval_ms,
                } => self.trace.update(|t| {
                    t.push(TraceEntry {
                        refit: !record,
                        epoch,
                        rmse,
                        eval_ms,
                        at_ms: now_ms(),
                    })
                }),
                TrainUpdate::Failed(error) => outcome = Some(Err(error)),
                TrainUpdate::FellBack { error, resumed_at } => {
                    let reason = "CPU backend, after a WebGPU failure".to_string();
                    self.message
                        .set(Some(fell_back_message(&error, resumed_at)));
                    self.backend.set(Some(RunBackend {
                        gpu: false,
                        reason: reason.clone(),
                    }));
                    fell_back.set(true);
                    checkpoint.borrow_mut().take();
                    if record {
                        // Epochs after the checkpoint are trained again.
                        self.history.update(|h| h.truncate(resumed_at));
                    }
                }
                TrainUpdate::FilmMap { points, explained } => {
                    self.live_map.set(Some(Arc::new((points, explained))))
                }
                // Projections and the zoo are other workers' business.
                TrainUpdate::WorkerReady
                | TrainUpdate::Projected(_)
                | TrainUpdate::ProjectionProgress { .. }
                | TrainUpdate::Classified(_)
                | TrainUpdate::ZooFinished { .. }
                | TrainUpdate::ZooStopped
                | TrainUpdate::ZooRefit => {}
            };
            // Off the main thread in a worker; on it, yielding between steps, if none starts.
            let pause_after_epoch = run.controls.pause_after_epoch.get();
            let resume_from = resume.take();
            let start = StartRun {
                config: config.clone(),
                split: TrainSplit {
                    train: RatingColumns::of(&split.train),
                    validation: RatingColumns::of(&split.validation),
                },
                sizes,
                gpu: run.backend.gpu,
                pause_after_epoch,
                gpu_fault: run.controls.gpu_fault.get(),
                resume: resume_from.clone(),
                trace_test: (!run.trace_test.is_empty())
                    .then(|| RatingColumns::of(&run.trace_test)),
            };
            run.controls.pause_after_epoch.set(false);
            self.thread.set(Some("in a Web Worker".into()));
            let worker = self.worker();
            let outcome_of_worker = match &worker {
                Ok(worker) => train_in_worker(worker, start, &run.controls, &mut handle).await,
                Err(NoWorker(why)) => Err(NoWorker(why.clone())),
            };
            match outcome_of_worker {
                Ok(()) => {}
                Err(NoWorker(why)) => {
                    self.thread
                        .set(Some(format!("on the main thread (no worker: {why})")));
                    run.controls.pause_after_epoch.set(pause_after_epoch);
                    let phase = Phase {
                        config: config.clone(),
                        split,
                        sizes,
                        resume: resume_from,
                        trace_test: &run.trace_test,
                    };
                    train(phase, &run.device, run.backend.gpu, &run.controls, handle).await;
                }
            }
            if fell_back.get() {
                // The next phases start on the CPU too.
                run.device = Device::flex();
                run.backend = RunBackend {
                    gpu: false,
                    reason: "CPU backend, after a WebGPU failure".into(),
                };
                run.controls.gpu_fault.set(None);
            }
            match outcome {
                Some(Ok(result)) => return Some(result),
                Some(Err(error)) if run.backend.gpu => {
                    // A GPU failure never leaves a dead page: the CPU carries on from the last
                    // checkpoint the GPU sent (the worker that died took nothing else with it).
                    resume = checkpoint.borrow_mut().take();
                    let resumed_at = resume.as_ref().map_or(0, |c| c.epoch);
                    self.message
                        .set(Some(fell_back_message(&error, resumed_at)));
                    run.device = Device::flex();
                    run.backend = RunBackend {
                        gpu: false,
                        reason: "CPU backend, after a WebGPU failure".into(),
                    };
                    run.controls.gpu_fault.set(None);
                    if record {
                        self.history.update(|h| h.truncate(resumed_at));
                    }
                }
                Some(Err(error)) => {
                    self.message.set(Some(format!("Training failed: {error}")));
                    self.state.set(TrainState::Error);
                    return None;
                }
                None => {
                    self.state.set(TrainState::Idle);
                    return None;
                }
            }
        }
    }

    /// Scores the trained model and the baselines on the test set, a row at a time, then keeps
    /// the model in IndexedDB.
    async fn finish(
        self,
        settings: &TrainSettings,
        split: &Split,
        (n_users, n_items): (usize, usize),
        weights: MfWeights,
        backend: &RunBackend,
    ) {
        let index = RatingIndex::new(&split.train, n_users, n_items);
        let mut rows = vec![model_row(MODEL_LABEL, &weights, &index, &split.test)];
        for baseline in Baseline::ALL {
            next_macrotask().await;
            rows.push(baseline_row(baseline, &split.train, &index, &split.test));
        }
        let label = if backend.gpu { "WebGPU" } else { "CPU" };
        let saved = SavedModel::new(settings, label, weights, self.history.get_untracked(), rows);
        self.board.set(saved.board.clone());
        self.trained
            .set(Some((Arc::new(saved.weights.clone()), settings.clone())));
        self.runs_kept.update(|n| *n += 1);
        self.stage.set(String::new());
        self.state.set(TrainState::Done);
        if let Err(error) = storage::put(MODEL_KEY, &saved.to_json()).await {
            self.message.set(Some(format!(
                "The model works but could not be kept in this browser: {error}."
            )));
        }
    }

    /// Brings back the model kept on an earlier visit, if there is one that fits `dataset`. The
    /// page's settings follow the model unless the URL set them.
    pub fn restore(self, dataset: Arc<Dataset>, keep_url_settings: bool) {
        spawn_local(async move {
            let json = match storage::get(MODEL_KEY).await {
                Ok(Some(json)) => json,
                Ok(None) => return,
                Err(error) => {
                    self.message
                        .set(Some(format!("Could not read the kept model: {error}.")));
                    return;
                }
            };
            if self.state.get_untracked() != TrainState::Idle {
                return; // a run started meanwhile wins
            }
            match SavedModel::from_json(&json, dataset.n_users(), dataset.n_items()) {
                Ok(saved) => {
                    let settings = saved.settings();
                    if !keep_url_settings {
                        self.settings.set(settings.clone());
                    }
                    self.history.set(saved.history);
                    self.board.set(saved.board);
                    self.backend.set(Some(RunBackend {
                        gpu: saved.backend == "WebGPU",
                        reason: format!(
                            "kept from an earlier visit (trained on {})",
                            saved.backend
                        ),
                    }));
                    self.progress.set(Progress {
                        epoch: self.history.get_untracked().len(),
                        epochs: settings.epochs,
                        percent: 100.0,
                    });
                    self.trained.set(Some((Arc::new(saved.weights), settings)));
                    self.state.set(TrainState::Done);
                }
                Err(problem) => {
                    let _ = storage::delete(MODEL_KEY).await;
                    self.message.set(Some(format!(
                        "The kept model was not used: {problem}. Train a new one."
                    )));
                }
            }
        });
    }

    /// Drops the kept model, here and in IndexedDB.
    pub fn forget(self) {
        if self.state.get_untracked().is_running() {
            return;
        }
        self.trained.set(None);
        self.board.set(Vec::new());
        self.history.set(Vec::new());
        self.backend.set(None);
        self.progress.set(Progress {
            epoch: 0,
            epochs: 0,
            percent: 0.0,
        });
        self.state.set(TrainState::Idle);
        spawn_local(async move {
            if let Err(error) = storage::delete(MODEL_KEY).await {
                self.message
                    .set(Some(format!("Could not forget the kept model: {error}.")));
            }
        });
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

    /// The training worker, started now if there is none (or the last one failed).
    fn worker(self) -> Result<Rc<TrainingWorker>, NoWorker> {
        if let Some(worker) = self.worker.get_value().filter(|w| !w.is_broken()) {
            return Ok(worker);
        }
        let worker = Rc::new(TrainingWorker::start()?);
        self.worker.set_value(Some(worker.clone()));
        Ok(worker)
    }

    /// Starts the training worker early, so its code compiles while the data loads.
    pub fn warm_up(self) {
        let _ = self.worker();
    }

    pub fn toggle_pause(self) {
        let controls = self.controls.get_value();
        if self.state.get_untracked().is_running() {
            controls.apply(Command::Pause(!controls.paused.get()));
        }
    }

    pub fn stop(self) {
        self.controls.get_value().apply(Command::Stop);
    }

    /// While paused: run one more epoch, then pause again.
    pub fn step_epoch(self) {
        self.controls.get_value().apply(Command::StepEpoch);
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
                    self.controls.get_value().apply(Command::LearningRate(rate));
                }
            }
        }
    }
}
