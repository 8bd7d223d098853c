//! The comparison board as signals (`Zoo`): which models and split are picked, the run that fits
//! them one after another in a worker of its own (progress per model, Stop), the rows, and each
//! row's model as it would serve recommendations and the map ([`Serving`] says which does). The fitting and scoring are `filmspace_core::zoo`'s.

use std::rc::Rc;
use std::sync::Arc;

use burn::tensor::Device;
use filmspace_core::data::Dataset;
use filmspace_core::models::SideFeatures;
use filmspace_core::recommend::ServingModel;
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::{SplitKind, make_split};
use filmspace_core::train::EpochReport;
use filmspace_core::zoo::{ZooModel, ZooOptions, ZooRow, board_csv};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::serving::{Origin, Serving};
use crate::state::training::choose_device;
use crate::web::backend::BackendStatus;
use crate::web::download::download_text;
use crate::worker::training::{
    Command, RatingColumns, TrainControls, TrainUpdate, TrainingWorker, ZooStart, run_in_worker,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZooState {
    Idle,
    Running,
    Done,
    Error,
}

impl ZooState {
    pub fn name(self) -> &'static str {
        match self {
            ZooState::Idle => "idle",
            ZooState::Running => "running",
            ZooState::Done => "done",
            ZooState::Error => "error",
        }
    }
}

/// Where one picked model stands in a run.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelProgress {
    Waiting,
    /// Epoch, out of at most, and the phase ("holdout" or "refit").
    Training(String),
    Done,
    Failed(String),
}

/// The models a visitor is offered first: quick ones that still show the range.
const FIRST_PICK: [ZooModel; 4] = [
    ZooModel::Bias,
    ZooModel::Popularity,
    ZooModel::Mf,
    ZooModel::Ease,
];

#[derive(Clone, Copy)]
pub struct Zoo {
    pub picked: RwSignal<Vec<ZooModel>>,
    pub split: RwSignal<SplitKind>,
    pub options: RwSignal<ZooOptions>,
    pub state: RwSignal<ZooState>,
    pub progress: RwSignal<Vec<(ZooModel, ModelProgress)>>,
    /// The current model's holdout epochs, as they come.
    pub live: RwSignal<Vec<EpochReport>>,
    pub rows: RwSignal<Vec<ZooRow>>,
    /// Every row's model as it would serve recommendations and the map.
    servable: StoredValue<Vec<(ZooModel, Arc<ServingModel>)>, LocalStorage>,
    /// Which model serves the page.
    pub serving: Serving,
    pub message: RwSignal<Option<String>>,
    controls: StoredValue<Rc<TrainControls>, LocalStorage>,
    worker: StoredValue<Option<Rc<TrainingWorker>>, LocalStorage>,
}

impl Zoo {
    pub fn new(serving: Serving) -> Self {
        Self {
            picked: RwSignal::new(FIRST_PICK.to_vec()),
            split: RwSignal::new(SplitKind::Fold(1)),
            options: RwSignal::new(ZooOptions::default()),
            state: RwSignal::new(ZooState::Idle),
            progress: RwSignal::new(Vec::new()),
            live: RwSignal::new(Vec::new()),
            rows: RwSignal::new(Vec::new()),
            servable: StoredValue::new_local(Vec::new()),
            serving,
            message: RwSignal::new(None),
            controls: StoredValue::new_local(Rc::new(TrainControls::default())),
            worker: StoredValue::new_local(None),
        }
    }

    pub fn toggle(self, model: ZooModel) {
        self.picked.update(|picked| {
            if let Some(at) = picked.iter().position(|&m| m == model) {
                picked.remove(at);
            } else {
                picked.push(model);
                picked.sort_by_key(|m| ZooModel::ALL.iter().position(|x| x == m));
            }
        });
    }

    /// Whether a row's model can serve (its run on this page finished).
    pub fn can_serve(self, model: ZooModel) -> bool {
        self.servable
            .with_value(|f| f.iter().any(|(m, _)| *m == model))
    }

    /// The zoo model serving the page, if one does.
    pub fn serving_model(self) -> Option<ZooModel> {
        self.serving.now.with(|now| match now.as_ref()?.origin {
            Origin::Zoo(model) => Some(model),
            Origin::Training => None,
        })
    }

    fn progress_of(self, model: ZooModel, progress: ModelProgress) {
        self.progress.update(|list| {
            if let Some(entry) = list.iter_mut().find(|(m, _)| *m == model) {
                entry.1 = progress;
            }
        });
    }

