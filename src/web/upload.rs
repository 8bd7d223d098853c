//! Reading the file a person picked in an `<input type="file">` or dropped on the page.

use filmspace_core::data::limits::refuse_picked;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::HtmlInputElement;

/// Reads the first picked file of the input that fired `event`, then calls `on_read` with its
/// name and bytes (or why it was not read). A file over `limit` bytes is refused by its size
/// before any of it is copied into the page's memory. The input is cleared, so picking the same
/// file again fires again. False when nothing was picked.
pub fn read_picked_file(
    event: &web_sys::Event,
    limit: u64,
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
    read_file(file, limit, on_read);
    true
}

/// [`read_picked_file`] for a file dropped on the page (the drop's default, opening the file in
/// the tab, is prevented). False when the drop held no file.
pub fn read_dropped_file(
    event: &web_sys::DragEvent,
    limit: u64,
    on_read: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) -> bool {
    event.prevent_default();
    let Some(file) = event
        .data_transfer()
        .and_then(|t| t.files())
        .and_then(|files| files.get(0))
    else {
        return false;
    };
    read_file(file, limit, on_read);
    true
}

fn read_file(
    file: web_sys::File,
    limit: u64,
    on_read: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) {
    if let Some(refusal) = refuse_picked(&file.name(), file.size() as u64, limit) {
        on_read(file.name(), Err(refusal));
        return;
    }
    let file = gloo_file::File::from(file);
    spawn_local(async move {
        let bytes = gloo_file::futures::read_as_bytes(&file)
            .await
            .map_err(|e| format!("{} could not be read ({e})", file.name()));
        on_read(file.name(), bytes);
    });
}
