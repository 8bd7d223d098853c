//! Every trained model as it serves someone new: how a visitor is placed in it from their
//! ratings, every film scored for them, each rating's share of a film's score (the "because you
//! rated …" reasons), and the film vectors the map draws. [`crate::zoo::Trained::served`] makes one
//! of each zoo model, so any of them can serve the page.
//!
//! | model | visitor | score |
//! |---|---|---|
//! | MF, ALS, MF + side features, I-AutoRec, bias, mean | ridge fold-in ([`FoldIn`], exact) | predicted rating |
//! | NCF, deep regression | Gauss–Newton fold-in through the frozen network | predicted rating |
//! | two-tower | Newton fit of the tower output ([`super::retrieval`]) | u·v + popularity correction |
//! | EASE | none: the rated films themselves | Σ over rated films of B |
//! | popularity | none | the rating count |
//! | blend | its parts, each as above | the parts weighted |

use serde::{Deserialize, Serialize};

use super::foldin::{FoldIn, FoldInRidge};
use super::retrieval::{Retrieval, RetrievalFoldIn};
use crate::embedding::FilmVectors;
use crate::models::{MfWeights, NeuralNet};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Served {
    /// r̂ = μ + b_i + b + p·q_i: biased MF, ALS, MF with side features (effective vectors).
    /// The bias model and the mean have no vectors.
    Linear(MfWeights),
    /// I-AutoRec as MF-shaped weights: its film codes are the q_i, and a visitor's decoder row and
    /// bias are their p and b (its decoder is linear). Folded in with its own ridge.
    AutoRec(MfWeights),
    Neural(NeuralNet),
    Retrieval(Retrieval),
    Ease(EaseWeights),
    /// Each film's training rating count: the same list for everyone.
    Popularity(Vec<u32>),
    /// r̂ = w₀ + Σ w_k r̂_k over rating models.
    Blend {
        parts: Vec<Served>,
        /// Intercept first, then one per part.
        weights: Vec<f64>,
    },
}

/// EASE's film-to-film weights B (row-major films × films; row = a rated film).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EaseWeights {
    pub n_items: usize,
    /// 2.8 million numbers for ML-100K: stored as base64 of little-endian bytes, not as JSON text.
    #[serde(with = "f32_base64")]
    pub weights: Vec<f32>,
}

/// The fold-in ridge for I-AutoRec: its training penalty (λ/2)‖V‖² with λ = 100 on a decoder row,
/// whatever the number of ratings; the bias as in MF.
pub const AUTOREC_RIDGE: FoldInRidge = FoldInRidge {
    factors_floor: 50.0,
    bias_floor: 3.0,
    per_rating: 0.1,
};

/// The fold-in ridge for the networks (NDCG@10 and hidden-rating RMSE of the tuning people,
/// `core/examples/serve_zoo.rs`: 3 overfits from few ratings, 30 ties the bias model's RMSE).
pub const NEURAL_RIDGE: FoldInRidge = FoldInRidge {
    factors_floor: 30.0,
    bias_floor: 3.0,
    per_rating: 0.1,
};

/// The two-tower fold-in's λ = `factors_floor` + `per_rating`·(films liked); no bias. Chosen on
/// the tuning people (`core/examples/serve_zoo.rs`): λ = 1 + k/2 follows a few liked films too
/// closely (NDCG@10 0.32 from 3 ratings, below popularity's 0.42); 20 + 5k gives 0.52.
pub const RETRIEVAL_RIDGE: FoldInRidge = FoldInRidge {
    factors_floor: 20.0,
    bias_floor: 0.0,
    per_rating: 5.0,
};

/// A served model with the film vectors its map draws, worked out once (sketching EASE's rows
/// takes a moment: a worker does it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServingModel {
    pub served: Served,
    pub films: Option<FilmVectors>,
}

impl ServingModel {
    pub fn new(served: Served) -> ServingModel {
        ServingModel {
            films: served.film_vectors(),
            served,
        }
    }

    /// Leaves out film vectors that are a plain copy of the model's own (not sketched), so a
    /// message does not carry the same numbers twice; [`Self::restore_films`] puts them back.
    pub fn leave_out_copied_films(&mut self) {
        let copied = |films: &FilmVectors| {
            films.sketched_from.is_none() && Some(films) == self.served.film_vectors().as_ref()
        };
        if self.films.as_ref().is_some_and(copied) {
            self.films = None;
        }
    }

