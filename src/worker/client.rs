//! The page's side of the worker protocol: one client that starts a worker, reuses it while it
//! is healthy and replaces it once it failed; one typed call per job. Every request opens a run
//! with a fresh id and only that run's replies reach its caller, so a late message of an ended
//! run is dropped. An unreadable message or a crash ends the worker and fails its run.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use filmspace_core::data::progress::ReadProgress;
use filmspace_core::embedding::GenreReport;
use filmspace_core::protocol::{
    ClassifyReply, ClassifyRequest, Control, Envelope, FitReply, FitRequest, MeasureRequest,
    Measured, ProjectReply, ProjectRequest, ReadReply, ReadRequest, Reply, Request, RunId, decode,
    encode,
};
use futures::StreamExt;
use futures::channel::mpsc;
use leptos::prelude::{GetValue, LocalStorage, SetValue, StoredValue};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::fit::Controls;
use super::wire;

/// The worker's script, next to the page: it instantiates the module it is sent or pointed to.
const WORKER_URL: &str = "./train_worker.js";

fn document() -> Result<web_sys::Document, String> {
    web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| "no document to find the modules in".to_string())
}

/// `href` resolved against the page's address.
fn absolute(document: &web_sys::Document, href: &str) -> Result<String, String> {
    let base = document.base_uri().ok().flatten().unwrap_or_default();
    web_sys::Url::new_with_base(href, &base)
        .map(|url| url.href())
        .map_err(|e| format!("{e:?}"))
}

/// The URL of the page's wasm-bindgen glue (Trunk preloads it as a module, under a hashed name).
fn page_glue_url() -> Result<String, String> {
    let document = document()?;
    let link = document
        .query_selector("link[rel=modulepreload][href$='.js']")
        .ok()
        .flatten()
        .ok_or("the page names no module for its worker")?;
    absolute(&document, &link.get_attribute("href").unwrap_or_default())
}

/// The WebGPU worker's glue and module (hashed names `scripts/build` writes into the page as
/// `<meta name="filmspace-webgpu-glue|wasm">`): fetched only when a worker trains on WebGPU.
fn webgpu_module_urls() -> Result<(String, String), String> {
    let document = document()?;
    let url = |name: &str| -> Result<String, String> {
        let meta = document
            .query_selector(&format!("meta[name=filmspace-webgpu-{name}]"))
            .ok()
            .flatten()
            .ok_or("this build of the page has no WebGPU module")?;
        absolute(
            &document,
            &meta.get_attribute("content").unwrap_or_default(),
        )
    };
    Ok((url("glue")?, url("wasm")?))
}

/// A module worker: on the CPU it runs the page's own compiled module (sent in its first
/// message, so nothing is downloaded or compiled twice); on WebGPU it loads the module built with
/// Burn's wgpu backend, which the page itself never needs.
fn spawn_worker(gpu: bool) -> Result<web_sys::Worker, String> {
    let (glue, module): (String, JsValue) = if gpu {
        let (glue, wasm) = webgpu_module_urls()?;
        (glue, wasm.into())
    } else {
        (page_glue_url()?, wasm_bindgen::module())
    };
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker =
        web_sys::Worker::new_with_options(WORKER_URL, &options).map_err(|e| format!("{e:?}"))?;
    let start = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| js_sys::Reflect::set(&start, &key.into(), value);
    set("glue", &glue.into()).map_err(|e| format!("{e:?}"))?;
    set("module", &module).map_err(|e| format!("{e:?}"))?;
    worker.post_message(&start).map_err(|e| format!("{e:?}"))?;
    Ok(worker)
}

thread_local! {
    static LAST_RUN: Cell<RunId> = const { Cell::new(0) };
}

fn next_run() -> RunId {
    LAST_RUN.with(|last| {
        last.set(last.get() + 1);
        last.get()
    })
}

/// Why a job got no answer.
#[derive(Debug, Clone)]
pub enum JobError {
    /// The worker never answered (it did not start): the caller may run the job elsewhere.
    Unstarted(String),
    /// The worker died, or sent what could not be read, during the job.
    Died(String),
}

