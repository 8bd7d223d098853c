//! The ranking a person sees: a blend of three signals, each on a fixed scale.
//!
//! score_i = w_pop · ln(1 + n_i)                       (films people watch)
//!         + w_co  · mean_j sim(i, j) · g(r_j)         (films watched with theirs; co-rated cosine)
//!         + w_rat · r̂_i                               (the model's prediction after fold-in)
//!
//! with g(r) = (r − pivot) / (5 − pivot), so a 5★ pulls its neighbours up and, below the pivot, a
//! rating pushes them down. A rating-trained MF alone ranks below popularity (it tops its list
//! with rarely seen films it predicts high); the blend's weights were tuned on the fold-in
//! evaluation's tuning users (`core/examples/foldin.rs`, figures in the README). A model that
//! only ranks (EASE, two-tower, popularity) serves its own ranking: r̂ is then its score, alone.

use super::foldin::{FoldIn, FoldInRidge};
use super::neighbours::{CoRated, NEIGHBOURS_PER_FILM};
use super::served::{Served, VisitorFit};
use crate::data::{RatingIndex, RatingScale};
use crate::metrics::top_k;

/// What is known about the films whoever the person is: how often each is rated, and which are
/// rated together.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    pub counts: Vec<u32>,
    log_counts: Vec<f32>,
    pub co_rated: CoRated,
    /// The data's rating scale: ratings pull a ranking by their stars, whatever the scale.
    pub scale: RatingScale,
}

impl Catalogue {
    pub fn fit(train: &RatingIndex) -> Catalogue {
        Catalogue::new(train, CoRated::fit(train, NEIGHBOURS_PER_FILM))
    }

    /// From neighbours built elsewhere (a page builds them in slices with
    /// [`super::neighbours::CoRatedBuilder`]).
    pub fn new(train: &RatingIndex, co_rated: CoRated) -> Catalogue {
        let counts: Vec<u32> = (0..train.by_item.n_rows())
            .map(|i| train.by_item.len(i) as u32)
            .collect();
        Catalogue {
            co_rated,
            ..Catalogue::of_counts(counts, train.scale)
        }
    }

    /// From each film's count of ratings alone, no co-rated neighbours: what a page holding a
    /// film list without its ratings knows (the counts come with a model bundle).
    pub fn of_counts(counts: Vec<u32>, scale: RatingScale) -> Catalogue {
        Catalogue {
            scale,
            log_counts: counts.iter().map(|&n| (1.0 + n as f32).ln()).collect(),
            co_rated: CoRated::none(counts.len()),
            counts,
        }
    }

