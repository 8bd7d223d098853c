//! The worker side: a dedicated worker that receives a `StartRun`, trains it with
//! `training::train` on its own device (WebGPU works in dedicated workers; Flex otherwise) and
//! posts every update back. Commands (pause, stop, …) arrive as messages between steps.

use std::rc::Rc;

use burn::tensor::Device;
use filmspace_core::split::Split;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use super::training::{Command, StartRun, TrainControls, TrainUpdate, train};

fn post(scope: &web_sys::DedicatedWorkerGlobalScope, update: &TrainUpdate) {
    let _ = scope.post_message(&serde_json::to_string(update).unwrap_or_default().into());
}

async fn run(
    scope: web_sys::DedicatedWorkerGlobalScope,
    start: StartRun,
    controls: Rc<TrainControls>,
) {
    controls.pause_after_epoch.set(start.pause_after_epoch);
    let device = if start.gpu {
        match Device::wgpu_options().init_async().await {
            Ok(device) => device,
            Err(error) => {
                return post(
                    &scope,
                    &TrainUpdate::Failed(format!("WebGPU did not start in the worker: {error}")),
                );
            }
        }
    } else {
        Device::flex()
    };
    let split = Split {
        train: start.split.train,
        validation: start.split.validation,
        test: Vec::new(),
    };
    train(
        start.config,
        &split,
        start.sizes,
        &device,
        start.gpu,
        &controls,
        |update| post(&scope, &update),
    )
    .await;
}

/// Installs the message handler; the worker then lives until the page terminates it.
pub fn serve() {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let controls = Rc::new(TrainControls::default());
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
                Command::Start(start) => wasm_bindgen_futures::spawn_local(run(
                    handler_scope.clone(),
                    *start,
                    controls.clone(),
                )),
                other => controls.apply(other),
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, &TrainUpdate::WorkerReady);
}
