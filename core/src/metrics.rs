//! Evaluation exactly as `docs/EVALUATION.md` defines it, so figures compare 1:1 with
//! Surprise, the papers and the course notebooks.

use crate::data::{Rating, RatingIndex, RatingScale};

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorMetrics {
    pub rmse: f64,
    pub mae: f64,
    pub count: usize,
}

/// RMSE and MAE over every (prediction, truth) pair, predictions clipped to the scale's range
/// ([1, 5] in ML-100K).
pub fn rating_errors(
    scale: &RatingScale,
    pairs: impl IntoIterator<Item = (f32, f32)>,
) -> ErrorMetrics {
    let (mut squared, mut absolute, mut count) = (0.0f64, 0.0f64, 0usize);
    for (prediction, truth) in pairs {
        let error = (scale.clip(prediction) - truth) as f64;
        squared += error * error;
        absolute += error.abs();
        count += 1;
    }
    let n = count.max(1) as f64;
    ErrorMetrics {
        rmse: (squared / n).sqrt(),
        mae: absolute / n,
        count,
    }
}

/// The `k` best items by descending score, ties to the smaller item id; `excluded[i]` items never
/// appear. NaN scores rank last.
pub fn top_k(scores: &[f32], excluded: impl Fn(usize) -> bool, k: usize) -> Vec<u32> {
    let score = |i: usize| {
        if scores[i].is_nan() {
            f32::NEG_INFINITY
        } else {
            scores[i]
        }
    };
    let better = |a: usize, b: usize| score(a) > score(b) || (score(a) == score(b) && a < b);
    // A sorted buffer of at most k: O(n·k) worst case, O(n) typical, and no allocation per item.
    let mut best: Vec<usize> = Vec::with_capacity(k + 1);
    for i in (0..scores.len()).filter(|&i| !excluded(i)) {
        if best.len() == k && !better(i, best[k - 1]) {
            continue;
        }
        let at = best
            .iter()
            .position(|&b| better(i, b))
            .unwrap_or(best.len());
        best.insert(at, i);
        best.truncate(k);
    }
    best.into_iter().map(|i| i as u32).collect()
}

/// P@K, R@K, NDCG@K (binary gain) and HR@K for one user's list against their relevant items.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct RankingMetrics {
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    pub hit_rate: f64,
    /// How many users were averaged (1 for a single list).
    pub users: usize,
}

pub fn score_list(list: &[u32], relevant: &[u32], k: usize) -> RankingMetrics {
    let is_relevant = |item: &u32| relevant.contains(item);
    let hits = list.iter().take(k).filter(|i| is_relevant(i)).count();
    let dcg: f64 = list
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, i)| is_relevant(i))
        .map(|(rank, _)| 1.0 / (rank as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..k.min(relevant.len()))
        .map(|rank| 1.0 / (rank as f64 + 2.0).log2())
        .sum();
    RankingMetrics {
        precision: hits as f64 / k as f64,
        recall: if relevant.is_empty() {
            0.0
        } else {
            hits as f64 / relevant.len() as f64
        },
        ndcg: if ideal > 0.0 { dcg / ideal } else { 0.0 },
        hit_rate: if hits > 0 { 1.0 } else { 0.0 },
        users: 1,
    }
}

/// Each test user's relevant items (test rating ≥ `relevant_at`: 4 stars in MovieLens), ascending
/// by user; users without any are left out, as the protocol says.
pub fn relevant_items(test: &[Rating], n_users: usize, relevant_at: f32) -> Vec<(u32, Vec<u32>)> {
    let mut per_user: Vec<Vec<u32>> = vec![Vec::new(); n_users];
    for r in test.iter().filter(|r| r.value >= relevant_at) {
        per_user[r.user as usize].push(r.item);
    }
    per_user
        .into_iter()
        .enumerate()
        .filter(|(_, items)| !items.is_empty())
        .map(|(u, items)| (u as u32, items))
        .collect()
}

/// One evaluated user's top-K list: candidates are all items minus those the user rated in train.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct UserTopK {
    pub user: u32,
    pub items: Vec<u32>,
}

/// Top-K lists of every user who has a relevant test item, made a few users at a time
/// ([`TopKRanker::step`]) so that a page can rank 160,000 people without freezing.
pub struct TopKRanker<'a> {
    train: &'a RatingIndex,
    k: usize,
    users: Vec<u32>,
    lists: Vec<UserTopK>,
    scores: Vec<f32>,
    seen: Vec<bool>,
}

