use std::sync::Arc;

use filmspace_core::data::limits::human_bytes;
use filmspace_core::stats::DatasetStats;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::ui::widgets::fields::Panel;
use crate::ui::widgets::format::thousands;

use crate::state::data::DataState;
use crate::ui::widgets::charts::{Chart, draw_long_tail, draw_rating_histogram};

#[component]
pub fn StatsPanel(data: ReadSignal<DataState>) -> impl IntoView {
    // A film list without ratings has nothing to count: it is said, not shown as zeros.
    let stats = Memo::new(move |_| match data.get() {
        DataState::Ready { dataset, .. } if dataset.is_catalogue_only() => {
            Some(Err(dataset.n_items()))
        }
        DataState::Ready { dataset, .. } => Some(Ok(Arc::new(DatasetStats::of(&dataset)))),
        _ => None,
    });
    view! {
        <Panel id="stats-title" title="The data set" wide=true>
            {move || match stats.get() {
                None => view! { <p class="hint">"Statistics appear once the data has loaded."</p> }.into_any(),
                Some(Err(films)) => view! {
                    <p class="hint" data-testid="stats-catalogue">
                        {format!("A film list of {} films without its ratings: nothing to count here. \
                                  A model bundle opened in the zoo brings each film's count of ratings \
                                  (the map's popularity colours show them).", thousands(films))}
                    </p>
                }.into_any(),
                Some(Ok(stats)) => view! { <StatsView stats /> }.into_any(),
            }}
        </Panel>
    }
}

#[component]
fn StatsView(stats: Arc<DatasetStats>) -> impl IntoView {
    let histogram = stats.histogram.clone();
    let label = format!(
        "Rating histogram: {:?} ratings of each value from {} to {}",
        histogram.iter().map(|&(_, n)| n).collect::<Vec<_>>(),
        stats.scale.min,
        stats.scale.max
    );
    let scale = stats.scale;
    let per_film = Arc::new(stats.ratings_per_film.clone());
    let top_share = stats.share_of_top(0.2) * 100.0;
    view! {
        <dl class="stat-tiles">
            <div class="tile">
                <dt>"People"</dt>
                <dd data-testid="stat-users">{stats.users}</dd>
            </div>
            <div class="tile">
                <dt>"Films"</dt>
                <dd data-testid="stat-items">{stats.items}</dd>
            </div>
            <div class="tile">
                <dt>"Ratings"</dt>
                <dd data-testid="stat-ratings">{stats.ratings}</dd>
            </div>
            <div class="tile">
                <dt>"Scale"</dt>
                <dd data-testid="rating-scale" data-min=scale.min.to_string() data-max=scale.max.to_string()
                    data-step=scale.step.to_string() data-implicit=scale.implicit.to_string()>
                    {scale.describe()}
                </dd>
            </div>
            <div class="tile">
                <dt>"Sparsity"</dt>
                <dd data-testid="stat-sparsity">{format!("{:.2}%", stats.sparsity * 100.0)}</dd>
            </div>
            <div class="tile">
                <dt>"Memory"</dt>
                <dd data-testid="stat-memory" data-bytes=stats.memory_bytes.to_string()
                    title=format!("The page's memory in all: {}", human_bytes(page_memory_bytes()))>
                    {human_bytes(stats.memory_bytes as u64)}
                </dd>
            </div>
            <div class="tile">
                <dt>"Mean rating"</dt>
                <dd data-testid="stat-mean">{format!("{:.2}★", stats.mean_rating)}</dd>
            </div>
        </dl>
        <div class="charts">
            <figure>
                <Chart
                    testid="rating-histogram"
                    label=label
                    draw=move |canvas| draw_rating_histogram(canvas, &histogram)
                />
                <figcaption>"How many ratings of each value. People rate what they chose to watch: in MovieLens, 4★ is the most common."</figcaption>
            </figure>
            <figure>
                <Chart
                    testid="longtail-chart"
                    label=format!("Ratings per film, most rated first; the top 20% of films get {top_share:.0}% of all ratings")
                    draw=move |canvas| draw_long_tail(canvas, &per_film)
                />
                <figcaption>
                    {format!(
                        "Ratings per film, most rated first: the long tail. The top 20% of films get {top_share:.0}% of the ratings; most films have few, which is why models struggle with them."
                    )}
                </figcaption>
            </figure>
        </div>
    }
}

/// The page's WebAssembly memory: everything its Rust code holds (it grows, never shrinks).
fn page_memory_bytes() -> u64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map_or(0, |m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length() as u64
        })
}
