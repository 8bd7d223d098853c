//! filmspace: the page. `main` only fixes up the wasm module and mounts the app.

mod app;
mod session;
mod ui;
mod web;

#[cfg(target_arch = "wasm32")]
unsafe extern "C" {
    fn __wasm_call_ctors();
}

fn main() {
    // cubecl registers kernels through wasm static constructors. In a bin crate the linker would
    // otherwise re-run every constructor on each JS→wasm call (5× slower training, frozen page);
    // running them once here is inventory's documented remedy.
    #[cfg(target_arch = "wasm32")]
    // SAFETY: called once, first thing, before any other code touches the registered statics.
    unsafe {
        __wasm_call_ctors();
    }
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