impl<'a> TopKRanker<'a> {
    pub fn new(train: &'a RatingIndex, test: &[Rating], k: usize) -> Self {
        let relevant = relevant_items(test, train.by_user.n_rows(), train.scale.relevant_at());
        Self::for_users(
            train,
            relevant.into_iter().map(|(user, _)| user).collect(),
            k,
        )
    }

    /// Ranks `users`, in their order.
    fn for_users(train: &'a RatingIndex, users: Vec<u32>, k: usize) -> Self {
        let n_items = train.by_item.n_rows();
        TopKRanker {
            train,
            k,
            lists: Vec::with_capacity(users.len()),
            users,
            scores: vec![0f32; n_items],
            seen: vec![false; n_items],
        }
    }

    /// Share of the users ranked, 0–1.
    pub fn progress(&self) -> f64 {
        self.lists.len() as f64 / self.users.len().max(1) as f64
    }

    /// Ranks up to `budget` more users (`score_user` fills a buffer of `n_items` raw, unclipped
    /// scores for one); every list once all are ranked.
    pub fn step(
        &mut self,
        budget: usize,
        mut score_user: impl FnMut(u32, &mut [f32]),
    ) -> Option<Vec<UserTopK>> {
        let (done, n) = (self.lists.len(), self.users.len());
        for &user in &self.users[done..done.saturating_add(budget).min(n)] {
            score_user(user, &mut self.scores);
            let rated = self.train.by_user.columns(user as usize);
            rated.iter().for_each(|&i| self.seen[i as usize] = true);
            let items = top_k(&self.scores, |i| self.seen[i], self.k);
            rated.iter().for_each(|&i| self.seen[i as usize] = false);
            self.lists.push(UserTopK { user, items });
        }
        (self.lists.len() == n).then(|| std::mem::take(&mut self.lists))
    }

    /// Every list, ranked at once.
    fn rank_all(mut self, score_user: impl FnMut(u32, &mut [f32])) -> Vec<UserTopK> {
        self.step(usize::MAX, score_user)
            .expect("every user ranked in one step")
    }
}

/// Top-K lists of every user who has a relevant test item, in user order.
pub fn top_k_lists(
    train: &RatingIndex,
    test: &[Rating],
    k: usize,
    score_user: impl FnMut(u32, &mut [f32]),
) -> Vec<UserTopK> {
    TopKRanker::new(train, test, k).rank_all(score_user)
}

/// Macro-averaged P@K, R@K, NDCG@K, HR@K over the users with a relevant test item.
pub fn evaluate_ranking(
    train: &RatingIndex,
    test: &[Rating],
    k: usize,
    score_user: impl FnMut(u32, &mut [f32]),
) -> RankingMetrics {
    rank_and_evaluate(train, test, k, score_user).0
}

/// [`evaluate_ranking`]'s metrics with the lists they were computed from.
pub fn rank_and_evaluate(
    train: &RatingIndex,
    test: &[Rating],
    k: usize,
    score_user: impl FnMut(u32, &mut [f32]),
) -> (RankingMetrics, Vec<UserTopK>) {
    let relevant = relevant_items(test, train.by_user.n_rows(), train.scale.relevant_at());
    let users = relevant.iter().map(|(user, _)| *user).collect();
    let lists = TopKRanker::for_users(train, users, k).rank_all(score_user);
    let metrics = average(
        lists
            .iter()
            .zip(&relevant)
            .map(|(list, (_, items))| score_list(&list.items, items, k)),
    );
    (metrics, lists)
}

