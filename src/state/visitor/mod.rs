//! The visitor's side of the page as signals: their ratings (saved on every change, before any
//! other work), what they said they have not seen, the recommendation filters, and the
//! recommendations themselves, recomputed from `filmspace_core::recommend` on every change.

mod kept;
mod view;

pub use view::*;
use view::{decade_of, reason_text};

use std::sync::Arc;

use filmspace_core::data::{Dataset, Film};
use filmspace_core::profile::Profile;
use filmspace_core::recommend::onboarding::BLOCK;
use filmspace_core::recommend::{
    BlendWeights, Catalogue, CoRatedBuilder, NEIGHBOURS_PER_FILM, Ranking, onboarding_order,
    onboarding_order_by_counts,
};
use filmspace_core::search::TitleIndex;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::state::serving::{Origin, ServedBy};
use crate::web::download::download_text;
use crate::web::schedule::{in_slices, now_ms, rating_index_in_slices};

pub const RECS_PER_PAGE: usize = 10;

#[derive(Clone, Copy)]
pub struct Visitor {
    pub profile: RwSignal<Profile>,
    /// MovieLens ids the visitor has not seen (hidden from the onboarding grid).
    pub not_seen: RwSignal<Vec<u32>>,
    /// The onboarding grid (dense ids). Rated films stay in it (their stars can still change, and
    /// keyboard focus is not lost); "show me others" draws the next block.
    pub onboarding: RwSignal<Vec<u32>>,
    /// Where the next block starts in the onboarding order.
    onboarding_cursor: RwSignal<usize>,
    /// The film picked in the search, shown on top of the rating area (MovieLens id).
    pub focus: RwSignal<Option<u32>>,
    pub genre: RwSignal<Option<usize>>,
    /// First year of a decade (1990 for the 1990s).
    pub decade: RwSignal<Option<u16>>,
    pub shown: RwSignal<usize>,
    pub notice: RwSignal<Option<Notice>>,
    pub films: RwSignal<Option<Films>>,
    pub catalogue: RwSignal<Option<Arc<Catalogue>>>,
    /// 0–1 while the neighbours are built.
    pub preparing: RwSignal<f64>,
    pub recs: Memo<Option<Recs>>,
    /// Where this data set's ratings are kept.
    keys: StoredValue<kept::Keys>,
    /// The counts of ratings a film list without ratings got from its model, once in use.
    counts: StoredValue<Option<Arc<Vec<u32>>>>,
}

impl Visitor {
    pub fn new(serving: RwSignal<Option<ServedBy>>) -> Self {
        let keys = kept::Keys::of("");
        let (profile, not_seen, notice) = kept::load(&keys);
        let profile = RwSignal::new(profile);
        let films = RwSignal::new(None::<Films>);
        let catalogue = RwSignal::new(None::<Arc<Catalogue>>);
        let genre = RwSignal::new(None::<usize>);
        let decade = RwSignal::new(None::<u16>);
        let shown = RwSignal::new(RECS_PER_PAGE);
        let recs = Memo::new(move |_| {
            let films = films.get()?;
            let catalogue = catalogue.get()?;
            let dataset = &films.dataset;
            let served = serving
                .get()
                .filter(|s| s.served.n_items() == dataset.n_items());
            let model = served.as_ref().map(|s| s.served.clone());
            let ratings = profile.with(|p| p.dense(dataset));
            let (genre, decade) = (genre.get(), decade.get());
            let started = now_ms();
            let source = if model.is_some() {
                Source::Model
            } else {
                Source::Baseline
            };
            let blend = BlendWeights::serving(model.as_deref());
            let ranking = Ranking::new(&catalogue, model.as_deref(), &ratings, blend);
            let fold_in_ms = model.is_some().then(|| now_ms() - started);
            let keep = |item: u32| {
                let film = &dataset.films[item as usize];
                genre.is_none_or(|g| film.has_genre(g))
                    && decade.is_none_or(|d| decade_of(film.year) == Some(d))
            };
            let rows = ranking
                .top(shown.get(), keep)
                .into_iter()
                .map(|rec| {
                    let film = &dataset.films[rec.item as usize];
                    RecRow {
                        item_id: film.id,
                        title: film.title.clone(),
                        genres: dataset.genre_text(film),
                        score: rec.score,
                        // In stars, as the person rates (the model predicts on the data's scale).
                        predicted: rec
                            .predicted
                            .map(|p| dataset.scale.to_stars(dataset.scale.clip(p))),
                        reason: reason_text(&rec.reasons, dataset),
                    }
                })
                .collect();
            Some(Recs {
                source,
                model: served.map(|s| ServedNote {
                    label: s.label(),
                    name: match s.origin {
                        Origin::Training => "trained",
                        Origin::Zoo(model) => model.name(),
                    },
                    rates: s.served.rates(),
                }),
                rows,
                fold_in_ms,
                vector: ranking.fit().and_then(|f| f.vector.clone()),
                rated: ratings,
            })
        });
        let visitor = Visitor {
            profile,
            not_seen: RwSignal::new(not_seen),
            onboarding: RwSignal::new(Vec::new()),
            onboarding_cursor: RwSignal::new(0),
            focus: RwSignal::new(None),
            genre,
            decade,
            shown,
            notice: RwSignal::new(notice),
            films,
            catalogue,
            preparing: RwSignal::new(0.0),
            recs,
            keys: StoredValue::new(keys),
            counts: StoredValue::new(None),
        };
        visitor.follow_other_tabs();
        visitor
    }

