//! Reading the file a person picked in an `<input type="file">`.

use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

/// Reads the first picked file of the input that fired `event`, then calls `on_read` with its
/// name and bytes (or why it could not be read). The input is cleared, so picking the same file
/// again fires again. False when nothing was picked.
pub fn read_picked_file(
    event: &web_sys::Event,
    on_read: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) -> bool {
    let Some(input) = event
        .target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
    else {
        return false;
    };
    let Some(file) = input.files().and_then(|files| files.get(0)) else {
        return false;
    };
    input.set_value("");
    let file = gloo_file::File::from(file);
    spawn_local(async move {
        let bytes = gloo_file::futures::read_as_bytes(&file)
            .await
            .map_err(|e| e.to_string());
        on_read(file.name(), bytes);
    });
    true
}
