//! The film map: every film's learned vector drawn in 2-D, coloured and sized, with hover, click
//! (nearest neighbours in the full space), search, zoom and pan; the visitor's films and
//! recommendations marked; the genre classifier's report; the Embedding Projector export.

use std::collections::HashMap;

use filmspace_core::data::GENRES;
use filmspace_core::embedding::GenreScore;
use filmspace_core::embedding::view::Viewport;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::state::map::{
    ColourBy, Explorer, FilmFacts, MapModel, Projection, ProjectionState, visitor_position,
};
use crate::state::visitor::Visitor;
use crate::ui::widgets::charts::{Chart, draw_genre_scores, fit_to_css_size, pixel_ratio};

/// One colour per genre (index into GENRES), readable on white.
const GENRE_COLOURS: [&str; 19] = [
    "#9e9e9e", "#e03131", "#f08c00", "#ae3ec9", "#f783ac", "#fab005", "#495057", "#0ca678",
    "#1971c2", "#862e9c", "#5c940d", "#c92a2a", "#d6336c", "#364fc7", "#e64980", "#1098ad",
    "#74b816", "#2b8a3e", "#a61e4d",
];

fn ramp(t: f64) -> String {
    // Light blue → dark blue → magenta, for ordered values.
    let t = t.clamp(0.0, 1.0);
    let (r, g, b) = if t < 0.5 {
        let u = t * 2.0;
        (120.0 - 90.0 * u, 180.0 - 110.0 * u, 240.0 - 40.0 * u)
    } else {
        let u = (t - 0.5) * 2.0;
        (30.0 + 170.0 * u, 70.0 - 40.0 * u, 200.0 - 80.0 * u)
    };
    format!("rgb({r:.0},{g:.0},{b:.0})")
}

fn colour_of(facts: &FilmFacts, year: Option<u16>, by: ColourBy, item: usize) -> String {
    match by {
        ColourBy::Genre => GENRE_COLOURS[facts.primary[item].unwrap_or(0)].to_string(),
        ColourBy::Decade => {
            let (first, last) = facts.decades;
            let span = (last - first + 10).max(10) as f64;
            year.map_or("#adb5bd".into(), |y| ramp((y as f64 - first as f64) / span))
        }
        ColourBy::MeanRating => {
            facts.means[item].map_or("#adb5bd".into(), |m| ramp((m as f64 - 1.0) / 4.0))
        }
        ColourBy::Popularity => ramp(
            (1.0 + facts.counts[item] as f64).ln() / (1.0 + facts.max_count as f64).ln().max(1e-9),
        ),
    }
}

fn radius(count: u32, ratio: f64) -> f64 {
    (1.6 + (count as f64).sqrt() / 5.0) * ratio
}

struct Marks {
    rated: Vec<u32>,
    recommended: Vec<u32>,
    you: Option<[f32; 2]>,
}

