//! Holdout search for the zoo's trainable models (`cargo run --release -p filmspace-core
//! --example tune_zoo -- MODEL`): each setting trains on 90% of u1.base and is judged by its best
//! RMSE on the seeded 10% holdout (the page's early-stopping holdout). u1.test is never read.

use std::sync::Arc;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, MovieLensFiles};
use filmspace_core::models::{
    AutoRecConfig, EnrichedConfig, EnrichedRecipe, NeuralConfig, SideFeatures,
};
use filmspace_core::split::{Split, SplitKind, make_split};
use filmspace_core::train::{Recipe, default_training_split, fit};

fn holdout<R: Recipe>(label: &str, recipe: R, held: &Split, sizes: (usize, usize)) {
    let run = fit(recipe, held, sizes.0, sizes.1, &Device::flex());
    println!(
        "{label}: holdout RMSE {:.4} at epoch {:?} of {}",
        run.summary.best_validation_rmse.unwrap_or(f64::NAN),
        run.summary.best_epoch,
        run.summary.epochs
    );
}

fn main() {
    let files = MovieLensFiles::from_dir(&MovieLensFiles::default_dir()).expect("ML-100K files");
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let u1 = make_split(&dataset.ratings, SplitKind::Fold(1), 0);
    // The holdout the page and `fit_with_refit` use (seed 42); test ratings dropped.
    let held = Split {
        test: Vec::new(),
        ..default_training_split(&u1, 42)
    };
    let sizes = (dataset.n_users(), dataset.n_items());
    let model = std::env::args().nth(1).unwrap_or_default();
    match model.as_str() {
        "autorec" => {
            for lambda in [30.0, 100.0, 300.0, 1000.0] {
                for lr in [0.001, 0.003] {
                    let c = AutoRecConfig::new()
                        .with_lambda(lambda)
                        .with_learning_rate(lr);
                    holdout(&format!("autorec λ {lambda} lr {lr}"), c, &held, sizes);
                }
            }
        }
        "enriched" => {
            let features = Arc::new(SideFeatures::of(&dataset, &held.train));
            for reg in [0.05, 0.1, 0.15] {
                for feature_reg in [0.005, 0.02, 0.08, 0.2, 0.5, 1.0] {
                    let config = EnrichedConfig::new()
                        .with_reg(reg)
                        .with_feature_reg(feature_reg);
                    let recipe = EnrichedRecipe {
                        config,
                        features: features.clone(),
                    };
                    holdout(
                        &format!("enriched reg {reg} feature_reg {feature_reg}"),
                        recipe,
                        &held,
                        sizes,
                    );
                }
            }
        }
        "enriched-dim" => {
            let features = Arc::new(SideFeatures::of(&dataset, &held.train));
            for dim in [16, 32, 64, 128] {
                for lr in [0.003, 0.005] {
                    let config = EnrichedConfig::new().with_dim(dim).with_learning_rate(lr);
                    let recipe = EnrichedRecipe {
                        config,
                        features: features.clone(),
                    };
                    holdout(&format!("enriched dim {dim} lr {lr}"), recipe, &held, sizes);
                }
            }
        }
        "ncf" | "deep" => {
            for reg in [0.005, 0.02, 0.05] {
                for dropout in [0.2, 0.5] {
                    let base = if model == "ncf" {
                        NeuralConfig::ncf()
                    } else {
                        NeuralConfig::deep()
                    };
                    let c = base.with_reg(reg).with_dropout(dropout);
                    holdout(
                        &format!("{model} reg {reg} dropout {dropout}"),
                        c,
                        &held,
                        sizes,
                    );
                }
            }
        }
        other => panic!("no search for {other:?}: autorec, enriched, ncf or deep"),
    }
}
