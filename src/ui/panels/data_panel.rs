use leptos::prelude::*;

use crate::ui::panels::columns_dialog::ColumnsDialog;
use crate::ui::widgets::fields::Panel;

use crate::state::data::{Data, DataState};
use crate::ui::widgets::format::thousands;
use crate::web::movielens::DATA_URL;
use crate::web::upload::{dropped_file, picked_file};
use filmspace_core::data::limits::{MAX_PICKED_DATA_BYTES, TOO_LARGE_FOR_A_TAB, human_bytes};
use filmspace_core::data::progress::{ReadProgress, ReadStage};
use filmspace_core::data::{Columns, Release};

/// What the file pickers accept: MovieLens zips and ratings files.
const ACCEPTED: &str = ".zip,.csv,.tsv,.dat,.txt,application/zip,text/csv,text/plain";

/// Loading progress, the data in use, and the ways to bring other data: a picker, a drop
/// anywhere on the page, and the way back to the built-in MovieLens 100K.
#[component]
pub fn DataPanel(
    data: Data,
    /// A run trains on the data shown: no other data until it ends.
    running: Signal<bool>,
    #[prop(into)] on_file: Callback<(String, Result<web_sys::File, String>)>,
    #[prop(into)] on_builtin: Callback<()>,
    /// The columns a person chose for a file whose columns could not be told apart.
    #[prop(into)]
    on_columns: Callback<Columns>,
    /// Open the film list alone of a zip whose ratings are too many for the tab.
    #[prop(into)]
    on_catalogue: Callback<()>,
) -> impl IntoView {
    let state = move || match data.state.get() {
        DataState::Loading(_) => "loading",
        DataState::Ready { .. } => "ready",
        DataState::Empty => "empty",
        DataState::Error(_) => "error",
    };
    let progress = move || match data.state.get() {
        DataState::Loading(p) => Some((p.fraction * 100.0).round()),
        _ => None,
    };
    let on_pick = move |(name, file): (String, Result<web_sys::File, String>)| {
        on_file.run((name, file));
    };
    accept_drops_anywhere(on_pick);
    view! {
        <Panel id="data-title" title="Data">
            <p
                data-testid="data-status"
                data-state=state
                role=move || if state() == "error" { "alert" } else { "status" }
                class=move || format!("status status-{}", state())
            >
                {move || status_text(&data.state.get())}
            </p>
            {move || match data.state.get() {
                DataState::Ready { source, .. } => Some(view! {
                    <p class="hint">"In use: " <span data-testid="data-name">{source}</span></p>
                }),
                _ => None,
            }}
            {move || progress().map(|value| view! {
                <progress data-testid="data-progress" max="100" value=value aria-label="Download progress"></progress>
            })}
            <Show when=move || state() == "empty">
                <EmptyHelp />
            </Show>
            <FilePicker data running on_pick on_catalogue />
            {move || data.choosing.get().map(|preview| view! {
                <ColumnsDialog preview on_choose=on_columns on_cancel=move |()| data.stop_choosing() />
            })}
            <Show when=move || data.builtin.get() && !showing_builtin(&data.state.get())>
                <button type="button" data-testid="data-builtin" disabled=running
                    on:click=move |_| on_builtin.run(())>
                    "Back to MovieLens 100K"
                </button>
            </Show>
        </Panel>
    }
}

fn showing_builtin(state: &DataState) -> bool {
    matches!(state, DataState::Ready { source, .. } if source == DATA_URL)
}

fn status_text(state: &DataState) -> String {
    match state {
        DataState::Loading(p) => format!(
            "Loading MovieLens 100K… {:.0}% ({})",
            p.fraction * 100.0,
            p.file
        ),
        DataState::Ready { dataset, source } if dataset.is_catalogue_only() => format!(
            "Loaded the film list of {} films from {source} ({}), without its ratings (too many \
             for this tab). Open a model trained on them in the zoo (“Open a model bundle”) for \
             recommendations, the map and the classifier.",
            thousands(dataset.n_items()),
            dataset.label()
        ),
        DataState::Ready { dataset, source } => {
            let items = if dataset.release == Release::Own {
                "items"
            } else {
                "films"
            };
            format!(
                "Loaded {} ratings of {} {items} by {} people from {source} ({}).",
                thousands(dataset.ratings.len()),
                dataset.n_items(),
                dataset.n_users(),
                dataset.label()
            )
        }
        DataState::Empty => "No data comes with this copy of the page: bring your own.".into(),
        DataState::Error(message) => message.clone(),
    }
}

