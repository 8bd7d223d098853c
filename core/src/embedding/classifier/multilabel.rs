//! Do the vectors know genres — each of them? A film has several genres, so one logistic
//! regression per genre (one-vs-rest) predicts "has it" from the film's vector, and ROC-AUC on
//! the held-out films says how well it ranks the films that have it above those that do not
//! (0.5: no better than chance, whatever the genre's size). The same on random vectors and on a
//! popularity-only feature shows what the vectors add.

use super::{FitSettings, SoftmaxRegression};

/// One genre's held-out ROC-AUC from each feature set.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenreAuc {
    pub genre: usize,
    pub name: String,
    pub auc: f64,
    pub random_auc: f64,
    pub popularity_auc: f64,
    /// Test films that have the genre.
    pub positives: usize,
}

/// Per-genre ROC-AUC (genres with films on both sides of the test set) and their means.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AucReport {
    pub per_genre: Vec<GenreAuc>,
    pub mean_auc: f64,
    pub mean_random_auc: f64,
    pub mean_popularity_auc: f64,
}

/// ROC-AUC of `scores` for the `positive` flags: the chance that a random positive scores above
/// a random negative, ties counting half (the Mann–Whitney statistic over average ranks).
/// `None` without a positive or without a negative.
pub fn roc_auc(scores: &[f32], positive: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len().min(positive.len())).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives) = (0.0f64, 0usize);
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their average.
        let average = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            if positive[i] {
                rank_sum += average;
                positives += 1;
            }
        }
        start = end;
    }
    let negatives = order.len() - positives;
    (positives > 0 && negatives > 0).then(|| {
        (rank_sum - (positives * (positives + 1)) as f64 / 2.0) / (positives * negatives) as f64
    })
}

/// Features for the one-vs-rest fits: rows of `dim` values per film, and the L2 strength to fit
/// them with.
pub struct FeatureSet<'a> {
    pub rows: &'a [f32],
    pub dim: usize,
    pub l2: f32,
}

impl FeatureSet<'_> {
    /// Held-out P(has `genre`) for each test film, from a logistic regression fitted on the
    /// training films.
    fn test_scores(&self, genre: usize, bits: &[u64], train: &[usize], test: &[usize]) -> Vec<f32> {
        let dim = self.dim;
        let row = |i: usize| &self.rows[i * dim..(i + 1) * dim];
        let x: Vec<f32> = train.iter().flat_map(|&i| row(i)).copied().collect();
        let y: Vec<usize> = train
            .iter()
            .map(|&i| usize::from(has(bits[i], genre)))
            .collect();
        let settings = FitSettings {
            l2: self.l2,
            ..FitSettings::default()
        };
        let model = SoftmaxRegression::fit_with(&x, dim, &y, &settings);
        test.iter()
            .map(|&i| {
                let p = model.probabilities(row(i));
                p.iter()
                    .find(|&&(label, _)| label == 1)
                    .map_or(0.0, |&(_, p)| p)
            })
            .collect()
    }
}

fn has(bits: u64, genre: usize) -> bool {
    genre < 64 && bits & (1 << genre) != 0
}

