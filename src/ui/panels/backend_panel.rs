use leptos::prelude::*;

use crate::ui::widgets::fields::Panel;

use crate::ui::widgets::format::thousands;
use crate::web::backend::{BackendStatus, Speed};

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
            ..
        } => {
            format!("WebGPU on a hardware adapter ({description}). Models will train on the GPU.")
        }
        BackendStatus::WebGpu {
            software: true,
            description,
            ..
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
            <SpeedLine backend />
        </Panel>
    }
}

/// What `auto` measured here: both backends' training speed and the one it takes.
#[component]
fn SpeedLine(backend: ReadSignal<BackendStatus>) -> impl IntoView {
    let speed = move || match backend.get() {
        BackendStatus::WebGpu { speed, .. } => Some(speed),
        _ => None,
    };
    move || {
        speed().and_then(|speed| match speed {
            Speed::NotMeasured => None,
            Speed::Measuring => Some(view! {
                <p class="hint" data-testid="backend-measure" data-state="measuring">
                    "Timing a few batches on the CPU and on WebGPU, for auto to take the faster…"
                </p>
            }.into_any()),
            Speed::Failed(why) => Some(view! {
                <p class="hint" data-testid="backend-measure" data-state="failed">
                    {format!("The two backends could not be timed ({why}); auto goes by the adapter.")}
                </p>
            }.into_any()),
            Speed::Measured(m) => {
                let choice = if m.gpu_faster() { "webgpu" } else { "cpu" };
                let text = format!(
                    "Measured on this device{}: the CPU backend trains {} ratings/s, WebGPU {} \
                     ratings/s, so auto trains on {}.",
                    if m.remembered { " (on an earlier visit)" } else { "" },
                    thousands(m.cpu.round() as usize),
                    thousands(m.gpu.round() as usize),
                    if m.gpu_faster() { "WebGPU" } else { "the CPU" },
                );
                Some(view! {
                    <p class="hint" data-testid="backend-measure" data-state="measured"
                        data-cpu=m.cpu.round().to_string() data-gpu=m.gpu.round().to_string()
                        data-choice=choice data-remembered=m.remembered.to_string()>
                        {text}
                    </p>
                }.into_any())
            }
        })
    }
}