    /// The film vectors [`Self::leave_out_copied_films`] left out (a copy: nothing to sketch).
    pub fn restore_films(&mut self) {
        if self.films.is_none() {
            self.films = self
                .served
                .film_vectors()
                .filter(|films| films.sketched_from.is_none());
        }
    }
}

/// A visitor placed in a model.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitorFit {
    /// Every film's score: the predicted rating for a rating model.
    pub scores: Vec<f32>,
    /// Whether `scores` are ratings.
    pub rates: bool,
    /// The visitor in the film map's space, where they share one (MF-shaped and two-tower).
    pub vector: Option<Vec<f32>>,
    ratings: Vec<(u32, f32)>,
    how: How,
}

#[derive(Debug, Clone, PartialEq)]
enum How {
    FoldIn(FoldIn),
    Retrieval(RetrievalFoldIn),
    Ease,
    Popularity,
    Blend(Vec<VisitorFit>),
}

impl Served {
    pub fn n_items(&self) -> usize {
        match self {
            Served::Linear(w) | Served::AutoRec(w) => w.n_items(),
            Served::Neural(n) => n.n_items(),
            Served::Retrieval(r) => r.ranker.n_items(),
            Served::Ease(e) => e.n_items,
            Served::Popularity(counts) => counts.len(),
            Served::Blend { parts, .. } => parts.first().map_or(0, Served::n_items),
        }
    }

    /// Predicts ratings (rather than only ranking).
    pub fn rates(&self) -> bool {
        matches!(
            self,
            Served::Linear(_) | Served::AutoRec(_) | Served::Neural(_) | Served::Blend { .. }
        )
    }

    /// The fold-in's ridge strengths for this model (see the constants).
    pub fn tuned_ridge(&self) -> FoldInRidge {
        match self {
            Served::AutoRec(_) => AUTOREC_RIDGE,
            Served::Neural(_) => NEURAL_RIDGE,
            Served::Retrieval(_) => RETRIEVAL_RIDGE,
            _ => FoldInRidge::TUNED,
        }
    }

    /// Places a visitor with `ratings` (dense item id, 1–5) in the model and scores every film.
    pub fn fit(&self, ratings: &[(u32, f32)]) -> VisitorFit {
        self.fit_with(ratings, self.tuned_ridge())
    }

    /// As [`Served::fit`] with the ridge strengths given (a blend's parts keep their own).
    pub fn fit_with(&self, ratings: &[(u32, f32)], ridge: FoldInRidge) -> VisitorFit {
        let n = self.n_items();
        let mut scores = vec![0f32; n];
        let (how, vector) = match self {
            Served::Linear(w) | Served::AutoRec(w) => {
                let fold = FoldIn::solve(w, ratings, ridge);
                fold.predict_all(w, &mut scores);
                let vector =
                    (w.dim > 0 && w.dim <= crate::embedding::MAP_DIM).then(|| fold.vector.clone());
                (How::FoldIn(fold), vector)
            }
            Served::Neural(net) => {
                let fold = FoldIn::solve(net, ratings, ridge);
                fold.predict_all(net, &mut scores);
                (How::FoldIn(fold), None)
            }
            Served::Retrieval(r) => {
                let fold = r.fold_in(ratings, ridge);
                r.scores(&fold, &mut scores);
                let vector = Some(fold.vector.clone());
                (How::Retrieval(fold), vector)
            }
            Served::Ease(e) => {
                for &(rated, _) in ratings {
                    let row = &e.weights[rated as usize * n..(rated as usize + 1) * n];
                    for (s, b) in scores.iter_mut().zip(row) {
                        *s += b;
                    }
                }
                (How::Ease, None)
            }
            Served::Popularity(counts) => {
                for (s, &c) in scores.iter_mut().zip(counts) {
                    *s = c as f32;
                }
                (How::Popularity, None)
            }
            Served::Blend { parts, weights } => {
                scores.fill(weights[0] as f32);
                let fits: Vec<VisitorFit> = parts.iter().map(|p| p.fit(ratings)).collect();
                for (fit, &w) in fits.iter().zip(&weights[1..]) {
                    for (s, p) in scores.iter_mut().zip(&fit.scores) {
                        *s += w as f32 * p;
                    }
                }
                let vector = fits.first().and_then(|f| f.vector.clone());
                (How::Blend(fits), vector)
            }
        };
        VisitorFit {
            scores,
            rates: self.rates(),
            vector,
            ratings: ratings.to_vec(),
            how,
        }
    }