impl JobError {
    pub fn message(&self) -> &str {
        match self {
            JobError::Unstarted(why) | JobError::Died(why) => why,
        }
    }
}

type Inbox = mpsc::UnboundedSender<Result<Reply, String>>;

/// One dedicated worker running the worker binary.
pub struct WorkerClient {
    worker: web_sys::Worker,
    /// Runs the module with WebGPU (it trains on the CPU too).
    gpu: bool,
    ready: Rc<Cell<bool>>,
    broken: Rc<Cell<bool>>,
    /// The run listening now, and where its replies go.
    inbox: Rc<RefCell<Option<(RunId, Inbox)>>>,
    /// Post [`Request::WarmUp`] as soon as the worker listens.
    warm_up_when_ready: Rc<Cell<bool>>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl WorkerClient {
    /// A worker running the page's module, or the WebGPU module when `gpu`.
    pub fn start(gpu: bool) -> Result<Self, String> {
        let worker = spawn_worker(gpu)?;
        let ready = Rc::new(Cell::new(false));
        let broken = Rc::new(Cell::new(false));
        let inbox: Rc<RefCell<Option<(RunId, Inbox)>>> = Rc::new(RefCell::new(None));
        let warm_up_when_ready = Rc::new(Cell::new(false));
        let deliver = {
            let inbox = inbox.clone();
            move |run: Option<RunId>, reply: Result<Reply, String>| {
                if let Some((listening, sender)) = inbox.borrow().as_ref()
                    && run.is_none_or(|run| run == *listening)
                {
                    let _ = sender.unbounded_send(reply);
                }
            }
        };
        let on_message = {
            let (ready, broken, deliver, worker, warm_up) = (
                ready.clone(),
                broken.clone(),
                deliver.clone(),
                worker.clone(),
                warm_up_when_ready.clone(),
            );
            let handle = move |decoded: Result<Envelope<Reply>, String>| {
                match decoded {
                    Ok(envelope) if matches!(envelope.body, Reply::Ready) => {
                        ready.set(true);
                        if warm_up.take() {
                            let _ = worker.post_message(&encode(0, &Request::WarmUp).into());
                        }
                        deliver(None, Ok(Reply::Ready));
                    }
                    Ok(envelope) => deliver(Some(envelope.run), Ok(envelope.body)),
                    Err(error) => {
                        // Whatever it says next cannot be trusted either.
                        broken.set(true);
                        worker.terminate();
                        deliver(None, Err(format!("the worker sent {error}")));
                    }
                }
            };
            Closure::<dyn FnMut(_)>::new(move |event: web_sys::MessageEvent| {
                let (text, extra) = wire::parts(&event.data());
                let decoded = decode::<Reply>(&text);
                match (decoded, extra) {
                    (Ok(mut envelope), Some(extra)) => {
                        // Bytes beside the text (a read data set's ratings) are copied in over
                        // several tasks; nothing follows such a reply in its run.
                        let handle = handle.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            let received = wire::receive_bytes(&mut envelope.body, &extra).await;
                            handle(received.map(|()| envelope));
                        });
                    }
                    (decoded, _) => handle(decoded),
                }
            })
        };
        let on_error = {
            let broken = broken.clone();
            Closure::<dyn FnMut(_)>::new(move |event: web_sys::ErrorEvent| {
                // Handled here (the job fails with a message): not an uncaught error of the page.
                event.prevent_default();
                broken.set(true);
                deliver(None, Err(event.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self {
            worker,
            gpu,
            ready,
            broken,
            inbox,
            warm_up_when_ready,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Has the worker run its training code once on generated data while the page is idle
    /// ([`Request::WarmUp`]); the next job ends it.
    pub fn warm_up_training(&self) {
        if self.inbox.borrow().is_some() {
            // A job is in progress: it has the worker, and warms it up itself.
        } else if self.ready.get() {
            self.post(0, Request::WarmUp, None);
        } else {
            self.warm_up_when_ready.set(true);
        }
    }

    pub fn is_broken(&self) -> bool {
        self.broken.get()
    }

    /// Posts `request`; its rating columns travel beside its text as a transferred buffer
    /// ([`Request::take_ratings`]), a picked file as `extra` (no request carries both).
    fn post(&self, run: RunId, mut request: Request, extra: Option<&JsValue>) {
        let ratings = request.take_ratings();
        let text = encode(run, &request);
        let _ = match (ratings, extra) {
            (Some(bytes), _) => {
                let (message, transfer) = wire::with_bytes(text, &bytes);
                self.worker.post_message_with_transfer(&message, &transfer)
            }
            (None, Some(extra)) => self.worker.post_message(&wire::with_extra(text, extra)),
            (None, None) => self.worker.post_message(&text.into()),
        };
    }

    /// Runs `request` as a new run, passing each reply to `take` until it returns the answer.
    async fn exchange<T, S: FnOnce(RunId)>(
        &self,
        request: Request,
        on_start: S,
        take: impl FnMut(Reply) -> Option<T>,
    ) -> Result<T, JobError> {
        self.exchange_with(request, None, on_start, take).await
    }

    /// [`Self::exchange`] with `extra` travelling beside the request (a picked file).
    async fn exchange_with<T, S: FnOnce(RunId)>(
        &self,
        request: Request,
        extra: Option<JsValue>,
        on_start: S,
        mut take: impl FnMut(Reply) -> Option<T>,
    ) -> Result<T, JobError> {
        if self.is_broken() {
            return Err(JobError::Unstarted("the worker failed earlier".into()));
        }
        let run = next_run();
        let (sender, mut replies) = mpsc::unbounded();
        *self.inbox.borrow_mut() = Some((run, sender));
        let mut pending = Some((request, on_start));
        let post_pending = |pending: &mut Option<(Request, S)>| {
            if let Some((request, on_start)) = pending.take() {
                self.post(run, request, extra.as_ref());
                on_start(run);
            }
        };
        if self.ready.get() {
            post_pending(&mut pending);
        }
        let mut heard = false;
        let answer = loop {
            match replies.next().await {
                Some(Ok(Reply::Ready)) => post_pending(&mut pending),
                Some(Ok(reply)) => {
                    heard = true;
                    if let Some(answer) = take(reply) {
                        break Ok(answer);
                    }
                }
                Some(Err(error)) if !heard => break Err(JobError::Unstarted(error)),
                Some(Err(error)) => break Err(JobError::Died(error)),
                None => break Err(JobError::Unstarted("the worker's channel closed".into())),
            }
        };
        *self.inbox.borrow_mut() = None;
        answer
    }

    /// Fits a model, passing every reply on; commands reach the fit through `remote`.
    pub async fn fit(
        &self,
        request: FitRequest,
        remote: &Remote,
        on_reply: &mut dyn FnMut(FitReply),
    ) -> Result<(), JobError> {
        let attach = |run| remote.attach(self.worker.clone(), run);
        let result = self
            .exchange(
                Request::Fit(Box::new(request)),
                attach,
                |reply| match reply {
                    Reply::Fit(reply) => {
                        let reply = reply.received();
                        let last = matches!(
                            reply,
                            FitReply::Finished(_) | FitReply::Stopped | FitReply::Failed(_)
                        );
                        on_reply(reply);
                        last.then_some(())
                    }
                    Reply::Failed(error) => {
                        on_reply(FitReply::Failed(error));
                        Some(())
                    }
                    other => {
                        on_reply(FitReply::Failed(format!("the worker answered {other:?}")));
                        Some(())
                    }
                },
            )
            .await;
        remote.detach();
        result
    }

    /// t-SNE of film vectors; progress (epoch, epochs, the map so far now and then) as it goes.
    pub async fn project(
        &self,
        request: ProjectRequest,
        mut on_progress: impl FnMut(usize, usize, Option<Vec<[f32; 2]>>),
    ) -> Result<Vec<[f32; 2]>, String> {
        self.exchange(
            Request::Project(request),
            |_| {},
            |reply| match reply {
                Reply::Project(ProjectReply::Progress {
                    epoch,
                    epochs,
                    points,
                }) => {
                    on_progress(epoch, epochs, points);
                    None
                }
                Reply::Project(ProjectReply::Done(points)) => Some(Ok(points)),
                Reply::Failed(error) => Some(Err(error)),
                other => Some(Err(format!("the worker answered {other:?}"))),
            },
        )
        .await
        .map_err(|e| e.message().to_string())?
    }

    /// The genre classifier's report on film vectors.
    pub async fn classify(&self, request: ClassifyRequest) -> Result<GenreReport, String> {
        self.exchange(
            Request::Classify(request),
            |_| {},
            |reply| match reply {
                Reply::Classify(ClassifyReply::Done(report)) => Some(Ok(report)),
                Reply::Failed(error) => Some(Err(error)),
                other => Some(Err(format!("the worker answered {other:?}"))),
            },
        )
        .await
        .map_err(|e| e.message().to_string())?
    }
}

impl WorkerClient {
    /// How fast the worker trains on one backend.
    pub async fn measure(&self, request: MeasureRequest) -> Result<Measured, String> {
        self.exchange(
            Request::Measure(request),
            |_| {},
            |reply| match reply {
                Reply::Measure(measured) => Some(Ok(measured)),
                Reply::Failed(error) => Some(Err(error)),
                other => Some(Err(format!("the worker answered {other:?}"))),
            },
        )
        .await
        .map_err(|e| e.message().to_string())?
    }

    /// A picked data file or archive, read, unzipped and parsed in the worker; its progress as
    /// it goes.
    pub async fn read(
        &self,
        request: ReadRequest,
        file: web_sys::File,
        on_progress: &mut dyn FnMut(ReadProgress),
    ) -> Result<ReadReply, JobError> {
        self.exchange_with(
            Request::Read(request),
            Some(file.into()),
            |_| {},
            |reply| match reply {
                Reply::Read(ReadReply::Progress(progress)) => {
                    on_progress(progress);
                    None
                }
                Reply::Read(reply) => Some(reply),
                Reply::Failed(error) => Some(ReadReply::Refused(error)),
                other => Some(ReadReply::Refused(format!("the worker answered {other:?}"))),
            },
        )
        .await
    }
}

impl Drop for WorkerClient {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// A store's worker: started on first use, reused while healthy, replaced once it failed.
#[derive(Clone, Copy)]
pub struct WorkerSlot(StoredValue<Option<Rc<WorkerClient>>, LocalStorage>);

impl Default for WorkerSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl WorkerSlot {
    pub fn new() -> Self {
        Self(StoredValue::new_local(None))
    }

    /// The slot's worker, started on the CPU module if there is none.
    pub fn get(self) -> Result<Rc<WorkerClient>, String> {
        self.get_for(false)
    }

    /// The slot's worker if it can train on WebGPU when `gpu` asks for it; else one that can
    /// replaces it.
    pub fn get_for(self, gpu: bool) -> Result<Rc<WorkerClient>, String> {
        if let Some(worker) = self
            .0
            .get_value()
            .filter(|w| !w.is_broken() && (w.gpu || !gpu))
        {
            return Ok(worker);
        }
        self.0.set_value(None);
        let worker = Rc::new(WorkerClient::start(gpu)?);
        self.0.set_value(Some(worker.clone()));
        Ok(worker)
    }

    /// Whether a worker is running a job now or kept warm.
    pub fn is_running(self) -> bool {
        self.0.get_value().is_some()
    }

    /// Terminates the worker (cancelling its job).
    pub fn clear(self) {
        self.0.set_value(None);
    }
}

/// The page's handle on a fit's controls: applied here (for a fit on this thread) and posted to
/// the worker running it.
#[derive(Default)]
pub struct Remote {
    pub controls: Rc<Controls>,
    worker: RefCell<Option<(web_sys::Worker, RunId)>>,
}

impl Remote {
    pub fn send(&self, control: Control) {
        self.controls.apply(control);
        if let Some((worker, run)) = self.worker.borrow().as_ref() {
            let _ = worker.post_message(&encode(*run, &Request::Control(control)).into());
        }
    }

    fn attach(&self, worker: web_sys::Worker, run: RunId) {
        *self.worker.borrow_mut() = Some((worker, run));
    }

    fn detach(&self) {
        *self.worker.borrow_mut() = None;
    }
}