fn draw(
    canvas: &HtmlCanvasElement,
    model: &MapModel,
    view: Viewport,
    facts: &FilmFacts,
    years: &[Option<u16>],
    explorer: Explorer,
    marks: &Marks,
) {
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let ratio = pixel_ratio();
    let size = (canvas.width() as f64, canvas.height() as f64);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, size.0, size.1);
    let hidden = explorer.hidden.get_untracked();
    let colour = explorer.colour.get_untracked();
    let at = |item: u32| view.to_screen(&model.bounds, size, model.points[item as usize]);
    let circle = |p: [f64; 2], r: f64| {
        ctx.begin_path();
        let _ = ctx.arc(p[0], p[1], r, 0.0, std::f64::consts::TAU);
    };
    ctx.set_global_alpha(0.78);
    for (item, &year) in years.iter().enumerate().take(model.points.len()) {
        if !Explorer::is_visible(facts, hidden, item) {
            continue;
        }
        let p = at(item as u32);
        if p[0] < -20.0 || p[1] < -20.0 || p[0] > size.0 + 20.0 || p[1] > size.1 + 20.0 {
            continue;
        }
        ctx.set_fill_style_str(&colour_of(facts, year, colour, item));
        circle(p, radius(facts.counts[item], ratio));
        ctx.fill();
    }
    ctx.set_global_alpha(1.0);
    // The selection's neighbours, joined to it.
    if let Some(selected) = explorer.selected.get_untracked() {
        let from = at(selected);
        ctx.set_stroke_style_str("rgba(35,35,58,0.55)");
        ctx.set_line_width(1.2 * ratio);
        for (n, _) in explorer.neighbours.get_untracked() {
            let to = at(n);
            ctx.begin_path();
            ctx.move_to(from[0], from[1]);
            ctx.line_to(to[0], to[1]);
            ctx.stroke();
            circle(to, radius(facts.counts[n as usize], ratio) + 2.0 * ratio);
            ctx.stroke();
        }
        ctx.set_line_width(3.0 * ratio);
        ctx.set_stroke_style_str("#23233a");
        circle(
            from,
            radius(facts.counts[selected as usize], ratio) + 4.0 * ratio,
        );
        ctx.stroke();
    }
    ctx.set_line_width(2.0 * ratio);
    ctx.set_stroke_style_str("#f08c00");
    for &item in &marks.rated {
        circle(
            at(item),
            radius(facts.counts[item as usize], ratio) + 2.5 * ratio,
        );
        ctx.stroke();
    }
    ctx.set_stroke_style_str("#3b5bdb");
    for &item in &marks.recommended {
        let p = at(item);
        let r = radius(facts.counts[item as usize], ratio) + 3.0 * ratio;
        ctx.stroke_rect(p[0] - r, p[1] - r, 2.0 * r, 2.0 * r);
    }
    if let Some(you) = marks.you {
        let p = view.to_screen(&model.bounds, size, you);
        ctx.set_fill_style_str("#23233a");
        let r = 7.0 * ratio;
        ctx.begin_path();
        ctx.move_to(p[0], p[1] - r);
        ctx.line_to(p[0] + r, p[1]);
        ctx.line_to(p[0], p[1] + r);
        ctx.line_to(p[0] - r, p[1]);
        ctx.close_path();
        ctx.fill();
        ctx.set_font(&format!("{}px sans-serif", (12.0 * ratio).round()));
        let _ = ctx.fill_text("You", p[0] + r + 3.0 * ratio, p[1] + 4.0 * ratio);
    }
    if let Some(item) = explorer.hover.get_untracked() {
        ctx.set_stroke_style_str("#000000");
        ctx.set_line_width(1.5 * ratio);
        circle(
            at(item),
            radius(facts.counts[item as usize], ratio) + 1.5 * ratio,
        );
        ctx.stroke();
    }
}

