//! Drives a core `Trainer`: in the training worker (so the page's main thread never runs a
//! training step), or on the main thread when no worker can start. One step at a time, yielding
//! between steps, obeying pause / stop / learning-rate commands, and reading the device
//! asynchronously when it is a GPU (synchronous reads panic on WebGPU in wasm).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use filmspace_core::data::Rating;
use filmspace_core::metrics::rating_errors;
use filmspace_core::models::{MfConfig, MfWeights, RatingModel};
use filmspace_core::settings::{FaultKind, GpuFault};
use filmspace_core::split::Split;
use filmspace_core::train::{
    BatchProgress, Checkpoint, EpochReport, TrainEvent, TrainSummary, Trainer,
};
use futures::StreamExt;
use futures::channel::mpsc;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use filmspace_core::embedding::{GenreReport, Pca};

use super::schedule::{next_macrotask, now_ms, sleep_ms};

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

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RatingColumns {
    pub users: Vec<u32>,
    pub items: Vec<u32>,
    pub values: Vec<f32>,
}

impl RatingColumns {
    pub fn of(ratings: &[Rating]) -> Self {
        Self {
            users: ratings.iter().map(|r| r.user).collect(),
            items: ratings.iter().map(|r| r.item).collect(),
            values: ratings.iter().map(|r| r.value).collect(),
        }
    }

    pub fn ratings(&self) -> Vec<Rating> {
        (0..self.values.len())
            .map(|k| Rating {
                user: self.users[k],
                item: self.items[k],
                value: self.values[k],
                timestamp: 0,
            })
            .collect()
    }
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
            Command::Start(_) | Command::Project { .. } | Command::Classify { .. } => {}
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
        let injected = controls
            .gpu_fault
            .get()
            .filter(|fault| gpu && trainer.history().len() >= fault.after);
        if let Some(GpuFault {
            kind: FaultKind::Crash,
            after,
        }) = injected
            && in_worker()
        {
            panic!("the GPU runtime crashed (simulated after epoch {after}, gpu_crash)");
        }
        let event = if injected.is_some() {
            Err(format!(
                "the device was lost (simulated after epoch {}, gpu_fault)",
                trainer.history().len()
            ))
        } else if gpu {
            trainer.step_async().await.map_err(|e| format!("{e:?}"))
        } else {
            Ok(trainer.step())
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
    mut on_update: impl FnMut(TrainUpdate),
) -> Result<(), NoWorker> {
    if worker.is_broken() {
        return Err(NoWorker("the training worker failed earlier".into()));
    }
    let (sender, mut updates) = mpsc::unbounded::<Result<TrainUpdate, String>>();
    *worker.inbox.borrow_mut() = Some(sender);
    let mut start = Some(Command::Start(Box::new(run)));
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
                let last = matches!(update, TrainUpdate::Finished(..) | TrainUpdate::Failed(_));
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