    pub fn n_items(&self) -> usize {
        self.counts.len()
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlendWeights {
    pub popularity: f32,
    pub co_rated: f32,
    /// Weight of the MF prediction; ignored without a model.
    pub rating: f32,
    /// The rating at which a film neither pulls nor pushes its neighbours.
    pub pivot: f32,
}

impl BlendWeights {
    /// No model yet: popularity and co-rated films. Tuned like [`BlendWeights::WITH_MODEL`].
    pub const BASELINE: BlendWeights = BlendWeights {
        popularity: 1.0,
        co_rated: 8.0,
        rating: 0.0,
        pivot: 1.0,
    };
    /// With a trained model, on the fold-in evaluation's tuning users.
    /// Pivot 0: on ranking, having watched a film says more than how it was rated; the MF term
    /// carries the like or dislike.
    pub const WITH_MODEL: BlendWeights = BlendWeights {
        popularity: 1.0,
        co_rated: 32.0,
        rating: 2.0,
        pivot: 0.0,
    };
    /// A model built to rank: its own score, with popularity only to break ties (EASE scores
    /// every film 0 for someone who rated nothing: they see the most watched, not the first ids).
    pub const MODEL_ONLY: BlendWeights = BlendWeights {
        popularity: 1e-4,
        co_rated: 0.0,
        rating: 1.0,
        pivot: 0.0,
    };

    /// The blend a page uses with `model` serving (or none).
    pub fn serving(model: Option<&Served>) -> BlendWeights {
        match model {
            None => BlendWeights::BASELINE,
            Some(m) if m.rates() => BlendWeights::WITH_MODEL,
            Some(_) => BlendWeights::MODEL_ONLY,
        }
    }

    fn taste(&self, rating: f32) -> f32 {
        (rating - self.pivot) / (5.0 - self.pivot)
    }
}

/// Why a film is recommended.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// A rated film (dense id) and its rating, which raised this film's score the most.
    Rated { item: u32, rating: f32 },
    /// Nothing personal outweighs it: it is widely watched.
    Popular { ratings: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub item: u32,
    pub score: f32,
    /// The model's predicted rating, when a model is folded in.
    pub predicted: Option<f32>,
    /// At most two, strongest first; the second only when it weighs at least half the first.
    pub reasons: Vec<Reason>,
}

/// The person's ratings scored against every film, ready to list.
pub struct Ranking<'a> {
    catalogue: &'a Catalogue,
    model: Option<(&'a Served, VisitorFit)>,
    ratings: Vec<(u32, f32)>,
    weights: BlendWeights,
    pub scores: Vec<f32>,
    pub predicted: Option<Vec<f32>>,
}

impl<'a> Ranking<'a> {
    /// Scores every film for `ratings` (dense item id, 1–5), folding the person into `model` when
    /// there is one, with the fold-in settings tuned for it.
    pub fn new(
        catalogue: &'a Catalogue,
        model: Option<&'a Served>,
        ratings: &[(u32, f32)],
        weights: BlendWeights,
    ) -> Ranking<'a> {
        Ranking::with_ridge(catalogue, model, ratings, weights, None)
    }

    /// As [`Ranking::new`], with the fold-in's ridge strengths given (for tuning them).
    pub fn with_ridge(
        catalogue: &'a Catalogue,
        model: Option<&'a Served>,
        ratings: &[(u32, f32)],
        weights: BlendWeights,
        ridge: Option<FoldInRidge>,
    ) -> Ranking<'a> {
        let n = catalogue.n_items();
        let mut scores: Vec<f32> = catalogue
            .log_counts
            .iter()
            .map(|l| weights.popularity * l)
            .collect();
        if !ratings.is_empty() && weights.co_rated != 0.0 {
            let per_rating = weights.co_rated / ratings.len() as f32;
            for &(rated, value) in ratings {
                let pull = per_rating * weights.taste(catalogue.scale.to_stars(value));
                for &(item, sim) in catalogue.co_rated.neighbours(rated) {
                    scores[item as usize] += pull * sim;
                }
            }
        }
        let model = model.map(|m| (m, m.fit_with(ratings, ridge.unwrap_or(m.tuned_ridge()))));
        if let Some((_, fit)) = &model {
            let per_unit = weights.rating * catalogue.scale.stars_per_unit();
            for (s, p) in scores.iter_mut().zip(&fit.scores) {
                *s += per_unit * p;
            }
        }
        let predicted = model
            .as_ref()
            .filter(|(_, fit)| fit.rates)
            .map(|(_, fit)| fit.scores.clone());
        debug_assert!(predicted.as_ref().is_none_or(|p| p.len() == n));
        Ranking {
            catalogue,
            model,
            ratings: ratings.to_vec(),
            weights,
            scores,
            predicted,
        }
    }

    /// The visitor as the serving model placed them.
    pub fn fit(&self) -> Option<&VisitorFit> {
        self.model.as_ref().map(|(_, fit)| fit)
    }

    /// The ridge fold-in, for an MF-shaped model.
    pub fn fold_in(&self) -> Option<&FoldIn> {
        self.fit().and_then(VisitorFit::fold_in)
    }

