//! The worker side: a dedicated worker that trains one `StartRun` after another with
//! `training::train` on its own device (WebGPU works in dedicated workers; Flex otherwise) and
//! posts every update back. It lives as long as the page, so its code stays compiled and warm;
//! commands (pause, stop, …) reach the run in progress between steps. A second instance of the
//! same worker computes t-SNE maps (`Command::Project`) and the genre classifier
//! (`Command::Classify`), so neither training nor the page is blocked by them.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use filmspace_core::embedding::{TsneSettings, genre_report_for_labels, tsne_2d_with_progress};
use filmspace_core::split::Split;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::worker::training::{
    Command, Phase, StartRun, TrainControls, TrainUpdate, ZooStart, fit_zoo_model, train,
};

thread_local! {
    /// The worker's WebGPU device: a wgpu runtime can be initialised only once.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, update: &TrainUpdate) {
    let _ = scope.post_message(&serde_json::to_string(update).unwrap_or_default().into());
}

async fn gpu_device() -> Result<Device, String> {
    if let Some(device) = GPU.with_borrow(|d| d.clone()) {
        return Ok(device);
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|error| format!("WebGPU did not start in the worker: {error}"))?;
    GPU.with_borrow_mut(|d| *d = Some(device.clone()));
    Ok(device)
}

/// The worker's WebGPU device when `gpu`, else the CPU backend.
async fn device_for(gpu: bool) -> Result<Device, String> {
    if gpu {
        gpu_device().await
    } else {
        Ok(Device::flex())
    }
}

async fn run(
    scope: web_sys::DedicatedWorkerGlobalScope,
    start: StartRun,
    controls: Rc<TrainControls>,
) {
    controls.pause_after_epoch.set(start.pause_after_epoch);
    controls.gpu_fault.set(start.gpu_fault);
    let device = match device_for(start.gpu).await {
        Ok(device) => device,
        Err(error) => return post(&scope, &TrainUpdate::Failed(error)),
    };
    let split = Split {
        train: start.split.train.ratings(),
        validation: start.split.validation.ratings(),
        test: Vec::new(),
    };
    let trace_test = start
        .trace_test
        .as_ref()
        .map(|t| t.ratings())
        .unwrap_or_default();
    let phase = Phase {
        config: start.config,
        split: &split,
        sizes: start.sizes,
        resume: start.resume,
        trace_test: &trace_test,
    };
    train(phase, &device, start.gpu, &controls, |update| {
        post(&scope, &update)
    })
    .await;
}

/// Fits one zoo model on this worker's device and posts its progress and row.
async fn zoo(
    scope: web_sys::DedicatedWorkerGlobalScope,
    start: ZooStart,
    controls: Rc<TrainControls>,
) {
    controls.gpu_fault.set(start.gpu_fault);
    let device = match device_for(start.gpu).await {
        Ok(device) => device,
        Err(error) => return post(&scope, &TrainUpdate::Failed(error)),
    };
    fit_zoo_model(start, &device, &controls, |update| post(&scope, &update)).await;
}

/// Installs the message handler and says so; the worker then lives until the page ends it.
pub fn serve() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    // The controls of the run in progress; each Start gets fresh ones.
    let current = Rc::new(RefCell::new(Rc::new(TrainControls::default())));
    let handler_scope = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let Some(command) = event
                .data()
                .as_string()
                .and_then(|t| serde_json::from_str::<Command>(&t).ok())
            else {
                return post(
                    &handler_scope,
                    &TrainUpdate::Failed("the page sent an unreadable command".into()),
                );
            };
            match command {
                Command::Start(start) => {
                    let controls = Rc::new(TrainControls::default());
                    *current.borrow_mut() = controls.clone();
                    wasm_bindgen_futures::spawn_local(run(handler_scope.clone(), *start, controls));
                }
                Command::Zoo(start) => {
                    let controls = Rc::new(TrainControls::default());
                    *current.borrow_mut() = controls.clone();
                    wasm_bindgen_futures::spawn_local(zoo(handler_scope.clone(), *start, controls));
                }
                Command::Project { vectors, dim } => {
                    let settings = TsneSettings::default();
                    let epochs = settings.epochs;
                    let points = tsne_2d_with_progress(&vectors, dim, &settings, |epoch, xy| {
                        // A progress note every 10 epochs, the map so far every 50.
                        if epoch % 10 == 9 {
                            let points = (epoch % 50 == 49)
                                .then(|| xy.chunks_exact(2).map(|p| [p[0], p[1]]).collect());
                            post(
                                &handler_scope,
                                &TrainUpdate::ProjectionProgress {
                                    epoch: epoch + 1,
                                    epochs,
                                    points,
                                },
                            );
                        }
                    });
                    post(&handler_scope, &TrainUpdate::Projected(points));
                }
                Command::Classify {
                    labels,
                    vectors,
                    dim,
                    seed,
                } => {
                    let report = genre_report_for_labels(&labels, &vectors, dim, seed);
                    post(&handler_scope, &TrainUpdate::Classified(report));
                }
                other => current.borrow().apply(other),
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &TrainUpdate::WorkerReady);
}
