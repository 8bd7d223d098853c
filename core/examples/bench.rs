//! Native speed benchmark of biased MF on u1 (Burn's Flex CPU backend), for `scripts/bench`.
//! A benchmark that prints figures, not a test.
//!
//! It runs exactly the page's recipe with `MfConfig::default()` (the same as
//! `train::fit_with_refit`): early stopping on a seeded 10% holdout of u1.base, then a refit on
//! all of u1.base for the best epoch's count. The page's [`Pipeline`] is stepped so that, **for this benchmark only**, the u1 TEST RMSE of the model each phase
//! would hand back at that point (the best-on-holdout model in the first phase, the current one in
//! the refit) is computed after every epoch, to report when it first reaches ≤ 0.93. That
//! evaluation is timed separately and left out of every training time, and nothing is chosen
//! from it: the epochs, the stopping point and the kept model are exactly the recipe's.
//!
//! `cargo run --release -p filmspace-core --example bench [-- TARGET_RMSE]` (default 0.93).
//! Needs `public/data/ml-100k` (or FILMSPACE_DATA). Prints a readable log, then one line
//! `BENCH_JSON {...}` for scripts.

use filmspace_core::data::RatingScale;
use std::time::Instant;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, MovieLensFiles, Rating};
use filmspace_core::metrics::rating_errors;
use filmspace_core::models::{MfConfig, MfWeights, RatingModel};
use filmspace_core::split::{Split, SplitKind, make_split};
use filmspace_core::train::{Fitted, Pipeline, PipelineEvent, Stage};

fn load() -> Dataset {
    let dir = MovieLensFiles::default_dir();
    let files = MovieLensFiles::from_dir(&dir).unwrap_or_else(|e| {
        eprintln!(
            "bench: cannot read ML-100K in {} ({e:?}): run scripts/fetch-data",
            dir.display()
        );
        std::process::exit(2)
    });
    Dataset::from_files(&files).unwrap_or_else(|e| {
        eprintln!("bench: bad ML-100K files in {}: {e:?}", dir.display());
        std::process::exit(2)
    })
}

fn test_rmse(model: &impl RatingModel, test: &[Rating]) -> f64 {
    rating_errors(
        &RatingScale::STARS,
        test.iter()
            .map(|r| (model.predict(r.user, r.item), r.value)),
    )
    .rmse
}

/// One epoch of one phase, as the benchmark saw it.
struct EpochRow {
    phase: &'static str,
    epoch: usize,
    /// The trainer's own time for the epoch (holdout validation included).
    epoch_ms: f64,
    /// Training wall time since the start of the recipe, benchmark evaluations excluded.
    train_s: f64,
    holdout_rmse: Option<f64>,
    /// Benchmark only: u1.test RMSE of the model the phase would hand back now.
    test_rmse: f64,
}

/// The recipe's run as the benchmark timed it.
struct Recipe {
    fitted: Fitted<MfWeights>,
    /// Training time, benchmark evaluations excluded.
    clock_s: f64,
    refit_epochs: usize,
    refit_start_s: f64,
}

/// Steps the page's pipeline to the end, appending a row per epoch. After each epoch (benchmark
/// only, never used to choose anything, not timed) it scores the model the stage would hand back
/// if it ended now.
fn run_recipe(config: MfConfig, u1: &Split, d: &Dataset, rows: &mut Vec<EpochRow>) -> Recipe {
    let start = Instant::now();
    let sizes = (d.n_users(), d.n_items());
    let seed = config.seed;
    let mut pipeline = Pipeline::new(config, u1, seed, sizes, &Device::flex(), false);
    let mut clock_s = start.elapsed().as_secs_f64();
    let (mut refit_epochs, mut refit_start_s) = (0, 0.0);
    loop {
        let start = Instant::now();
        let event = pipeline.step().expect("a fit on the CPU");
        clock_s += start.elapsed().as_secs_f64();
        match event {
            Some(PipelineEvent::Epoch(stage, report)) => {
                let weights = pipeline.latest_weights().expect("read on the CPU");
                rows.push(EpochRow {
                    phase: match stage {
                        Stage::Holdout => "holdout",
                        Stage::Refit => "refit",
                    },
                    epoch: report.epoch,
                    epoch_ms: report.elapsed_ms,
                    train_s: clock_s,
                    holdout_rmse: report.validation_rmse,
                    test_rmse: test_rmse(&weights, &u1.test),
                });
            }
            Some(PipelineEvent::RefitStarts { epochs }) => {
                (refit_epochs, refit_start_s) = (epochs, clock_s);
            }
            Some(PipelineEvent::Finished(fitted)) => {
                return Recipe {
                    fitted,
                    clock_s,
                    refit_epochs,
                    refit_start_s,
                };
            }
            Some(PipelineEvent::Batch(..)) => {}
            None => unreachable!("the pipeline reports Finished before it ends"),
        }
    }
}

