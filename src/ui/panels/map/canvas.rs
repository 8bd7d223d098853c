//! The map's canvas: redrawn when what it shows changes, and driven by the pointer — hover names
//! a film, a click selects it, a drag pans, the wheel or a pinch zooms.

use std::collections::HashMap;

use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::paint::{Marks, Scene, draw};
use crate::state::map::{Explorer, MapModel, visitor_position};
use crate::state::visitor::{Recs, Visitor};
use crate::ui::widgets::canvas_size::{fit_buffer, observed_size};
use crate::ui::widgets::charts::pixel_ratio;
use crate::web::schedule::now_ms;

/// The visitor's films, recommendations and position on `model`'s map.
fn marks_of(recs: Option<&Recs>, model: &MapModel, explorer: Explorer) -> Marks {
    let Some(recs) = recs else {
        return Marks {
            rated: Vec::new(),
            recommended: Vec::new(),
            you: None,
        };
    };
    let item_of = |id| explorer.dataset.with_untracked(|d| d.as_ref()?.item_of(id));
    Marks {
        rated: recs.rated.iter().map(|x| x.0).collect(),
        recommended: recs
            .rows
            .iter()
            .filter_map(|row| item_of(row.item_id))
            .collect(),
        you: visitor_position(
            model,
            explorer.projection.get_untracked(),
            recs.vector.as_deref(),
            &recs.rated,
        ),
    }
}

/// Redraws whenever the view, colouring, selection, hover, recommendations or size change, and
/// records how long the redraw took.
fn redraw_on_change(
    canvas: NodeRef<Canvas>,
    explorer: Explorer,
    visitor: Visitor,
) -> RwSignal<Option<f64>> {
    let size = observed_size(canvas);
    let last_draw_ms = RwSignal::new(None::<f64>);
    let years = Memo::new(move |_| {
        explorer.dataset.with(|d| {
            d.as_ref()
                .map(|d| d.films.iter().map(|f| f.year).collect::<Vec<_>>())
        })
    });
    Effect::new(move |_| {
        explorer.view.track();
        explorer.colour.track();
        explorer.hidden.track();
        explorer.selected.track();
        explorer.hover.track();
        let recs = visitor.recs.get();
        let (Some(canvas), Some(size), Some(model), Some(facts), Some(years)) = (
            canvas.get(),
            size.get(),
            explorer.model.get(),
            explorer.facts.get(),
            years.get(),
        ) else {
            return;
        };
        fit_buffer(&canvas, size);
        let marks = marks_of(recs.as_ref(), &model, explorer);
        let view = explorer.view.get_untracked();
        let started = now_ms();
        let scene = Scene {
            model: &model,
            view,
            facts: &facts,
            years: &years,
            marks: &marks,
        };
        draw(&canvas, &scene, explorer);
        last_draw_ms.set(Some(now_ms() - started));
    });
    last_draw_ms
}

/// Pointer state: a drag pans, a click without movement selects, two pointers pinch-zoom.
#[derive(Clone, Copy)]
struct Pointers {
    canvas: NodeRef<Canvas>,
    explorer: Explorer,
    down: StoredValue<HashMap<i32, (f64, f64)>>,
    dragged: StoredValue<bool>,
}

impl Pointers {
    /// The event's position in canvas pixels, and the canvas's size.
    fn local(self, ev: &web_sys::MouseEvent) -> Option<(f64, f64, (f64, f64))> {
        let canvas = self.canvas.get_untracked()?;
        let rect = canvas.get_bounding_client_rect();
        let ratio = pixel_ratio();
        let size = (canvas.width() as f64, canvas.height() as f64);
        Some((
            (ev.client_x() as f64 - rect.left()) * ratio,
            (ev.client_y() as f64 - rect.top()) * ratio,
            size,
        ))
    }

