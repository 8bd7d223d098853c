//! Lays out the panels and owns the state they share. No maths here: computed values come from
//! `filmspace_core`, browser work from `web`.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use leptos::prelude::*;
use leptos::task::spawn_local;

use filmspace_core::settings::TrainSettings;

use crate::state::map::Explorer;
use crate::state::serving::{ServedBy, Serving};
use crate::state::training::{Export, Training};
use crate::state::visitor::Visitor;
use crate::state::zoo::Zoo;
use crate::ui::panels::{
    backend_panel::BackendPanel, data_panel::DataPanel, header::Header, map_panel::MapPanel,
    rate_panel::RatePanel, recs_panel::RecsPanel, stats_panel::StatsPanel, train_panel::TrainPanel,
    zoo_panel::ZooPanel,
};
use crate::web::backend::{self, BackendStatus};
use crate::web::movielens::{self, LoadProgress};

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

#[component]
pub fn App() -> impl IntoView {
    let data = RwSignal::new(DataState::Loading(LoadProgress {
        fraction: 0.0,
        file: "u.data",
    }));
    let backend_status = RwSignal::new(BackendStatus::Probing);
    // The WebGPU device, kept for training (it cannot be re-initialised once made).
    let gpu_device = StoredValue::new_local(None::<burn::tensor::Device>);
    let zip_error = RwSignal::new(None::<String>);
    let location = web_sys::window().map(|w| w.location());
    let (settings, url_problems) =
        TrainSettings::from_query(&location.and_then(|l| l.search().ok()).unwrap_or_default());
    let autotrain = settings.autotrain;
    let training = Training::new(settings);
    training.warm_up();
    let serving = Serving::new();
    let visitor = Visitor::new(serving.now);
    let explorer = Explorer::new();
    let zoo = Zoo::new(serving);
    // Each dataset (the built-in one or a picked zip) gets its search index and neighbours.
    Effect::new(move |_| {
        if let DataState::Ready { dataset, .. } = data.get() {
            explorer.set_dataset(dataset.clone());
            visitor.prepare(dataset);
        }
    });
    // The training panel's model serves unless a zoo row was chosen; a newly trained one takes
    // over. The map follows whichever serves, and each epoch of a run.
    Effect::new(move |_| serving.follow_training(training.trained.get().map(|(w, _)| w)));
    Effect::new(move |_| {
        if training.runs_kept.get() > 0
            && let Some((weights, _)) = training.trained.get_untracked()
        {
            serving.take_new_training(weights);
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
    if !url_problems.is_empty() {
        training.message.set(Some(format!(
            "Some link settings were not used: {}.",
            url_problems.join("; ")
        )));
    }

    // The page's settings live in its URL, so a link reproduces a run.
    Effect::new(move |_| {
        let query = training.settings.get().to_query();
        if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&query));
        }
    });
    let start_training = move |one_epoch: bool| {
        if let DataState::Ready { dataset, .. } = data.get_untracked() {
            training.start(
                dataset,
                backend_status.get_untracked(),
                gpu_device.get_value(),
                one_epoch,
            );
        }
    };
    // Once the data and the backend are known: ?autotrain=1 trains, otherwise a model kept from
    // an earlier visit comes back.
    let url_has_settings = location_query_is_set();
    Effect::new(move |handled: Option<bool>| {
        if handled == Some(true) {
            return true;
        }
        let DataState::Ready { dataset, .. } = data.get() else {
            return false;
        };
        if backend_status.get() == BackendStatus::Probing {
            return false;
        }
        if autotrain {
            start_training(false);
        } else {
            training.restore(dataset.clone(), url_has_settings);
        }
        let runs_kept = training.runs_kept.into();
        spawn_local(async move {
            serving.restore(dataset, runs_kept).await;
        });
        true
    });

    spawn_local(async move {
        let loaded =
            movielens::load_from_origin(|progress| data.set(DataState::Loading(progress))).await;
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
    spawn_local(async move {
        let probe = backend::probe().await;
        gpu_device.set_value(probe.device);
        backend_status.set(probe.status);
    });

    let run_zoo = move |()| {
        if let DataState::Ready { dataset, .. } = data.get_untracked() {
            zoo.run(
                dataset,
                &training.settings.get_untracked(),
                backend_status.get_untracked(),
                gpu_device.get_value(),
            );
        }
    };

    let on_export = move |what: Export| {
        if let DataState::Ready { dataset, .. } = data.get_untracked() {
            training.export(&dataset, what);
        }
    };

    let on_zip = move |name: String, bytes: Vec<u8>| match movielens::load_from_zip(&name, &bytes) {
        Ok(dataset) => {
            zip_error.set(None);
            data.set(DataState::Ready {
                dataset: Arc::new(dataset),
                source: name,
            });
        }
        Err(error) => {
            let message = format!("That zip was not used: {error}.");
            // A loaded dataset stays; the error only replaces an earlier error.
            if matches!(data.get_untracked(), DataState::Ready { .. }) {
                zip_error.set(Some(message));
            } else {
                data.set(DataState::Error(message));
            }
        }
    };

    view! {
        <Header backend=backend_status.read_only() />
        <main class="panels">
            <DataPanel data=data.read_only() zip_error=zip_error.read_only() on_zip=on_zip />
            <BackendPanel backend=backend_status.read_only() />
            <RatePanel visitor />
            <RecsPanel visitor />
            <TrainPanel training on_start=start_training on_export=on_export />
            <MapPanel explorer visitor />
            <ZooPanel zoo on_run=run_zoo />
            <StatsPanel data=data.read_only() />
        </main>
        <footer class="footer">
            "MovieLens 100K © GroupLens Research, University of Minnesota. Rebuilt locally; never redistributed."
        </footer>
    }
}
