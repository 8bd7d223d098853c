//! filmspace: the page and its training worker, two wasm binaries over one library.
//! `main.rs` starts the page, `bin/train_worker.rs` the worker that trains off the main thread.

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
/// a frozen page). Inventory's documented remedy. Call it first thing in each binary's `main`.
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

/// The training worker.
pub fn start_training_worker() {
    run_static_constructors();
    console_error_panic_hook::set_once();
    worker::host::serve();
}
