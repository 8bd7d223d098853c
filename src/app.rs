//! Lays out the panels and owns the state they share. No maths here: computed values come from
//! `filmspace_core`, browser work from `web`.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use leptos::prelude::*;
use leptos::task::spawn_local;

use filmspace_core::settings::{BackendChoice, TrainSettings};

use crate::state::device;
use crate::state::map::Explorer;
use crate::state::serving::{ServedBy, Serving};
use crate::state::training::{Export, Training};
use crate::state::visitor::Visitor;
use crate::state::zoo::Zoo;
use crate::ui::panels::{
    backend_panel::BackendPanel, data_panel::DataPanel, header::Header, map::MapPanel,
    rate_panel::RatePanel, recs_panel::RecsPanel, stats_panel::StatsPanel, train_panel::TrainPanel,
    zoo_panel::ZooPanel,
};
use crate::web::backend::{self, BackendStatus, Speed};
use crate::web::movielens::{self, LoadProgress};
use crate::web::offline::{self, Offline};

/// Where the dataset stands. `Ready` keeps where it came from, for the page to say.
#[derive(Debug, Clone)]
pub enum DataState {
    Loading(LoadProgress),
    Ready {
        dataset: Arc<Dataset>,
        source: String,
    },
    Error(String),
}

fn location_query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

fn location_query_is_set() -> bool {
    location_query()
        .trim_start_matches('?')
        .split('&')
        .any(|pair| !pair.is_empty())
}

/// Everything the panels share: the data, the backend, and the stores.
#[derive(Clone, Copy)]
struct Page {
    data: RwSignal<DataState>,
    backend_status: RwSignal<BackendStatus>,
    /// The WebGPU device, kept for training (it cannot be re-initialised once made).
    gpu_device: StoredValue<Option<burn::tensor::Device>, LocalStorage>,
    zip_error: RwSignal<Option<String>>,
    /// A picked zip is being unzipped and read.
    zip_busy: RwSignal<bool>,
    offline: RwSignal<Offline>,
    training: Training,
    serving: Serving,
    visitor: Visitor,
    explorer: Explorer,
    zoo: Zoo,
}

impl Page {
    fn new(settings: TrainSettings) -> Self {
        let serving = Serving::new();
        let training = Training::new(settings, serving);
        Page {
            data: RwSignal::new(DataState::Loading(LoadProgress {
                fraction: 0.0,
                file: "u.data",
            })),
            backend_status: RwSignal::new(BackendStatus::Probing),
            gpu_device: StoredValue::new_local(None),
            zip_error: RwSignal::new(None),
            zip_busy: RwSignal::new(false),
            offline: RwSignal::new(Offline::Unavailable),
            training,
            serving,
            visitor: Visitor::new(serving.now),
            explorer: Explorer::new(),
            zoo: Zoo::new(serving),
        }
    }

    fn dataset(self) -> Option<Arc<Dataset>> {
        match self.data.get_untracked() {
            DataState::Ready { dataset, .. } => Some(dataset),
            _ => None,
        }
    }

