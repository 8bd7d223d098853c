//! Drives a core `Trainer`: in the training worker (so the page's main thread never runs a
//! training step), or on the main thread when no worker can start. One step at a time, yielding
//! between steps, obeying pause / stop / learning-rate commands, and reading the device
//! asynchronously when it is a GPU (synchronous reads panic on WebGPU in wasm).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use std::sync::Arc;

use filmspace_core::data::{Rating, RatingIndex};
use filmspace_core::metrics::rating_errors;
use filmspace_core::models::{MfConfig, MfWeights, RatingModel, SideFeatures};
use filmspace_core::recommend::ServingModel;

use filmspace_core::settings::{FaultKind, GpuFault};
use filmspace_core::split::Split;
/// The ratings a message carries, as columns (posting them stays a short main-thread task).
pub use filmspace_core::train::RatingColumns;
use filmspace_core::train::{
    BatchProgress, Checkpoint, EpochReport, Fit, Fitted, PipelineError, Recipe, StopReason,
    TrainEvent, TrainSummary, Trainer, WeightsOf, default_training_split, refit_config,
    refit_split,
};
use filmspace_core::zoo::{
    Fitter, Fitting, IntoTrained, Part, TrainableFit, ZooModel, ZooOptions, ZooRow,
    fit_closed_form, fit_trainable_with,
};
use futures::StreamExt;
use futures::channel::mpsc;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use filmspace_core::embedding::{GenreReport, Pca};

use crate::web::schedule::{next_macrotask, now_ms, sleep_ms};

/// Where the worker's loader lives, next to the page (Trunk names worker files without a hash).
const WORKER_URL: &str = "./train_worker_loader.js";

/// What the page hears from a run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TrainUpdate {
    Batch(BatchProgress),
    Epoch(EpochReport),
    Paused(bool),
    Finished(TrainSummary, MfWeights),
    /// The device failed (a lost GPU, a shader or memory error); nothing more follows.
    Failed(String),
    /// The GPU failed; training carries on on the CPU from the end of epoch `resumed_at`.
    FellBack {
        error: String,
        resumed_at: usize,
    },
    /// The run at the end of an epoch on a GPU, read back: the page keeps the latest, so that
    /// even a worker that dies (a panic or trap in the GPU runtime) loses no finished epoch.
    Checkpoint(Box<Checkpoint>),
    /// A zoo model fitted and scored: its board row, and the model as it would serve
    /// recommendations and the map.
    ZooFinished {
        row: Box<ZooRow>,
        serving: Box<ServingModel>,
    },
    /// The zoo run was stopped before this model was done.
    ZooStopped,
    /// The zoo model's holdout run is over; its refit on all training ratings starts.
    ZooRefit,
    /// Benchmark tracing only (`?trace=1`): the test RMSE of the model this phase would hand back
    /// after `epoch` (best on validation so far, or the current one), and how long scoring it
    /// took, so that a benchmark can leave that time out.
    TestTrace {
        epoch: usize,
        rmse: f64,
        eval_ms: f64,
    },
    /// The worker is listening (a message posted before this would be lost).
    WorkerReady,
    /// The films' PCA map after an epoch, so the page can show the points moving as they learn.
    FilmMap {
        points: Vec<[f32; 2]>,
        explained: [f64; 2],
    },
    /// A 2-D projection asked for with [`Command::Project`].
    Projected(Vec<[f32; 2]>),
    /// The genre classifier's report asked for with [`Command::Classify`].
    Classified(GenreReport),
    /// How far the projection is, with the map so far now and then.
    ProjectionProgress {
        epoch: usize,
        epochs: usize,
        points: Option<Vec<[f32; 2]>>,
    },
}

/// What the page tells the worker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Command {
    Start(Box<StartRun>),
    /// Fit and score one model of the zoo.
    Zoo(Box<ZooStart>),
    Pause(bool),
    Stop,
    StepEpoch,
    LearningRate(f64),
    /// t-SNE of these row vectors (`dim` per row) with the default settings.
    Project {
        vectors: Vec<f32>,
        dim: usize,
    },
    /// The genre classifier on these film vectors, with each film's primary genre.
    Classify {
        labels: Vec<Option<usize>>,
        vectors: Vec<f32>,
        dim: usize,
        seed: u64,
    },
}