    /// The film vectors the map draws, sketched when long; `None` for a model without any.
    pub fn film_vectors(&self) -> Option<FilmVectors> {
        match self {
            Served::Linear(w) | Served::AutoRec(w) if w.dim > 0 => {
                Some(FilmVectors::of(w.item_factors.clone(), w.dim))
            }
            Served::Linear(_) | Served::AutoRec(_) | Served::Popularity(_) => None,
            Served::Neural(net) => Some(FilmVectors::of(net.film_vectors(), net.dim + net.gmf_dim)),
            Served::Retrieval(r) => {
                Some(FilmVectors::of(r.ranker.item_factors.clone(), r.ranker.dim))
            }
            Served::Ease(e) => Some(FilmVectors::of(e.weights.clone(), e.n_items)),
            Served::Blend { parts, .. } => parts.iter().find_map(Served::film_vectors),
        }
    }
}

impl VisitorFit {
    /// Each rating's share of `item`'s personal score, in the order of the ratings given to
    /// [`Served::fit`] (exact for the linear models, EASE and the towers; first order for a
    /// network). `served` must be the model that made this fit.
    pub fn attributions(&self, served: &Served, item: u32) -> Vec<f32> {
        let zeros = || vec![0.0; self.ratings.len()];
        let shares = |parts: Vec<(u32, f32)>| parts.into_iter().map(|p| p.1).collect();
        match (&self.how, served) {
            (How::FoldIn(fold), Served::Linear(w) | Served::AutoRec(w)) => {
                shares(fold.attributions(w, item))
            }
            (How::FoldIn(fold), Served::Neural(net)) => shares(fold.attributions(net, item)),
            (How::Retrieval(fold), Served::Retrieval(r)) => {
                shares(r.attributions(fold, &self.ratings, item))
            }
            (How::Ease, Served::Ease(e)) => self
                .ratings
                .iter()
                .map(|&(rated, _)| e.weights[rated as usize * e.n_items + item as usize])
                .collect(),
            (How::Blend(fits), Served::Blend { parts, weights }) => {
                let mut total = zeros();
                for ((fit, part), &w) in fits.iter().zip(parts).zip(&weights[1..]) {
                    for (t, a) in total.iter_mut().zip(fit.attributions(part, item)) {
                        *t += w as f32 * a;
                    }
                }
                total
            }
            _ => zeros(),
        }
    }

    /// The ridge fold-in, for an MF-shaped model.
    pub fn fold_in(&self) -> Option<&FoldIn> {
        match &self.how {
            How::FoldIn(fold) => Some(fold),
            _ => None,
        }
    }
}

