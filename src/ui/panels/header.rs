use leptos::prelude::*;

use crate::web::backend::BackendStatus;

#[component]
pub fn Header(backend: ReadSignal<BackendStatus>) -> impl IntoView {
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
                <p class="tagline">"How recommender systems learn — trained live in your browser on MovieLens 100K."</p>
            </div>
            <span class=move || format!("badge badge-{}", badge().0) title="Compute backend">
                {move || badge().1}
            </span>
        </header>
    }
}