/// Everything a worker needs to train one phase.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartRun {
    pub config: MfConfig,
    pub split: TrainSplit,
    pub sizes: (usize, usize),
    pub gpu: bool,
    pub pause_after_epoch: bool,
    /// See [`TrainControls::gpu_fault`].
    pub gpu_fault: Option<GpuFault>,
    /// Carry on from here instead of starting afresh (the CPU taking over from a GPU whose
    /// worker died).
    pub resume: Option<Checkpoint>,
    /// Benchmark tracing only: the test ratings to score after every epoch (`?trace=1`).
    pub trace_test: Option<RatingColumns>,
}

/// The ratings a phase trains and validates on (never the test set), as columns: a compact
/// message (timestamps are not used in training), so posting it stays a short main-thread task.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainSplit {
    pub train: RatingColumns,
    pub validation: RatingColumns,
}

/// Commands from the page, read between steps. With a worker attached they are also posted to it.
#[derive(Default)]
pub struct TrainControls {
    pub paused: Cell<bool>,
    pub stop: Cell<bool>,
    /// Pause again when the current epoch ends (the Step button).
    pub pause_after_epoch: Cell<bool>,
    pub learning_rate: Cell<Option<f64>>,
    /// Fault injection (`?gpu_fault=N`, `?gpu_crash=N`): the GPU fails after N epochs.
    pub gpu_fault: Cell<Option<GpuFault>>,
    worker: RefCell<Option<web_sys::Worker>>,
}

impl TrainControls {
    fn post(&self, command: Command) {
        if let Some(worker) = self.worker.borrow().as_ref() {
            let _ =
                worker.post_message(&serde_json::to_string(&command).unwrap_or_default().into());
        }
    }

    pub fn apply(&self, command: Command) {
        match &command {
            Command::Pause(paused) => self.paused.set(*paused),
            Command::Stop => self.stop.set(true),
            Command::StepEpoch => {
                self.pause_after_epoch.set(true);
                self.paused.set(false);
            }
            Command::LearningRate(rate) => self.learning_rate.set(Some(*rate)),
            Command::Start(_)
            | Command::Zoo(_)
            | Command::Project { .. }
            | Command::Classify { .. } => {}
        }
        self.post(command);
    }
}

/// Longest stretch of work between two yields: well under the 100 ms long-task threshold.
const SLICE_MS: f64 = 12.0;

/// What one phase trains: the settings, the ratings, where to start from.
pub struct Phase<'a> {
    pub config: MfConfig,
    pub split: &'a Split,
    pub sizes: (usize, usize),
    /// Carry on from this checkpoint instead of starting afresh.
    pub resume: Option<Checkpoint>,
    /// Benchmark tracing: test ratings to score after every epoch (empty: none).
    pub trace_test: &'a [Rating],
}

/// Whether this code runs in a dedicated worker (where an injected crash may kill the thread).
fn in_worker() -> bool {
    js_sys::global()
        .dyn_into::<web_sys::DedicatedWorkerGlobalScope>()
        .is_ok()
}