    /// Fits and scores the picked models, one after another, on the picked split, on the backend
    /// the page's settings ask for (`page`; the models keep their own tuned settings and seed).
    pub fn run(
        self,
        dataset: Arc<Dataset>,
        page: &TrainSettings,
        status: BackendStatus,
        gpu: Option<Device>,
    ) {
        if self.state.get_untracked() == ZooState::Running {
            return;
        }
        let models = self.picked.get_untracked();
        if models.is_empty() {
            self.message.set(Some("Pick at least one model.".into()));
            return;
        }
        let controls = Rc::new(TrainControls::default());
        self.controls.set_value(controls.clone());
        self.message.set(None);
        self.rows.set(Vec::new());
        self.servable.set_value(Vec::new());
        self.progress.set(
            models
                .iter()
                .map(|&m| (m, ModelProgress::Waiting))
                .collect(),
        );
        self.state.set(ZooState::Running);
        let kind = self.split.get_untracked();
        let options = self.options.get_untracked();
        let seed = TrainSettings::default().mf_config().seed;
        let gpu_fault = page.gpu_fault;
        let (_, backend, warning) = choose_device(page.backend, &status, gpu);
        self.message.set(warning);
        spawn_local(async move {
            let split = make_split(&dataset.ratings, kind, seed);
            let features = SideFeatures::of(&dataset, &split.train);
            let sizes = (dataset.n_users(), dataset.n_items());
            let columns = |r: &[_]| RatingColumns::of(r);
            let (train, validation, test) = (
                columns(&split.train),
                columns(&split.validation),
                columns(&split.test),
            );
            let mut failed = false;
            for model in models {
                if controls.stop.get() {
                    break;
                }
                let start = ZooStart {
                    model,
                    options,
                    train: train.clone(),
                    validation: validation.clone(),
                    test: test.clone(),
                    features: features.clone(),
                    sizes,
                    gpu: backend.gpu && model.trainable(),
                    seed,
                    gpu_fault,
                };
                match self.fit(start, &controls).await {
                    Ok(true) => self.progress_of(model, ModelProgress::Done),
                    Ok(false) => break,
                    Err(error) => {
                        failed = true;
                        self.progress_of(model, ModelProgress::Failed(error));
                    }
                }
            }
            self.live.set(Vec::new());
            self.state
                .set(if failed && self.rows.with_untracked(Vec::is_empty) {
                    ZooState::Error
                } else if self.rows.with_untracked(Vec::is_empty) {
                    ZooState::Idle
                } else {
                    ZooState::Done
                });
        });
    }

    /// One model in the zoo's worker; `Ok(false)` when the run was stopped.
    async fn fit(self, start: ZooStart, controls: &TrainControls) -> Result<bool, String> {
        let model = start.model;
        let worker = self.worker()?;
        self.live.set(Vec::new());
        let mut phase = "holdout";
        let mut outcome = None;
        let mut handle = |update| match update {
            TrainUpdate::Batch(b) => {
                self.progress_of(
                    model,
                    ModelProgress::Training(format!("{phase} run, epoch {}", b.epoch)),
                );
            }
            TrainUpdate::Epoch(report) if phase == "holdout" => {
                self.live.update(|l| l.push(report))
            }
            TrainUpdate::ZooRefit => phase = "refit",
            TrainUpdate::FellBack { error, .. } => self.message.set(Some(format!(
                "WebGPU failed for {} ({error}); it trains again on the CPU backend.",
                model.label()
            ))),
            TrainUpdate::ZooFinished { row, serving } => {
                let serving = Arc::new(*serving);
                self.servable.update_value(|all| all.push((model, serving)));
                self.rows.update(|rows| rows.push(*row));
                outcome = Some(Ok(true));
            }
            TrainUpdate::ZooStopped => outcome = Some(Ok(false)),
            TrainUpdate::Failed(error) => outcome = Some(Err(error)),
            _ => {}
        };
        run_in_worker(
            &worker,
            Command::Zoo(Box::new(start)),
            controls,
            &mut handle,
        )
        .await
        .map_err(|e| e.0)?;
        outcome.unwrap_or_else(|| Err("the worker ended without an answer".into()))
    }

    /// The zoo's own worker (so the board never waits for the training panel's runs).
    fn worker(self) -> Result<Rc<TrainingWorker>, String> {
        if let Some(worker) = self.worker.get_value().filter(|w| !w.is_broken()) {
            return Ok(worker);
        }
        let worker = Rc::new(TrainingWorker::start().map_err(|e| e.0)?);
        self.worker.set_value(Some(worker.clone()));
        Ok(worker)
    }

    pub fn stop(self) {
        self.controls.get_value().apply(Command::Stop);
    }

    /// Makes `model`'s row the one that serves recommendations and the map.
    pub fn serve(self, model: ZooModel) {
        let Some(serving) = self
            .servable
            .with_value(|f| f.iter().find(|(m, _)| *m == model).map(|(_, s)| s.clone()))
        else {
            return;
        };
        let split = self.split.get_untracked();
        self.serving
            .serve_zoo(model, &split.name(), ServingModel::clone(&serving));
    }

    /// Downloads the board as CSV.
    pub fn export(self) {
        let csv = self.rows.with_untracked(|rows| board_csv(rows));
        let name = format!("filmspace-{}-zoo.csv", self.split.get_untracked().name());
        if let Err(error) = download_text(&name, "text/csv", &csv) {
            self.message.set(Some(error));
        }
    }
}
