//! Biased MF with the default settings on the real u1 split (`public/data/ml-100k/`, made by
//! `scripts/fetch-data`). Without the data the test says so and passes, unless
//! FILMSPACE_REQUIRE_DATA=1 (set by `scripts/test`), where missing data fails.

mod common;
use common::movielens;

use std::time::Instant;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, RatingIndex};
use filmspace_core::models::{MfConfig, evaluate_rating_model};
use filmspace_core::split::{SplitKind, canonical_split};
use filmspace_core::train::{Refit, StopReason, fit_with_refit};

#[test]
fn default_mf_beats_tuned_surprise_svd_on_u1() {
    let Some(files) = movielens() else { return };
    let d = Dataset::from_files(&files).unwrap();
    let u1 = canonical_split(&d, &files, SplitKind::Fold(1))
        .unwrap()
        .unwrap();

    let start = Instant::now();
    let Refit { validated, refit } = fit_with_refit(
        MfConfig::default(),
        &u1,
        d.n_users(),
        d.n_items(),
        &Device::flex(),
    );
    let seconds = start.elapsed().as_secs_f64();
    // Early stopping on the holdout, then a refit for the best epoch's count of epochs.
    assert_eq!(validated.summary.reason, StopReason::EarlyStopped);
    let best = validated.summary.best_epoch.unwrap();
    assert!((5..=30).contains(&best), "best epoch {best}");
    assert_eq!(refit.summary.epochs, best);
    assert_eq!(refit.summary.reason, StopReason::Completed);

    let train = RatingIndex::new(&u1.train, d.n_users(), d.n_items());
    let e = evaluate_rating_model(&refit.weights, &train, &u1.test);
    let errors = e.errors.unwrap();
    let r = e.ranking;
    eprintln!(
        "u1, default MF: best epoch {best} (holdout RMSE {:.4}), test RMSE {:.4} MAE {:.4}, \
         P@10 {:.4} R@10 {:.4} NDCG@10 {:.4} HR@10 {:.4}, trained in {seconds:.1} s",
        validated.summary.best_validation_rmse.unwrap(),
        errors.rmse,
        errors.mae,
        r.precision,
        r.recall,
        r.ndcg,
        r.hit_rate
    );
    assert_eq!(errors.count, 20_000);
    // Surprise's tuned SVD gets 0.9227 / 0.7300; the bias baseline 0.9530 / 0.7523.
    assert!(errors.rmse <= 0.925, "u1 test RMSE {:.4}", errors.rmse);
    assert!(errors.mae <= 0.735, "u1 test MAE {:.4}", errors.mae);
    // Ranking: a rating model, so above the bias baseline's lists but far below popularity's.
    assert_eq!(r.users, 456);
    assert!(
        r.precision > 0.09 && r.ndcg > 0.09 && r.hit_rate > 0.4,
        "{r:?}"
    );
}
