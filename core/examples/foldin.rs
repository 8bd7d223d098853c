//! Tunes and reports the recommendations for newcomers (`cargo run --release -p filmspace-core
//! --example foldin`). Trains the default MF on the people kept for training, tunes the fold-in
//! ridge (RMSE of hidden ratings) and the blend weights (NDCG@10) on the tuning people only, then
//! prints the fold-in evaluation of the evaluation people: popularity, the raw MF score, the
//! baseline blend and the shipped blend, from 3, 5 and 10 ratings. The shipped constants live in
//! `core/src/recommend/`; this prints what it would choose next to them.

use filmspace_core::data::RatingScale;
use std::time::Instant;

use filmspace_core::data::{Dataset, MovieLensFiles, RatingIndex};

use filmspace_core::recommend::evaluation::{
    REVEALED, Ranker, evaluate_fold_in, fold_in_rmse, fold_in_split, ranker_scores,
};
use filmspace_core::recommend::{BlendWeights, Catalogue, FoldIn, FoldInRidge, Ranking, Served};
use filmspace_core::train::default_model;

const SEED: u64 = 42;

fn mean_ndcg(
    people: &[Vec<(u32, f32)>],
    catalogue: &Catalogue,
    model: Option<&Served>,
    blend: BlendWeights,
) -> f64 {
    REVEALED
        .iter()
        .map(|&n| {
            evaluate_fold_in(
                people,
                &RatingScale::STARS,
                n,
                catalogue.n_items(),
                |known, out| {
                    let ranking = Ranking::new(catalogue, model, known, blend);
                    out.copy_from_slice(&ranking.scores);
                },
            )
            .ndcg
        })
        .sum::<f64>()
        / REVEALED.len() as f64
}

fn main() {
    let dir = MovieLensFiles::default_dir();
    let files = MovieLensFiles::from_dir(&dir).expect("ML-100K (run scripts/fetch-data)");
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let split = fold_in_split(&dataset.ratings, dataset.n_users(), SEED);
    println!(
        "fold-in split (seed {SEED}): {} training ratings, {} tuning people, {} evaluation people",
        split.train.len(),
        split.tuning.len(),
        split.evaluation.len()
    );
    let started = Instant::now();
    let weights = default_model(&split.train, dataset.n_users(), dataset.n_items());
    let served = Served::Linear(weights.clone());

    let index = RatingIndex::new(&split.train, dataset.n_users(), dataset.n_items());
    let catalogue = Catalogue::fit(&index);
    println!(
        "trained MF and catalogue in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // 1. The fold-in ridge, on the tuning people's hidden ratings.
    let mut best_ridge = (f64::INFINITY, FoldInRidge::TUNED);
    for floor in [0.3, 1.0, 3.0, 10.0] {
        for per_rating in [0.0, 0.1, 0.3, 1.0] {
            let ridge = FoldInRidge {
                factors_floor: floor,
                bias_floor: floor,
                per_rating,
            };
            let rmse: f64 = REVEALED
                .iter()
                .map(|&n| fold_in_rmse(&split.tuning, &RatingScale::STARS, n, &weights, ridge))
                .sum::<f64>()
                / 3.0;
            if rmse < best_ridge.0 {
                best_ridge = (rmse, ridge);
            }
        }
    }
    println!(
        "ridge: best on tuning {:?} (mean hidden RMSE {:.4}); shipped {:?} ({:.4})",
        best_ridge.1,
        best_ridge.0,
        FoldInRidge::TUNED,
        REVEALED
            .iter()
            .map(|&n| fold_in_rmse(
                &split.tuning,
                &RatingScale::STARS,
                n,
                &weights,
                FoldInRidge::TUNED
            ))
            .sum::<f64>()
            / 3.0
    );

    // 2. The blend weights, on the tuning people's NDCG@10 (mean over 3, 5, 10 revealed).
    let grid = |model: Option<&Served>, ratings: &[f32]| {
        let mut best = (f64::NEG_INFINITY, BlendWeights::BASELINE);
        for &co_rated in &[0.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0] {
            for &pivot in &[0.0, 1.0, 2.0, 3.0] {
                for &rating in ratings {
                    let blend = BlendWeights {
                        popularity: 1.0,
                        co_rated,
                        rating,
                        pivot,
                    };
                    let ndcg = mean_ndcg(&split.tuning, &catalogue, model, blend);
                    if ndcg > best.0 {
                        best = (ndcg, blend);
                    }
                }
            }
        }
        best
    };
    let baseline = grid(None, &[0.0]);
    println!(
        "baseline blend: best on tuning {:?} (NDCG {:.4}); shipped {:?} ({:.4})",
        baseline.1,
        baseline.0,
        BlendWeights::BASELINE,
        mean_ndcg(&split.tuning, &catalogue, None, BlendWeights::BASELINE)
    );
    let shipped = grid(Some(&served), &[0.0, 0.25, 0.5, 1.0, 2.0, 4.0]);
    println!(
        "shipped blend: best on tuning {:?} (NDCG {:.4}); shipped {:?} ({:.4})",
        shipped.1,
        shipped.0,
        BlendWeights::WITH_MODEL,
        mean_ndcg(
            &split.tuning,
            &catalogue,
            Some(&served),
            BlendWeights::WITH_MODEL
        )
    );

    // 3. The report, on the evaluation people, with the shipped constants.
    println!("\n| ranking | revealed | NDCG@10 | HR@10 | P@10 | people |");
    println!("|---|---|---|---|---|---|");
    for ranker in Ranker::ALL {
        for &n in &REVEALED {
            let m = evaluate_fold_in(
                &split.evaluation,
                &RatingScale::STARS,
                n,
                catalogue.n_items(),
                |known, out| ranker_scores(ranker, &catalogue, &served, known, out),
            );
            println!(
                "| {} | {n} | {:.4} | {:.4} | {:.4} | {} |",
                ranker.label(),
                m.ndcg,
                m.hit_rate,
                m.precision,
                m.users
            );
        }
    }

    // 4. Fold-in speed: one solve + scoring every film, as the page does on each rating change.
    let known: Vec<(u32, f32)> = split.evaluation[0].iter().take(10).copied().collect();
    let runs = 200;
    let started = Instant::now();
    for _ in 0..runs {
        let ranking = Ranking::new(&catalogue, Some(&served), &known, BlendWeights::WITH_MODEL);
        std::hint::black_box(ranking.top(10, |_| true));
    }
    println!(
        "\nfold-in + blend + top 10 with reasons, 10 ratings: {:.3} ms (mean of {runs}); \
         solve alone {:.4} ms",
        started.elapsed().as_secs_f64() * 1000.0 / runs as f64,
        {
            let t = Instant::now();
            for _ in 0..runs {
                std::hint::black_box(FoldIn::solve(&weights, &known, FoldInRidge::TUNED));
            }
            t.elapsed().as_secs_f64() * 1000.0 / runs as f64
        }
    );
}
