//! One film to rate: title, year and genres (as text, never HTML), its stars, and optionally
//! "haven't seen".

use filmspace_core::data::Film;
use leptos::prelude::*;

use crate::state::visitor::Visitor;
use crate::ui::widgets::stars::Stars;

#[component]
pub fn FilmCard(
    visitor: Visitor,
    film: Film,
    /// Offer "haven't seen" (the onboarding grid does; a searched film does not).
    #[prop(default = false)]
    dismissable: bool,
) -> impl IntoView {
    let id = film.id;
    let rating = Signal::derive(move || visitor.profile.with(|p| p.rating_of(id)));
    let year = film
        .year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "year unknown".into());
    let genres = visitor.genre_text(&film);
    view! {
        <article class="film-card" data-testid="film-card" data-item-id=id.to_string()>
            <h3 class="film-title">{film.title.clone()}</h3>
            <p class="film-meta">{year} " · " {genres}</p>
            <Stars
                title=film.title.clone()
                rating=rating
                half=visitor.half_stars()
                                on_rate={move |stars: Option<f32>| visitor.set_rating(id, stars)}
            />
            {dismissable
                .then(|| {
                    view! {
                        <button type="button" class="link-button" data-testid="not-seen" on:click=move |_| visitor.mark_not_seen(id)>
                            "Haven't seen it"
                        </button>
                    }
                })}
        </article>
    }
}
