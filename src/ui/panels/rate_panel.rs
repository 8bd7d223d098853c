//! The visitor's ratings: a title search, the film they picked, the onboarding grid, their list,
//! and export / import / reset.

use filmspace_core::data::Film;
use leptos::prelude::*;

use crate::ui::widgets::fields::Panel;

use crate::state::visitor::{Notice, Visitor};
use crate::ui::widgets::film_card::FilmCard;
use crate::ui::widgets::stars::Stars;
use crate::web::upload::read_picked_file;
use filmspace_core::data::limits::MAX_PICKED_RATINGS_BYTES;

const SEARCH_RESULTS: usize = 8;

/// As-you-type search with a listbox: ↓/↑ move, Enter picks, Escape closes.
#[component]
fn FilmSearch(visitor: Visitor) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let active = RwSignal::new(0usize);
    let results = Memo::new(move |_| {
        let q = query.get();
        visitor.films.with(|films| {
            films.as_ref().map_or_else(Vec::new, |f| {
                f.titles
                    .search(&q, SEARCH_RESULTS)
                    .into_iter()
                    .map(|i| f.dataset.films[i as usize].clone())
                    .collect::<Vec<_>>()
            })
        })
    });
    let pick = move |item_id: u32| {
        visitor.focus.set(Some(item_id));
        query.set(String::new());
        active.set(0);
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let count = results.with(Vec::len);
        match ev.key().as_str() {
            "ArrowDown" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + 1) % count);
            }
            "ArrowUp" if count > 0 => {
                ev.prevent_default();
                active.update(|a| *a = (*a + count - 1) % count);
            }
            "Enter" => {
                if let Some(film) = results.with(|r| r.get(active.get_untracked()).cloned()) {
                    ev.prevent_default();
                    pick(film.id);
                }
            }
            "Escape" => query.set(String::new()),
            _ => {}
        }
    };
    let option_id = |n: usize| format!("search-option-{n}");
    view! {
        <div class="search">
            <label for="film-search">"Find a film you have seen"</label>
            <input
                id="film-search"
                data-testid="film-search"
                type="search"
                autocomplete="off"
                placeholder="e.g. star wars, usual suspects, godfather"
                role="combobox"
                aria-controls="search-results"
                aria-autocomplete="list"
                aria-expanded=move || (!results.with(Vec::is_empty)).to_string()
                aria-activedescendant=move || (!results.with(Vec::is_empty)).then(|| option_id(active.get()))
                prop:value=move || query.get()
                on:input=move |ev| {
                    query.set(event_target_value(&ev));
                    active.set(0);
                }
                on:keydown=on_key
                disabled=move || visitor.films.with(Option::is_none)
            />
            <SearchResults visitor results active on_pick=pick />
        </div>
    }
}

