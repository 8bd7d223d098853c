//! The film map: every film's learned vector drawn in 2-D, coloured and sized, with hover, click
//! (nearest neighbours in the full space), search, zoom and pan; the visitor's films and
//! recommendations marked; the genre classifier's report; the Embedding Projector export.

mod canvas;
mod classifier;
mod legend;
mod paint;

use leptos::prelude::*;

use crate::ui::widgets::fields::{LabelledSelect, Panel};

use crate::state::map::{ColourBy, Explorer, Projection, ProjectionState};
use crate::state::visitor::Visitor;
use crate::ui::widgets::format::thousands;
use canvas::MapCanvas;
use classifier::Classifier;
use legend::Legend;

#[component]
pub fn MapPanel(explorer: Explorer, visitor: Visitor) -> impl IntoView {
    let export_error = RwSignal::new(None::<String>);
    view! {
        <Panel id="map-title" title="The film map: what the model learned" wide=true>
            <p class="hint">
                "Each dot is a film, placed by its learned vector (tens of numbers squeezed into 2). Nobody told the model about genres or years: "
                "films that end up together were rated alike. Hover for details, click a film for its nearest neighbours in the full space, "
                "drag to pan, wheel or pinch to zoom. Your rated films have orange rings, your recommendations blue squares, and the diamond is you."
            </p>
            {move || explorer.about.get().map(|about| view! { <p class="hint" data-testid="map-source">{about}</p> })}
            <MapFields explorer visitor />
            <ProjectionControls explorer />
            <Legend explorer />
            <MapCanvas explorer visitor />
            <SelectedFilm explorer />
            <h3>"Do the vectors know the genres?"</h3>
            <Classifier explorer />
            <div class="controls">
                <button
                    type="button"
                    data-testid="export-embeddings"
                    disabled=move || explorer.model.with(|m| m.as_ref().is_none_or(|m| m.films.is_none()))
                    on:click=move |_| export_error.set(explorer.export().err())
                >
                    "Download for the Embedding Projector (vectors.tsv + metadata.tsv)"
                </button>
            </div>
            {move || export_error.get().map(|e| view! { <p class="status status-error" role="alert">{e}</p> })}
        </Panel>
    }
}

/// Projection, colouring and the search that flies to a film.
#[component]
fn MapFields(explorer: Explorer, visitor: Visitor) -> impl IntoView {
    let search_miss = RwSignal::new(false);
    let on_search = move |ev: web_sys::KeyboardEvent| {
        if ev.key() != "Enter" {
            return;
        }
        let query = event_target_value(&ev);
        let found = visitor
            .films
            .with_untracked(|f| f.as_ref().map(|f| explorer.find(&query, &f.titles)))
            .unwrap_or(false);
        search_miss.set(!found);
    };
    let on_colour = move |value: String| {
        if let Some((by, _, _)) = ColourBy::ALL.iter().find(|(_, name, _)| *name == value) {
            explorer.colour.set(*by);
        }
    };
    view! {
        <div class="fields">
            <LabelledSelect id="projection-select" label="Projection"
                value=Signal::derive(move || explorer.projection.get().name().to_string())
                on_change=move |v: String| explorer.set_projection(if v == "tsne" { Projection::Tsne } else { Projection::Pca })>
                <option value="pca">"PCA (instant)"</option>
                <option value="tsne">"t-SNE (a few seconds, in a worker)"</option>
                <option value="umap" disabled=true>"UMAP (no sound crate builds with ours yet)"</option>
            </LabelledSelect>
            <LabelledSelect id="color-select" label="Colour by" on_change=on_colour>
                {ColourBy::ALL.iter().map(|(_, name, label)| view! { <option value=*name>{*label}</option> }).collect_view()}
            </LabelledSelect>
            <div class="field">
                <label for="canvas-search">"Find a film on the map"</label>
                <input id="canvas-search" data-testid="canvas-search" type="search" placeholder="title, then Enter" on:keydown=on_search />
                <Show when=move || search_miss.get()>
                    <small>"No film matches."</small>
                </Show>
            </div>
        </div>
    }
}

