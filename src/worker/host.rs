//! The worker's side of the protocol: a dedicated worker that answers each request of the page
//! with the replies of its job, tagged with the request's run. It lives as long as the page, so
//! its code stays compiled and warm; a fit runs on the worker's own device (WebGPU works in
//! dedicated workers; the CPU backend otherwise) and its controls reach it between steps.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use filmspace_core::data;
use filmspace_core::data::progress::{ReadProgress, ReadStage};
use filmspace_core::embedding::{
    FilmLabels, TsneSettings, genre_report_for_labels, tsne_2d_with_progress,
};
use filmspace_core::protocol::{
    ClassifyReply, ClassifyRequest, FitReply, FitRequest, MeasureRequest, ProjectReply,
    ProjectRequest, ReadReply, ReadRequest, Reply, Request, RunId, decode, encode,
};
use filmspace_core::train::WarmUp;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::fit::{Controls, run_fit};
use super::wire;
use crate::web::schedule::{next_macrotask, now_ms};

type Scope = web_sys::DedicatedWorkerGlobalScope;

#[cfg(feature = "webgpu")]
thread_local! {
    /// The worker's WebGPU device: a wgpu runtime can be initialised only once.
    static GPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Posts `reply`; bytes it carries ([`Reply::bytes`]) are transferred beside its text.
fn post(scope: &Scope, run: RunId, reply: Reply) {
    let text = encode(run, &reply);
    let _ = match reply.bytes() {
        Some(bytes) => {
            let (message, transfer) = wire::with_bytes(text, bytes);
            drop(reply);
            scope.post_message_with_transfer(&message, &transfer)
        }
        None => scope.post_message(&text.into()),
    };
}

/// The worker's WebGPU device when `gpu`, else the CPU backend.
async fn device_for(gpu: bool) -> Result<Device, String> {
    if !gpu {
        return Ok(Device::flex());
    }
    webgpu_device().await
}

#[cfg(feature = "webgpu")]
async fn webgpu_device() -> Result<Device, String> {
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

/// The page's own module has no WebGPU backend: the page starts the WebGPU module's worker for
/// that (`client::WorkerSlot::get_for`), so this answers only a request sent to the wrong one.
#[cfg(not(feature = "webgpu"))]
async fn webgpu_device() -> Result<Device, String> {
    Err("this worker runs the page's module, which has no WebGPU backend".into())
}

async fn fit(scope: Scope, run: RunId, request: FitRequest, controls: Rc<Controls>) {
    let device = match device_for(request.gpu).await {
        Ok(device) => device,
        Err(error) => return post(&scope, run, Reply::Failed(error)),
    };
    let mut report = |reply: FitReply| post(&scope, run, Reply::Fit(reply.posted()));
    run_fit(request, device, &controls, &mut report).await;
}

async fn measure(scope: Scope, run: RunId, request: MeasureRequest) {
    let measured = match device_for(request.gpu).await {
        Ok(device) => super::measure::measure(request, device).await,
        Err(error) => Err(error),
    };
    let reply = measured.map_or_else(Reply::Failed, Reply::Measure);
    post(&scope, run, reply);
}

fn project(scope: &Scope, run: RunId, request: ProjectRequest) {
    let settings = TsneSettings::default();
    let epochs = settings.epochs;
    let points = tsne_2d_with_progress(&request.vectors, request.dim, &settings, |epoch, xy| {
        // A progress note every 10 epochs, the map so far every 50.
        if epoch % 10 == 9 {
            let points =
                (epoch % 50 == 49).then(|| xy.chunks_exact(2).map(|p| [p[0], p[1]]).collect());
            let progress = ProjectReply::Progress {
                epoch: epoch + 1,
                epochs,
                points,
            };
            post(scope, run, Reply::Project(progress));
        }
    });
    post(scope, run, Reply::Project(ProjectReply::Done(points)));
}

fn classify(scope: &Scope, run: RunId, request: ClassifyRequest) {
    let ClassifyRequest {
        labels,
        genre_bits,
        counts,
        genres,
        vectors,
        dim,
        seed,
    } = request;
    let names: Vec<&str> = genres.iter().map(String::as_str).collect();
    let labels = FilmLabels {
        primary: &labels,
        bits: &genre_bits,
        counts: &counts,
    };
    let report = genre_report_for_labels(labels, &names, &vectors, dim, seed);
    post(scope, run, Reply::Classify(ClassifyReply::Done(report)));
}

/// Reads the picked `file` in slices (a progress report after each), then unzips and parses it
/// with the readers' own reports passed on, and answers with the data set or why not.
fn read(scope: &Scope, run: RunId, request: ReadRequest, file: Option<JsValue>) {
    let progress = {
        let scope = scope.clone();
        move |progress| post(&scope, run, Reply::Read(ReadReply::Progress(progress)))
    };
    let reply = match file.and_then(|f| f.dyn_into::<web_sys::Blob>().ok()) {
        None => ReadReply::Refused("the page sent no file to read".into()),
        Some(blob) => match read_blob(&blob, &request.name, progress.clone()) {
            Ok(bytes) => data::progress::reporting(progress, || ReadReply::of(&request, bytes)),
            Err(why) => ReadReply::Refused(why),
        },
    };
    post(scope, run, Reply::Read(reply));
}

fn read_blob(
    blob: &web_sys::Blob,
    name: &str,
    mut on_progress: impl FnMut(ReadProgress),
) -> Result<Vec<u8>, String> {
    const SLICE: f64 = 8.0 * 1024.0 * 1024.0;
    let unreadable = |e: JsValue| format!("{name} could not be read ({e:?})");
    let reader = web_sys::FileReaderSync::new().map_err(unreadable)?;
    let size = blob.size();
    let mut bytes = vec![0u8; size as usize];
    let mut at = 0.0;
    while at < size {
        let end = (at + SLICE).min(size);
        let slice = blob.slice_with_f64_and_f64(at, end).map_err(unreadable)?;
        let buffer = reader.read_as_array_buffer(&slice).map_err(unreadable)?;
        js_sys::Uint8Array::new(&buffer).copy_to(&mut bytes[at as usize..end as usize]);
        at = end;
        on_progress(ReadProgress {
            stage: ReadStage::Reading,
            file: name.to_string(),
            done: at as u64,
            total: size as u64,
            rows: 0,
        });
    }
    Ok(bytes)
}

/// The run a message names, even when the rest of it cannot be read.
fn run_of(text: &str) -> RunId {
    #[derive(serde::Deserialize)]
    struct RunOnly {
        run: RunId,
    }
    serde_json::from_str::<RunOnly>(text).map_or(0, |r| r.run)
}

/// Runs [`WarmUp`] a slice at a time until it is over or `wanted` is cleared (by the first real
/// job, which then never waits more than a slice for it).
async fn warm_up(wanted: Rc<Cell<bool>>) {
    let mut warm = WarmUp::new();
    let mut slice_start = now_ms();
    while wanted.get() && warm.step() {
        if now_ms() - slice_start > WARM_UP_SLICE_MS {
            next_macrotask().await;
            slice_start = now_ms();
        }
    }
}

/// A real job waits at most this long for the warm-up to notice it.
const WARM_UP_SLICE_MS: f64 = 4.0;

/// Installs the message handler and says so; the worker then lives until the page ends it.
pub fn serve() {
    let scope: Scope = js_sys::global().unchecked_into();
    // Whether a warm-up may go on: any job but a control ends it.
    let warming = Rc::new(Cell::new(false));
    // The fit in progress: its run and its controls (each fit gets fresh ones).
    let current: Rc<RefCell<(RunId, Rc<Controls>)>> = Rc::default();
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(_)>::new(move |event: web_sys::MessageEvent| {
        let (text, extra) = wire::parts(&event.data());
        let ratings = extra.as_ref().map(wire::bytes_of).unwrap_or_default();
        let envelope = match decode::<Request>(&text).and_then(|mut envelope| {
            envelope.body.put_ratings(&ratings)?;
            Ok(envelope)
        }) {
            Ok(envelope) => envelope,
            Err(error) => {
                let reply = Reply::Failed(format!("the page sent {error}"));
                return post(&handler_scope, run_of(&text), reply);
            }
        };
        drop(ratings);
        let (run, scope) = (envelope.run, handler_scope.clone());
        warming.set(
            matches!(envelope.body, Request::WarmUp)
                || (warming.get() && matches!(envelope.body, Request::Control(_))),
        );
        match envelope.body {
            Request::Fit(request) => {
                let controls = Rc::new(Controls::default());
                *current.borrow_mut() = (run, controls.clone());
                wasm_bindgen_futures::spawn_local(fit(scope, run, *request, controls));
            }
            Request::Project(request) => project(&scope, run, request),
            Request::Classify(request) => classify(&scope, run, request),
            Request::Measure(request) => {
                wasm_bindgen_futures::spawn_local(measure(scope, run, request));
            }
            Request::Read(request) => read(&scope, run, request, extra),
            Request::WarmUp => wasm_bindgen_futures::spawn_local(warm_up(warming.clone())),
            Request::Control(control) => {
                let (fitting, controls) = &*current.borrow();
                if *fitting == run {
                    controls.apply(control);
                }
            }
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    post(&scope, 0, Reply::Ready);
}
