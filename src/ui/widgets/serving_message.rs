use leptos::prelude::*;

use crate::state::serving::Serving;

/// Why the serving model could not be kept, restored or forgotten in this browser (private
/// mode, a full disk, a damaged copy): shown where a model is trained or chosen.
#[component]
pub fn ServingMessage(serving: Serving, testid: &'static str) -> impl IntoView {
    move || {
        serving.message.get().map(|m| {
            view! { <p class="status status-error" role="alert" data-testid=testid>{m}</p> }
        })
    }
}