    /// Indexes the titles and picks the onboarding films at once, then builds the rating index
    /// and the co-rated neighbours in slices (the page stays responsive).
    pub fn prepare(self, dataset: Arc<Dataset>) {
        self.counts.set_value(None);
        self.focus.set(None);
        self.genre.set(None);
        self.decade.set(None);
        self.films.set(Some(Films {
            titles: Arc::new(TitleIndex::new(&dataset.films, dataset.ratings_per_item())),
            onboarding: Arc::new(onboarding_order(&dataset)),
            dataset: dataset.clone(),
        }));
        self.onboarding_cursor.set(0);
        self.next_onboarding();
        self.catalogue.set(None);
        self.preparing.set(0.0);
        if dataset.is_catalogue_only() {
            // Nothing to find neighbours in; popularity comes with a model bundle.
            let none = Catalogue::of_counts(vec![0; dataset.n_items()], dataset.scale);
            self.catalogue.set(Some(Arc::new(none)));
            return;
        }
        spawn_local(async move {
            // The index is a third of the work, the neighbours the rest (what the bar shows).
            let sizes = (dataset.n_users(), dataset.n_items());
            let index = rating_index_in_slices(&dataset.ratings, sizes, dataset.scale, |done| {
                self.preparing.set(done / 3.0)
            })
            .await;
            // A film at a time: one film of 25 million ratings costs as much as hundreds of
            // ML-100K's.
            let mut neighbours = CoRatedBuilder::new(&index, NEIGHBOURS_PER_FILM);
            let co_rated = in_slices(
                &mut neighbours,
                |b| b.step(1),
                |b| self.preparing.set((1.0 + 2.0 * b.progress()) / 3.0),
            )
            .await;
            self.preparing.set(1.0);
            self.catalogue
                .set(Some(Arc::new(Catalogue::new(&index, co_rated))));
        });
    }

    /// A film list without ratings learns its films' popularity from the model bundle opened
    /// on it: the search's order, the onboarding films and the ranking's popularity term.
    pub fn use_counts(self, dataset: Arc<Dataset>, counts: Arc<Vec<u32>>) {
        self.counts.set_value(Some(counts.clone()));
        let catalogue = Catalogue::of_counts(counts.to_vec(), dataset.scale);
        self.films.set(Some(Films {
            onboarding: Arc::new(onboarding_order_by_counts(&dataset, &counts)),
            titles: Arc::new(TitleIndex::new(&dataset.films, counts.to_vec())),
            dataset,
        }));
        self.onboarding_cursor.set(0);
        self.next_onboarding();
        self.catalogue.set(Some(Arc::new(catalogue)));
    }

    /// Whether these very counts are in use.
    pub fn uses_counts(self, counts: &Arc<Vec<u32>>) -> bool {
        self.counts
            .with_value(|used| used.as_ref().is_some_and(|used| Arc::ptr_eq(used, counts)))
    }

    pub fn rate(self, item_id: u32, stars: f32) {
        self.commit(|profile| profile.rate(item_id, stars));
    }

    pub fn unrate(self, item_id: u32) {
        self.commit(|profile| profile.remove(item_id));
    }