fn json_opt(x: Option<f64>, digits: usize) -> String {
    match x {
        Some(v) if v.is_finite() => format!("{v:.digits$}"),
        _ => "null".into(),
    }
}

fn main() {
    let target: f64 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("TARGET_RMSE must be a number"))
        .unwrap_or(0.93);
    let d = load();
    let config = MfConfig::default();
    // The page's split: u1 rebuilt from u.data order (equal to the u1.base/u1.test files).
    let u1 = make_split(&d.ratings, SplitKind::Fold(1), config.seed);
    println!(
        "native Flex (release), MfConfig::default(): d={} lr={} reg={} batch={} init={} epochs≤{} patience={} seed={}",
        config.dim,
        config.learning_rate,
        config.reg,
        config.batch_size,
        config.init_std,
        config.epochs,
        config.patience,
        config.seed
    );
    println!(
        "u1: {} training, {} test ratings; per-epoch u1.test RMSE below is for this benchmark only",
        u1.train.len(),
        u1.test.len()
    );

    let wall = Instant::now();
    let mut rows = Vec::new();
    let Recipe {
        fitted,
        clock_s,
        refit_epochs,
        refit_start_s,
    } = run_recipe(config, &u1, &d, &mut rows);
    let (first, second) = (
        &fitted.holdout,
        fitted.refit.as_ref().unwrap_or(&fitted.holdout),
    );
    let (first_rmse, final_rmse) = (
        test_rmse(&first.weights, &u1.test),
        test_rmse(&second.weights, &u1.test),
    );
    let wall_s = wall.elapsed().as_secs_f64();

    println!("phase   | epoch | ms/epoch | train s | holdout RMSE | u1.test RMSE (bench only)");
    for r in &rows {
        println!(
            "{:<7} | {:>5} | {:>8.1} | {:>7.3} | {:>12} | {:.4}{}",
            r.phase,
            r.epoch,
            r.epoch_ms,
            r.train_s,
            r.holdout_rmse
                .map(|x| format!("{x:.4}"))
                .unwrap_or_else(|| "–".into()),
            r.test_rmse,
            if r.test_rmse <= target {
                " ≤ target"
            } else {
                ""
            }
        );
    }
    let epochs_total = rows.len();
    let ms_per_epoch = rows.iter().map(|r| r.epoch_ms).sum::<f64>() / epochs_total.max(1) as f64;
    let first_hit = rows.iter().find(|r| r.test_rmse <= target);
    let refit_hit = rows
        .iter()
        .find(|r| r.phase == "refit" && r.test_rmse <= target);
    println!(
        "holdout run: {} epochs (best {}); refit: {} epochs; final u1.test RMSE {:.4}",
        first.summary.epochs,
        first
            .summary
            .best_epoch
            .map_or_else(|| "none".to_string(), |e| e.to_string()),
        second.summary.epochs,
        final_rmse
    );
    println!(
        "training time {clock_s:.3} s (benchmark evaluations excluded; {wall_s:.3} s with them); mean {ms_per_epoch:.1} ms/epoch"
    );
    match first_hit {
        Some(r) => println!(
            "first model with u1.test RMSE ≤ {target}: {} epoch {} at {:.3} s of training",
            r.phase, r.epoch, r.train_s
        ),
        None => println!("no epoch reached u1.test RMSE ≤ {target}"),
    }
    let hit_json = |r: Option<&EpochRow>| match r {
        Some(r) => format!(
            "{{\"phase\":\"{}\",\"epoch\":{},\"seconds\":{:.4},\"test_rmse\":{:.4}}}",
            r.phase, r.epoch, r.train_s, r.test_rmse
        ),
        None => "null".into(),
    };
    let per_epoch: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{{\"phase\":\"{}\",\"epoch\":{},\"ms\":{:.2},\"train_s\":{:.4},\"holdout_rmse\":{},\"test_rmse\":{:.4}}}",
                r.phase,
                r.epoch,
                r.epoch_ms,
                r.train_s,
                json_opt(r.holdout_rmse, 4),
                r.test_rmse
            )
        })
        .collect();
    println!(
        "BENCH_JSON {{\"target\":{target},\"ms_per_epoch\":{ms_per_epoch:.2},\"train_s\":{clock_s:.4},\"wall_s\":{wall_s:.4},\
\"holdout_epochs\":{},\"best_epoch\":{},\"refit_epochs\":{refit_epochs},\"refit_start_s\":{refit_start_s:.4},\
\"final_test_rmse\":{:.4},\"holdout_best_test_rmse\":{:.4},\"first_hit\":{},\"refit_hit\":{},\"epochs\":[{}]}}",
        first.summary.epochs,
        first
            .summary
            .best_epoch
            .map(|e| e.to_string())
            .unwrap_or_else(|| "null".into()),
        final_rmse,
        first_rmse,
        hit_json(first_hit),
        hit_json(refit_hit),
        per_epoch.join(",")
    );
}
