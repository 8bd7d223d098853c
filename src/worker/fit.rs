//! The one fit driver, for the training panel and the zoo alike: it steps each trainable model's
//! core `Pipeline` in this thread (a worker's, or the page's when no worker can start) one step at
//! a time, yielding so the thread stays responsive, obeying the page's controls, reading a GPU
//! asynchronously (synchronous reads panic on WebGPU in wasm), handing the run to the CPU from
//! its last checkpoint when the GPU fails, and reporting every step as a `FitReply`.

use std::cell::Cell;
use std::sync::Arc;

use burn::tensor::Device;
use filmspace_core::data::{Rating, RatingIndex};
use filmspace_core::embedding::Pca;
use filmspace_core::metrics::rating_errors;
use filmspace_core::models::{EvaluationAndLists, evaluate_rating_model_with_lists};
use filmspace_core::protocol::{Control, FitReply, FitRequest, FitResult};
use filmspace_core::recommend::{Served, ServingModel};
use filmspace_core::report::{Baseline, baseline_row};
use filmspace_core::settings::{FaultKind, GpuFault};
use filmspace_core::split::Split;
use filmspace_core::train::{
    Fitted, Pipeline, PipelineError, PipelineEvent, Recipe, Stage, WeightsOf,
    default_training_split,
};
use filmspace_core::zoo::{
    Fitter, IntoTrained, Part, PartFit, TrainableFit, Trained, ZooModel, ZooRecipe, ZooRow,
    fit_closed_form, fit_trainable_with,
};
use wasm_bindgen::JsCast;

use crate::web::schedule::{next_macrotask, now_ms, sleep_ms};

/// Longest stretch of work between two yields: well under the 100 ms long-task threshold.
const SLICE_MS: f64 = 12.0;

/// Shortest time between two batch reports: a progress bar needs no more, and at millions of
/// ratings a second a report per batch would be thousands of messages a second for the page.
const BATCH_REPORT_MS: f64 = 40.0;

/// The page's commands for the fit in progress, read between steps.
#[derive(Default)]
pub struct Controls {
    pub paused: Cell<bool>,
    pub stop: Cell<bool>,
    /// Pause again when the current epoch ends (the Step button).
    pub pause_after_epoch: Cell<bool>,
    pub learning_rate: Cell<Option<f64>>,
    /// Fault injection (`?gpu_fault=N`, `?gpu_crash=N`, `?nan_fault=N`).
    pub fault: Cell<Option<GpuFault>>,
}

impl Controls {
    pub fn apply(&self, control: Control) {
        match control {
            Control::Pause(paused) => self.paused.set(paused),
            Control::Stop => self.stop.set(true),
            Control::StepEpoch => {
                self.pause_after_epoch.set(true);
                self.paused.set(false);
            }
            Control::LearningRate(rate) => self.learning_rate.set(Some(rate)),
        }
    }
}

/// Fits `request`'s model on `device` (trained through the pipeline, or solved in closed form),
/// scores it on the test ratings and reports its row and serving model; or why not.
pub async fn run_fit(
    request: FitRequest,
    device: Device,
    controls: &Controls,
    report: &mut dyn FnMut(FitReply),
) {
    let job = Job::start(&request, controls).await;
    let mut driver = job.driver(device, controls, report);
    let fitted = if request.model.trainable() {
        driver.fit_model().await
    } else {
        let index = &job.index;
        let (trained, parameters) =
            fit_closed_form(request.model, &job.split.train, index, &request.options);
        let history = Vec::new();
        let fit = TrainableFit {
            trained,
            history,
            parameters,
        };
        Ok(Some((fit, false)))
    };
    let score = Scoring {
        evaluate: Trained::evaluate_with_lists,
        serve: Trained::served,
    };
    job.finish(fitted, driver, score).await;
}

/// The training panel's fit on this thread, when no worker could start: biased MF with the
/// panel's settings only, so the page's own code carries no other model's training.
pub async fn run_panel_fit_here(
    request: FitRequest,
    controls: &Controls,
    report: &mut dyn FnMut(FitReply),
) {
    let Some(config) = request.mf.clone() else {
        let why = "this model trains in a Web Worker, and none could start here";
        return report(FitReply::Failed(why.into()));
    };
    let job = Job::start(&request, controls).await;
    let mut driver = job.driver(Device::flex(), controls, report);
    let fitted = driver.fit(config, false).await;
    let stopped = controls.stop.get();
    let fitted = fitted.map(|part| part.map(|p| (p.refit, stopped)));
    job.finish(fitted, driver, Scoring::FACTORS).await;
}

