//! Beside the map: the legend of its colouring (genre entries hide and show their films).

use leptos::prelude::*;

use super::paint::{genre_colour, ramp};
use crate::state::map::{ColourBy, Explorer};

#[component]
pub fn Legend(explorer: Explorer) -> impl IntoView {
    view! {
        <div class="legend" data-testid="genre-legend">
            {move || match explorer.colour.get() {
                ColourBy::Genre => explorer.facts.get().map(|f| f.genres.clone()).unwrap_or_default()
                    .into_iter()
                    .map(|(g, name)| {
                        let hidden = move || explorer.hidden.get() & (1 << g) != 0;
                        let label = name.clone();
                        view! {
                            <button
                                type="button"
                                class=move || if hidden() { "legend-item legend-off" } else { "legend-item" }
                                aria-pressed=move || (!hidden()).to_string()
                                data-genre=name
                                on:click=move |_| explorer.toggle_genre(g)
                            >
                                <span class="swatch" style=format!("background:{}", genre_colour(g))></span>
                                {label}
                            </button>
                        }
                    })
                    .collect_view()
                    .into_any(),
                other => {
                    let facts = explorer.facts.get();
                    let (low, high) = match (other, facts) {
                        (ColourBy::Decade, Some(f)) => (format!("{}s", f.decades.0), format!("{}s", f.decades.1)),
                        (ColourBy::MeanRating, _) => ("1★".to_string(), "5★".to_string()),
                        (_, Some(f)) => ("0 ratings".to_string(), format!("{} ratings", f.max_count)),
                        (_, None) => (String::new(), String::new()),
                    };
                    view! {
                        <span class="ramp-label">{low}</span>
                        <span class="ramp" style=format!("background: linear-gradient(90deg, {}, {}, {})", ramp(0.0), ramp(0.5), ramp(1.0))></span>
                        <span class="ramp-label">{high}</span>
                    }
                    .into_any()
                }
            }}
        </div>
    }
}
