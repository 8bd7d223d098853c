//! The training panel's store: one run at a time as signals. A run is the zoo's fit of biased MF
//! with the panel's settings and live controls (`worker::run::fit`, the same driver as the
//! board's); its replies move the signals, and the model it ends with is kept and serves.

mod export;
mod pinned;
mod run;

pub use pinned::PinnedRun;

use std::rc::Rc;
use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::metrics::UserTopK;
use filmspace_core::models::MfWeights;
use filmspace_core::protocol::Control;
use filmspace_core::report::BoardRow;
use filmspace_core::saved::KeptModel;
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::SplitKind;
use filmspace_core::train::EpochReport;
use leptos::prelude::*;

use super::device::RunBackend;
use super::serving::{Origin, Serving};
use crate::worker::client::{Remote, WorkerSlot};

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

/// How long the page is left to itself after its data is ready before the worker warms up.
const WARM_UP_AFTER_MS: u32 = 1_000;

/// What can be downloaded from a trained model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `user<TAB>item<TAB>prediction` for every test pair.
    Predictions,
    /// `user<TAB>i1<TAB>…<TAB>i10` for every evaluated user.
    TopK,
    /// The model itself, as a bundle (safetensors).
    Model,
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
    /// A run kept for comparison: its curves are drawn under the current run's.
    pub pinned: RwSignal<Option<PinnedRun>>,
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
    /// The kept model's top-10 lists, as its run's evaluation made them (none for a model
    /// restored from IndexedDB: its export ranks the test users on the page, in slices).
    top_k: StoredValue<Option<Arc<Vec<UserTopK>>>>,
    /// Share of the test users ranked for a top-10 export in progress.
    pub exporting: RwSignal<Option<f64>>,
    /// The films' PCA map after the latest epoch of the run in progress.
    pub live_map: RwSignal<Option<LiveMap>>,
    /// Benchmark tracing only (`?trace=1`): test RMSE per epoch of the run in progress.
    pub trace: RwSignal<Vec<TraceEntry>>,
    /// The splits the data set offers (the canonical ones for ML-100K only).
    pub splits: RwSignal<Vec<SplitKind>>,
    /// Which model serves: a model trained here is kept and serves.
    pub serving: Serving,
    remote: StoredValue<Rc<Remote>, LocalStorage>,
    worker: WorkerSlot,
    kept_split: StoredValue<Option<run::KeptSplit>>,
}

impl Training {
    pub fn new(settings: TrainSettings, serving: Serving) -> Self {
        Self {
            settings: RwSignal::new(settings),
            state: RwSignal::new(TrainState::Idle),
            progress: RwSignal::new(Progress::default()),
            history: RwSignal::new(Vec::new()),
            pinned: RwSignal::new(None),
            board: RwSignal::new(Vec::new()),
            backend: RwSignal::new(None),
            message: RwSignal::new(None),
            stage: RwSignal::new(String::new()),
            thread: RwSignal::new(None),
            trained: RwSignal::new(None),
            top_k: StoredValue::new(None),
            exporting: RwSignal::new(None),
            live_map: RwSignal::new(None),
            trace: RwSignal::new(Vec::new()),
            splits: RwSignal::new(SplitKind::ALL.to_vec()),
            serving,
            remote: StoredValue::new_local(Rc::new(Remote::default())),
            worker: WorkerSlot::new(),
            kept_split: StoredValue::new(None),
        }
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
        self.top_k.set_value(None);
        self.state.set(TrainState::Done);
    }

    /// Drops the panel's model; if it is the one serving, nothing serves or is kept any more.
    pub fn forget(self) {
        if self.state.get_untracked().is_running() {
            return;
        }
        self.trained.set(None);
        self.top_k.set_value(None);
        self.board.set(Vec::new());
        self.history.set(Vec::new());
        self.backend.set(None);
        self.progress.set(Progress::default());
        self.state.set(TrainState::Idle);
        if self
            .serving
            .now
            .with_untracked(|now| now.as_ref().is_some_and(|n| n.origin == Origin::Training))
        {
            self.serving.forget();
        }
    }

    /// The splits `dataset` offers; a split it lacks gives way to its default.
    pub fn offer_splits_of(self, dataset: &Dataset) {
        let available = SplitKind::available_for(dataset);
        if !available.contains(&self.settings.get_untracked().split) {
            let split = SplitKind::default_for(dataset);
            self.settings.update(|s| s.split = split);
        }
        self.splits.set(available);
    }

    /// Another data set is in use: the panel's model, curves and board go (what serves is the
    /// serving store's to change).
    pub fn clear(self) {
        self.trained.set(None);
        self.top_k.set_value(None);
        self.board.set(Vec::new());
        self.history.set(Vec::new());
        self.backend.set(None);
        self.progress.set(Progress::default());
        self.pinned.set(None);
        self.live_map.set(None);
        self.trace.set(Vec::new());
        self.message.set(None);
        self.state.set(TrainState::Idle);
    }

    /// Starts the training worker early, so its code compiles while the data loads.
    pub fn warm_up(self) {
        let _ = self.worker.get();
    }

    /// Loads the worker and, once the page has been idle a moment, makes the split the settings
    /// choose on `dataset` and has the worker run the training code once on generated data, so
    /// that the first Train starts at once and runs optimised code. Not when a run is about to
    /// start or has started: the two would share the CPU (as would the page's own start-up,
    /// hence the wait).
    pub fn warm_up_training(self, dataset: Arc<Dataset>) {
        let _ = self.worker.get();
        leptos::task::spawn_local(async move {
            crate::web::schedule::sleep_ms(WARM_UP_AFTER_MS).await;
            if self.state.get_untracked().is_running() {
                return;
            }
            self.split_of(&dataset, &self.settings.get_untracked());
            if let Ok(worker) = self.worker.get() {
                worker.warm_up_training();
            }
        });
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
