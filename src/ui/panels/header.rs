use leptos::prelude::*;

use crate::web::backend::BackendStatus;
use crate::web::offline::{Offline, apply_update};

/// The tagline names the data set in use (none yet: what the page reads).
fn tagline(data: Option<&'static str>) -> String {
    let on = data.unwrap_or("MovieLens or your own ratings");
    format!("How recommender systems learn — trained live in your browser on {on}.")
}

#[component]
pub fn Header(
    backend: ReadSignal<BackendStatus>,
    offline: ReadSignal<Offline>,
    /// The label of the data set in use.
    data: Signal<Option<&'static str>>,
) -> impl IntoView {
    let badge = move || match backend.get() {
        BackendStatus::Probing => ("probing", "checking WebGPU…"),
        BackendStatus::WebGpu {
            software: false, ..
        } => ("webgpu", "WebGPU"),
        BackendStatus::WebGpu { software: true, .. } => ("software", "WebGPU (software)"),
        BackendStatus::Cpu { .. } => ("cpu", "CPU"),
    };
    view! {
        <header class="header">
            <div class="brand">
                <h1>"filmspace"</h1>
                <p class="tagline" data-testid="tagline">{move || tagline(data.get())}</p>
            </div>
            <div class="header-badges">
                <span class=move || format!("badge badge-{}", badge().0) title="Compute backend">
                    {move || badge().1}
                </span>
                <OfflineStatus offline />
            </div>
        </header>
    }
}

/// Whether a reload works without the network, and a new build waiting to be switched to.
#[component]
fn OfflineStatus(offline: ReadSignal<Offline>) -> impl IntoView {
    move || {
        match offline.get() {
        Offline::Unavailable => None,
        Offline::Ready => Some(
            view! {
                <span data-testid="offline-status" data-state="ready" class="badge badge-offline"
                    title="The page and the data are kept in this browser: a reload works offline.">
                    "works offline"
                </span>
            }
            .into_any(),
        ),
        Offline::Failed(reason) => Some(
            view! {
                <span data-testid="offline-status" data-state="failed" class="badge badge-online-only"
                    title=format!("This browser did not keep an offline copy, so a reload needs the network: {reason}")>
                    "online only"
                </span>
            }
            .into_any(),
        ),
        Offline::UpdateReady => Some(
            view! {
                <button type="button" data-testid="update-ready" class="update" on:click=move |_| apply_update()>
                    "A new version is ready — reload"
                </button>
            }
            .into_any(),
        ),
    }
    }
}