/// Trains to the end (or until stopped) in this thread, reporting every event to `on_update`.
/// On a GPU, a checkpoint is read after every epoch (and reported); if the device fails, training
/// carries on from it on the CPU (`TrainUpdate::FellBack`) instead of starting over.
pub async fn train(
    phase: Phase<'_>,
    device: &Device,
    mut gpu: bool,
    controls: &TrainControls,
    mut on_update: impl FnMut(TrainUpdate),
) {
    let Phase {
        config,
        split,
        sizes: (n_users, n_items),
        resume,
        trace_test,
    } = phase;
    let mut trainer = match resume {
        Some(c) => Trainer::resume(config.clone(), split, n_users, n_items, device, c),
        None => Trainer::new(config.clone(), split, n_users, n_items, device),
    };
    trainer.set_clock(now_ms);
    let mut checkpoint: Option<Checkpoint> = None;
    // Building the trainer copied the ratings into tensors: let the page breathe before step one.
    next_macrotask().await;
    let mut slice = Slice::start();
    loop {
        obey(&mut trainer, controls, &mut on_update).await;
        let event = match injected_fault(controls, gpu, trainer.history().len()) {
            Some(error) => Err(error),
            None => step(&mut trainer, gpu).await,
        };
        let event = match event {
            Ok(event) => event,
            Err(error) => {
                // Carry on on the CPU from the last epoch read back (or from the start).
                let resumed_at = checkpoint.as_ref().map_or(0, |c| c.epoch);
                let cpu = Device::flex();
                trainer = match checkpoint.take() {
                    Some(c) => Trainer::resume(config.clone(), split, n_users, n_items, &cpu, c),
                    None => Trainer::new(config.clone(), split, n_users, n_items, &cpu),
                };
                trainer.set_clock(now_ms);
                gpu = false;
                on_update(TrainUpdate::FellBack { error, resumed_at });
                continue;
            }
        };
        match event {
            None => break,
            Some(TrainEvent::Batch(progress)) => on_update(TrainUpdate::Batch(progress)),
            Some(TrainEvent::Epoch(report)) => {
                on_update(TrainUpdate::Epoch(report));
                // The model after this epoch, read back: a checkpoint on a GPU, and the films'
                // PCA map (a few milliseconds) for the page to show the points moving.
                let weights = if gpu {
                    checkpoint = trainer.checkpoint_async().await.ok().flatten();
                    if let Some(c) = &checkpoint {
                        on_update(TrainUpdate::Checkpoint(Box::new(c.clone())));
                    }
                    checkpoint
                        .as_ref()
                        .map(|c| c.best.as_ref().map_or(&c.current, |b| &b.2).clone())
                } else {
                    Some(trainer.weights())
                };
                if let Some(w) = weights {
                    if !trace_test.is_empty() {
                        let started = now_ms();
                        let errors = rating_errors(
                            trace_test
                                .iter()
                                .map(|r| (w.predict(r.user, r.item), r.value)),
                        );
                        on_update(TrainUpdate::TestTrace {
                            epoch: report.epoch,
                            rmse: errors.rmse,
                            eval_ms: now_ms() - started,
                        });
                    }
                    let pca = Pca::fit(&w.item_factors, w.dim);
                    on_update(TrainUpdate::FilmMap {
                        points: pca.project_all(&w.item_factors),
                        explained: pca.explained,
                    });
                }
                if controls.pause_after_epoch.take() {
                    controls.paused.set(true);
                }
            }
            Some(TrainEvent::Finished(summary)) => match kept_weights(&trainer, gpu).await {
                Ok(weights) => on_update(TrainUpdate::Finished(summary, weights)),
                Err(error) => return on_update(TrainUpdate::Failed(error.to_string())),
            },
        }
        slice.breathe().await;
    }
}

/// Applies the page's commands before a step: stop, a new learning rate, and a pause (waited out
/// here, and reported).
async fn obey<R: Recipe>(
    trainer: &mut Trainer<R>,
    controls: &TrainControls,
    on_update: &mut impl FnMut(TrainUpdate),
) {
    if let Some(rate) = controls.learning_rate.take() {
        trainer.set_learning_rate(rate);
    }
    if controls.paused.get() && !controls.stop.get() {
        on_update(TrainUpdate::Paused(true));
        while controls.paused.get() && !controls.stop.get() {
            sleep_ms(30).await;
        }
        on_update(TrainUpdate::Paused(false));
    }
    if controls.stop.get() {
        trainer.stop();
        controls.paused.set(false);
    }
}

/// One step of `trainer`, reading the device asynchronously on a GPU.
/// The injected GPU failure due after `epochs` epochs (`?gpu_fault=N`, `?gpu_crash=N`), as the
/// error a step would return; a crash panics the worker instead, as a crash in the GPU runtime
/// would.
fn injected_fault(controls: &TrainControls, gpu: bool, epochs: usize) -> Option<String> {
    let fault = controls
        .gpu_fault
        .get()
        .filter(|fault| gpu && epochs >= fault.after)?;
    if fault.kind == FaultKind::Crash && in_worker() {
        panic!(
            "the GPU runtime crashed (simulated after epoch {}, gpu_crash)",
            fault.after
        );
    }
    Some(format!(
        "the device was lost (simulated after epoch {epochs}, gpu_fault)"
    ))
}

async fn step<R: Recipe>(
    trainer: &mut Trainer<R>,
    gpu: bool,
) -> Result<Option<TrainEvent>, String> {
    if gpu {
        trainer.step_async().await.map_err(|e| format!("{e:?}"))
    } else {
        Ok(trainer.step())
    }
}

/// The weights `trainer` ends with, read asynchronously on a GPU.
async fn kept_weights<R: Recipe>(trainer: &Trainer<R>, gpu: bool) -> Result<WeightsOf<R>, String> {
    if gpu {
        trainer.weights_async().await.map_err(|e| format!("{e:?}"))
    } else {
        Ok(trainer.weights())
    }
}

/// The stretch of work since the last yield to the event loop.
struct Slice(f64);

