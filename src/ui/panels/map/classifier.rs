//! Do the vectors know genres? The classifiers' report beside the map: one-vs-rest ROC-AUC per
//! genre (films have several) on the learned vectors, random vectors and popularity alone; the
//! single-label primary-genre classifier in a details block.

use filmspace_core::embedding::{AucReport, GenreReport, GenreScore};
use leptos::prelude::*;
use web_sys::HtmlCanvasElement;

use crate::state::map::Explorer;
use crate::ui::widgets::charts::{Chart, draw_genre_scores};

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
        Some(Ok(report)) => view! {
            {report.auc.clone().map(|auc| view! { <GenreAucs auc /> })}
            <details data-testid="classifier-single">
                <summary>"One genre per film: the primary-genre classifier"</summary>
                <SingleLabel report explorer />
            </details>
        }
        .into_any(),
    }
}

/// One-vs-rest ROC-AUC: the means, a bar per genre, and the three feature sets per genre.
#[component]
fn GenreAucs(auc: AucReport) -> impl IntoView {
    let bars: Vec<(String, f64)> = auc
        .per_genre
        .iter()
        .map(|g| (g.name.clone(), g.auc))
        .collect();
    let fixed = |x: f64| format!("{x:.3}");
    view! {
        <p>
            "For each genre, a logistic regression predicts from a film's learned vector alone whether the film has it; \
             ROC-AUC on held-out films says how well it ranks the films that do above those that do not (0.5 is chance). Mean over "
            {auc.per_genre.len()} " genres: learned vectors "
            <b data-testid="classifier-auc">{fixed(auc.mean_auc)}</b>
            ", random vectors " <b data-testid="classifier-auc-random">{fixed(auc.mean_random_auc)}</b>
            ", popularity alone " <b data-testid="classifier-auc-popularity">{fixed(auc.mean_popularity_auc)}</b> "."
        </p>
        <Chart
            testid="classifier-auc-chart"
            label="ROC-AUC per genre on the learned vectors".to_string()
            draw=move |canvas: &HtmlCanvasElement| draw_genre_scores(canvas, &bars, "ROC-AUC on test films")
        />
        <table class="board" data-testid="classifier-auc-genres">
            <caption>"ROC-AUC per genre on the test films"</caption>
            <thead><tr>
                <th scope="col">"genre"</th><th scope="col">"test films with it"</th>
                <th scope="col">"learned vectors"</th><th scope="col">"random vectors"</th><th scope="col">"popularity"</th>
            </tr></thead>
            <tbody>
                {auc.per_genre.into_iter().map(|g| view! {
                    <tr data-genre=g.name.clone() data-auc=g.auc.to_string()>
                        <th scope="row">{g.name.clone()}</th>
                        <td>{g.positives.to_string()}</td>
                        <td>{fixed(g.auc)}</td>
                        <td>{fixed(g.random_auc)}</td>
                        <td>{fixed(g.popularity_auc)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// The primary-genre (softmax) classifier beside its baselines.
#[component]
fn SingleLabel(report: GenreReport, explorer: Explorer) -> impl IntoView {
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
            draw=move |canvas: &HtmlCanvasElement| draw_genre_scores(canvas, &scores, "F1 on test films")
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
}
