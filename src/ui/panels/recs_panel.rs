//! The visitor's recommendations: where they come from, how long the fold-in took, filters, and a
//! reason on every film.

use leptos::prelude::*;

use crate::ui::widgets::fields::{LabelledSelect, Panel};

use crate::state::visitor::{RECS_PER_PAGE, Visitor};

#[component]
pub fn RecsPanel(visitor: Visitor) -> impl IntoView {
    let source = move || visitor.recs.with(|r| r.as_ref().map(|r| r.source));
    let rated = move || visitor.profile.with(|p| p.ratings.len());
    view! {
        <Panel id="recs-title" title="Recommended for you" wide=true>
            {move || match source() {
                None => view! {
                    <p class="hint" data-testid="rec-preparing">
                        {move || format!("Preparing recommendations… {:.0}%", visitor.preparing.get() * 100.0)}
                    </p>
                }
                .into_any(),
                Some(source) => view! {
                    <p data-testid="rec-source" data-state=source.name()
                        data-model=move || visitor.recs.with(|r| r.as_ref().and_then(|r| r.model.as_ref()).map_or("", |m| m.name))
                        class=format!("badge badge-{}", source.name())>
                        {move || visitor.recs.with(|r| match r.as_ref().and_then(|r| r.model.as_ref()) {
                            None => "Baseline: films people watch most and films often rated together with yours. Train a model for personal predicted ratings.".to_string(),
                            Some(m) if m.rates => format!("Model: you are folded into {} (no retraining), ranked by a blend built to rank.", m.label),
                            Some(m) => format!("Model: {} ranks every film for you from the films you rated (no retraining), on its own; it predicts no rating.", m.label),
                        })}
                    </p>
                }
                .into_any(),
            }}
            {move || {
                visitor.recs.with(|r| r.as_ref().and_then(|r| r.fold_in_ms)).map(|ms| {
                    view! {
                        <p class="hint">
                            "Folded in and scored all films in "
                            <span data-testid="foldin-ms">{format!("{ms:.2}")}</span>
                            " ms."
                        </p>
                    }
                })
            }}
            <Show when=move || rated() == 0>
                <p class="hint">"Rate a few films above to make this list yours; until then it shows what most people watch."</p>
            </Show>
            <div class="fields">
                <LabelledSelect id="genre-filter" label="Genre" on_change=move |v: String| visitor.genre.set(v.parse().ok())>
                    <option value="">"All genres"</option>
                    {move || visitor.genres().into_iter().map(|(g, name)| view! { <option value=g.to_string()>{name}</option> }).collect_view()}
                </LabelledSelect>
                <LabelledSelect id="decade-filter" label="Decade" on_change=move |v: String| visitor.decade.set(v.parse().ok())>
                    <option value="">"All decades"</option>
                    {move || visitor.decades().into_iter().map(|d| view! { <option value=d.to_string()>{format!("{d}s")}</option> }).collect_view()}
                </LabelledSelect>
            </div>
            <ol class="rec-list" data-testid="rec-list">
                {move || {
                    visitor.recs.get().map(|recs| {
                        if recs.rows.is_empty() {
                            return view! { <li class="hint">"No film matches these filters."</li> }.into_any();
                        }
                        recs.rows
                            .into_iter()
                            .map(|row| {
                                view! {
                                    <li data-testid="rec-item" data-item-id=row.item_id.to_string() data-score=format!("{:.4}", row.score)>
                                        <span class="rec-title">{row.title}</span>
                                        <span class="film-meta">{row.genres}</span>
                                        {row.predicted.map(|p| view! { <span class="rec-predicted">{format!("predicted {:.1}★", p.clamp(0.5, 5.0))}</span> })}
                                        <p class="rec-reason" data-testid="rec-reason">{row.reason}</p>
                                    </li>
                                }
                            })
                            .collect_view()
                            .into_any()
                    })
                }}
            </ol>
            <div class="controls">
                <button type="button" data-testid="rec-more" on:click=move |_| visitor.shown.update(|n| *n += RECS_PER_PAGE)>
                    "Show 10 more"
                </button>
            </div>
        </Panel>
    }
}