impl Slice {
    fn start() -> Self {
        Slice(now_ms())
    }

    /// Yields a macrotask once the slice is longer than [`SLICE_MS`].
    async fn breathe(&mut self) {
        if now_ms() - self.0 > SLICE_MS {
            next_macrotask().await;
            self.0 = now_ms();
        }
    }
}

/// Trains `recipe` to the end on `split` (stepping as [`train`] does: commands between steps,
/// yields, asynchronous reads on a GPU), reporting batches and epochs; the kept weights, or why
/// the device failed.
async fn train_to_end<R: Recipe>(
    recipe: R,
    split: &Split,
    (n_users, n_items): (usize, usize),
    device: &Device,
    gpu: bool,
    controls: &TrainControls,
    on_update: &mut impl FnMut(TrainUpdate),
) -> Result<(TrainSummary, WeightsOf<R>, Vec<EpochReport>), String> {
    let mut trainer = Trainer::new(recipe, split, n_users, n_items, device);
    trainer.set_clock(now_ms);
    next_macrotask().await;
    let mut slice = Slice::start();
    loop {
        obey(&mut trainer, controls, on_update).await;
        if let Some(error) = injected_fault(controls, gpu, trainer.history().len()) {
            return Err(error);
        }
        match step(&mut trainer, gpu).await? {
            None => unreachable!("the trainer reports Finished before it ends"),
            Some(TrainEvent::Batch(progress)) => on_update(TrainUpdate::Batch(progress)),
            Some(TrainEvent::Epoch(report)) => on_update(TrainUpdate::Epoch(report)),
            Some(TrainEvent::Finished(summary)) => {
                let weights = kept_weights(&trainer, gpu).await?;
                return Ok((summary, weights, trainer.history().to_vec()));
            }
        }
        slice.breathe().await;
    }
}

/// Everything a worker needs to fit one model of the zoo and score it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ZooStart {
    pub model: ZooModel,
    pub options: ZooOptions,
    /// The split's training ratings, its validation ratings (empty: a holdout is carved from the
    /// training ones) and its test ratings.
    pub train: RatingColumns,
    pub validation: RatingColumns,
    pub test: RatingColumns,
    pub features: SideFeatures,
    pub sizes: (usize, usize),
    pub gpu: bool,
    pub seed: u64,
    /// See [`TrainControls::gpu_fault`].
    pub gpu_fault: Option<GpuFault>,
}

/// How the worker fits the zoo's trainable models: the holdout run, then the refit for its best
/// epoch count, stepped in this thread with yields (as the page trains MF).
struct ZooFit<'a, F> {
    split: &'a Split,
    seed: u64,
    sizes: (usize, usize),
    device: &'a Device,
    gpu: bool,
    controls: &'a TrainControls,
    on_update: &'a mut F,
}

impl<F: FnMut(TrainUpdate)> Fitter for ZooFit<'_, F> {
    fn split(&self) -> (&Split, u64) {
        (self.split, self.seed)
    }

    /// Stepped like the training panel's phases, reporting batches and epochs; the refit is
    /// announced with `TrainUpdate::ZooRefit`.
    async fn fit<R: Recipe>(
        &mut self,
        recipe: R,
        keep_holdout: bool,
    ) -> Result<Option<Part>, PipelineError>
    where
        WeightsOf<R>: IntoTrained,
    {
        let held = default_training_split(self.split, self.seed);
        let (sizes, device, gpu, controls) = (self.sizes, self.device, self.gpu, self.controls);
        let on_update = &mut *self.on_update;
        let (summary, holdout, history) = train_to_end(
            recipe.clone(),
            &held,
            sizes,
            device,
            gpu,
            controls,
            on_update,
        )
        .await
        .map_err(PipelineError::Device)?;
        if summary.reason == StopReason::Stopped {
            return Ok(None);
        }
        on_update(TrainUpdate::ZooRefit);
        let refit = refit_config(&recipe, &summary);
        let all = refit_split(&held);
        let (refit_summary, weights, refit_history) =
            train_to_end(refit, &all, sizes, device, gpu, controls, on_update)
                .await
                .map_err(PipelineError::Device)?;
        if refit_summary.reason == StopReason::Stopped {
            return Ok(None);
        }
        let fitted = Fitted {
            holdout: Fit {
                weights: holdout,
                history,
                summary,
            },
            refit: Some(Fit {
                weights,
                history: refit_history,
                summary: refit_summary,
            }),
        };
        Ok(Some(Part::of(fitted, &held, sizes.1, keep_holdout)))
    }
}

