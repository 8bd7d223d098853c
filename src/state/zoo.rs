//! The comparison board as signals (`Zoo`): which models and split are picked, the run that fits
//! them one after another in a worker of its own (progress per model, Stop), the rows, and each
//! row's model as it would serve recommendations and the map ([`Serving`] says which does). The fitting and scoring are `filmspace_core::zoo`'s.

use std::rc::Rc;
use std::sync::Arc;

use filmspace_core::bundle::ModelBundle;
use filmspace_core::data::Dataset;
use filmspace_core::recommend::{Served, ServingModel};
use filmspace_core::settings::TrainSettings;
use filmspace_core::split::SplitKind;
use filmspace_core::train::EpochReport;
use filmspace_core::zoo::{ZooModel, ZooOptions, ZooRow, board_csv, cannot_fit};
use leptos::prelude::*;
use leptos::task::spawn_local;

use filmspace_core::protocol::{Control, FitReply, FitRequest, FitResult};
use filmspace_core::saved::KeptModel;
use filmspace_core::split::Split;
use filmspace_core::train::Stage;

use crate::state::device::choose_device;
use crate::state::serving::{Origin, Serving};
use crate::web::backend::BackendStatus;
use crate::web::download::download_text;
use crate::worker::client::{Remote, WorkerSlot};
use crate::worker::run::{self, Placement};

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

    pub fn is_running(self) -> bool {
        self == ZooState::Running
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
    /// The splits the board offers for the data set shown.
    pub splits: RwSignal<Vec<SplitKind>>,
    pub options: RwSignal<ZooOptions>,
    pub state: RwSignal<ZooState>,
    pub progress: RwSignal<Vec<(ZooModel, ModelProgress)>>,
    /// The current model's holdout epochs, as they come.
    pub live: RwSignal<Vec<EpochReport>>,
    pub rows: RwSignal<Vec<ZooRow>>,
    /// Every row's model as it would serve recommendations and the map.
    servable: StoredValue<Vec<(ZooRow, Arc<ServingModel>)>, LocalStorage>,
    /// Which model serves the page.
    pub serving: Serving,
    pub message: RwSignal<Option<String>>,
    /// What the last bundle opened is and where it was trained.
    pub bundle_note: RwSignal<Option<String>>,
    remote: StoredValue<Rc<Remote>, LocalStorage>,
    /// The zoo's own worker (so the board never waits for the training panel's runs).
    worker: WorkerSlot,
}

impl Zoo {
    pub fn new(serving: Serving) -> Self {
        Self {
            picked: RwSignal::new(FIRST_PICK.to_vec()),
            split: RwSignal::new(SplitKind::Fold(1)),
            splits: RwSignal::new(vec![SplitKind::Fold(1), SplitKind::Random701515]),
            options: RwSignal::new(ZooOptions::default()),
            state: RwSignal::new(ZooState::Idle),
            progress: RwSignal::new(Vec::new()),
            live: RwSignal::new(Vec::new()),
            rows: RwSignal::new(Vec::new()),
            servable: StoredValue::new_local(Vec::new()),
            serving,
            message: RwSignal::new(None),
            bundle_note: RwSignal::new(None),
            remote: StoredValue::new_local(Rc::new(Remote::default())),
            worker: WorkerSlot::new(),
        }
    }

    pub fn is_running(self) -> bool {
        self.state.get_untracked().is_running()
    }

    /// Another data set is in use: the board and its models go.
    pub fn clear(self) {
        self.rows.set(Vec::new());
        self.servable.set_value(Vec::new());
        self.progress.set(Vec::new());
        self.live.set(Vec::new());
        self.message.set(None);
        self.bundle_note.set(None);
        self.state.set(ZooState::Idle);
    }

