//! A canvas's CSS size as a `ResizeObserver` reports it, after the browser's own layout. Reading
//! `clientWidth` while the page is being built forces a layout there and then, and once more for
//! every canvas drawn after a change (about 30 ms of the page's start went to that).

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{HtmlCanvasElement, ResizeObserver, ResizeObserverEntry};

use super::charts::pixel_ratio;

/// A CSS box in whole CSS pixels, never empty.
pub type CssSize = (u32, u32);

/// `canvas`'s CSS size, set when it is laid out and whenever it changes size; `None` until then
/// and while it has no area (hidden).
pub fn observed_size(canvas: NodeRef<Canvas>) -> ReadSignal<Option<CssSize>> {
    let size = RwSignal::new(None);
    let watching = StoredValue::new_local(None::<ResizeObserver>);
    Effect::new(move |_| {
        let Some(element) = canvas.get() else {
            return;
        };
        // Owned by the observer on the JS side; it may report once more after the panel is gone,
        // hence `try_`.
        let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let Ok(entry) = entries.get(0).dyn_into::<ResizeObserverEntry>() else {
                return;
            };
            let rect = entry.content_rect();
            let (width, height) = (rect.width().round() as u32, rect.height().round() as u32);
            let area = (width > 0 && height > 0).then_some((width, height));
            if size.try_get_untracked().is_some_and(|now| now != area) {
                size.try_set(area);
            }
        })
        .into_js_value();
        if let Ok(observer) = ResizeObserver::new(on_resize.unchecked_ref()) {
            observer.observe(&element);
            watching.set_value(Some(observer));
        }
    });
    on_cleanup(move || {
        watching.try_with_value(|observer| observer.as_ref().map(ResizeObserver::disconnect));
    });
    size.read_only()
}

/// Sizes `canvas`'s drawing buffer to `css` × devicePixelRatio (left alone when it already is:
/// a resize clears the canvas).
pub fn fit_buffer(canvas: &HtmlCanvasElement, (width, height): CssSize) {
    let ratio = pixel_ratio();
    let (width, height) = (
        (width as f64 * ratio).round() as u32,
        (height as f64 * ratio).round() as u32,
    );
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
}
