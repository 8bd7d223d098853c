//! The hyper-parameter search behind `MfConfig`'s defaults (see `core/TUNING.md`).
//!
//! `cargo run -p filmspace-core --example tune -- grid` searches on a seeded 10% holdout of
//! u1.base only (u1.test is never read in that mode); `-- final [key=value …]` runs
//! `train::fit_with_refit` with the defaults (or overrides) on u1.base (holdout for early
//! stopping, then a refit on all of u1.base for the best epoch's count) and only then scores
//! u1.test. Needs `public/data/ml-100k` (or FILMSPACE_DATA).

use std::time::Instant;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, MovieLensFiles, RatingIndex};
use filmspace_core::models::{MfConfig, Optimiser, evaluate_rating_model};
use filmspace_core::split::{Split, SplitKind, canonical_split};
use filmspace_core::train::{Fit, Refit, default_training_split, fit, fit_with_refit};

const HOLDOUT_SEED: u64 = 2024;

fn load() -> (Dataset, Split) {
    let files = MovieLensFiles::from_dir(&MovieLensFiles::default_dir()).expect("ML-100K folder");
    let d = Dataset::from_files(&files).unwrap();
    let u1 = canonical_split(&d, &files, SplitKind::Fold(1))
        .unwrap()
        .unwrap();
    (d, u1)
}

fn describe(c: &MfConfig) -> String {
    format!(
        "{:?} d={} lr={} reg={} bias_reg={} batch={} init={} seed={}",
        c.optimiser, c.dim, c.learning_rate, c.reg, c.bias_reg, c.batch_size, c.init_std, c.seed
    )
}

fn run(config: MfConfig, split: &Split, d: &Dataset) -> (Fit, f64) {
    let start = Instant::now();
    let fit = fit(config, split, d.n_users(), d.n_items(), &Device::flex());
    (fit, start.elapsed().as_secs_f64())
}

fn report(label: &str, fit: &Fit, seconds: f64) {
    let per_epoch = seconds * 1e3 / fit.history.len().max(1) as f64;
    println!(
        "{label} | best epoch {:?} of {} | holdout RMSE {:.4} | {:.0} ms/epoch | {:.1} s",
        fit.summary.best_epoch,
        fit.summary.epochs,
        fit.summary.best_validation_rmse.unwrap_or(f64::NAN),
        per_epoch,
        seconds
    );
}

fn grid(d: &Dataset, split: &Split, configs: Vec<MfConfig>) {
    let held = default_training_split(
        &Split {
            test: Vec::new(),
            ..split.clone()
        },
        HOLDOUT_SEED,
    );
    for config in configs {
        let label = describe(&config);
        let (fit, seconds) = run(config, &held, d);
        report(&label, &fit, seconds);
    }
}