/// Fits one zoo model (trained here, or solved in closed form) and scores it on the test ratings
/// on the CPU; reports the board row with the model as it would serve (the sketching of long
/// film vectors happens here, off the page's thread), or nothing when stopped.
pub async fn fit_zoo_model(
    start: ZooStart,
    device: &Device,
    controls: &TrainControls,
    mut on_update: impl FnMut(TrainUpdate),
) {
    let ZooStart {
        model,
        options,
        train,
        validation,
        test,
        features,
        sizes,
        gpu,
        seed,
        gpu_fault: _,
    } = start;
    let split = Split {
        train: train.ratings(),
        validation: validation.ratings(),
        test: test.ratings(),
    };
    let index = RatingIndex::new(&split.train, sizes.0, sizes.1);
    let started = now_ms();
    next_macrotask().await;
    let mut on_gpu = gpu;
    let fitted = if model.trainable() {
        let features = Arc::new(features);
        let mut fit = ZooFit {
            split: &split,
            seed,
            sizes,
            device,
            gpu,
            controls,
            on_update: &mut on_update,
        };
        match fit_trainable_with(model, features.clone(), &mut fit).await {
            Err(error) if gpu => {
                // A GPU failure never ends the board: this model starts again on the CPU.
                (fit.on_update)(TrainUpdate::FellBack {
                    error: error.to_string(),
                    resumed_at: 0,
                });
                let cpu = Device::flex();
                (fit.device, fit.gpu, on_gpu) = (&cpu, false, false);
                fit_trainable_with(model, features, &mut fit).await
            }
            other => other,
        }
    } else {
        let (trained, parameters) = fit_closed_form(model, &split.train, &index, &options);
        Ok(Some(TrainableFit {
            trained,
            parameters,
            history: Vec::new(),
        }))
    };
    let TrainableFit {
        trained,
        parameters,
        history,
    } = match fitted {
        Ok(Some(fitted)) => fitted,
        Ok(None) => return on_update(TrainUpdate::ZooStopped),
        Err(error) => return on_update(TrainUpdate::Failed(error.to_string())),
    };
    let train_ms = now_ms() - started;
    next_macrotask().await;
    let backend = if !model.trainable() {
        "closed form"
    } else if on_gpu {
        "WebGPU"
    } else {
        "CPU"
    };
    let fitting = Fitting {
        train_ms,
        parameters,
        backend: backend.to_string(),
        history,
    };
    let row = ZooRow::scored(model, &trained, (&index, &split.test), fitting);
    next_macrotask().await;
    let serving = Box::new(ServingModel::new(trained.served(sizes.1)));
    on_update(TrainUpdate::ZooFinished {
        row: Box::new(row),
        serving,
    });
}

/// Why a worker could not run the phase; the caller trains on the main thread instead.
pub struct NoWorker(pub String);

type Inbox = mpsc::UnboundedSender<Result<TrainUpdate, String>>;