/// How a fitted model is scored and served: through every kind of `Trained` (the worker), or
/// only the MF-shaped one (the page's fallback, so it links no other model's code).
struct Scoring {
    evaluate: fn(&Trained, &RatingIndex, &[Rating]) -> EvaluationAndLists,
    serve: fn(&Trained, usize) -> Served,
}

impl Scoring {
    const FACTORS: Scoring = Scoring {
        evaluate: |trained, index, test| match trained {
            Trained::Factors(weights) => evaluate_rating_model_with_lists(weights, index, test),
            _ => unreachable!("the panel trains biased MF"),
        },
        serve: |trained, _| match trained {
            Trained::Factors(weights) => Served::Linear(weights.clone()),
            _ => unreachable!("the panel trains biased MF"),
        },
    };
}

/// One fit request, unpacked: its ratings, the training index, when it started.
struct Job<'a> {
    request: &'a FitRequest,
    split: Split,
    index: RatingIndex,
    started: f64,
}

impl<'a> Job<'a> {
    async fn start(request: &'a FitRequest, controls: &Controls) -> Self {
        controls.pause_after_epoch.set(request.pause_after_epoch);
        controls.fault.set(request.fault);
        let split = Split {
            train: request.train.ratings(),
            validation: request.validation.ratings(),
            test: request.test.ratings(),
        };
        let (users, items) = request.sizes;
        let index = RatingIndex::new(&split.train, users, items).on_scale(request.scale);
        let started = now_ms();
        next_macrotask().await;
        Job {
            request,
            split,
            index,
            started,
        }
    }

    fn driver<'d>(
        &'d self,
        device: Device,
        controls: &'d Controls,
        report: &'d mut dyn FnMut(FitReply),
    ) -> Driver<'d> {
        let (split, request, gpu) = (&self.split, self.request, self.request.gpu);
        Driver {
            split,
            request,
            device,
            gpu,
            controls,
            report,
            part: 0,
        }
    }

    /// Scores the fitted model and reports its row and serving model (or that it stopped, or
    /// why it failed).
    async fn finish(
        &self,
        fitted: Result<Option<(TrainableFit, bool)>, PipelineError>,
        driver: Driver<'_>,
        scoring: Scoring,
    ) {
        let (
            TrainableFit {
                trained,
                parameters,
                history,
            },
            stopped,
        ) = match fitted {
            Ok(Some(fitted)) => fitted,
            Ok(None) => return (driver.report)(FitReply::Stopped),
            Err(error) => return (driver.report)(FitReply::Failed(error.to_string())),
        };
        (driver.report)(FitReply::Scoring { stopped });
        let model = self.request.model;
        let backend = match (model.trainable(), driver.gpu) {
            (false, _) => "closed form",
            (true, true) => "WebGPU",
            (true, false) => "CPU",
        };
        next_macrotask().await;
        let (evaluation, top_k) = (scoring.evaluate)(&trained, &self.index, &self.split.test);
        let row = ZooRow {
            model,
            errors: evaluation.errors,
            ranking: evaluation.ranking,
            train_ms: now_ms() - self.started,
            parameters,
            backend: backend.to_string(),
            history,
        };
        let mut baselines = Vec::new();
        for baseline in Baseline::ALL.into_iter().filter(|_| self.request.baselines) {
            next_macrotask().await;
            let split = &self.split;
            baselines.push(baseline_row(
                baseline,
                &split.train,
                &self.index,
                &split.test,
            ));
        }
        next_macrotask().await;
        let serving = ServingModel::new((scoring.serve)(&trained, self.request.sizes.1));
        let result = FitResult {
            row,
            serving,
            stopped,
            baselines,
            top_k: if self.request.top_k {
                top_k
            } else {
                Vec::new()
            },
        };
        (driver.report)(FitReply::Finished(Box::new(result)));
    }
}