#[component]
fn MapCanvas(explorer: Explorer, visitor: Visitor) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let resized = RwSignal::new(0u32);
    let listener = window_event_listener(leptos::ev::resize, move |_| resized.update(|n| *n += 1));
    on_cleanup(move || listener.remove());
    let last_draw_ms = RwSignal::new(None::<f64>);
    let years = Memo::new(move |_| {
        explorer.dataset.with(|d| {
            d.as_ref()
                .map(|d| d.films.iter().map(|f| f.year).collect::<Vec<_>>())
        })
    });
    Effect::new(move |_| {
        resized.track();
        explorer.view.track();
        explorer.colour.track();
        explorer.hidden.track();
        explorer.selected.track();
        explorer.hover.track();
        let recs = visitor.recs.get();
        let (Some(canvas), Some(model), Some(facts), Some(years)) = (
            canvas.get(),
            explorer.model.get(),
            explorer.facts.get(),
            years.get(),
        ) else {
            return;
        };
        if canvas.width() as i32 != (canvas.client_width() as f64 * pixel_ratio()).round() as i32 {
            fit_to_css_size(&canvas);
        }
        let marks = match &recs {
            Some(r) => Marks {
                rated: r.rated.iter().map(|x| x.0).collect(),
                recommended: r
                    .rows
                    .iter()
                    .filter_map(|row| {
                        explorer
                            .dataset
                            .with_untracked(|d| d.as_ref()?.item_of(row.item_id))
                    })
                    .collect(),
                you: visitor_position(
                    &model,
                    explorer.projection.get_untracked(),
                    r.vector.as_deref(),
                    &r.rated,
                ),
            },
            None => Marks {
                rated: Vec::new(),
                recommended: Vec::new(),
                you: None,
            },
        };
        let started = crate::web::schedule::now_ms();
        draw(
            &canvas,
            &model,
            explorer.view.get_untracked(),
            &facts,
            &years,
            explorer,
            &marks,
        );
        last_draw_ms.set(Some(crate::web::schedule::now_ms() - started));
    });

    // Pointer state: a drag pans, a click without movement selects, two pointers pinch-zoom.
    let pointers = StoredValue::new(HashMap::<i32, (f64, f64)>::new());
    let dragged = StoredValue::new(false);
    let local = move |ev: &web_sys::MouseEvent| -> Option<(f64, f64, (f64, f64))> {
        let canvas = canvas.get_untracked()?;
        let rect = canvas.get_bounding_client_rect();
        let ratio = pixel_ratio();
        Some((
            (ev.client_x() as f64 - rect.left()) * ratio,
            (ev.client_y() as f64 - rect.top()) * ratio,
            (canvas.width() as f64, canvas.height() as f64),
        ))
    };
    let hit = move |x: f64, y: f64, size: (f64, f64)| {
        let (model, facts) = (
            explorer.model.get_untracked()?,
            explorer.facts.get_untracked()?,
        );
        let hidden = explorer.hidden.get_untracked();
        explorer.view.get_untracked().hit(
            &model.bounds,
            size,
            &model.points,
            (x, y),
            8.0 * pixel_ratio(),
            |i| Explorer::is_visible(&facts, hidden, i),
        )
    };
    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some((x, y, _)) = local(&ev) {
            pointers.update_value(|p| {
                p.insert(ev.pointer_id(), (x, y));
            });
            dragged.set_value(false);
            if let Some(target) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            {
                let _ = target.set_pointer_capture(ev.pointer_id());
            }
        }
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let Some((x, y, size)) = local(&ev) else {
            return;
        };
        let Some(model) = explorer.model.get_untracked() else {
            return;
        };
        let before = pointers.with_value(|p| p.clone());
        match before.len() {
            0 => explorer.hover.set(hit(x, y, size)),
            1 => {
                if let Some(&(px, py)) = before.get(&ev.pointer_id()) {
                    if (x - px).abs() + (y - py).abs() > 2.0 {
                        dragged.set_value(true);
                    }
                    if dragged.get_value() {
                        explorer
                            .view
                            .update(|v| *v = v.pan(&model.bounds, size, x - px, y - py));
                        pointers.update_value(|p| {
                            p.insert(ev.pointer_id(), (x, y));
                        });
                    }
                }
            }
            _ => {
                let others: Vec<(f64, f64)> = before
                    .iter()
                    .filter(|(id, _)| **id != ev.pointer_id())
                    .map(|(_, p)| *p)
                    .collect();
                if let (Some(&(ox, oy)), Some(&(px, py))) =
                    (others.first(), before.get(&ev.pointer_id()))
                {
                    let was = ((px - ox).powi(2) + (py - oy).powi(2)).sqrt().max(1.0);
                    let now = ((x - ox).powi(2) + (y - oy).powi(2)).sqrt().max(1.0);
                    dragged.set_value(true);
                    explorer.view.update(|v| {
                        *v = v.zoom_about(
                            &model.bounds,
                            size,
                            (x + ox) / 2.0,
                            (y + oy) / 2.0,
                            now / was,
                        )
                    });
                    pointers.update_value(|p| {
                        p.insert(ev.pointer_id(), (x, y));
                    });
                }
            }
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        let was_down = pointers.with_value(|p| p.contains_key(&ev.pointer_id()));
        pointers.update_value(|p| {
            p.remove(&ev.pointer_id());
        });
        if was_down
            && !dragged.get_value()
            && let Some((x, y, size)) = local(&ev)
        {
            explorer.selected.set(hit(x, y, size));
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        let Some((x, y, size)) = local(&ev) else {
            return;
        };
        let Some(model) = explorer.model.get_untracked() else {
            return;
        };
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        explorer
            .view
            .update(|v| *v = v.zoom_about(&model.bounds, size, x, y, factor));
    };
    let tooltip = move || {
        let item = explorer.hover.get()?;
        let dataset = explorer.dataset.get()?;
        let facts = explorer.facts.get()?;
        let film = &dataset.films[item as usize];
        let mean =
            facts.means[item as usize].map_or("no ratings".into(), |m| format!("mean {m:.2}★"));
        Some(view! {
            <div class="map-tooltip" data-testid="map-tooltip" role="status">
                <b>{film.title.clone()}</b>
                <span>{film.year.map(|y| y.to_string()).unwrap_or_default()} " · " {film.genre_names().join(", ")}</span>
                <span>{mean} " · " {facts.counts[item as usize]} " ratings"</span>
            </div>
        })
    };
    view! {
        <div class="map-wrap">
            <canvas
                node_ref=canvas
                class="map-canvas"
                data-testid="embedding-canvas"
                role="img"
                aria-label="Map of the films' learned vectors"
                data-draw-ms=move || last_draw_ms.get().map(|ms| format!("{ms:.2}"))
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_up
                on:pointercancel=move |ev: web_sys::PointerEvent| pointers.update_value(|p| { p.remove(&ev.pointer_id()); })
                on:pointerleave=move |_| explorer.hover.set(None)
                on:wheel=on_wheel
            ></canvas>
            {tooltip}
        </div>
    }
}