/// Where the projection stands (t-SNE's progress and Cancel), PCA's explained variance, and
/// "Reset view".
#[component]
fn ProjectionControls(explorer: Explorer) -> impl IntoView {
    let state = move || explorer.state.get();
    let variance = move || {
        let pca = explorer.projection.get() == Projection::Pca;
        let explained = explorer
            .model
            .with(|m| m.as_ref().map(|m| m.explained))
            .filter(|_| pca);
        explained.map(|[a, b]| {
            view! {
                <span class="hint">
                    "Variance explained by the two axes: "
                    <b data-testid="pca-variance">{format!("{:.1}", 100.0 * (a + b))}</b>
                    {format!("% (PC1 {:.1}%, PC2 {:.1}%)", 100.0 * a, 100.0 * b)}
                </span>
            }
        })
    };
    view! {
        <div class="controls">
            <span data-testid="projection-state" data-state=move || state().name() class="hint">
                {move || match state() {
                    ProjectionState::Idle => "Train a model (or wait for the kept one) to see its map.".to_string(),
                    ProjectionState::Running(done) => format!("Computing t-SNE in a worker… {:.0}%", done * 100.0),
                    ProjectionState::Done => String::new(),
                    ProjectionState::Error(e) => e,
                }}
            </span>
            <Show when=move || matches!(state(), ProjectionState::Running(_))>
                <progress
                    data-testid="projection-progress"
                    aria-label="t-SNE progress"
                    max="100"
                    value=move || match state() { ProjectionState::Running(done) => (done * 100.0).round(), _ => 0.0 }
                ></progress>
                <button type="button" data-testid="projection-cancel" on:click=move |_| explorer.cancel()>"Cancel"</button>
            </Show>
            {variance}
            {move || explorer.tsne_sample.get().filter(|_| explorer.projection.get() == Projection::Tsne).map(|(mapped, all)| view! {
                <span class="hint" data-testid="tsne-sample" data-mapped=mapped data-all=all>
                    {format!("t-SNE maps the {} most-rated of {} films (its exact neighbour search is too slow for more); the others are drawn by PCA only.", thousands(mapped), thousands(all))}
                </span>
            })}
            <button type="button" data-testid="map-reset" on:click=move |_| explorer.reset_view()>"Reset view"</button>
        </div>
    }
}

/// The selected film and its 10 nearest films in the full space.
#[component]
fn SelectedFilm(explorer: Explorer) -> impl IntoView {
    let selected_film = move || {
        let item = explorer.selected.get()?;
        explorer
            .dataset
            .with(|d| d.as_ref().map(|d| (item, d.films[item as usize].clone())))
    };
    let neighbours = move |item: u32| {
        let dataset = explorer.dataset.get();
        let others = explorer
            .neighbours
            .get()
            .into_iter()
            .filter(move |(n, _)| *n != item);
        others
            .map(|(n, similarity)| {
                let (id, title) = dataset
                    .as_ref()
                    .map(|d| (d.films[n as usize].id, d.films[n as usize].title.clone()))
                    .unwrap_or_default();
                view! {
                    <li data-testid="neighbour-item" data-item-id=id.to_string() data-similarity=format!("{similarity:.4}")>
                        <button type="button" class="link-button" on:click=move |_| explorer.select(Some(n))>{title}</button>
                        {format!(" {similarity:.3}")}
                    </li>
                }
            })
            .collect_view()
    };
    move || {
        selected_film().map(|(item, film)| {
            view! {
                <div class="selected" data-testid="selected-film" data-item-id=film.id.to_string()>
                    <h3>{film.title.clone()}</h3>
                    <p class="hint">"Its 10 nearest films by cosine similarity of the learned vectors (all 32 dimensions, not the 2-D map):"</p>
                    <ol class="neighbours" data-testid="neighbour-list">
                        {move || neighbours(item)}
                    </ol>
                </div>
            }
        })
    }
}