/// One-vs-rest ROC-AUC per genre of `names` on the `test` films, each feature set fitted on the
/// `train` films (indices into `bits`, the films' genre bits). A genre that every training film
/// has, or none has, is left out, as is one without both kinds of test film.
pub fn auc_report(
    names: &[&str],
    bits: &[u64],
    (train, test): (&[usize], &[usize]),
    [vectors, random, popularity]: [&FeatureSet; 3],
) -> AucReport {
    let per_genre: Vec<GenreAuc> = (0..names.len().min(64))
        .filter_map(|genre| {
            let truth: Vec<bool> = test.iter().map(|&i| has(bits[i], genre)).collect();
            let trained = train.iter().filter(|&&i| has(bits[i], genre)).count();
            if trained == 0 || trained == train.len() {
                return None;
            }
            let auc_of =
                |set: &FeatureSet| roc_auc(&set.test_scores(genre, bits, train, test), &truth);
            Some(GenreAuc {
                genre,
                name: names[genre].to_string(),
                auc: auc_of(vectors)?,
                random_auc: auc_of(random)?,
                popularity_auc: auc_of(popularity)?,
                positives: truth.iter().filter(|&&t| t).count(),
            })
        })
        .collect();
    let mean = |f: fn(&GenreAuc) -> f64| {
        per_genre.iter().map(f).sum::<f64>() / per_genre.len().max(1) as f64
    };
    AucReport {
        mean_auc: mean(|g| g.auc),
        mean_random_auc: mean(|g| g.random_auc),
        mean_popularity_auc: mean(|g| g.popularity_auc),
        per_genre,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SeededRng;

    /// Scores 0.1 0.4 0.35 0.8 0.4 with positives at 0.4 (the 2nd) and 0.8: of the 2·3 pairs,
    /// 0.8 beats all three negatives (3), the positive 0.4 beats 0.1 and 0.35 and ties the
    /// negative 0.4 (2.5): AUC 5.5 / 6.
    #[test]
    fn auc_matches_counting_the_pairs_by_hand() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.4];
        let positive = [false, true, false, true, false];
        assert!((roc_auc(&scores, &positive).unwrap() - 5.5 / 6.0).abs() < 1e-12);
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(roc_auc(&[1.0, 2.0], &[false, true]), Some(1.0));
        assert_eq!(roc_auc(&[2.0, 1.0], &[false, true]), Some(0.0));
    }

    /// 600 films in 8-D; genre 0 lies along axis 0, genre 1 along axis 1, genre 2 goes with
    /// popularity only: the vectors find 0 and 1, popularity finds 2, random vectors nothing.
    #[test]
    fn each_feature_set_finds_the_genres_it_carries() {
        let (n, dim) = (600, 8);
        let mut rng = SeededRng::new(7);
        let mut vectors = Vec::new();
        let (mut bits, mut popularity) = (Vec::new(), Vec::new());
        for i in 0..n {
            let row: Vec<f32> = (0..dim)
                .map(|_| crate::math::standard_normal(&mut rng) as f32)
                .collect();
            let count = (i % 50) as f32;
            let mut b = 0u64;
            b |= u64::from(row[0] > 0.3);
            b |= u64::from(row[1] < -0.2) << 1;
            b |= u64::from(count > 30.0) << 2;
            bits.push(b);
            popularity.push((1.0 + count).ln());
            vectors.extend(row);
        }
        let random: Vec<f32> = (0..n * dim)
            .map(|_| crate::math::standard_normal(&mut rng) as f32)
            .collect();
        let (test, train): (Vec<usize>, Vec<usize>) = (0..n).partition(|i| i % 5 == 0);
        let set = |rows, dim| FeatureSet {
            rows,
            dim,
            l2: 0.01,
        };
        let report = auc_report(
            &["axis 0", "axis 1", "popular"],
            &bits,
            (&train, &test),
            [
                &set(&vectors, dim),
                &set(&random, dim),
                &set(&popularity, 1),
            ],
        );
        let by = |g: usize| &report.per_genre[g];
        assert!(by(0).auc > 0.9 && by(1).auc > 0.9, "{report:?}");
        assert!(by(2).popularity_auc > 0.95, "{report:?}");
        assert!(by(2).auc < 0.7 && by(0).popularity_auc < 0.7, "{report:?}");
        for g in 0..3 {
            assert!((by(g).random_auc - 0.5).abs() < 0.15, "{report:?}");
        }
        assert!((report.mean_auc - (by(0).auc + by(1).auc + by(2).auc) / 3.0).abs() < 1e-12);
        assert_eq!(
            by(2).positives,
            test.iter().filter(|&&i| i % 50 > 30).count()
        );
    }
}