#[component]
fn Legend(explorer: Explorer) -> impl IntoView {
    view! {
        <div class="legend" data-testid="genre-legend">
            {move || match explorer.colour.get() {
                ColourBy::Genre => (1..GENRES.len())
                    .map(|g| {
                        let hidden = move || explorer.hidden.get() & (1 << g) != 0;
                        view! {
                            <button
                                type="button"
                                class=move || if hidden() { "legend-item legend-off" } else { "legend-item" }
                                aria-pressed=move || (!hidden()).to_string()
                                data-genre=GENRES[g]
                                on:click=move |_| explorer.toggle_genre(g)
                            >
                                <span class="swatch" style=format!("background:{}", GENRE_COLOURS[g])></span>
                                {GENRES[g]}
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
fn Classifier(explorer: Explorer) -> impl IntoView {
    move || match explorer.classifier.get() {
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

#[component]
pub fn MapPanel(explorer: Explorer, visitor: Visitor) -> impl IntoView {
    let state = move || explorer.state.get();
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
    let selected_film = move || {
        let item = explorer.selected.get()?;
        explorer
            .dataset
            .with(|d| d.as_ref().map(|d| (item, d.films[item as usize].clone())))
    };
    let export_error = RwSignal::new(None::<String>);
    view! {
        <section class="panel panel-wide" aria-labelledby="map-title">
            <h2 id="map-title">"The film map: what the model learned"</h2>
            <p class="hint">
                "Each dot is a film, placed by its learned vector (tens of numbers squeezed into 2). Nobody told the model about genres or years: "
                "films that end up together were rated alike. Hover for details, click a film for its nearest neighbours in the full space, "
                "drag to pan, wheel or pinch to zoom. Your rated films have orange rings, your recommendations blue squares, and the diamond is you."
            </p>
            {move || explorer.about.get().map(|about| view! { <p class="hint" data-testid="map-source">{about}</p> })}
            <div class="fields">
                <div class="field">
                    <label for="projection-select">"Projection"</label>
                    <select
                        id="projection-select"
                        data-testid="projection-select"
                        prop:value=move || explorer.projection.get().name()
                        on:change=move |ev| explorer.set_projection(if event_target_value(&ev) == "tsne" { Projection::Tsne } else { Projection::Pca })
                    >
                        <option value="pca">"PCA (instant)"</option>
                        <option value="tsne">"t-SNE (a few seconds, in a worker)"</option>
                        <option value="umap" disabled=true>"UMAP (no sound crate builds with ours yet)"</option>
                    </select>
                </div>
                <div class="field">
                    <label for="color-select">"Colour by"</label>
                    <select
                        id="color-select"
                        data-testid="color-select"
                        on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if let Some((by, _, _)) = ColourBy::ALL.iter().find(|(_, name, _)| *name == value) {
                                explorer.colour.set(*by);
                            }
                        }
                    >
                        {ColourBy::ALL.iter().map(|(_, name, label)| view! { <option value=*name>{*label}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="canvas-search">"Find a film on the map"</label>
                    <input id="canvas-search" data-testid="canvas-search" type="search" placeholder="title, then Enter" on:keydown=on_search />
                    <Show when=move || search_miss.get()>
                        <small>"No film matches."</small>
                    </Show>
                </div>
            </div>
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
                {move || {
                    explorer.model.with(|m| m.as_ref().map(|m| m.explained)).filter(|_| explorer.projection.get() == Projection::Pca).map(|[a, b]| {
                        view! {
                            <span class="hint">
                                "Variance explained by the two axes: "
                                <b data-testid="pca-variance">{format!("{:.1}", 100.0 * (a + b))}</b>
                                {format!("% (PC1 {:.1}%, PC2 {:.1}%)", 100.0 * a, 100.0 * b)}
                            </span>
                        }
                    })
                }}
                <button type="button" data-testid="map-reset" on:click=move |_| explorer.reset_view()>"Reset view"</button>
            </div>
            <Legend explorer />
            <MapCanvas explorer visitor />
            {move || {
                selected_film().map(|(item, film)| {
                    view! {
                        <div class="selected" data-testid="selected-film" data-item-id=film.id.to_string()>
                            <h3>{film.title.clone()}</h3>
                            <p class="hint">"Its 10 nearest films by cosine similarity of the learned vectors (all 32 dimensions, not the 2-D map):"</p>
                            <ol class="neighbours" data-testid="neighbour-list">
                                {move || {
                                    let dataset = explorer.dataset.get();
                                    explorer
                                        .neighbours
                                        .get()
                                        .into_iter()
                                        .filter(|(n, _)| *n != item)
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
                                }}
                            </ol>
                        </div>
                    }
                })
            }}
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
        </section>
    }
}
