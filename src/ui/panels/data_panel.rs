use leptos::prelude::*;

use crate::ui::widgets::fields::Panel;

use crate::app::DataState;
use crate::ui::widgets::format::thousands;
use crate::web::upload::read_picked_file;
use filmspace_core::data::limits::MAX_PICKED_DATA_BYTES;

/// Loading progress, the data source, and a picker for a person's own ML-100K zip (also the way
/// out when the built-in files are missing or broken).
#[component]
pub fn DataPanel(
    data: ReadSignal<DataState>,
    zip_error: ReadSignal<Option<String>>,
    zip_busy: ReadSignal<bool>,
    #[prop(into)] on_zip: Callback<(String, Result<Vec<u8>, String>)>,
) -> impl IntoView {
    let state = move || match data.get() {
        DataState::Loading(_) => "loading",
        DataState::Ready { .. } => "ready",
        DataState::Error(_) => "error",
    };
    let message = move || match data.get() {
        DataState::Loading(p) => format!(
            "Loading MovieLens 100K… {:.0}% ({})",
            p.fraction * 100.0,
            p.file
        ),
        DataState::Ready { dataset, source } => format!(
            "Loaded {} ratings of {} films by {} people from {source}.",
            thousands(dataset.ratings.len()),
            dataset.n_items(),
            dataset.n_users()
        ),
        DataState::Error(message) => message,
    };
    let progress = move || match data.get() {
        DataState::Loading(p) => Some((p.fraction * 100.0).round()),
        _ => None,
    };
    view! {
        <Panel id="data-title" title="Data">
            <p
                data-testid="data-status"
                data-state=state
                role=move || if state() == "error" { "alert" } else { "status" }
                class=move || format!("status status-{}", state())
            >
                {message}
            </p>
            {move || {
                progress()
                    .map(|value| {
                        view! {
                            <progress
                                data-testid="data-progress"
                                max="100"
                                value=value
                                aria-label="Download progress"
                            ></progress>
                        }
                    })
            }}
            <ZipPicker zip_error zip_busy on_zip />
        </Panel>
    }
}

/// A picker for a person's own ML-100K zip, and why the last one was not used.
#[component]
fn ZipPicker(
    zip_error: ReadSignal<Option<String>>,
    zip_busy: ReadSignal<bool>,
    on_zip: Callback<(String, Result<Vec<u8>, String>)>,
) -> impl IntoView {
    let reading_zip = RwSignal::new(false);
    let on_change = move |ev: leptos::ev::Event| {
        let picked = read_picked_file(&ev, MAX_PICKED_DATA_BYTES, move |name, bytes| {
            reading_zip.set(false);
            on_zip.run((name, bytes));
        });
        if picked {
            reading_zip.set(true);
        }
    };

    view! {
    <div class="zip-picker">
        <label for="zip-input">"Use your own ML-100K zip (as GroupLens ships it):"</label>
        <input id="zip-input" data-testid="data-zip-input" type="file" accept=".zip,application/zip" on:change=on_change />
        <Show when=move || reading_zip.get() || zip_busy.get()>
            <p class="hint">"Reading the zip…"</p>
        </Show>
        {move || {
            zip_error
                .get()
                .map(|message| {
                    view! {
                        <p data-testid="data-zip-error" class="status status-error" role="alert">
                            {message}
                        </p>
                    }
                })
        }}
    </div>
    }
}
