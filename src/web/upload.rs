//! Reading the file a person picked in an `<input type="file">` or dropped on the page.

use filmspace_core::data::limits::refuse_picked;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use web_sys::{File, HtmlInputElement};

/// The first file picked in the input that fired `event`, or why it is not taken: a file over
/// `limit` bytes is refused by its size before any of it is read. The input is cleared, so picking
/// the same file again fires again. `None` when nothing was picked.
pub fn picked_file(event: &web_sys::Event, limit: u64) -> Option<(String, Result<File, String>)> {
    let input = event.target()?.dyn_into::<HtmlInputElement>().ok()?;
    let file = input.files()?.get(0)?;
    input.set_value("");
    Some(within_limit(file, limit))
}

/// [`picked_file`] for a file dropped on the page (the drop's default, opening the file in the
/// tab, is prevented). `None` when the drop held no file.
pub fn dropped_file(
    event: &web_sys::DragEvent,
    limit: u64,
) -> Option<(String, Result<File, String>)> {
    event.prevent_default();
    let file = event.data_transfer()?.files()?.get(0)?;
    Some(within_limit(file, limit))
}

fn within_limit(file: File, limit: u64) -> (String, Result<File, String>) {
    let name = file.name();
    match refuse_picked(&name, file.size() as u64, limit) {
        Some(refusal) => (name, Err(refusal)),
        None => (name, Ok(file)),
    }
}

/// Reads the picked file's bytes (a small one: a person's exported ratings), then calls `on_read`
/// with its name and bytes or why it was not read. False when nothing was picked.
pub fn read_picked_file(
    event: &web_sys::Event,
    limit: u64,
    on_read: impl FnOnce(String, Result<Vec<u8>, String>) + 'static,
) -> bool {
    let Some((name, file)) = picked_file(event, limit) else {
        return false;
    };
    spawn_local(async move {
        let bytes = match file {
            Ok(file) => file_bytes(file).await,
            Err(refusal) => Err(refusal),
        };
        on_read(name, bytes);
    });
    true
}

/// A file's bytes, read into the page's memory.
pub async fn file_bytes(file: File) -> Result<Vec<u8>, String> {
    let file = gloo_file::File::from(file);
    gloo_file::futures::read_as_bytes(&file)
        .await
        .map_err(|e| format!("{} could not be read ({e})", file.name()))
}
