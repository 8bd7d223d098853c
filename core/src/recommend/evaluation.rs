//! How good are recommendations for someone new? Hold a set of people out of training entirely,
//! fold each one in from a few of their ratings, and rank everything else for them.
//!
//! Protocol: a seeded 30% of the people are held out (a third of them for tuning the blend, the
//! rest for reporting; nothing is tuned on the reported ones); the models see only the other
//! people's ratings. Each held-out person's ratings are shuffled (seeded); the first n are
//! revealed (n = 3, 5, 10), the rest hidden. Candidates: every film minus the revealed ones.
//! Relevant: hidden films rated ≥ 4. NDCG@10 / HR@10 as in the evaluation protocol, macro-averaged
//! over the people with at least one relevant hidden film.

use super::foldin::{FoldIn, FoldInRidge, Personal};
use super::ranking::{BlendWeights, Catalogue, Ranking};
use super::served::Served;
use crate::data::Rating;
use crate::data::RatingScale;
use crate::metrics::{RankingMetrics, average, score_list, top_k};
use crate::models::TOP_K;
use crate::rng::SeededRng;

pub const REVEALED: [usize; 3] = [3, 5, 10];
pub const HELD_OUT_FRACTION: f64 = 0.3;

/// One held-out person's ratings (dense item id, value) in a seeded random order.
pub type HeldOutPerson = Vec<(u32, f32)>;

pub struct FoldInSplit {
    /// Every rating of the people kept for training (dense user ids unchanged).
    pub train: Vec<Rating>,
    pub tuning: Vec<HeldOutPerson>,
    pub evaluation: Vec<HeldOutPerson>,
}

pub fn fold_in_split(ratings: &[Rating], n_users: usize, seed: u64) -> FoldInSplit {
    let mut rng = SeededRng::new(seed);
    let mut people: Vec<u32> = (0..n_users as u32).collect();
    rng.shuffle(&mut people);
    let held = (n_users as f64 * HELD_OUT_FRACTION).round() as usize;
    let tuning_count = held / 3;
    let mut role = vec![None; n_users];
    for (rank, &user) in people.iter().take(held).enumerate() {
        role[user as usize] = Some(rank < tuning_count);
    }
    let mut per_user: Vec<HeldOutPerson> = vec![Vec::new(); n_users];
    let mut train = Vec::new();
    for r in ratings {
        match role[r.user as usize] {
            None => train.push(*r),
            Some(_) => per_user[r.user as usize].push((r.item, r.value)),
        }
    }
    let (mut tuning, mut evaluation) = (Vec::new(), Vec::new());
    for &user in people.iter().take(held) {
        let mut mine = std::mem::take(&mut per_user[user as usize]);
        rng.shuffle(&mut mine);
        if role[user as usize] == Some(true) {
            tuning.push(mine);
        } else {
            evaluation.push(mine);
        }
    }
    FoldInSplit {
        train,
        tuning,
        evaluation,
    }
}

/// NDCG@10 etc. over `people`, each revealing their first `revealed` ratings to `score` (which
/// fills one score per film) and judged on the rest.
pub fn evaluate_fold_in(
    people: &[HeldOutPerson],
    scale: &RatingScale,
    revealed: usize,
    n_items: usize,
    mut score: impl FnMut(&[(u32, f32)], &mut [f32]),
) -> RankingMetrics {
    let mut scores = vec![0f32; n_items];
    let mut shown = vec![false; n_items];
    average(people.iter().filter_map(|person| {
        if person.len() <= revealed {
            return None;
        }
        let (known, hidden) = person.split_at(revealed);
        let relevant: Vec<u32> = hidden
            .iter()
            .filter(|(_, v)| *v >= scale.relevant_at())
            .map(|(i, _)| *i)
            .collect();
        if relevant.is_empty() {
            return None;
        }
        score(known, &mut scores);
        known.iter().for_each(|(i, _)| shown[*i as usize] = true);
        let list = top_k(&scores, |i| shown[i], TOP_K);
        known.iter().for_each(|(i, _)| shown[*i as usize] = false);
        Some(score_list(&list, &relevant, TOP_K))
    }))
}