    /// The best `k` films not rated and allowed by `keep`, ties to the smaller id.
    pub fn top(&self, k: usize, keep: impl Fn(u32) -> bool) -> Vec<Recommendation> {
        let rated: Vec<u32> = self.ratings.iter().map(|r| r.0).collect();
        top_k(
            &self.scores,
            |i| rated.contains(&(i as u32)) || !keep(i as u32),
            k,
        )
        .into_iter()
        .map(|item| Recommendation {
            item,
            score: self.scores[item as usize],
            predicted: self.predicted.as_ref().map(|p| p[item as usize]),
            reasons: self.reasons(item),
        })
        .collect()
    }

    /// Each rated film's part in `item`'s score (co-rated pull plus its share of the model's
    /// score); the two largest positive parts are the reasons.
    fn reasons(&self, item: u32) -> Vec<Reason> {
        let n = self.ratings.len().max(1) as f32;
        let model_parts = self
            .model
            .as_ref()
            .map(|(served, fit)| fit.attributions(served, item));
        let mut parts: Vec<(f32, u32, f32)> = self
            .ratings
            .iter()
            .enumerate()
            .map(|(k, &(rated, value))| {
                let co = self.weights.co_rated / n
                    * self.weights.taste(self.catalogue.scale.to_stars(value))
                    * self.catalogue.co_rated.similarity(rated, item);
                let mf = model_parts.as_ref().map_or(0.0, |parts| {
                    self.weights.rating * self.catalogue.scale.stars_per_unit() * parts[k]
                });
                (co + mf, rated, value)
            })
            .filter(|(part, _, _)| *part > 1e-4)
            .collect();
        parts.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        // A second reason only when it weighs at least half as much as the first.
        let strongest = parts.first().map_or(0.0, |p| p.0);
        let reasons: Vec<Reason> = parts
            .into_iter()
            .take(2)
            .filter(|(part, _, _)| *part >= 0.5 * strongest)
            .map(|(_, item, rating)| Reason::Rated { item, rating })
            .collect();
        if reasons.is_empty() {
            vec![Reason::Popular {
                ratings: self.catalogue.counts[item as usize],
            }]
        } else {
            reasons
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    /// Films 0 and 1 are always rated together; film 2 by everyone; film 3 by one person.
    fn catalogue() -> Catalogue {
        let mut ratings = Vec::new();
        for user in 0..6u32 {
            ratings.push(Rating {
                user,
                item: 2,
                value: 3.0,
                timestamp: 0,
            });
        }
        for user in 0..3u32 {
            for item in [0, 1] {
                ratings.push(Rating {
                    user,
                    item,
                    value: 4.0,
                    timestamp: 0,
                });
            }
        }
        ratings.push(Rating {
            user: 5,
            item: 3,
            value: 5.0,
            timestamp: 0,
        });
        Catalogue::fit(&RatingIndex::new(&ratings, 6, 4))
    }

    #[test]
    fn without_ratings_the_most_watched_film_leads_and_says_so() {
        let cat = catalogue();
        let ranking = Ranking::new(&cat, None, &[], BlendWeights::BASELINE);
        let top = ranking.top(4, |_| true);
        assert_eq!(top[0].item, 2);
        assert_eq!(top[0].reasons, vec![Reason::Popular { ratings: 6 }]);
        assert_eq!(top[0].predicted, None);
    }

    #[test]
    fn a_liked_film_lifts_its_co_rated_partner_and_is_never_listed() {
        let cat = catalogue();
        let ranking = Ranking::new(&cat, None, &[(0, 5.0)], BlendWeights::BASELINE);
        let top = ranking.top(10, |_| true);
        assert!(
            top.iter().all(|r| r.item != 0),
            "a rated film was recommended"
        );
        assert_eq!(top[0].item, 1);
        assert_eq!(
            top[0].reasons,
            vec![Reason::Rated {
                item: 0,
                rating: 5.0
            }]
        );
        // The filter is obeyed.
        let filtered = ranking.top(10, |i| i != 1);
        assert!(filtered.iter().all(|r| r.item != 1 && r.item != 0));
    }
}