    /// The visible film under (x, y), if any.
    fn hit(self, x: f64, y: f64, size: (f64, f64)) -> Option<u32> {
        let explorer = self.explorer;
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
            explorer.selected.get_untracked(),
        )
    }

    fn pressed(self, ev: web_sys::PointerEvent) {
        let Some((x, y, _)) = self.local(&ev) else {
            return;
        };
        self.down.update_value(|p| {
            p.insert(ev.pointer_id(), (x, y));
        });
        self.dragged.set_value(false);
        if let Some(target) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = target.set_pointer_capture(ev.pointer_id());
        }
    }

    fn moved(self, ev: web_sys::PointerEvent) {
        let (Some((x, y, size)), Some(model)) =
            (self.local(&ev), self.explorer.model.get_untracked())
        else {
            return;
        };
        let id = ev.pointer_id();
        let before = self.down.with_value(|p| p.clone());
        let Some(&(px, py)) = before.get(&id) else {
            if before.is_empty() {
                self.explorer.hover.set(self.hit(x, y, size));
            }
            return;
        };
        let other = before
            .iter()
            .find(|(other, _)| **other != id)
            .map(|(_, p)| *p);
        match other {
            None => {
                if (x - px).abs() + (y - py).abs() > 2.0 {
                    self.dragged.set_value(true);
                }
                if !self.dragged.get_value() {
                    return;
                }
                self.explorer
                    .view
                    .update(|v| *v = v.pan(&model.bounds, size, x - px, y - py));
            }
            Some((ox, oy)) => {
                let was = ((px - ox).powi(2) + (py - oy).powi(2)).sqrt().max(1.0);
                let now = ((x - ox).powi(2) + (y - oy).powi(2)).sqrt().max(1.0);
                self.dragged.set_value(true);
                let (cx, cy) = ((x + ox) / 2.0, (y + oy) / 2.0);
                self.explorer
                    .view
                    .update(|v| *v = v.zoom_about(&model.bounds, size, cx, cy, now / was));
            }
        }
        self.down.update_value(|p| {
            p.insert(id, (x, y));
        });
    }

    fn released(self, ev: web_sys::PointerEvent) {
        let was_down = self.down.with_value(|p| p.contains_key(&ev.pointer_id()));
        self.forget(&ev);
        if was_down
            && !self.dragged.get_value()
            && let Some((x, y, size)) = self.local(&ev)
        {
            self.explorer.selected.set(self.hit(x, y, size));
        }
    }

    fn forget(self, ev: &web_sys::PointerEvent) {
        self.down.update_value(|p| {
            p.remove(&ev.pointer_id());
        });
    }

    fn wheel(self, ev: web_sys::WheelEvent) {
        let (Some((x, y, size)), Some(model)) =
            (self.local(&ev), self.explorer.model.get_untracked())
        else {
            return;
        };
        ev.prevent_default();
        let factor = (-ev.delta_y() * 0.0015).exp();
        self.explorer
            .view
            .update(|v| *v = v.zoom_about(&model.bounds, size, x, y, factor));
    }
}

/// The hovered film's title, year, genres, mean rating and count.
#[component]
fn MapTooltip(explorer: Explorer) -> impl IntoView {
    move || {
        let item = explorer.hover.get()?;
        let dataset = explorer.dataset.get()?;
        let facts = explorer.facts.get()?;
        let film = &dataset.films[item as usize];
        let mean =
            facts.means[item as usize].map_or("no ratings".into(), |m| format!("mean {m:.2}★"));
        Some(view! {
            <div class="map-tooltip" data-testid="map-tooltip" role="status">
                <b>{film.title.clone()}</b>
                <span>{film.year.map(|y| y.to_string()).unwrap_or_default()} " · " {dataset.genre_text(film)}</span>
                <span>{mean} " · " {facts.counts[item as usize]} " ratings"</span>
            </div>
        })
    }
}

#[component]
pub fn MapCanvas(explorer: Explorer, visitor: Visitor) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let last_draw_ms = redraw_on_change(canvas, explorer, visitor);
    let pointers = Pointers {
        canvas,
        explorer,
        down: StoredValue::new(HashMap::new()),
        dragged: StoredValue::new(false),
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
                on:pointerdown=move |ev| pointers.pressed(ev)
                on:pointermove=move |ev| pointers.moved(ev)
                on:pointerup=move |ev| pointers.released(ev)
                on:pointercancel=move |ev: web_sys::PointerEvent| pointers.forget(&ev)
                on:pointerleave=move |_| explorer.hover.set(None)
                on:wheel=move |ev| pointers.wheel(ev)
            ></canvas>
            <MapTooltip explorer />
        </div>
    }
}
