//! Lays out the panels and owns the state they share. No maths here: computed values come from
//! `filmspace_core`, browser work from `web`. `data.rs`: the data commands; `lessons.rs`: the
//! lesson rail's glue.

mod data;
mod lessons;

use lessons::{link_to_lesson, present_with_keys, set_up_board, show_heading};

use std::sync::Arc;

use filmspace_core::data::Dataset;
use leptos::prelude::*;
use leptos::task::spawn_local;

use filmspace_core::lessons::Lesson;
use filmspace_core::settings::{BackendChoice, TrainSettings};

use crate::state::data::{Data, DataState};
use crate::state::device;
use crate::state::map::Explorer;
use crate::state::serving::{ServedBy, Serving};
use crate::state::training::{Export, Training};
use crate::state::visitor::Visitor;
use crate::state::zoo::Zoo;
use crate::ui::panels::{
    backend_panel::BackendPanel,
    data_panel::DataPanel,
    header::Header,
    lesson_panel::{LESSON_PANEL, LessonPanel},
    map::MapPanel,
    rate_panel::RatePanel,
    recs_panel::RecsPanel,
    stats_panel::StatsPanel,
    train_panel::TrainPanel,
    zoo_panel::ZooPanel,
};
use crate::ui::widgets::fields::PresenterFocus;
use crate::web::backend::{self, BackendStatus, Speed};
use crate::web::offline::{self, Offline};
use crate::web::schedule::{after_next_frame, next_macrotask};

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
    data: Data,
    backend_status: RwSignal<BackendStatus>,
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
            data: Data::new(),
            backend_status: RwSignal::new(BackendStatus::Probing),
            offline: RwSignal::new(Offline::Unavailable),
            training,
            serving,
            visitor: Visitor::new(serving.now),
            explorer: Explorer::new(),
            zoo: Zoo::new(serving),
        }
    }

    fn dataset(self) -> Option<Arc<Dataset>> {
        self.data.dataset()
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
            if let DataState::Ready { dataset, .. } = data.state.get() {
                // After the page shows the data is ready; each indexes every rating, so a task
                // each keeps the page responsive on large data.
                spawn_local(async move {
                    let current = || {
                        data.dataset()
                            .is_some_and(|now| Arc::ptr_eq(&now, &dataset))
                    };
                    after_next_frame().await;
                    if current() {
                        explorer.set_dataset(dataset.clone());
                    }
                    next_macrotask().await;
                    if current() {
                        visitor.prepare(dataset);
                    }
                });
            }
        });
        Effect::new(move |_| {
            let now = serving.now.get();
            // The map's projection in a task of its own, apart from the panels the model feeds.
            spawn_local(async move {
                next_macrotask().await;
                let about = now.as_ref().map(ServedBy::map_about);
                explorer.show_model(now.and_then(|s| s.films), about);
            });
        });
        Effect::new(move |_| {
            if let Some(map) = training.live_map.get()
                && training.state.get_untracked().is_running()
            {
                explorer.show_live(&map);
            }
        });
        Effect::new(move |_| {
            let mut query = training.settings.get().to_query();
            // The lesson on screen stays in the address beside the settings.
            if let Some(lesson) = Lesson::from_query(&location_query()) {
                query = lesson.query_in(&query);
            }
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                let _ =
                    history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
            }
        });
    }

    fn start_training(self, one_epoch: bool) {
        if let Some(dataset) = self.dataset() {
            let status = self.backend_status.get_untracked();
            self.training.start(dataset, status, one_epoch);
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
            let DataState::Ready { dataset, .. } = self.data.state.get() else {
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
        let (data, status, settings) =
            (self.data.state, self.backend_status, self.training.settings);
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
        self.data.load_builtin(false, move |dataset, source| {
            self.use_dataset(dataset, source)
        });
        // Only once the page is ready do the training worker's code and the offline copy load:
        // on a slow network they would otherwise share its bandwidth with the data.
        let (data, training, offline_state) = (self.data.state, self.training, self.offline);
        Effect::new(move |done: Option<bool>| {
            let (Some(false) | None, DataState::Ready { dataset, .. }) = (done, data.get()) else {
                return done.unwrap_or(false);
            };
            let settings = training.settings.get_untracked();
            if settings.autotrain || !settings.warm_up {
                training.warm_up();
            } else {
                training.warm_up_training(dataset);
            }
            offline::register(offline_state);
            true
        });
        spawn_local(async move {
            self.backend_status.set(backend::probe().await);
        });
    }

    fn run_zoo(self) {
        if let Some(dataset) = self.dataset() {
            let settings = self.training.settings.get_untracked();
            let status = self.backend_status.get_untracked();
            self.zoo.run(dataset, &settings, status);
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    let location = web_sys::window().map(|w| w.location());
    let query = location.and_then(|l| l.search().ok()).unwrap_or_default();
    let (mut settings, url_problems) = TrainSettings::from_query(&query);
    let lesson = RwSignal::new(Lesson::from_query(&query));
    if let Some(lesson) = lesson.get_untracked() {
        lesson.set_up(&mut settings);
    }
    let autotrain = settings.autotrain;
    let page = Page::new(settings);
    if !url_problems.is_empty() {
        let problems = url_problems.join("; ");
        let message = format!("Some link settings were not used: {problems}.");
        page.training.message.set(Some(message));
    }
    page.follow();
    page.follow_popularity();
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
        offline,
        training,
        visitor,
        explorer,
        zoo,
        ..
    } = page;
    let on_export = move |what: Export| {
        if let Some(dataset) = page.dataset() {
            training.export(dataset, what);
        }
    };
    let show_lesson = move |next: Lesson| {
        lesson.set(Some(next));
        if !training.state.get_untracked().is_running() {
            training.settings.update(|s| next.set_up(s));
        }
        set_up_board(zoo, next);
        show_heading(next.panel());
    };
    let go_to_lesson = move |next: Lesson| {
        show_lesson(next);
        link_to_lesson(next);
    };
    // Back and Forward move between the lessons visited.
    let history = window_event_listener(leptos::ev::popstate, move |_| {
        if let Some(visited) = Lesson::from_query(&location_query()) {
            show_lesson(visited);
        }
    });
    on_cleanup(move || history.remove());
    let presenting = RwSignal::new(false);
    provide_context(PresenterFocus {
        shown: Signal::derive(move || {
            presenting
                .get()
                .then(|| lesson.get().map(Lesson::panel))
                .flatten()
        }),
        always: LESSON_PANEL,
    });
    present_with_keys(presenting, lesson.read_only(), go_to_lesson);
    if let Some(first) = lesson.get_untracked() {
        set_up_board(zoo, first);
        spawn_local(async move {
            next_macrotask().await;
            show_heading(first.panel());
        });
    }
    view! {
        <Header backend=backend_status.read_only() offline=offline.read_only()
            data=Signal::derive(move || match data.state.get() {
                DataState::Ready { dataset, .. } => Some(dataset.label()),
                _ => None,
            }) />
        <main class=move || if presenting.get() { "panels presenting" } else { "panels" }>
            <LessonPanel lesson=lesson.read_only() data=data.state.read_only() training explorer visitor zoo presenting
                on_go=Callback::new(go_to_lesson) />
            <DataPanel data
                running=Signal::derive(move || training.state.get().is_running() || zoo.state.get().is_running())
                on_file=move |name, file| page.open_data(name, file)
                on_builtin=move |()| page.use_builtin()
                on_columns=move |columns| page.open_with_columns(columns)
                on_catalogue=move |()| page.open_catalogue() />
            <BackendPanel backend=backend_status.read_only() />
            <RatePanel visitor />
            <RecsPanel visitor />
            <TrainPanel training on_start=move |one_epoch| page.start_training(one_epoch) on_export=on_export />
            <MapPanel explorer visitor />
            <ZooPanel zoo on_run=move |()| page.run_zoo()
                on_bundle=move |(name, bytes): (String, Result<Vec<u8>, String>)| page.open_bundle(&name, bytes) />
            <StatsPanel data=data.state.read_only() />
        </main>
        <footer class="footer">
            "MovieLens data © GroupLens Research, University of Minnesota: dropped in by you, never uploaded or redistributed."
        </footer>
    }
}
