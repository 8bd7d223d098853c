//! Which compute backend the page can use: a WebGPU adapter through Burn's async wgpu init, and
//! whether it is real hardware or a software rasteriser (SwiftShader), else the CPU backend.

use burn::tensor::Device;
use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, PartialEq)]
pub enum BackendStatus {
    Probing,
    WebGpu {
        software: bool,
        description: String,
        /// How fast each backend trains here, once measured (`auto` then takes the faster).
        speed: Speed,
    },
    Cpu {
        reason: String,
    },
}

/// Both backends' training speed on this device, for `auto`.
#[derive(Debug, Clone, PartialEq)]
pub enum Speed {
    NotMeasured,
    Measuring,
    Measured(Measurement),
    Failed(String),
}

/// Ratings per second of biased MF training, on each backend.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Measurement {
    pub cpu: f64,
    pub gpu: f64,
    /// Measured on an earlier visit and kept in this browser.
    #[serde(skip)]
    pub remembered: bool,
}

impl Measurement {
    pub fn gpu_faster(&self) -> bool {
        self.gpu > self.cpu
    }
}

impl BackendStatus {
    /// The same status with `speed` (no change unless WebGPU was found).
    pub fn with_speed(self, speed: Speed) -> BackendStatus {
        match self {
            BackendStatus::WebGpu {
                software,
                description,
                ..
            } => BackendStatus::WebGpu {
                software,
                description,
                speed,
            },
            other => other,
        }
    }
}

/// What the probe found, and the Burn device when WebGPU initialised.
pub struct Probe {
    pub status: BackendStatus,
    pub device: Option<Device>,
}

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn get_string(target: &JsValue, key: &str) -> String {
    get(target, key)
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The adapter's `info` as the browser reports it (Burn's wgpu keeps only the description).
async fn adapter_info() -> Option<JsValue> {
    let gpu = get(&web_sys::window()?.navigator(), "gpu")?;
    let request: js_sys::Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = JsFuture::from(promise)
        .await
        .ok()
        .filter(|a| !a.is_null())?;
    let info = get(&adapter, "info")?;
    Some(info)
}

/// Requests a WebGPU device through Burn. Never panics: every failure becomes `Cpu` with a reason.
pub async fn probe() -> Probe {
    let cpu = |reason: &str| Probe {
        status: BackendStatus::Cpu {
            reason: reason.to_string(),
        },
        device: None,
    };
    let has_webgpu = web_sys::window().is_some_and(|w| get(&w.navigator(), "gpu").is_some());
    if !has_webgpu {
        return cpu("this browser offers no WebGPU (navigator.gpu is missing)");
    }
    let Some(info) = adapter_info().await else {
        return cpu("WebGPU is present but no adapter was granted");
    };
    let device = match Device::wgpu_options().init_async().await {
        Ok(device) => device,
        Err(error) => return cpu(&format!("Burn could not start WebGPU: {error}")),
    };
    let architecture = get_string(&info, "architecture");
    let fallback = get(&info, "isFallbackAdapter").is_some_and(|v| v.is_truthy());
    let software = fallback || architecture.eq_ignore_ascii_case("swiftshader");
    let description = [
        get_string(&info, "vendor"),
        architecture,
        get_string(&info, "description"),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    Probe {
        status: BackendStatus::WebGpu {
            software,
            description,
            speed: Speed::NotMeasured,
        },
        device: Some(device),
    }
}