/// What a person needs to know when the page has no data of its own.
#[component]
fn EmptyHelp() -> impl IntoView {
    view! {
        <div class="empty-data" data-testid="data-empty">
            <p>
                "Drop a MovieLens zip anywhere on this page, or pick one below. GroupLens gives them away at "
                <a href="https://grouplens.org/datasets/movielens/" target="_blank" rel="noopener noreferrer">
                    "grouplens.org/datasets/movielens"
                </a>
                " (they may not be redistributed, so this page does not bundle one)."
            </p>
            <p class="hint">
                "Read here: ML-100K, ML-1M, ML-10M, ML-20M, ML-25M, ML-32M, ml-latest and ml-latest-small, \
                 or your own ratings as CSV, TSV or “::”-separated text (user, item, rating, timestamp; \
                 with or without a header; no rating column means each row is a positive). \
                 Nothing you open leaves this browser."
            </p>
        </div>
    }
}

/// A data file refused for its size says where such data goes: Spark.
fn with_spark_hint(
    (name, file): (String, Result<web_sys::File, String>),
) -> (String, Result<web_sys::File, String>) {
    (
        name,
        file.map_err(|why| format!("{why}. {TOO_LARGE_FOR_A_TAB}.")),
    )
}

/// Drags over the page show the copy cursor; a file dropped anywhere is opened.
fn accept_drops_anywhere(on_pick: impl Fn((String, Result<web_sys::File, String>)) + 'static) {
    let over = window_event_listener(leptos::ev::dragover, |event| event.prevent_default());
    let drop = window_event_listener(leptos::ev::drop, move |event| {
        if let Some(picked) = dropped_file(&event, MAX_PICKED_DATA_BYTES) {
            on_pick(with_spark_hint(picked));
        }
    });
    // The panel lives as long as the page: the listeners are never removed.
    std::mem::forget((over, drop));
}

/// The picker, what is being read, and why the last file was not used.
#[component]
fn FilePicker(
    data: Data,
    running: Signal<bool>,
    on_pick: impl Fn((String, Result<web_sys::File, String>)) + Copy + Send + Sync + 'static,
    on_catalogue: Callback<()>,
) -> impl IntoView {
    let on_change = move |ev: leptos::ev::Event| {
        if let Some(picked) = picked_file(&ev, MAX_PICKED_DATA_BYTES) {
            on_pick(with_spark_hint(picked));
        }
    };
    view! {
    <div class="zip-picker" data-testid="data-drop-zone">
        <label for="data-file-input">"Open a MovieLens zip or your own ratings file (or drop it on the page):"</label>
        <input id="data-file-input" data-testid="data-file-input" type="file" accept=ACCEPTED
            disabled=running on:change=on_change />
        // Kept for scripts written against the first page, which only read ML-100K zips.
        <input data-testid="data-zip-input" type="file" accept=ACCEPTED class="visually-hidden"
            tabindex="-1" aria-hidden="true" disabled=running on:change=on_change />
        <Show when=move || running.get()>
            <p class="hint">"Other data can be opened once the training runs end (they work on the data shown)."</p>
        </Show>
        <Show when=move || data.busy.get()>
            <ReadingProgress data />
        </Show>
        {move || data.refusal.get().map(|message| view! {
            <p data-testid="data-zip-error" class="status status-error" role="alert">{message}</p>
        })}
        {move || data.catalogue_offer.get().map(|name| view! {
            <p class="hint">
                <button type="button" data-testid="data-catalogue-only" disabled=running
                    on:click=move |_| on_catalogue.run(())>
                    "Open only the film list of " {name}
                </button>
                " Its titles and genres are enough to explore a model trained on all its ratings \
                 elsewhere (Spark): recommendations, the map and the classifier."
            </p>
        })}
    </div>
    }
}

/// A file being read: what stage, how far (bytes and rows), and Cancel.
#[component]
fn ReadingProgress(data: Data) -> impl IntoView {
    let progress = move || data.reading.get();
    view! {
        <div class="reading" data-testid="data-reading">
            <p class="hint">{move || progress().map_or_else(|| "Reading the file…".into(), |p| reading_text(&p))}</p>
            {move || progress().map(|p| view! {
                <progress data-testid="data-progress" max=p.total.max(1) value=p.done.min(p.total)
                    data-stage=format!("{:?}", p.stage).to_lowercase() data-bytes=p.done data-rows=p.rows
                    aria-label="Reading progress"></progress>
            })}
            <button type="button" data-testid="data-cancel" on:click=move |_| data.cancel_reading()>
                "Cancel"
            </button>
        </div>
    }
}

fn reading_text(p: &ReadProgress) -> String {
    let percent = (p.fraction() * 100.0).round();
    match p.stage {
        ReadStage::Reading => format!(
            "Reading {}: {} of {} ({percent:.0}%)",
            p.file,
            human_bytes(p.done),
            human_bytes(p.total)
        ),
        ReadStage::Unzipping => format!("Unzipping {} ({percent:.0}% of the archive)", p.file),
        ReadStage::Parsing => format!(
            "Parsing {}: {} rows ({percent:.0}%)",
            p.file,
            thousands(p.rows as usize)
        ),
        ReadStage::Indexing => format!("Indexing {} ratings…", thousands(p.rows as usize)),
    }
}
