//! Giving the browser its turn. Work on the main thread yields a real macrotask between steps, so
//! input, painting and timers run; a resolved promise would only yield to microtasks, and
//! `setTimeout(0)` is clamped to 4 ms once nested.

use filmspace_core::data::{Rating, RatingIndex, RatingIndexBuilder, RatingScale};
use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;

/// Milliseconds since the page (or worker) started: `performance.now()` of the global scope, so
/// it works in a window and in a worker alike.
pub fn now_ms() -> f64 {
    js_sys::Reflect::get(&js_sys::global(), &"performance".into())
        .ok()
        .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Resolves in the next macrotask, through a MessageChannel (not clamped like timers).
pub async fn next_macrotask() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let Ok(channel) = web_sys::MessageChannel::new() else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let (receiver, sender) = (channel.port1(), channel.port2());
        // The closure owns the channel, keeping both ports alive until the message arrives.
        let on_message = Closure::once_into_js(move || {
            let _keep_alive = channel;
            let _ = resolve.call0(&JsValue::NULL);
        });
        receiver.set_onmessage(Some(on_message.unchecked_ref()));
        if sender.post_message(&JsValue::NULL).is_err() {
            receiver.set_onmessage(None);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves in a task after the browser's next frame: work that can wait until what the page
/// just changed is on screen (a task queued at once may run before the frame).
pub async fn after_next_frame() {
    let promise = Promise::new(&mut |resolve, _reject| {
        let on_frame = {
            let resolve = resolve.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call0(&JsValue::NULL);
            })
        };
        let requested = web_sys::window()
            .map(|w| w.request_animation_frame(on_frame.unchecked_ref()).is_ok())
            .unwrap_or(false);
        if !requested {
            // No window (a worker) or no frames: carry on.
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
    next_macrotask().await;
}

/// Waits at least `ms` milliseconds.
pub async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// The main thread's time per slice of long work ([`in_slices`]), between which the page runs.
pub const SLICE_MS: f64 = 24.0;

/// Steps `work` until it gives its result, yielding to the browser every [`SLICE_MS`] (after
/// `report`ing on it); a small job is done in the first slice, without yielding.
pub async fn in_slices<W, T>(
    work: &mut W,
    step: impl Fn(&mut W) -> Option<T>,
    report: impl Fn(&W),
) -> T {
    loop {
        let slice_start = now_ms();
        while now_ms() - slice_start < SLICE_MS {
            if let Some(done) = step(work) {
                return done;
            }
        }
        report(work);
        next_macrotask().await;
    }
}

/// Ratings the rating index takes in per step: well under a millisecond.
const INDEX_STEP: usize = 50_000;

/// The rating index of `ratings`, built in slices ([`in_slices`]), `report`ing the share done.
pub async fn rating_index_in_slices(
    ratings: &[Rating],
    (n_users, n_items): (usize, usize),
    scale: RatingScale,
    report: impl Fn(f64),
) -> RatingIndex {
    let mut indexing = RatingIndexBuilder::new(ratings, n_users, n_items);
    in_slices(
        &mut indexing,
        |b| b.step(INDEX_STEP),
        |b| report(b.progress()),
    )
    .await
    .on_scale(scale)
}
