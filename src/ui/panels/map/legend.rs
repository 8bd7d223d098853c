//! Beside the map: the legend of its colouring (genre entries hide and show their films) and the
//! genre classifier's report on the film vectors.

use filmspace_core::embedding::GenreScore;
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use super::paint::{genre_colour, ramp};
use crate::state::map::{ColourBy, Explorer};
use crate::ui::widgets::charts::{Chart, draw_genre_scores};

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

#[component]
pub fn Classifier(explorer: Explorer) -> impl IntoView {
    let genreless = move || {
        explorer
            .dataset
            .with(|d| d.as_ref().is_some_and(|d| !d.has_genres()))
    };
    move || match explorer.classifier.get() {
        _ if genreless() => view! {
            <p class="hint" data-testid="classifier-none">
                "The genre classifier needs items with genres or tags, and this data set has none."
            </p>
        }
        .into_any(),
        None => view! { <p class="hint">"The genre classifier runs once a model is trained."</p> }
            .into_any(),
        Some(Err(e)) => view! { <p class="status status-error">{e}</p> }.into_any(),
        Some(Ok(report)) => {
            let scores: Vec<(String, f64)> = report
                .per_genre
                .iter()
                .map(|g| (g.name.to_string(), g.f1))
                .collect();
            view! {
                <p>
                    "Softmax regression predicts each film's primary genre from its learned vector alone ("
                    {report.test_films} " test films, seeded split). Accuracy "
                    <b data-testid="classifier-accuracy">{format!("{:.4}", report.accuracy)}</b>
                    " (macro-F1 " {format!("{:.4}", report.macro_f1)} ") vs always the most common genre "
                    <b data-testid="classifier-baseline">{format!("{:.4}", report.majority_accuracy)}</b>
                    " (macro-F1 " {format!("{:.4}", report.majority_macro_f1)} ") and the same classifier on random vectors "
                    <b data-testid="classifier-random">{format!("{:.4}", report.random_accuracy)}</b>
                    " (macro-F1 " {format!("{:.4}", report.random_macro_f1)} "). Computed in a worker in "
                    <span data-testid="classifier-ms">{move || explorer.classifier_ms.get().map(|ms| format!("{ms:.0}"))}</span>
                    " ms."
                </p>
                <Chart
                    testid="classifier-chart"
                    label="F1 per genre".to_string()
                    draw=move |canvas: &HtmlCanvasElement| draw_genre_scores(canvas, &scores)
                />
                <table class="board" data-testid="classifier-genres">
                    <caption>"F1 per genre on the test films: the classifier on the learned vectors, always the most common genre, and the same classifier on random vectors"</caption>
                    <thead><tr>
                        <th scope="col">"genre"</th><th scope="col">"test films"</th>
                        <th scope="col">"learned vectors"</th><th scope="col">"majority"</th><th scope="col">"random vectors"</th>
                    </tr></thead>
                    <tbody>
                        {report.per_genre.iter().map(|g| {
                            let f1_of = |list: &[GenreScore]| list.iter().find(|o| o.genre == g.genre).map_or("–".to_string(), |o| format!("{:.3}", o.f1));
                            view! {
                                <tr data-genre=g.name.clone()>
                                    <th scope="row">{g.name.clone()}</th>
                                    <td>{g.support.to_string()}</td>
                                    <td>{format!("{:.3}", g.f1)}</td>
                                    <td>{f1_of(&report.majority_per_genre)}</td>
                                    <td>{f1_of(&report.random_per_genre)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any()
        }
    }
}