    /// Whether the data in use is rated in half stars (the star widgets offer halves).
    pub fn half_stars(self) -> Signal<bool> {
        let films = self.films;
        Signal::derive(move || {
            films.with(|f| f.as_ref().is_some_and(|f| f.dataset.scale.half_stars()))
        })
    }

    pub fn set_rating(self, item_id: u32, stars: Option<f32>) {
        match stars {
            Some(stars) => self.rate(item_id, stars),
            None => self.unrate(item_id),
        }
    }

    pub fn mark_not_seen(self, item_id: u32) {
        if let Some(films) = self.films.get_untracked()
            && let Some(dense) = films.dataset.item_of(item_id)
        {
            self.onboarding
                .update(|block| block.retain(|&i| i != dense));
        }
        self.commit_not_seen(Some(item_id));
    }

    pub fn reset(self) {
        self.commit(|profile| *profile = Profile::default());
        self.commit_not_seen(None);
        self.onboarding_cursor.set(0);
        self.next_onboarding();
        self.notice
            .set(Some(Notice::Info("All your ratings were cleared.".into())));
    }

    /// Replaces the grid with the next block of films not yet rated or dismissed, cycling
    /// through the onboarding order.
    pub fn next_onboarding(self) {
        let Some(films) = self.films.get_untracked() else {
            return;
        };
        let profile = self.profile.get_untracked();
        let not_seen = self.not_seen.get_untracked();
        let order = &films.onboarding;
        let start = self.onboarding_cursor.get_untracked();
        let mut block = Vec::with_capacity(BLOCK);
        let mut looked = 0;
        while block.len() < BLOCK && looked < order.len() {
            let item = order[(start + looked) % order.len()];
            looked += 1;
            let id = films.dataset.films[item as usize].id;
            if profile.rating_of(id).is_none() && !not_seen.contains(&id) {
                block.push(item);
            }
        }
        self.onboarding_cursor
            .set((start + looked) % order.len().max(1));
        self.onboarding.set(block);
    }

    /// Merges an imported CSV/JSON export into the ratings; a bad file changes nothing.
    pub fn import(self, name: &str, bytes: &[u8]) {
        let Some(films) = self.films.get_untracked() else {
            self.notice.set(Some(Notice::Error(
                "The films are still loading; import again in a moment.".into(),
            )));
            return;
        };
        match Profile::import(bytes, &films.dataset) {
            Ok(imported) => {
                let mut new = 0;
                self.commit(|profile| {
                    for r in &imported.ratings {
                        new += usize::from(profile.rating_of(r.item_id).is_none());
                        profile.rate(r.item_id, r.rating);
                    }
                });
                self.notice.set(Some(Notice::Info(format!(
                    "Imported {} ratings from {name} ({new} new).",
                    imported.ratings.len()
                ))));
            }
            Err(problems) => self.notice.set(Some(Notice::Problems(
                format!("{name} was not imported; your ratings are unchanged."),
                problems.iter().take(20).map(ToString::to_string).collect(),
            ))),
        }
    }

    pub fn export(self, json: bool) {
        let Some(films) = self.films.get_untracked() else {
            return;
        };
        let profile = self.profile.get_untracked();
        let result = if json {
            download_text(
                "my-ratings.json",
                "application/json",
                &profile.to_json(&films.dataset),
            )
        } else {
            download_text(
                "my-ratings.csv",
                "text/csv",
                &profile.to_csv(&films.dataset),
            )
        };
        if let Err(e) = result {
            self.notice.set(Some(Notice::Error(e)));
        }
    }

    /// Decades present in the data, for the filter.
    pub fn decades(self) -> Vec<u16> {
        let Some(films) = self.films.get() else {
            return Vec::new();
        };
        let mut decades: Vec<u16> = films
            .dataset
            .films
            .iter()
            .filter_map(|f| decade_of(f.year))
            .collect();
        decades.sort_unstable();
        decades.dedup();
        decades
    }

    /// The data set's genres a person can filter by (none before it loads).
    pub fn genres(self) -> Vec<(usize, String)> {
        self.films
            .with(|f| f.as_ref().map(|f| f.dataset.listed_genres()))
            .unwrap_or_default()
    }

    /// A film's genres as the page shows them.
    pub fn genre_text(self, film: &Film) -> String {
        self.films
            .with_untracked(|f| f.as_ref().map(|f| f.dataset.genre_text(film)))
            .unwrap_or_default()
    }
}
