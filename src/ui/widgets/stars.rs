//! A star input: whole stars 1–5, or 0.5–5 in halves where the data has half stars (each star
//! is then two buttons, its left and right half). A radio group with one tab stop: arrows move
//! by one step, digits set whole stars, 0 / Delete removes the rating, and focus follows so the
//! change is visible.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// The values offered, lowest first.
fn choices(half: bool) -> Vec<f32> {
    let step = if half { 0.5 } else { 1.0 };
    (1..=(5.0 / step) as u8).map(|k| k as f32 * step).collect()
}

/// "4" or "3.5": a value as its test id and label write it.
fn label_of(stars: f32) -> String {
    if stars.fract() == 0.0 {
        format!("{}", stars as u8)
    } else {
        format!("{stars}")
    }
}

/// Moves keyboard focus to the button for `stars` in the group `button` sits in.
fn focus_star(button: &web_sys::Element, stars: f32, half: bool) {
    let position = (stars * if half { 2.0 } else { 1.0 }) as u32;
    let target = button
        .parent_element()
        .and_then(|group| group.children().item(position.saturating_sub(1)))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(target) = target {
        let _ = target.focus();
    }
}

/// The rating a key asks for: `Some(None)` removes it, `None` is not a rating key.
fn next_rating(key: &str, current: Option<f32>, half: bool) -> Option<Option<f32>> {
    let step = if half { 0.5 } else { 1.0 };
    match key {
        "ArrowRight" | "ArrowUp" => Some(Some(current.map_or(step, |r| (r + step).min(5.0)))),
        "ArrowLeft" | "ArrowDown" => Some(Some(current.map_or(step, |r| (r - step).max(step)))),
        "Home" => Some(Some(step)),
        "End" => Some(Some(5.0)),
        "0" | "Delete" | "Backspace" => Some(None),
        key => key
            .parse::<u8>()
            .ok()
            .filter(|d| (1..=5).contains(d))
            .map(|d| Some(f32::from(d))),
    }
}

#[component]
pub fn Stars(
    /// Whose rating this is, for screen readers: "Your rating of Star Wars (1977)".
    title: String,
    #[prop(into)] rating: Signal<Option<f32>>,
    /// Offer half stars (the data has them).
    #[prop(into)]
    half: Signal<bool>,
    /// `Some(stars)` rates, `None` removes the rating.
    #[prop(into)]
    on_rate: Callback<Option<f32>>,
) -> impl IntoView {
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let half = half.get_untracked();
        let Some(next) = next_rating(&ev.key(), rating.get_untracked(), half) else {
            return;
        };
        ev.prevent_default();
        on_rate.run(next);
        if let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            focus_star(&button, next.unwrap_or(1.0), half);
        }
    };
    let label = format!("Your rating of {title}");
    let buttons = move || {
        let half = half.get();
        choices(half)
            .into_iter()
            .map(|value| {
                let checked = move || rating.get() == Some(value);
                let first = value == choices(half)[0];
                // One tab stop: the checked star, or the first when unrated.
                let tab = move || {
                    if checked() || (rating.get().is_none() && first) {
                        "0"
                    } else {
                        "-1"
                    }
                };
                let side = match (half, value.fract() == 0.0) {
                    (false, _) => "",
                    (true, false) => " star-left",
                    (true, true) => " star-right",
                };
                let class = move || {
                    let on = if rating.get().is_some_and(|r| value <= r) {
                        " star-on"
                    } else {
                        ""
                    };
                    format!("star{side}{on}")
                };
                let text = label_of(value);
                view! {
                    <button
                        type="button"
                        role="radio"
                        data-testid=format!("star-{text}")
                        data-value=text.clone()
                        aria-checked=move || checked().to_string()
                        aria-label=format!("{text} star{}", if value == 1.0 { "" } else { "s" })
                        tabindex=tab
                        class=class
                        on:click=move |_| on_rate.run(Some(value))
                    >
                        "★"
                    </button>
                }
            })
            .collect_view()
    };
    view! {
        <div class="stars" role="radiogroup" aria-label=label on:keydown=on_key>
            {buttons}
        </div>
    }
}
