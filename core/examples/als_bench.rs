//! The page's ALS without biases (Spark's model) fitted natively on any data the page reads, for
//! the Spark benchmark (`scripts/bench-spark`): prints one JSON line with the fit time, the test
//! RMSE and the split's sizes.
//!
//! cargo run --release -p filmspace-core --example als_bench -- FOLDER SPLIT RANK REG ITERS
//! (SPLIT as the Spark job names it: u1, random:0.8:SEED)

use std::time::Instant;

use filmspace_core::data::{Dataset, MovieLensFiles};
use filmspace_core::metrics::rating_errors;
use filmspace_core::models::{AlsConfig, RatingModel, fit_als};
use filmspace_core::split::SplitKind;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [data, split, rank, reg, iters] = args.as_slice() else {
        panic!("usage: als_bench DATA SPLIT RANK REG ITERS");
    };
    let clock = Instant::now();
    let files = MovieLensFiles::from_dir(std::path::Path::new(data)).expect("a readable folder");
    let dataset = Dataset::from_files(&files).expect("valid data");
    drop(files);
    let read_s = clock.elapsed().as_secs_f64();
    let (kind, seed) = match split.split(':').collect::<Vec<_>>().as_slice() {
        ["random", "0.8", seed] => (SplitKind::Random80, seed.parse().expect("a seed")),
        ["random", "0.9", seed] => (SplitKind::Random90, seed.parse().expect("a seed")),
        [name] => (SplitKind::parse(name).expect("a split name"), 0),
        _ => panic!("split {split}: u1..u5, random:0.8:SEED or random:0.9:SEED"),
    };
    let split = dataset.split(kind, seed);
    let train = dataset.index(&split.train);
    let config = AlsConfig {
        rank: rank.parse().expect("a rank"),
        lambda: reg.parse().expect("a λ"),
        iterations: iters.parse().expect("iterations"),
        biases: false,
        ..AlsConfig::default()
    };
    let clock = Instant::now();
    let weights = fit_als(&train, config);
    let fit_s = clock.elapsed().as_secs_f64();
    let errors = rating_errors(
        &dataset.scale,
        split
            .test
            .iter()
            .map(|r| (weights.predict(r.user, r.item), r.value)),
    );
    println!(
        "{{\"fit_s\": {fit_s:.3}, \"read_s\": {read_s:.3}, \"rmse\": {:.5}, \"n_train\": {}, \"n_test\": {}}}",
        errors.rmse,
        split.train.len(),
        split.test.len()
    );
}
