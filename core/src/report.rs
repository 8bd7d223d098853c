//! The metrics board shown after training: the trained model next to the baselines computed on
//! the same split, so a learner sees what the model adds. Each row is computed on its own, so a
//! page can yield between rows.

use std::fmt::Write;

use crate::data::{Dataset, Rating, RatingIndex};
use crate::metrics::{ErrorMetrics, RankingMetrics, UserTopK};
use crate::models::{
    BiasConfig, BiasModel, Evaluation, GlobalMean, Popularity, RatingModel, evaluate_ranker,
    evaluate_rating_model,
};

/// The baselines every trained model is shown against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    GlobalMean,
    Bias,
    Popularity,
}

impl Baseline {
    pub const ALL: [Baseline; 3] = [Baseline::GlobalMean, Baseline::Bias, Baseline::Popularity];

    pub fn label(self) -> &'static str {
        match self {
            Baseline::GlobalMean => "global mean",
            Baseline::Bias => "user + item bias",
            Baseline::Popularity => "popularity",
        }
    }
}

/// One row of the board.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BoardRow {
    pub label: String,
    /// `None` for ranking-only models.
    pub errors: Option<ErrorMetrics>,
    pub ranking: RankingMetrics,
}

impl BoardRow {
    pub fn new(label: &str, evaluation: Evaluation) -> Self {
        Self {
            label: label.to_string(),
            errors: evaluation.errors,
            ranking: evaluation.ranking,
        }
    }
}

/// Fits a baseline on `train` (the whole training file) and scores it on `test`.
pub fn baseline_row(
    baseline: Baseline,
    train: &[Rating],
    index: &RatingIndex,
    test: &[Rating],
) -> BoardRow {
    let evaluation = match baseline {
        Baseline::GlobalMean => evaluate_rating_model(&GlobalMean::fit(train), index, test),
        Baseline::Bias => {
            evaluate_rating_model(&BiasModel::fit(index, BiasConfig::default()), index, test)
        }
        Baseline::Popularity => evaluate_ranker(&Popularity::fit(index), index, test),
    };
    BoardRow::new(baseline.label(), evaluation)
}

/// Scores a trained rating model on `test`; candidates exclude the films each user rated in `index`.
pub fn model_row(
    label: &str,
    model: &impl RatingModel,
    index: &RatingIndex,
    test: &[Rating],
) -> BoardRow {
    BoardRow::new(label, evaluate_rating_model(model, index, test))
}

/// `user<TAB>item<TAB>prediction` for every test pair, in MovieLens ids, unclipped (the
/// protocol clips when scoring), one line each in test order.
pub fn predictions_tsv(model: &impl RatingModel, test: &[Rating], dataset: &Dataset) -> String {
    let mut out = String::with_capacity(test.len() * 16);
    for r in test {
        let prediction = model.predict(r.user, r.item);
        let _ = writeln!(
            out,
            "{}\t{}\t{prediction}",
            dataset.people[r.user as usize].id, dataset.films[r.item as usize].id
        );
    }
    out
}

/// `user<TAB>i1<TAB>…<TAB>i10` for every evaluated user (one with a relevant test rating), best
/// first, films the user rated in training excluded; the data set's own ids. The lists come from
/// the model's evaluation ([`crate::metrics::top_k_lists`]).
pub fn top_k_tsv(lists: &[UserTopK], dataset: &Dataset) -> String {
    let mut out = String::new();
    for list in lists {
        let _ = write!(out, "{}", dataset.people[list.user as usize].id);
        for &item in &list.items {
            let _ = write!(out, "\t{}", dataset.films[item as usize].id);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_agree_with_the_models_they_name() {
        let ratings = crate::testing::ratings;
        let train = ratings(&[
            (0, 0, 5.0),
            (0, 1, 3.0),
            (1, 0, 4.0),
            (2, 1, 1.0),
            (2, 2, 2.0),
        ]);
        let test = ratings(&[(1, 1, 4.0), (0, 2, 2.0), (2, 0, 5.0)]);
        let index = RatingIndex::new(&train, 3, 3);
        let mean = baseline_row(Baseline::GlobalMean, &train, &index, &test);
        // Mean 3.0; errors 1, -1, 2.
        assert!((mean.errors.unwrap().rmse - 2.0f64.sqrt()).abs() < 1e-6);
        let popularity = baseline_row(Baseline::Popularity, &train, &index, &test);
        assert_eq!(popularity.errors, None);
        // Users 1 and 2 have a relevant test film; each gets it first among their candidates
        // (user 1: films 1, 2 → 1 is more rated; user 2: only film 0 is left).
        assert_eq!(popularity.ranking.users, 2);
        assert!((popularity.ranking.hit_rate - 1.0).abs() < 1e-12);
        let bias = baseline_row(Baseline::Bias, &train, &index, &test);
        let direct = model_row(
            "bias",
            &BiasModel::fit(&index, BiasConfig::default()),
            &index,
            &test,
        );
        assert_eq!(bias.errors, direct.errors);
        assert_eq!(bias.label, "user + item bias");
    }
}