    /// The splits the board offers for `dataset`: u1 and the PyTorch course's 70/15/15 for
    /// ML-100K, seeded 80/20 and 70/15/15 for any other.
    pub fn offer_splits_of(self, dataset: &Dataset) {
        let first = SplitKind::default_for(dataset);
        let splits = vec![first, SplitKind::Random701515];
        if !splits.contains(&self.split.get_untracked()) {
            self.split.set(first);
        }
        self.splits.set(splits);
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
            .with_value(|f| f.iter().any(|(row, _)| row.model == model))
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
    pub fn run(self, dataset: Arc<Dataset>, page: &TrainSettings, status: BackendStatus) {
        if self.state.get_untracked() == ZooState::Running {
            return;
        }
        let models = self.picked.get_untracked();
        if models.is_empty() {
            self.message.set(Some("Pick at least one model.".into()));
            return;
        }
        if let Some(why) = cannot_fit(models[0], &dataset).filter(|_| dataset.is_catalogue_only()) {
            self.message.set(Some(format!("Not run: {why}.")));
            return;
        }
        let remote = Rc::new(Remote::default());
        self.remote.set_value(remote.clone());
        self.message.set(None);
        // Rows opened from bundles stay: the run only replaces what it fits.
        self.rows
            .update(|rows| rows.retain(|r| !r.model.fitted_here()));
        self.servable
            .update_value(|rows| rows.retain(|(r, _)| !r.model.fitted_here()));
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
        let fault = page.gpu_fault;
        let (backend, warning) = choose_device(page.backend, &status);
        self.message.set(warning);
        spawn_local(async move {
            let split = dataset.split(kind, seed);
            let mut failed = false;
            for model in models {
                if remote.controls.stop.get() {
                    break;
                }
                if let Some(why) = cannot_fit(model, &dataset) {
                    failed = true;
                    self.progress_of(model, ModelProgress::Failed(why));
                    continue;
                }
                let mut request = request(&dataset, &split, model, options, seed);
                (request.gpu, request.fault) = (backend.gpu && model.trainable(), fault);
                match self.fit(request, &remote).await {
                    Ok(true) => self.progress_of(model, ModelProgress::Done),
                    Ok(false) => break,
                    Err(error) => {
                        failed = true;
                        self.progress_of(model, ModelProgress::Failed(error));
                    }
                }
            }
            self.live.set(Vec::new());
            let empty = self.rows.with_untracked(Vec::is_empty);
            self.state.set(match (failed, empty) {
                (true, true) => ZooState::Error,
                (false, true) => ZooState::Idle,
                _ => ZooState::Done,
            });
        });
    }

    /// One model in the zoo's worker; `Ok(false)` when the run was stopped.
    async fn fit(self, request: FitRequest, remote: &Remote) -> Result<bool, String> {
        let model = request.model;
        self.live.set(Vec::new());
        let mut outcome = None;
        let mut on_reply = |reply| match reply {
            FitReply::Batch(stage, b) => {
                let phase = if stage == Stage::Holdout {
                    "holdout"
                } else {
                    "refit"
                };
                let progress = format!("{phase} run, epoch {}", b.epoch);
                self.progress_of(model, ModelProgress::Training(progress));
            }
            FitReply::Epoch(Stage::Holdout, report) => self.live.update(|l| l.push(report)),
            FitReply::FellBack { error, resumed_at } => {
                let label = model.label();
                let then = match resumed_at {
                    0 => "it trains again on the CPU backend".to_string(),
                    epoch => format!("it carries on on the CPU backend from epoch {epoch}"),
                };
                self.message.set(Some(format!(
                    "WebGPU failed for {label} ({error}); {then}."
                )));
            }
            FitReply::Finished(result) => {
                let FitResult { row, serving, .. } = *result;
                let servable = (row.clone(), Arc::new(serving));
                self.servable.update_value(|all| all.push(servable));
                self.rows.update(|rows| rows.push(row));
                outcome = Some(Ok(true));
            }
            FitReply::Stopped => outcome = Some(Ok(false)),
            FitReply::Failed(error) => outcome = Some(Err(error)),
            _ => {}
        };
        let mut on_placement = |_: Placement| {};
        run::fit(
            self.worker,
            request,
            remote,
            &mut on_placement,
            &mut on_reply,
        )
        .await;
        outcome.unwrap_or_else(|| Err("the worker ended without an answer".into()))
    }

    pub fn stop(self) {
        self.remote.get_value().send(Control::Stop);
    }

    /// Opens a model bundle (`name`, its bytes) on `dataset`: its row joins the board with the
    /// metrics its trainer measured, and it serves at once. Why not, in the zoo's message.
    /// Opens a bundle on `dataset`: its row joins the board and it serves; on a film list
    /// without ratings, the counts of ratings it brings are kept with it.
    pub fn open_bundle(self, dataset: &Dataset, name: &str, bytes: Result<Vec<u8>, String>) {
        let opened = bytes.and_then(|bytes| {
            let bundle = ModelBundle::from_bytes(&bytes).map_err(|e| e.0)?;
            let model = bundle.zoo_model().map_err(|e| e.0)?;
            let (weights, found) = bundle.weights_for(dataset).map_err(|e| e.0)?;
            Ok((bundle, model, weights, found))
        });
        let (bundle, model, weights, found) = match opened {
            Ok(opened) => opened,
            Err(why) => {
                self.bundle_note.set(None);
                self.message
                    .set(Some(format!("{name} was not opened: {why}.")));
                return;
            }
        };
        let row = bundle.board_row(model);
        let serving = Arc::new(ServingModel::new(Served::Linear(weights)));
        self.rows.update(|rows| {
            rows.retain(|r| r.model != model);
            rows.push(row.clone());
        });
        self.servable.update_value(|rows| {
            rows.retain(|(r, _)| r.model != model);
            rows.push((row, serving));
        });
        let data = &bundle.info.dataset;
        let matched = if found.same_ratings {
            "the very ratings loaded here".to_string()
        } else if dataset.is_catalogue_only() {
            format!(
                "opened on the film list loaded here: {} of its {} films are in it",
                found.items_found, found.items_in_bundle
            )
        } else {
            format!(
                "other ratings of these films: {} of its {} films are here",
                found.items_found, found.items_in_bundle
            )
        };
        self.message.set(None);
        self.bundle_note.set(Some(format!(
            "{name}: {} (rank {}) trained on {} ({} ratings, split {}), {matched}. It serves now.",
            bundle.info.label, bundle.rank, data.name, data.ratings, bundle.info.split
        )));
        let counts = bundle
            .counts_for(dataset)
            .filter(|_| dataset.is_catalogue_only());
        self.serve_on(model, &bundle.info.split, counts);
    }

    /// Makes `model`'s row the one that serves recommendations and the map (and is kept).
    pub fn serve(self, model: ZooModel) {
        self.serve_on(model, &self.split.get_untracked().name(), None);
    }

    fn serve_on(self, model: ZooModel, split: &str, item_counts: Option<Vec<u32>>) {
        let Some((row, serving)) = self
            .servable
            .with_value(|f| f.iter().find(|(row, _)| row.model == model).cloned())
        else {
            return;
        };
        let serving = ServingModel::clone(&serving);
        let kept = KeptModel {
            item_counts,
            ..KeptModel::chosen(model, split, &row.backend, row.history, serving)
        };
        self.serving.keep(&kept);
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

/// The fit of `model` with its tuned settings on `split`, as the worker gets it.
fn request(
    dataset: &Dataset,
    split: &Split,
    model: ZooModel,
    options: ZooOptions,
    seed: u64,
) -> FitRequest {
    FitRequest {
        options,
        ..FitRequest::new(model, dataset, split, seed)
    }
}
