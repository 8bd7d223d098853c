//! Which device a run trains on, and why: the one choice the training panel and the zoo share,
//! and `auto`'s measurement of both backends on this device.

use std::collections::HashMap;
use std::sync::Arc;

use filmspace_core::data::{Dataset, Rating};
use filmspace_core::protocol::MeasureRequest;
use filmspace_core::settings::BackendChoice;
use filmspace_core::train::RatingColumns;

use crate::ui::widgets::format::thousands;
use crate::web::backend::{BackendStatus, Measurement, Speed};
use crate::web::storage::local;
use crate::worker::client::WorkerClient;

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

/// Picks the backend for a run: auto takes the backend measured faster here, or before that
/// WebGPU only on a hardware adapter. The warning says when the choice could not be followed.
pub fn choose_device(
    choice: BackendChoice,
    status: &BackendStatus,
) -> (RunBackend, Option<String>) {
    let cpu = |reason: &str| RunBackend {
        gpu: false,
        reason: reason.to_string(),
    };
    let gpu = |reason: &str| RunBackend {
        gpu: true,
        reason: reason.to_string(),
    };
    let backend = match (choice, status) {
        (BackendChoice::Cpu, _) => cpu("CPU backend, as chosen"),
        (BackendChoice::WebGpu, BackendStatus::WebGpu { .. }) => gpu("WebGPU, as chosen"),
        (BackendChoice::WebGpu, _) => {
            return (
                cpu("CPU backend: WebGPU was asked for but is not available here"),
                Some(
                    "WebGPU is not available in this browser; training on the CPU instead.".into(),
                ),
            );
        }
        (
            BackendChoice::Auto,
            BackendStatus::WebGpu {
                speed: Speed::Measured(m),
                ..
            },
        ) => {
            let speeds = format!(
                "{} vs {} ratings/s",
                thousands(m.gpu.round() as usize),
                thousands(m.cpu.round() as usize)
            );
            if m.gpu_faster() {
                gpu(&format!(
                    "WebGPU: measured faster here ({speeds} on the CPU)"
                ))
            } else {
                cpu(&format!(
                    "CPU backend: measured faster here (WebGPU {speeds} on the CPU)"
                ))
            }
        }
        (
            BackendChoice::Auto,
            BackendStatus::WebGpu {
                software: false, ..
            },
        ) => gpu("WebGPU on a hardware adapter"),
        (BackendChoice::Auto, BackendStatus::WebGpu { software: true, .. }) => cpu(
            "CPU backend: the only WebGPU adapter is software (SwiftShader), 15–20× slower than the CPU backend",
        ),
        (BackendChoice::Auto, _) => cpu("CPU backend: no WebGPU adapter"),
    };
    (backend, None)
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

/// Where `auto`'s measurements are kept, per adapter: {"<adapter>": {"cpu": …, "gpu": …}}.
const SPEED_KEY: &str = "filmspace.backend-speed.v1";
/// The sample both backends train on: 20 batches of the default 1024, and a validation set.
const SAMPLE_TRAIN: usize = 20 * 1024;
const SAMPLE_VALIDATION: usize = 2048;

fn remembered_speeds() -> HashMap<String, Measurement> {
    local::get(SPEED_KEY)
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// Every k-th rating of the data (a spread, not its first users), then others for validation.
fn sample(dataset: &Dataset) -> (RatingColumns, RatingColumns) {
    let ratings = &dataset.ratings;
    let every = (ratings.len() / (SAMPLE_TRAIN + SAMPLE_VALIDATION)).max(1);
    let spread: Vec<Rating> = ratings.iter().step_by(every).copied().collect();
    let (train, validation) = spread.split_at(spread.len().min(SAMPLE_TRAIN));
    let validation = &validation[..validation.len().min(SAMPLE_VALIDATION)];
    (RatingColumns::of(train), RatingColumns::of(validation))
}

/// How fast each backend trains on this device (`adapter`): what an earlier visit measured, or
/// both timed now in a worker of its own (a few batches each), then kept for the next visit.
pub async fn measure_speed(adapter: String, dataset: Arc<Dataset>) -> Speed {
    if let Some(mut known) = remembered_speeds().get(&adapter).copied() {
        known.remembered = true;
        return Speed::Measured(known);
    }
    let (train, validation) = sample(&dataset);
    let mut speeds = [0.0; 2];
    for (gpu, speed) in [false, true].into_iter().zip(&mut speeds) {
        // Each backend in the module that trains on it: the page's, and the WebGPU worker's.
        let worker = match WorkerClient::start(gpu) {
            Ok(worker) => worker,
            Err(error) => return Speed::Failed(error),
        };
        let request = MeasureRequest {
            train: train.clone(),
            validation: validation.clone(),
            sizes: (dataset.n_users(), dataset.n_items()),
            gpu,
        };
        match worker.measure(request).await {
            Ok(measured) => *speed = measured.ratings_per_sec,
            Err(error) => return Speed::Failed(error),
        }
    }
    let measured = Measurement {
        cpu: speeds[0],
        gpu: speeds[1],
        remembered: false,
    };
    let mut kept = remembered_speeds();
    kept.insert(adapter, measured);
    if let Ok(json) = serde_json::to_string(&kept) {
        let _ = local::set(SPEED_KEY, &json);
    }
    Speed::Measured(measured)
}