/// The search's listbox: the matching films, the active one marked; a press picks one.
#[component]
fn SearchResults(
    visitor: Visitor,
    results: Memo<Vec<Film>>,
    active: RwSignal<usize>,
    #[prop(into)] on_pick: Callback<u32>,
) -> impl IntoView {
    let option_id = |n: usize| format!("search-option-{n}");
    view! {
        <ul id="search-results" role="listbox" class="search-results" aria-label="Matching films">
            {move || {
                results
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(n, film)| {
                        let id = film.id;
                        view! {
                            <li
                                id=option_id(n)
                                role="option"
                                data-testid="search-result"
                                data-item-id=id.to_string()
                                aria-selected=move || (active.get() == n).to_string()
                                class=move || if active.get() == n { "search-result active" } else { "search-result" }
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    on_pick.run(id);
                                }
                            >
                                {film.title.clone()}
                                <small>" " {visitor.genre_text(&film)}</small>
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

#[component]
fn NoticeView(visitor: Visitor) -> impl IntoView {
    move || {
        visitor.notice.get().map(|notice| match notice {
            Notice::Info(text) => view! { <div data-testid="ratings-notice" class="status" role="status">{text}</div> }.into_any(),
            Notice::Error(text) => view! { <div data-testid="ratings-notice" class="status status-error" role="alert">{text}</div> }.into_any(),
            Notice::Problems(text, problems) => view! {
                <div data-testid="ratings-notice" class="status status-error" role="alert">
                    {text}
                    <ul class="problems">
                        {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any(),
        })
    }
}

#[component]
pub fn RatePanel(visitor: Visitor) -> impl IntoView {
    let film_of = move |item_id: u32| film_of(visitor, item_id);
    view! {
        <Panel id="rate-title" title="Rate films you know" wide=true>
            <p class="hint">
                "Give a few films 1–5 stars (half stars where the data has them; click, or focus the stars and use the arrows or digits 1–5; 0 removes). "
                "Your recommendations update at once, and your ratings stay in this browser."
            </p>
            <FilmSearch visitor />
            {move || {
                visitor.focus.get().and_then(film_of).map(|film| {
                    view! {
                        <div class="focus-card">
                            <FilmCard visitor film />
                            <button type="button" class="link-button" on:click=move |_| visitor.focus.set(None)>"Close"</button>
                        </div>
                    }
                })
            }}
            <h3>"Films many people have seen — and disagree about"</h3>
            <div class="card-grid" data-testid="onboarding">
                {move || {
                    visitor
                        .onboarding
                        .get()
                        .into_iter()
                        .filter_map(|i| visitor.films.with(|f| f.as_ref().map(|f| f.dataset.films[i as usize].clone())))
                        .map(|film| view! { <FilmCard visitor film dismissable=true /> })
                        .collect_view()
                }}
            </div>
            <div class="controls">
                <button type="button" data-testid="onboarding-more" on:click=move |_| visitor.next_onboarding()>
                    "Show me others"
                </button>
            </div>
            <MyRatings visitor />
            <NoticeView visitor />
        </Panel>
    }
}

/// The visitor's ratings, each with its stars and Remove, then export, import and reset.
#[component]
fn MyRatings(visitor: Visitor) -> impl IntoView {
    let count = move || visitor.profile.with(|p| p.ratings.len());
    let film_of = move |item_id: u32| film_of(visitor, item_id);
    view! {
    <h3>{move || format!("My ratings ({})", count())}</h3>
    <ul class="my-ratings" data-testid="my-ratings">
        {move || {
            let ratings = visitor.profile.get().ratings;
            if ratings.is_empty() {
                return view! { <li class="hint">"Nothing rated yet."</li> }.into_any();
            }
            ratings
                .into_iter()
                .rev()
                .map(|r| {
                    let id = r.item_id;
                    let title = film_of(id).map_or_else(|| format!("film #{id}"), |f| f.title);
                    let rating = Signal::derive(move || visitor.profile.with(|p| p.rating_of(id)));
                    view! {
                        <li data-testid="my-rating" data-item-id=id.to_string() data-rating=r.rating.to_string()>
                            <span class="my-rating-title">{title.clone()}</span>
                            <Stars
                                title=title
                                rating=rating
                                half=visitor.half_stars()
                                on_rate={move |stars: Option<f32>| visitor.set_rating(id, stars)}
                            />
                            <button type="button" class="link-button" data-testid="my-rating-remove" aria-label="Remove this rating" on:click=move |_| visitor.unrate(id)>
                                "Remove"
                            </button>
                        </li>
                    }
                })
                .collect_view()
                .into_any()
        }}
    </ul>
        <RatingsFile visitor />
    }
}

/// Export, import and reset of the visitor's ratings.
#[component]
fn RatingsFile(visitor: Visitor) -> impl IntoView {
    let confirming = RwSignal::new(false);
    let count = move || visitor.profile.with(|p| p.ratings.len());
    let on_import = move |ev: leptos::ev::Event| {
        read_picked_file(
            &ev,
            MAX_PICKED_RATINGS_BYTES,
            move |name, bytes| match bytes {
                Ok(bytes) => visitor.import(&name, &bytes),
                Err(why) => visitor.notice.set(Some(Notice::Error(format!(
                    "{why}; your ratings are unchanged."
                )))),
            },
        );
    };
    view! {
    <div class="controls">
        <button type="button" data-testid="ratings-export" on:click=move |_| visitor.export(false) disabled=move || count() == 0>
            "Export CSV"
        </button>
        <button type="button" data-testid="ratings-export-json" on:click=move |_| visitor.export(true) disabled=move || count() == 0>
            "Export JSON"
        </button>
        <label class="file-button">
            "Import CSV or JSON "
            <input type="file" data-testid="ratings-import" accept=".csv,.json,text/csv,application/json" on:change=on_import />
        </label>
        <button type="button" data-testid="ratings-reset" on:click=move |_| confirming.set(true) disabled=move || count() == 0>
            "Reset…"
        </button>
    </div>
    <Show when=move || confirming.get()>
        <div class="confirm" role="alertdialog" aria-label="Clear all ratings?">
            {move || format!("Clear all {} ratings? This cannot be undone (export them first to keep a copy).", count())}
            <button type="button" data-testid="ratings-reset-confirm" on:click=move |_| { confirming.set(false); visitor.reset(); }>
                "Yes, clear them"
            </button>
            <button type="button" data-testid="ratings-reset-cancel" on:click=move |_| confirming.set(false)>
                "Cancel"
            </button>
        </div>
    </Show>
    }
}

/// The film with MovieLens id `item_id`, once the films are known.
fn film_of(visitor: Visitor, item_id: u32) -> Option<Film> {
    visitor.films.with(|films| {
        let f = films.as_ref()?;
        Some(f.dataset.films[f.dataset.item_of(item_id)? as usize].clone())
    })
}
