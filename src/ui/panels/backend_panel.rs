use leptos::prelude::*;

use crate::ui::widgets::fields::Panel;

use crate::web::backend::BackendStatus;

#[component]
pub fn BackendPanel(backend: ReadSignal<BackendStatus>) -> impl IntoView {
    let state = move || match backend.get() {
        BackendStatus::Probing => "probing",
        BackendStatus::WebGpu { .. } => "webgpu",
        BackendStatus::Cpu { .. } => "cpu",
    };
    let adapter = move || match backend.get() {
        BackendStatus::WebGpu { software, .. } => {
            Some(if software { "software" } else { "hardware" })
        }
        _ => None,
    };
    let message = move || match backend.get() {
        BackendStatus::Probing => "Asking the browser for a WebGPU adapter…".to_string(),
        BackendStatus::WebGpu {
            software: false,
            description,
        } => {
            format!("WebGPU on a hardware adapter ({description}). Models will train on the GPU.")
        }
        BackendStatus::WebGpu {
            software: true,
            description,
        } => format!(
            "WebGPU is available, but on a software adapter ({description}), which runs on the CPU and is \
             slower than Burn's CPU backend: training will use the CPU backend unless you force WebGPU."
        ),
        BackendStatus::Cpu { reason } => {
            format!(
                "No WebGPU: {reason}. Models will train on Burn's CPU backend (Flex), inside this page."
            )
        }
    };
    view! {
        <Panel id="backend-title" title="Compute backend">
            <p data-testid="backend-status" data-state=state data-adapter=adapter role="status">
                {message}
            </p>
        </Panel>
    }
}
