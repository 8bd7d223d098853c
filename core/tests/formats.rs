//! Every release's layout, generated (`data::synthetic`), read by the same code the page uses,
//! split, and learned: the default MF gets close to the noise the data was made with, and well
//! below the bias baseline, on whole stars, half stars and a person's own 2–10 scale.

use burn::tensor::Device;
use filmspace_core::data::synthetic::{Layout, Shape, files};
use filmspace_core::data::{Dataset, RatingScale};
use filmspace_core::models::{BiasConfig, BiasModel, MfConfig, evaluate_rating_model};
use filmspace_core::split::{SplitKind, make_split};
use filmspace_core::train::{Refit, fit_with_refit};

fn errors(layout: Layout) -> (f64, f64, RatingScale) {
    let shape = Shape {
        users: 400,
        items: 300,
        ratings: 40_000,
        rank: 4,
        noise: 0.3,
        seed: 11,
    };
    let d = Dataset::from_files(&files(layout, shape)).unwrap();
    let split = make_split(&d.ratings, SplitKind::Random80, 1);
    let train = d.index(&split.train);
    let Refit { refit, .. } = fit_with_refit(
        MfConfig::default(),
        &split,
        d.n_users(),
        d.n_items(),
        &Device::flex(),
    );
    let mf = evaluate_rating_model(&refit.weights, &train, &split.test)
        .errors
        .unwrap();
    let bias = BiasModel::fit(&train, BiasConfig::default());
    let baseline = evaluate_rating_model(&bias, &train, &split.test)
        .errors
        .unwrap();
    (mf.rmse, baseline.rmse, d.scale)
}

#[test]
fn mf_learns_each_layout_to_near_its_noise() {
    // (layout, the star step the generator rounded to, the factor its file scales values by).
    for (layout, step, unit) in [
        (Layout::Ml1m, 1.0, 1.0),
        (Layout::MlCsv, 0.5, 1.0),
        (Layout::OwnCsv, 1.0, 2.0),
    ] {
        let (mf, bias, scale) = errors(layout);
        assert_eq!(scale.max, 5.0 * unit as f32, "{layout:?}");
        // Rounding to a step adds step²/12 of variance to the 0.3² of noise.
        let floor = (0.3f64.powi(2) + step * step / 12.0).sqrt() * unit;
        eprintln!("{layout:?}: MF RMSE {mf:.4}, bias {bias:.4}, noise floor {floor:.4}");
        assert!(
            mf < bias - 0.08 * unit,
            "{layout:?}: MF {mf:.4} vs bias {bias:.4}"
        );
        assert!(
            mf < floor * 1.3,
            "{layout:?}: MF {mf:.4} vs floor {floor:.4}"
        );
    }
}