/// One fit's context: the split, the request, the device it is on now, and where replies go.
struct Driver<'a> {
    split: &'a Split,
    request: &'a FitRequest,
    device: Device,
    /// Still on the GPU (false once the CPU took over).
    gpu: bool,
    controls: &'a Controls,
    report: &'a mut dyn FnMut(FitReply),
    /// Which pipeline of the fit is running (a blend runs two).
    part: usize,
}

impl Driver<'_> {
    /// The trainable model's fit: the panel's own MF settings, or the zoo's recipe for it; with
    /// whether it was stopped early (only kept when the request says so).
    async fn fit_model(&mut self) -> Result<Option<(TrainableFit, bool)>, PipelineError> {
        let request = self.request;
        let fit = match (request.model, &request.mf) {
            (ZooModel::Mf, Some(config)) => self.fit(config.clone(), false).await?.map(|p| p.refit),
            (model, _) => {
                let features = Arc::new(request.features.clone());
                fit_trainable_with(model, features, self).await?
            }
        };
        let stopped = self.controls.stop.get();
        Ok(fit
            .filter(|_| request.keep_stopped || !stopped)
            .map(|f| (f, stopped)))
    }

    /// Steps `pipeline` to the end: the fit, or why it failed.
    async fn drive<R: Recipe>(
        &mut self,
        pipeline: &mut Pipeline<R>,
    ) -> Result<Fitted<WeightsOf<R>>, PipelineError>
    where
        WeightsOf<R>: IntoTrained,
    {
        let mut slice_start = now_ms();
        let mut batch_reported = f64::NEG_INFINITY;
        loop {
            self.obey(pipeline).await;
            let step = match self.injected_fault(pipeline) {
                Some(error) => Err(PipelineError::Device(error)),
                None => pipeline.step_async().await,
            };
            match step {
                Ok(Some(PipelineEvent::Batch(stage, progress))) => {
                    if now_ms() - batch_reported >= BATCH_REPORT_MS {
                        batch_reported = now_ms();
                        (self.report)(FitReply::Batch(stage, progress));
                    }
                }
                Ok(Some(PipelineEvent::Epoch(stage, report))) => {
                    (self.report)(FitReply::Epoch(stage, report));
                    // The epoch's validation and what follows it (the live map's PCA, which
                    // grows with d) are two stretches: a pause or stop between them waits less.
                    next_macrotask().await;
                    self.obey(pipeline).await;
                    self.after_epoch(pipeline, stage, report.epoch);
                }
                Ok(Some(PipelineEvent::RefitStarts { epochs })) => {
                    (self.report)(FitReply::RefitStarts { epochs })
                }
                Ok(Some(PipelineEvent::Finished(fitted))) => return Ok(fitted),
                Ok(None) => unreachable!("a pipeline reports Finished before it ends"),
                Err(PipelineError::Device(error)) if self.gpu => {
                    // The one device policy: the CPU carries on from the last checkpoint.
                    let cpu = Device::flex();
                    let resumed_at = pipeline.fail_over(&cpu);
                    (self.device, self.gpu) = (cpu, false);
                    (self.report)(FitReply::FellBack { error, resumed_at });
                }
                Err(error) => return Err(error),
            }
            if now_ms() - slice_start > SLICE_MS {
                next_macrotask().await;
                slice_start = now_ms();
            }
        }
    }

    /// Applies the page's commands before a step: a new learning rate, a pause (waited out here,
    /// and reported), stop.
    async fn obey<R: Recipe>(&mut self, pipeline: &mut Pipeline<R>) {
        let controls = self.controls;
        if let Some(rate) = controls.learning_rate.take() {
            pipeline.set_learning_rate(rate);
        }
        if controls.paused.get() && !controls.stop.get() {
            (self.report)(FitReply::Paused(true));
            while controls.paused.get() && !controls.stop.get() {
                sleep_ms(30).await;
            }
            (self.report)(FitReply::Paused(false));
        }
        if controls.stop.get() {
            pipeline.stop();
            controls.paused.set(false);
        }
    }

    /// The injected fault due now, as the error a step would return. A crash panics the worker
    /// instead (as a crash in the GPU runtime would); a divergence poisons the learning rate.
    fn injected_fault<R: Recipe>(&self, pipeline: &mut Pipeline<R>) -> Option<String> {
        let epochs = pipeline.trainer().history().len();
        let fault = self.controls.fault.get().filter(|f| epochs >= f.after)?;
        match fault.kind {
            FaultKind::Diverge => {
                self.controls.fault.set(None);
                pipeline.set_learning_rate(f64::NAN);
                None
            }
            _ if !self.gpu => None,
            FaultKind::Crash if in_worker() => panic!(
                "the GPU runtime crashed (simulated after epoch {}, gpu_crash)",
                fault.after
            ),
            _ => Some(format!(
                "the device was lost (simulated after epoch {epochs}, gpu_fault)"
            )),
        }
    }

    /// After an epoch: the checkpoint on a GPU, the live film map, the benchmark's trace, and the
    /// Step button's pause.
    fn after_epoch<R: Recipe>(&mut self, pipeline: &Pipeline<R>, stage: Stage, epoch: usize)
    where
        WeightsOf<R>: IntoTrained,
    {
        if let Some(checkpoint) = pipeline.checkpoint() {
            let json = serde_json::to_string(&checkpoint).unwrap_or_default();
            let part = self.part;
            (self.report)(FitReply::Checkpoint { part, epoch, json });
        }
        let request = self.request;
        if (request.live_map || request.trace_test)
            && let Some(weights) = pipeline.latest_weights()
        {
            if request.live_map
                && let Some((factors, dim)) = weights.film_factors()
            {
                let pca = Pca::fit(factors, dim);
                let points = pca.project_all(factors);
                (self.report)(FitReply::FilmMap {
                    points,
                    explained: pca.explained,
                });
            }
            if request.trace_test {
                self.trace(weights, stage, epoch);
            }
        }
        if self.controls.pause_after_epoch.take() {
            self.controls.paused.set(true);
        }
    }

    /// Benchmark tracing only: the test RMSE of the model the stage would hand back now.
    fn trace<W: IntoTrained>(&mut self, weights: W, stage: Stage, epoch: usize) {
        let started = now_ms();
        let (trained, _) = weights.into_trained(&self.split.train, self.request.sizes.1);
        let Some(model) = trained.rating_model() else {
            return;
        };
        let test: &[Rating] = &self.split.test;
        let pairs: Vec<(u32, u32)> = test.iter().map(|r| (r.user, r.item)).collect();
        let predicted = model.predict_many(&pairs);
        let rmse = rating_errors(
            &self.request.scale,
            predicted.into_iter().zip(test.iter().map(|r| r.value)),
        )
        .rmse;
        let eval_ms = now_ms() - started;
        (self.report)(FitReply::TestTrace {
            stage,
            epoch,
            rmse,
            eval_ms,
        });
    }
}