    /// Each dataset gets its search index and neighbours; the map follows the serving model, and
    /// each epoch of a run; the settings live in the URL, so a link reproduces a run.
    fn follow(self) {
        let Page {
            data,
            training,
            serving,
            visitor,
            explorer,
            ..
        } = self;
        Effect::new(move |_| {
            if let DataState::Ready { dataset, .. } = data.get() {
                explorer.set_dataset(dataset.clone());
                visitor.prepare(dataset);
            }
        });
        Effect::new(move |_| {
            let now = serving.now.get();
            let about = now.as_ref().map(ServedBy::map_about);
            explorer.show_model(now.and_then(|s| s.films), about);
        });
        Effect::new(move |_| {
            if let Some(map) = training.live_map.get()
                && training.state.get_untracked().is_running()
            {
                explorer.show_live(&map);
            }
        });
        Effect::new(move |_| {
            let query = training.settings.get().to_query();
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
            }
        });
    }

    fn start_training(self, one_epoch: bool) {
        if let Some(dataset) = self.dataset() {
            let (status, gpu) = (
                self.backend_status.get_untracked(),
                self.gpu_device.get_value(),
            );
            self.training.start(dataset, status, gpu, one_epoch);
        }
    }

    /// Once the data and the backend are known: `?autotrain=1` trains, and the model kept on an
    /// earlier visit comes back (it serves until another is trained or chosen).
    fn start_or_restore(self, autotrain: bool) {
        let url_has_settings = location_query_is_set();
        Effect::new(move |handled: Option<bool>| {
            if handled == Some(true) {
                return true;
            }
            let DataState::Ready { dataset, .. } = self.data.get() else {
                return false;
            };
            if self.backend_status.get() == BackendStatus::Probing {
                return false;
            }
            if autotrain {
                self.start_training(false);
            }
            spawn_local(async move {
                if let Some(kept) = self.serving.restore(dataset).await
                    && !autotrain
                {
                    self.training.show_kept(&kept, url_has_settings);
                }
            });
            true
        });
    }

    /// With `auto` and WebGPU present, times both backends once the data is there (or reads what
    /// an earlier visit measured here), so that auto takes the faster. Not when a run starts at
    /// once (`?autotrain=1`): the two would share the CPU and both be slower.
    fn measure_backends(self, autotrain: bool) {
        let (data, status, settings) = (self.data, self.backend_status, self.training.settings);
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) || autotrain {
                return true;
            }
            let description = match status.get() {
                BackendStatus::Probing => return false,
                BackendStatus::Cpu { .. } => return true,
                BackendStatus::WebGpu { description, .. } => description,
            };
            let DataState::Ready { dataset, .. } = data.get() else {
                return false;
            };
            if settings.get_untracked().backend != BackendChoice::Auto {
                return true;
            }
            status.update(|s| *s = s.clone().with_speed(Speed::Measuring));
            spawn_local(async move {
                let speed = device::measure_speed(description, dataset).await;
                status.update(|s| *s = s.clone().with_speed(speed));
            });
            true
        });
    }

    /// Loads ML-100K from the page's origin and probes the backends, side by side; then warms up
    /// the training worker and registers the service worker.
    fn load(self) {
        let data = self.data;
        spawn_local(async move {
            let loaded =
                movielens::load_from_origin(|progress| data.set(DataState::Loading(progress)))
                    .await;
            // A zip picked while the download ran wins; never overwrite it.
            if matches!(data.get_untracked(), DataState::Ready { .. }) {
                return;
            }
            data.set(match loaded {
                Ok(dataset) => DataState::Ready {
                    dataset: Arc::new(dataset),
                    source: movielens::DATA_URL.to_string(),
                },
                Err(error) => DataState::Error(format!("Could not load MovieLens 100K. {error}.")),
            });
        });
        // Only once the page is ready do the training worker's code and the offline copy load:
        // on a slow network they would otherwise share its bandwidth with the data.
        let (data, training, offline_state) = (self.data, self.training, self.offline);
        Effect::new(move |done: Option<bool>| {
            if done == Some(true) || !matches!(data.get(), DataState::Ready { .. }) {
                return done.unwrap_or(false);
            }
            training.warm_up();
            offline::register(offline_state);
            true
        });
        spawn_local(async move {
            let probe = backend::probe().await;
            self.gpu_device.set_value(probe.device);
            self.backend_status.set(probe.status);
        });
    }

    fn run_zoo(self) {
        if let Some(dataset) = self.dataset() {
            let settings = self.training.settings.get_untracked();
            let (status, gpu) = (
                self.backend_status.get_untracked(),
                self.gpu_device.get_value(),
            );
            self.zoo.run(dataset, &settings, status, gpu);
        }
    }

    /// A picked zip replaces the data once it is unzipped (in a worker) and read; a bad one, or a
    /// file that could not be read, never replaces data that loaded.
    fn open_zip(self, name: String, bytes: Result<Vec<u8>, String>) {
        self.zip_busy.set(true);
        spawn_local(async move {
            let loaded = match bytes {
                Ok(bytes) => movielens::load_from_zip(name.clone(), bytes).await,
                Err(error) => Err(error),
            };
            self.zip_busy.set(false);
            match loaded {
                Ok(dataset) => {
                    self.zip_error.set(None);
                    self.data.set(DataState::Ready {
                        dataset: Arc::new(dataset),
                        source: name,
                    });
                }
                Err(error) => {
                    let message = format!("That zip was not used: {error}.");
                    if matches!(self.data.get_untracked(), DataState::Ready { .. }) {
                        self.zip_error.set(Some(message));
                    } else {
                        self.data.set(DataState::Error(message));
                    }
                }
            }
        });
    }
}

#[component]
pub fn App() -> impl IntoView {
    let location = web_sys::window().map(|w| w.location());
    let (settings, url_problems) =
        TrainSettings::from_query(&location.and_then(|l| l.search().ok()).unwrap_or_default());
    let autotrain = settings.autotrain;
    let page = Page::new(settings);
    if !url_problems.is_empty() {
        let problems = url_problems.join("; ");
        let message = format!("Some link settings were not used: {problems}.");
        page.training.message.set(Some(message));
    }
    page.follow();
    if autotrain {
        // Training starts as soon as the data is there: its worker's code loads beside the data.
        page.training.warm_up();
    }
    page.start_or_restore(autotrain);
    page.measure_backends(autotrain);
    page.load();
    let Page {
        data,
        backend_status,
        zip_error,
        zip_busy,
        offline,
        training,
        visitor,
        explorer,
        zoo,
        ..
    } = page;
    let on_export = move |what: Export| {
        if let Some(dataset) = page.dataset() {
            training.export(&dataset, what);
        }
    };
    view! {
        <Header backend=backend_status.read_only() offline=offline.read_only() />
        <main class="panels">
            <DataPanel data=data.read_only() zip_error=zip_error.read_only() zip_busy=zip_busy.read_only() on_zip=move |name, bytes| page.open_zip(name, bytes) />
            <BackendPanel backend=backend_status.read_only() />
            <RatePanel visitor />
            <RecsPanel visitor />
            <TrainPanel training on_start=move |one_epoch| page.start_training(one_epoch) on_export=on_export />
            <MapPanel explorer visitor />
            <ZooPanel zoo on_run=move |()| page.run_zoo() />
            <StatsPanel data=data.read_only() />
        </main>
        <footer class="footer">
            "MovieLens 100K © GroupLens Research, University of Minnesota. Rebuilt locally; never redistributed."
        </footer>
    }
}
