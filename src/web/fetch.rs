//! `fetch` with byte-level progress, so a slow connection shows a moving bar, not a frozen page.

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{ReadableStreamDefaultReader, Response};

/// Why a download failed, phrased for the page.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchError(pub String);

impl FetchError {
    /// The server has no such file (a page hosted without its data, say).
    pub fn is_not_found(&self) -> bool {
        self.0.starts_with("the server answered 404")
    }
}

fn js_message(value: &JsValue) -> String {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Downloads `url` and calls `on_progress(received, total)` as bytes arrive (`total` from
/// Content-Length when the server sends it). A body shorter than its announced length is an error.
pub async fn fetch_bytes(
    url: &str,
    mut on_progress: impl FnMut(u64, Option<u64>),
) -> Result<Vec<u8>, FetchError> {
    let window = web_sys::window().ok_or_else(|| FetchError("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| FetchError(format!("network error ({})", js_message(&e))))?
        .unchecked_into();
    if !response.ok() {
        return Err(FetchError(format!(
            "the server answered {} {}",
            response.status(),
            response.status_text()
        )));
    }
    let total = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        // A compressed body's length is not the length we receive.
        .filter(|_| {
            response
                .headers()
                .get("content-encoding")
                .ok()
                .flatten()
                .is_none()
        });
    let Some(body) = response.body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    let mut bytes = Vec::with_capacity(total.unwrap_or(0) as usize);
    loop {
        let chunk = JsFuture::from(reader.read())
            .await
            .map_err(|e| FetchError(format!("the download broke off ({})", js_message(&e))))?;
        let done = Reflect::get(&chunk, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = Reflect::get(&chunk, &"value".into()) {
            bytes.extend_from_slice(&Uint8Array::new(&value).to_vec());
        }
        on_progress(bytes.len() as u64, total);
    }
    if let Some(total) = total
        && (bytes.len() as u64) < total
    {
        return Err(FetchError(format!(
            "the download stopped after {} of {total} bytes",
            bytes.len()
        )));
    }
    Ok(bytes)
}