/// Vec<f32> as base64 of its little-endian bytes.
mod f32_base64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(values: &[f32], serializer: S) -> Result<S::Ok, S::Error> {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        serializer.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f32>, D::Error> {
        let text = String::deserialize(deserializer)?;
        let bytes = STANDARD.decode(text).map_err(D::Error::custom)?;
        if bytes.len() % 4 != 0 {
            return Err(D::Error::custom("a float array of odd length"));
        }
        Ok(bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three films; B worked out by hand.
    fn ease() -> Served {
        Served::Ease(EaseWeights {
            n_items: 3,
            weights: vec![0.0, 0.5, -0.25, 0.2, 0.0, 0.4, 0.1, 0.3, 0.0],
        })
    }

    fn linear(dim: usize) -> Served {
        let items = 3;
        Served::Linear(MfWeights {
            mean: 3.5,
            dim,
            user_bias: vec![0.1],
            item_bias: vec![0.0, 0.2, -0.2],
            user_factors: (0..dim).map(|k| k as f32 / 10.0).collect(),
            item_factors: (0..items * dim).map(|k| (k % 7) as f32 - 3.0).collect(),
        })
    }

    #[test]
    fn film_vectors_copied_from_the_weights_are_left_out_and_put_back_as_they_were() {
        // An MF's own factors (a copy) travel once; EASE's rows are theirs too.
        for served in [linear(4), ease()] {
            let model = ServingModel::new(served);
            let mut posted = model.clone();
            posted.leave_out_copied_films();
            assert_eq!(posted.films, None);
            let json = serde_json::to_string(&posted).unwrap();
            let mut received: ServingModel = serde_json::from_str(&json).unwrap();
            received.restore_films();
            assert_eq!(received, model);
        }
        // Sketched vectors (longer than the map's 64 numbers) cost work to redo: they stay.
        let sketched = ServingModel::new(linear(100));
        assert!(sketched.films.as_ref().unwrap().sketched_from.is_some());
        let mut posted = sketched.clone();
        posted.leave_out_copied_films();
        assert_eq!(posted, sketched);
        // Vectors that are not the weights' own (another model's) are never dropped.
        let mut other = ServingModel::new(linear(4));
        other.films = ServingModel::new(ease()).films;
        let before = other.clone();
        other.leave_out_copied_films();
        assert_eq!(other, before);
    }

    #[test]
    fn ease_scores_and_shares_are_the_rated_rows_of_b() {
        let served = ease();
        let fit = served.fit(&[(0, 1.0), (2, 5.0)]);
        // Rating values do not matter to EASE: rows 0 and 2 summed.
        assert_eq!(fit.scores, vec![0.1, 0.8, -0.25]);
        assert!(!fit.rates);
        assert_eq!(fit.attributions(&served, 1), vec![0.5, 0.3]);
        let json = serde_json::to_string(&served).unwrap();
        assert!(json.len() < 120, "{json}");
        assert_eq!(serde_json::from_str::<Served>(&json).unwrap(), served);
    }

    #[test]
    fn a_blend_weights_its_parts_scores_and_shares() {
        let part = |bias: f32, q: f32| {
            Served::Linear(MfWeights {
                mean: 3.0,
                dim: 1,
                user_bias: vec![],
                item_bias: vec![bias, 0.0],
                user_factors: vec![],
                item_factors: vec![q, -q],
            })
        };
        let (a, b) = (part(0.5, 1.0), part(-0.5, 2.0));
        let blend = Served::Blend {
            parts: vec![a.clone(), b.clone()],
            weights: vec![0.2, 0.6, 0.3],
        };
        let ratings = [(0, 5.0), (1, 2.0)];
        let fits = [&a, &b].map(|m| m.fit(&ratings));
        let fit = blend.fit(&ratings);
        for item in 0..2 {
            let expected = 0.2 + 0.6 * fits[0].scores[item] + 0.3 * fits[1].scores[item];
            assert!((fit.scores[item] - expected).abs() < 1e-5);
            let shares = fit.attributions(&blend, item as u32);
            let (sa, sb) = (
                fits[0].attributions(&a, item as u32),
                fits[1].attributions(&b, item as u32),
            );
            for k in 0..2 {
                assert!((shares[k] - (0.6 * sa[k] + 0.3 * sb[k])).abs() < 1e-5);
            }
        }
        assert!(fit.rates);
        assert_eq!(fit.vector, fits[0].vector);
    }

    #[test]
    fn models_without_film_vectors_say_so() {
        let bias = Served::Linear(MfWeights {
            mean: 3.5,
            dim: 0,
            user_bias: vec![],
            item_bias: vec![0.3, -0.2],
            user_factors: vec![],
            item_factors: vec![],
        });
        assert!(bias.film_vectors().is_none());
        assert!(Served::Popularity(vec![3, 9]).film_vectors().is_none());
        // The bias model still folds in a visitor's own bias: a generous rater's predictions rise.
        let generous = bias.fit(&[(0, 5.0), (1, 5.0)]);
        assert!(
            generous.scores[0] > 3.8 && generous.scores[1] > 3.3,
            "{:?}",
            generous.scores
        );
        let popular = Served::Popularity(vec![3, 9]).fit(&[]);
        assert_eq!(popular.scores, vec![3.0, 9.0]);
        assert_eq!(ease().film_vectors().map(|f| f.dim), Some(3));
    }
}
