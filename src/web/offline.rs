//! The service worker (`sw.js`, written by `scripts/offline.mjs`): registered once the data is
//! ready, so its first caching never competes with the page's own downloads. It keeps the page,
//! its worker and the data for offline use; a new build waits until the person accepts it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::JsFuture;
use web_sys::ServiceWorkerRegistration;

/// Where the page stands with its service worker, for the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offline {
    /// Not registered yet, or this browser has no service workers.
    Unavailable,
    /// A service worker controls the page: a reload works without the network.
    Ready,
    /// A new build is cached and waits for the person to reload into it.
    UpdateReady,
    /// The offline copy could not be made (registration refused, storage full, a file failed):
    /// the page works as before, online, and says why.
    Failed(String),
}

fn service_workers() -> Option<web_sys::ServiceWorkerContainer> {
    let navigator = web_sys::window()?.navigator();
    // `serviceWorker` is missing on insecure origins and in some private modes.
    js_sys::Reflect::has(&navigator, &"serviceWorker".into())
        .ok()
        .filter(|has| *has)
        .map(|_| navigator.service_worker())
}

/// Registers `sw.js` and keeps `state` up to date; failures leave it `Unavailable` (the page
/// works as before, online).
pub fn register(state: RwSignal<Offline>) {
    let Some(container) = service_workers() else {
        return;
    };
    leptos::task::spawn_local(async move {
        listen_for_failure(&container, state);
        let registration = match JsFuture::from(container.register("./sw.js")).await {
            Ok(registration) => registration,
            Err(error) => return state.set(Offline::Failed(super::describe(error))),
        };
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        let controlled = move || service_workers().and_then(|c| c.controller()).is_some();
        let check = {
            let registration = registration.clone();
            move || {
                if registration.waiting().is_some() && controlled() {
                    state.set(Offline::UpdateReady);
                } else if controlled() && state.get_untracked() == Offline::Unavailable {
                    state.set(Offline::Ready);
                }
            }
        };
        check();
        // A new version found: ready to offer once it has cached everything.
        let on_found = {
            let (registration, check) = (registration.clone(), check.clone());
            Closure::<dyn FnMut()>::new(move || {
                if let Some(installing) = registration.installing() {
                    let (check, worker) = (check.clone(), installing.clone());
                    let on_state = Closure::<dyn FnMut()>::new(move || {
                        // The first install failed: the service worker's own message says why,
                        // this is for a browser that dropped it.
                        let failed = worker.state() == web_sys::ServiceWorkerState::Redundant;
                        if failed && !controlled() && state.get_untracked() == Offline::Unavailable
                        {
                            state.set(Offline::Failed("the browser did not keep the files".into()));
                        }
                        check();
                    });
                    installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                    on_state.forget();
                }
            })
        };
        registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        // The first version takes control of this page when it activates.
        if let Some(container) = service_workers() {
            let on_control = Closure::<dyn FnMut()>::new(check);
            container.set_oncontrollerchange(Some(on_control.as_ref().unchecked_ref()));
            on_control.forget();
        }
    });
}

/// The service worker posts `{ offlineFailed: reason }` when its first caching fails.
fn listen_for_failure(container: &web_sys::ServiceWorkerContainer, state: RwSignal<Offline>) {
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let reason = js_sys::Reflect::get(&event.data(), &"offlineFailed".into()).ok();
            if let Some(reason) = reason.and_then(|r| r.as_string())
                && !matches!(state.get_untracked(), Offline::Ready | Offline::UpdateReady)
            {
                state.set(Offline::Failed(reason));
            }
        });
    container.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
}

/// Switches to the waiting build: it takes over, then the page reloads into it.
pub fn apply_update() {
    let Some(container) = service_workers() else {
        return;
    };
    let on_control = Closure::<dyn FnMut()>::new(|| {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    container.set_oncontrollerchange(Some(on_control.as_ref().unchecked_ref()));
    on_control.forget();
    leptos::task::spawn_local(async move {
        if let Ok(ready) = container.ready()
            && let Ok(registration) = JsFuture::from(ready).await
        {
            let registration: ServiceWorkerRegistration = registration.unchecked_into();
            if let Some(waiting) = registration.waiting() {
                let _ = waiting.post_message(&"skip-waiting".into());
            }
        }
    });
}