/// RMSE of the fold-in's predictions on the hidden ratings: what the ridge strengths are tuned on.
pub fn fold_in_rmse(
    people: &[HeldOutPerson],
    scale: &RatingScale,
    revealed: usize,
    model: &impl Personal,
    ridge: FoldInRidge,
) -> f64 {
    crate::metrics::rating_errors(
        scale,
        people.iter().filter(|p| p.len() > revealed).flat_map(|p| {
            let (known, hidden) = p.split_at(revealed);
            let fold = FoldIn::solve(model, known, ridge);
            hidden
                .iter()
                .map(move |&(item, value)| (fold.predict(model, item), value))
                .collect::<Vec<_>>()
        }),
    )
    .rmse
}

/// The rankings the report compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ranker {
    /// Training rating count: the bar to beat.
    Popularity,
    /// The model's score after fold-in, as it would rank on its own.
    ModelScore,
    /// What the page shows before a model is trained.
    Baseline,
    /// What the page shows with a trained model.
    Shipped,
}

impl Ranker {
    pub const ALL: [Ranker; 4] = [
        Ranker::Popularity,
        Ranker::ModelScore,
        Ranker::Baseline,
        Ranker::Shipped,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Ranker::Popularity => "popularity",
            Ranker::ModelScore => "model score (fold-in)",
            Ranker::Baseline => "baseline blend (no model)",
            Ranker::Shipped => "shipped blend (model + co-rated + popularity)",
        }
    }
}

/// Scores every film for a person with the given ranker (`model` serving where it takes one).
pub fn ranker_scores(
    ranker: Ranker,
    catalogue: &Catalogue,
    model: &Served,
    known: &[(u32, f32)],
    out: &mut [f32],
) {
    match ranker {
        Ranker::Popularity => {
            for (o, &n) in out.iter_mut().zip(&catalogue.counts) {
                *o = n as f32;
            }
        }
        Ranker::ModelScore => out.copy_from_slice(&model.fit(known).scores),
        Ranker::Baseline | Ranker::Shipped => {
            let model = (ranker == Ranker::Shipped).then_some(model);
            let blend = BlendWeights::serving(model);
            let ranking = Ranking::new(catalogue, model, known, blend);
            out.copy_from_slice(&ranking.scores);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_people_never_reach_training_and_the_roles_are_disjoint() {
        let ratings: Vec<Rating> = (0..100u32)
            .flat_map(|user| {
                (0..12u32).map(move |item| Rating {
                    user,
                    item: (user + item) % 40,
                    value: 1.0 + ((user + item) % 5) as f32,
                    timestamp: 0,
                })
            })
            .collect();
        let split = fold_in_split(&ratings, 100, 7);
        assert_eq!(split.tuning.len(), 10);
        assert_eq!(split.evaluation.len(), 20);
        assert_eq!(split.train.len(), 70 * 12);
        let trained: std::collections::HashSet<u32> = split.train.iter().map(|r| r.user).collect();
        assert_eq!(trained.len(), 70);
        assert!(split.evaluation.iter().all(|p| p.len() == 12));
        // Same seed, same split.
        assert_eq!(fold_in_split(&ratings, 100, 7).evaluation, split.evaluation);
    }

    #[test]
    fn a_ranker_that_knows_the_hidden_films_scores_perfectly() {
        let person: HeldOutPerson = vec![(0, 5.0), (3, 4.0), (4, 5.0), (7, 2.0)];
        let perfect = evaluate_fold_in(
            std::slice::from_ref(&person),
            &RatingScale::STARS,
            1,
            10,
            |_, out| {
                out.fill(0.0);
                out[3] = 2.0;
                out[4] = 1.0;
            },
        );
        assert_eq!(
            (perfect.ndcg, perfect.hit_rate, perfect.users),
            (1.0, 1.0, 1)
        );
        // The revealed film can never count, even when scored highest.
        let cheat = evaluate_fold_in(&[person], &RatingScale::STARS, 1, 10, |_, out| {
            out.fill(0.0);
            out[0] = 9.0;
        });
        assert!(cheat.ndcg < 1.0);
    }
}
