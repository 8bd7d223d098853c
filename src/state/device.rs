//! Which device a run trains on, and why: the one choice the training panel and the zoo share.

use burn::tensor::Device;
use filmspace_core::settings::BackendChoice;

use crate::web::backend::BackendStatus;

/// The backend a run uses, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RunBackend {
    pub gpu: bool,
    pub reason: String,
}

impl RunBackend {
    /// The CPU taking over from a failed GPU.
    pub fn after_gpu_failure() -> Self {
        RunBackend {
            gpu: false,
            reason: "CPU backend, after a WebGPU failure".into(),
        }
    }
}

/// Picks the device for a run: auto means WebGPU only on a hardware adapter. The warning says
/// when the choice could not be followed.
pub fn choose_device(
    choice: BackendChoice,
    status: &BackendStatus,
    gpu: Option<Device>,
) -> (Device, RunBackend, Option<String>) {
    let cpu = |reason: &str| {
        (
            Device::flex(),
            RunBackend {
                gpu: false,
                reason: reason.to_string(),
            },
        )
    };
    let (device, backend) = match (choice, status, gpu) {
        (BackendChoice::Cpu, _, _) => cpu("CPU backend, as chosen"),
        (BackendChoice::WebGpu, _, Some(device)) => (
            device,
            RunBackend {
                gpu: true,
                reason: "WebGPU, as chosen".into(),
            },
        ),
        (BackendChoice::WebGpu, _, None) => {
            let (device, backend) =
                cpu("CPU backend: WebGPU was asked for but is not available here");
            return (
                device,
                backend,
                Some(
                    "WebGPU is not available in this browser; training on the CPU instead.".into(),
                ),
            );
        }
        (
            BackendChoice::Auto,
            BackendStatus::WebGpu {
                software: false, ..
            },
            Some(device),
        ) => (
            device,
            RunBackend {
                gpu: true,
                reason: "WebGPU on a hardware adapter".into(),
            },
        ),
        (BackendChoice::Auto, BackendStatus::WebGpu { software: true, .. }, _) => cpu(
            "CPU backend: the only WebGPU adapter is software (SwiftShader), 15–20× slower than the CPU backend",
        ),
        (BackendChoice::Auto, _, _) => cpu("CPU backend: no WebGPU adapter"),
    };
    (device, backend, None)
}

/// What the page says when the CPU takes over from a failed GPU after `resumed_at` epochs.
pub fn fell_back_message(error: &str, resumed_at: usize) -> String {
    if resumed_at > 0 {
        format!(
            "WebGPU failed ({error}); training carries on on the CPU backend from epoch \
             {resumed_at} (the optimiser's momentum starts afresh)."
        )
    } else {
        format!("WebGPU failed ({error}); training again on the CPU backend.")
    }
}
