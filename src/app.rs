//! Lays out the panels and owns the state they share. No maths here: computed values come from
//! `filmspace_core`, browser work from `web`.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::ui::{backend_panel::BackendPanel, data_panel::DataPanel, header::Header, stats_panel::StatsPanel};
use crate::web::backend::{self, BackendStatus};
use crate::web::movielens::{self, LoadProgress};

/// Where the dataset stands. `Ready` keeps where it came from, for the page to say.
#[derive(Debug, Clone)]
pub enum DataState {
    Loading(LoadProgress),
    Ready { dataset: Arc<Dataset>, source: String },
    Error(String),
}

#[component]
pub fn App() -> impl IntoView {
    let data = RwSignal::new(DataState::Loading(LoadProgress { fraction: 0.0, file: "u.data" }));
    let backend_status = RwSignal::new(BackendStatus::Probing);
    // The WebGPU device, kept for training (it cannot be re-initialised once made).
    let gpu_device = StoredValue::new_local(None::<burn::tensor::Device>);
    let zip_error = RwSignal::new(None::<String>);

    spawn_local(async move {
        let loaded = movielens::load_from_origin(|progress| data.set(DataState::Loading(progress))).await;
        // A zip picked while the download ran wins; never overwrite it.
        if matches!(data.get_untracked(), DataState::Ready { .. }) {
            return;
        }
        data.set(match loaded {
            Ok(dataset) => DataState::Ready { dataset: Arc::new(dataset), source: movielens::DATA_URL.to_string() },
            Err(error) => DataState::Error(format!("Could not load MovieLens 100K. {error}.")),
        });
    });
    spawn_local(async move {
        let probe = backend::probe().await;
        gpu_device.set_value(probe.device);
        backend_status.set(probe.status);
    });

    let on_zip = move |name: String, bytes: Vec<u8>| match movielens::load_from_zip(&name, &bytes) {
        Ok(dataset) => {
            zip_error.set(None);
            data.set(DataState::Ready { dataset: Arc::new(dataset), source: name });
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
            <StatsPanel data=data.read_only() />
        </main>
        <footer class="footer">
            "MovieLens 100K © GroupLens Research, University of Minnesota. Rebuilt locally; never redistributed."
        </footer>
    }
}
