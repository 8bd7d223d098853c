//! Which compute backend the page can use: a WebGPU adapter that grants a device, and whether it
//! is real hardware or a software rasteriser (SwiftShader), else the CPU backend. Asked of the
//! browser directly: Burn's wgpu backend lives only in the WebGPU worker's module
//! (`worker::client`), which the page never loads.

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

/// Calls `target.method()` and awaits the promise it returns.
async fn call_async(target: &JsValue, method: &str) -> Result<JsValue, String> {
    let function: js_sys::Function = get(target, method)
        .ok_or_else(|| format!("{method} is missing"))?
        .dyn_into()
        .map_err(|_| format!("{method} is not a function"))?;
    let promise: Promise = function
        .call0(target)
        .map_err(|e| format!("{method} threw {e:?}"))?
        .dyn_into()
        .map_err(|_| format!("{method} returned no promise"))?;
    JsFuture::from(promise)
        .await
        .map_err(|e| format!("{method} failed: {}", describe(&e)))
}

fn describe(error: &JsValue) -> String {
    get(error, "message")
        .and_then(|m| m.as_string())
        .or_else(|| error.as_string())
        .unwrap_or_else(|| format!("{error:?}"))
}

/// Asks for an adapter and a device on it (then lets the device go): what the training worker
/// will ask for. Never panics: every failure becomes `Cpu` with a reason.
pub async fn probe() -> BackendStatus {
    let cpu = |reason: String| BackendStatus::Cpu { reason };
    let Some(gpu) = web_sys::window().and_then(|w| get(&w.navigator(), "gpu")) else {
        return cpu("this browser offers no WebGPU (navigator.gpu is missing)".into());
    };
    let adapter = match call_async(&gpu, "requestAdapter").await {
        Ok(adapter) if !adapter.is_null() && !adapter.is_undefined() => adapter,
        Ok(_) => return cpu("WebGPU is present but no adapter was granted".into()),
        Err(error) => return cpu(format!("WebGPU's adapter request failed: {error}")),
    };
    match call_async(&adapter, "requestDevice").await {
        Ok(device) => {
            if let Some(destroy) =
                get(&device, "destroy").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                let _ = destroy.call0(&device);
            }
        }
        Err(error) => return cpu(format!("WebGPU granted an adapter but no device: {error}")),
    }
    let info = get(&adapter, "info").unwrap_or(JsValue::UNDEFINED);
    let architecture = get_string(&info, "architecture");
    let fallback = get(&info, "isFallbackAdapter").is_some_and(|v| v.is_truthy())
        || get(&adapter, "isFallbackAdapter").is_some_and(|v| v.is_truthy());
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
    BackendStatus::WebGpu {
        software,
        description,
        speed: Speed::NotMeasured,
    }
}
