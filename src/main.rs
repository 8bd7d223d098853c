//! The page's entry point. The same module also runs in the page's worker (`public/
//! train_worker.js`), which has no window: there the worker host starts instead, by its export.

fn main() {
    if web_sys::window().is_some() {
        filmspace::start_page();
    }
}