/// The page's training worker, started once (its wasm compiles while the data loads) and kept
/// warm for every phase of every run. Messages go to whichever phase is listening.
pub struct TrainingWorker {
    worker: web_sys::Worker,
    ready: Rc<Cell<bool>>,
    /// Set once the worker failed: the next run starts a new one.
    broken: Rc<Cell<bool>>,
    inbox: Rc<RefCell<Option<Inbox>>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl TrainingWorker {
    pub fn start() -> Result<Self, NoWorker> {
        let options = web_sys::WorkerOptions::new();
        let worker = web_sys::Worker::new_with_options(WORKER_URL, &options)
            .map_err(|e| NoWorker(format!("{e:?}")))?;
        let ready = Rc::new(Cell::new(false));
        let broken = Rc::new(Cell::new(false));
        let inbox: Rc<RefCell<Option<Inbox>>> = Rc::new(RefCell::new(None));
        let deliver = {
            let inbox = inbox.clone();
            move |update: Result<TrainUpdate, String>| {
                if let Some(sender) = inbox.borrow().as_ref() {
                    let _ = sender.unbounded_send(update);
                }
            }
        };
        let on_message = {
            let (ready, deliver) = (ready.clone(), deliver.clone());
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                match event
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str::<TrainUpdate>(&text).ok())
                {
                    Some(TrainUpdate::WorkerReady) => {
                        ready.set(true);
                        deliver(Ok(TrainUpdate::WorkerReady));
                    }
                    Some(update) => deliver(Ok(update)),
                    None => deliver(Err("the training worker sent an unreadable message".into())),
                }
            })
        };
        let on_error = {
            let broken = broken.clone();
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |event: web_sys::ErrorEvent| {
                // Handled here (the page carries on without this worker): not an uncaught error
                // of the page.
                event.prevent_default();
                broken.set(true);
                deliver(Err(event.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            ready,
            broken,
            inbox,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }
}

impl Drop for TrainingWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// Trains one phase in the training worker, relaying its updates. `Err` when the worker cannot
/// run it (then nothing was reported and the caller trains elsewhere).
pub async fn train_in_worker(
    worker: &TrainingWorker,
    run: StartRun,
    controls: &TrainControls,
    on_update: impl FnMut(TrainUpdate),
) -> Result<(), NoWorker> {
    run_in_worker(worker, Command::Start(Box::new(run)), controls, on_update).await
}

/// Runs `command` (a training phase, or a zoo model) in `worker`, relaying its updates until the
/// last one. `Err` when the worker cannot run it (then nothing was reported).
pub async fn run_in_worker(
    worker: &TrainingWorker,
    command: Command,
    controls: &TrainControls,
    mut on_update: impl FnMut(TrainUpdate),
) -> Result<(), NoWorker> {
    if worker.is_broken() {
        return Err(NoWorker("the training worker failed earlier".into()));
    }
    let (sender, mut updates) = mpsc::unbounded::<Result<TrainUpdate, String>>();
    *worker.inbox.borrow_mut() = Some(sender);
    let mut start = Some(command);
    let post_start = |start: &mut Option<Command>| {
        // Commands go to the worker from now on, starting with the run itself.
        *controls.worker.borrow_mut() = Some(worker.worker.clone());
        if let Some(start) = start.take() {
            controls.post(start);
        }
    };
    if worker.ready.get() {
        post_start(&mut start);
    }
    let mut heard_anything = false;
    let result = loop {
        match updates.next().await {
            Some(Ok(TrainUpdate::WorkerReady)) => post_start(&mut start),
            Some(Ok(update)) => {
                heard_anything = true;
                let last = matches!(
                    update,
                    TrainUpdate::Finished(..)
                        | TrainUpdate::Failed(_)
                        | TrainUpdate::ZooFinished { .. }
                        | TrainUpdate::ZooStopped
                );
                on_update(update);
                if last {
                    break Ok(());
                }
            }
            // A worker that failed before saying anything never ran: train elsewhere.
            Some(Err(error)) if !heard_anything => break Err(NoWorker(error)),
            Some(Err(error)) => {
                on_update(TrainUpdate::Failed(format!(
                    "the training worker stopped: {error}"
                )));
                break Ok(());
            }
            None => break Err(NoWorker("the worker's channel closed".into())),
        }
    };
    *controls.worker.borrow_mut() = None;
    *worker.inbox.borrow_mut() = None;
    result
}

/// Sends one analysis `command` (t-SNE, classifier) to `worker` and waits for its answer,
/// passing progress on. Dropping the worker cancels the work.
pub async fn ask_worker(
    worker: &TrainingWorker,
    command: &Command,
    mut on_progress: impl FnMut(usize, usize, Option<Vec<[f32; 2]>>),
) -> Result<TrainUpdate, String> {
    let (sender, mut updates) = mpsc::unbounded::<Result<TrainUpdate, String>>();
    *worker.inbox.borrow_mut() = Some(sender);
    let command = serde_json::to_string(command).map_err(|e| e.to_string())?;
    let post = || {
        worker
            .worker
            .post_message(&command.clone().into())
            .map_err(|e| format!("{e:?}"))
    };
    if worker.ready.get() {
        post()?;
    }
    let result = loop {
        match updates.next().await {
            Some(Ok(TrainUpdate::WorkerReady)) => post()?,
            Some(Ok(TrainUpdate::ProjectionProgress {
                epoch,
                epochs,
                points,
            })) => on_progress(epoch, epochs, points),
            Some(Ok(TrainUpdate::Failed(error))) | Some(Err(error)) => break Err(error),
            Some(Ok(answer @ (TrainUpdate::Projected(_) | TrainUpdate::Classified(_)))) => {
                break Ok(answer);
            }
            Some(Ok(_)) => {}
            None => break Err("the worker's channel closed".into()),
        }
    };
    *worker.inbox.borrow_mut() = None;
    result
}