impl Fitter for Driver<'_> {
    fn split(&self) -> (&Split, u64) {
        (self.split, self.request.seed)
    }

    async fn fit<R: ZooRecipe>(&mut self, recipe: R, keep_holdout: bool) -> PartFit {
        let (split, seed, sizes) = (self.split, self.request.seed, self.request.sizes);
        let resume = self
            .request
            .resume
            .as_ref()
            .filter(|(part, _)| *part == self.part);
        let checkpoint = resume.and_then(|(_, json)| serde_json::from_str(json).ok());
        let mut pipeline = match checkpoint {
            Some(c) => Pipeline::resume(recipe, split, seed, sizes, &self.device, c),
            None => Pipeline::new(recipe, split, seed, sizes, &self.device, self.gpu),
        };
        pipeline.set_clock(now_ms);
        // Building the pipeline copied the ratings into tensors: let the thread breathe.
        next_macrotask().await;
        let fitted = self.drive(&mut pipeline).await?;
        self.part += 1;
        if fitted.stopped() && !self.request.keep_stopped {
            return Ok(None);
        }
        let held = default_training_split(split, seed);
        Ok(Some(Part::of(fitted, &held, sizes.1, keep_holdout)))
    }
}

/// Whether this code runs in a dedicated worker (where an injected crash may kill the thread).
fn in_worker() -> bool {
    js_sys::global()
        .dyn_into::<web_sys::DedicatedWorkerGlobalScope>()
        .is_ok()
}
