//! A 1–5 star input: a radio group with one tab stop; arrows move the rating, digits set it,
//! 0 / Delete removes it, and focus follows so the change is visible.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Moves keyboard focus to the `stars`-th button of the group `button` sits in.
fn focus_star(button: &web_sys::Element, stars: u8) {
    let target = button
        .parent_element()
        .and_then(|group| group.children().item(stars as u32 - 1))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(target) = target {
        let _ = target.focus();
    }
}

#[component]
pub fn Stars(
    /// Whose rating this is, for screen readers: "Your rating of Star Wars (1977)".
    title: String,
    #[prop(into)] rating: Signal<Option<u8>>,
    /// `Some(n)` rates n stars, `None` removes the rating.
    #[prop(into)]
    on_rate: Callback<Option<u8>>,
) -> impl IntoView {
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let current = rating.get_untracked();
        let next = match ev.key().as_str() {
            "ArrowRight" | "ArrowUp" => Some(Some(current.map_or(1, |r| (r + 1).min(5)))),
            "ArrowLeft" | "ArrowDown" => {
                Some(Some(current.map_or(1, |r| r.saturating_sub(1).max(1))))
            }
            "Home" => Some(Some(1)),
            "End" => Some(Some(5)),
            "0" | "Delete" | "Backspace" => Some(None),
            key => key
                .parse::<u8>()
                .ok()
                .filter(|d| (1..=5).contains(d))
                .map(Some),
        };
        let Some(next) = next else { return };
        ev.prevent_default();
        on_rate.run(next);
        if let Some(button) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            focus_star(&button, next.unwrap_or(1));
        }
    };
    let label = format!("Your rating of {title}");
    view! {
        <div class="stars" role="radiogroup" aria-label=label on:keydown=on_key>
            {(1..=5u8)
                .map(|n| {
                    let checked = move || rating.get() == Some(n);
                    // One tab stop: the checked star, or the first when unrated.
                    let tab = move || if checked() || (rating.get().is_none() && n == 1) { "0" } else { "-1" };
                    view! {
                        <button
                            type="button"
                            role="radio"
                            data-testid=format!("star-{n}")
                            aria-checked=move || checked().to_string()
                            aria-label=format!("{n} star{}", if n == 1 { "" } else { "s" })
                            tabindex=tab
                            class=move || if rating.get().is_some_and(|r| n <= r) { "star star-on" } else { "star" }
                            on:click=move |_| on_rate.run(Some(n))
                        >
                            "★"
                        </button>
                    }
                })
                .collect_view()}
        </div>
    }
}
