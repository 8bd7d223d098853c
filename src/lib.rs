//! filmspace: the page and its worker, one wasm module. `main.rs` starts the page; the worker
//! (`public/train_worker.js`) instantiates the same module and calls [`start_training_worker`].

mod app;
mod state;
mod ui;
pub mod web;
pub mod worker;

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

/// Runs the wasm static constructors once. cubecl registers kernels through them; in a bin crate
/// the linker would otherwise re-run every constructor on each JS→wasm call (5× slower training,
/// a frozen page). Inventory's documented remedy. Call it first thing in each entry point.
pub fn run_static_constructors() {
    #[cfg(target_arch = "wasm32")]
    // SAFETY: called once, first thing, before any other code touches the registered statics.
    unsafe {
        __wasm_call_ctors();
    }
}

/// The page.
pub fn start_page() {
    run_static_constructors();
    console_error_panic_hook::set_once();
    // The static shell of index.html showed something at once; the app replaces it.
    if let Some(shell) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("shell"))
    {
        shell.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

/// The worker that trains, reads and projects off the main thread: exported to the worker's
/// script, which instantiates the page's module.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn start_training_worker() {
    run_static_constructors();
    console_error_panic_hook::set_once();
    worker::host::serve();
}

/// For the benchmark (`scripts/bench-throughput.mjs`), not the page: one epoch of biased MF on
/// `ratings` generated ratings of `users` × `items`, per training engine, measured in this wasm
/// (`filmspace_core::train::throughput`). JSON of the rates; Burn's only when `with_burn`.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn throughput_probe(ratings: usize, users: usize, items: usize, with_burn: bool) -> String {
    use filmspace_core::train::throughput::{generated, measure};
    let columns = generated(ratings, users, items, 7);
    let rates = measure(
        &columns,
        users,
        items,
        with_burn,
        &mut web::schedule::now_ms,
    );
    serde_json::to_string(&rates).unwrap_or_default()
}