fn list(arg: &str) -> Vec<f64> {
    arg.split(',').map(|x| x.parse().unwrap()).collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (d, u1) = load();
    let base = MfConfig::new().with_epochs(60).with_patience(3);
    match args.first().map(String::as_str) {
        // grid OPT DIMS LRS REGS BATCHES [BIAS_REGS] [INIT_STDS]
        Some("grid") => {
            let optimiser = if args[1] == "sgd" {
                Optimiser::Sgd
            } else {
                Optimiser::Adam
            };
            let mut configs = Vec::new();
            let bias_regs = args.get(6).map(|a| list(a)).unwrap_or(vec![base.bias_reg]);
            let inits = args.get(7).map(|a| list(a)).unwrap_or(vec![base.init_std]);
            let seeds = args
                .get(8)
                .map(|a| list(a))
                .unwrap_or(vec![base.seed as f64]);
            for dim in list(&args[2]) {
                for lr in list(&args[3]) {
                    for reg in list(&args[4]) {
                        for batch in list(&args[5]) {
                            for &bias_reg in &bias_regs {
                                for (&init, &seed) in
                                    inits.iter().flat_map(|i| seeds.iter().map(move |s| (i, s)))
                                {
                                    configs.push(
                                        base.clone()
                                            .with_optimiser(optimiser)
                                            .with_dim(dim as usize)
                                            .with_learning_rate(lr)
                                            .with_reg(reg)
                                            .with_batch_size(batch as usize)
                                            .with_bias_reg(bias_reg)
                                            .with_init_std(init)
                                            .with_seed(seed as u64),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            grid(&d, &u1, configs);
        }
        Some("final") => {
            // Overrides for checking a candidate: key=value with key in optimiser, dim, lr, reg,
            // bias_reg, batch, init, epochs, patience, seed.
            let mut config = MfConfig::default();
            for arg in &args[1..] {
                let (key, value) = arg.split_once('=').expect("key=value");
                config = match key {
                    "optimiser" => config.with_optimiser(if value == "sgd" {
                        Optimiser::Sgd
                    } else {
                        Optimiser::Adam
                    }),
                    "dim" => config.with_dim(value.parse().unwrap()),
                    "lr" => config.with_learning_rate(value.parse().unwrap()),
                    "reg" => config.with_reg(value.parse().unwrap()),
                    "bias_reg" => config.with_bias_reg(value.parse().unwrap()),
                    "batch" => config.with_batch_size(value.parse().unwrap()),
                    "init" => config.with_init_std(value.parse().unwrap()),
                    "epochs" => config.with_epochs(value.parse().unwrap()),
                    "patience" => config.with_patience(value.parse().unwrap()),
                    "seed" => config.with_seed(value.parse().unwrap()),
                    _ => panic!("unknown setting {key}"),
                };
            }
            println!("settings: {}", describe(&config));
            // Exactly `fit_with_refit`: holdout seeded by config.seed, best epoch, refit.
            let start = Instant::now();
            let Refit { validated, refit } = fit_with_refit(
                config.clone(),
                &u1,
                d.n_users(),
                d.n_items(),
                &Device::flex(),
            );
            let total = start.elapsed().as_secs_f64();
            let validated_ms: f64 = validated.history.iter().map(|r| r.elapsed_ms).sum();
            let refit_ms: f64 = refit.history.iter().map(|r| r.elapsed_ms).sum();
            report("holdout run", &validated, validated_ms / 1e3);
            for r in &validated.history {
                println!(
                    "  epoch {:>2}: loss {:.4} train RMSE {:.4} holdout RMSE {:.4} {:.0} ms {:.0} ratings/s",
                    r.epoch,
                    r.train_loss,
                    r.train_rmse.unwrap_or(f64::NAN),
                    r.validation_rmse.unwrap(),
                    r.elapsed_ms,
                    r.ratings_per_sec
                );
            }
            println!(
                "refit on all of u1.base for {} epochs: {:.1} s ({:.0} ms/epoch)",
                refit.summary.epochs,
                refit_ms / 1e3,
                refit_ms / refit.summary.epochs.max(1) as f64
            );
            let index = RatingIndex::new(&u1.train, d.n_users(), d.n_items());
            for (label, weights) in [
                ("best epoch of the holdout run", &validated.weights),
                ("refit", &refit.weights),
            ] {
                let e = evaluate_rating_model(weights, &index, &u1.test);
                let errors = e.errors.unwrap();
                println!(
                    "u1.test, {label}: RMSE {:.4} MAE {:.4} | P@10 {:.4} R@10 {:.4} NDCG@10 {:.4} HR@10 {:.4} (users {})",
                    errors.rmse,
                    errors.mae,
                    e.ranking.precision,
                    e.ranking.recall,
                    e.ranking.ndcg,
                    e.ranking.hit_rate,
                    e.ranking.users
                );
            }
            println!("total (both runs, evaluation excluded): {total:.2} s");
        }
        _ => eprintln!(
            "usage: tune grid adam|sgd DIMS LRS REGS BATCHES [BIAS_REGS] [INIT_STDS] | tune final"
        ),
    }
}