/// Macro average of per-user metrics.
pub fn average(per_user: impl IntoIterator<Item = RankingMetrics>) -> RankingMetrics {
    let mut sum = RankingMetrics::default();
    for m in per_user {
        sum.precision += m.precision;
        sum.recall += m.recall;
        sum.ndcg += m.ndcg;
        sum.hit_rate += m.hit_rate;
        sum.users += m.users;
    }
    let n = sum.users.max(1) as f64;
    RankingMetrics {
        precision: sum.precision / n,
        recall: sum.recall / n,
        ndcg: sum.ndcg / n,
        hit_rate: sum.hit_rate / n,
        ..sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn rmse_and_mae_clip_predictions() {
        // Errors after clipping: 6→5 vs 4 = 1; 0→1 vs 2 = -1; 3 vs 5 = -2.
        let m = rating_errors(&RatingScale::STARS, [(6.0, 4.0), (0.0, 2.0), (3.0, 5.0)]);
        assert!(close(m.rmse, (6.0f64 / 3.0).sqrt()));
        assert!(close(m.mae, 4.0 / 3.0));
        assert_eq!(m.count, 3);
    }

    #[test]
    fn stepped_top_k_lists_are_the_lists_made_in_one_go() {
        // 40 users × 30 items, about a third rated; scores a fixed hash of (user, item).
        let mut triples = Vec::new();
        for u in 0..40u32 {
            for i in (0..30u32).filter(|i| (u * 7 + i * 13) % 3 == 0) {
                triples.push((u, i, 1.0 + ((u + i) % 5) as f32));
            }
        }
        let all = crate::testing::ratings(&triples);
        let (train, test): (Vec<_>, Vec<_>) = all.iter().partition(|r| (r.user + r.item) % 4 != 0);
        let index = RatingIndex::new(&train, 40, 30);
        let score = |user: u32, out: &mut [f32]| {
            for (i, s) in out.iter_mut().enumerate() {
                *s = ((user as usize * 31 + i * 17) % 23) as f32;
            }
        };
        let whole = top_k_lists(&index, &test, 5, score);
        assert!(whole.len() > 20, "most users have a relevant test film");
        // The excluded films are the user's training films.
        let first = &whole[0];
        assert!(
            first
                .items
                .iter()
                .all(|&i| !index.by_user.columns(first.user as usize).contains(&i))
        );
        for budget in [1, 3, 7] {
            let mut ranker = TopKRanker::new(&index, &test, 5);
            let mut steps = 1;
            let stepped = loop {
                if let Some(lists) = ranker.step(budget, score) {
                    break lists;
                }
                assert!(ranker.progress() > 0.0 && ranker.progress() < 1.0);
                steps += 1;
            };
            assert_eq!(stepped, whole);
            assert_eq!(steps, whole.len().div_ceil(budget).max(1));
        }
    }

    #[test]
    fn top_k_breaks_ties_to_the_smaller_id_and_skips_excluded() {
        let scores = [0.5, 0.9, 0.9, f32::NAN, 0.7, 0.9];
        assert_eq!(top_k(&scores, |_| false, 3), vec![1, 2, 5]);
        assert_eq!(top_k(&scores, |i| i == 2, 3), vec![1, 5, 4]);
        assert_eq!(top_k(&scores, |_| false, 10), vec![1, 2, 5, 4, 0, 3]);
    }

    #[test]
    fn ranking_metrics_of_one_list_by_hand() {
        // Hits at ranks 1 and 3 of 10; 4 relevant items.
        let list = [7, 1, 8, 2, 3, 4, 5, 6, 9, 10];
        let m = score_list(&list, &[7, 8, 20, 21], 10);
        assert!(close(m.precision, 0.2));
        assert!(close(m.recall, 0.5));
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2() + 1.0 / 5f64.log2();
        assert!(close(m.ndcg, dcg / idcg));
        assert!(close(m.hit_rate, 1.0));
        // The ideal is cut at min(10, |relevant|): one relevant item at rank 2.
        let m = score_list(&list, &[1], 10);
        assert!(close(m.ndcg, 1.0 / 3f64.log2()));
        assert!(close(m.precision, 0.1));
        let m = score_list(&list, &[99], 10);
        assert_eq!((m.ndcg, m.hit_rate), (0.0, 0.0));
    }

    #[test]
    fn evaluation_excludes_train_items_and_averages_over_users_with_relevant_items() {
        let r = crate::testing::rating;
        // 3 users, 4 items. User 0 rated item 0 in train; user 2 has no relevant test item.
        let train = RatingIndex::new(&[r(0, 0, 5.0), r(1, 1, 3.0)], 3, 4);
        let test = [r(0, 1, 4.0), r(1, 3, 5.0), r(1, 2, 2.0), r(2, 2, 3.0)];
        // The same scores for everyone: item 0 best, then 1, 2, 3.
        let scores = [4.0, 3.0, 2.0, 1.0];
        let m = evaluate_ranking(&train, &test, 2, |_, out| out.copy_from_slice(&scores));
        assert_eq!(m.users, 2);
        // User 0: list [1, 2] (0 excluded), relevant {1}: P=0.5, R=1, NDCG=1, HR=1.
        // User 1: list [0, 2] (1 excluded), relevant {3}: all zero.
        assert!(close(m.precision, 0.25));
        assert!(close(m.recall, 0.5));
        assert!(close(m.ndcg, 0.5));
        assert!(close(m.hit_rate, 0.5));
        let lists = top_k_lists(&train, &test, 2, |_, out| out.copy_from_slice(&scores));
        assert_eq!(
            lists
                .iter()
                .map(|l| (l.user, l.items.clone()))
                .collect::<Vec<_>>(),
            vec![(0, vec![1, 2]), (1, vec![0, 2])]
        );
    }
}
