//! The model zoo's board on u1, natively (`cargo run --release -p filmspace-core --example zoo
//! [model ...]`): every model (or those named) fitted on u1.base — the trainable ones with early
//! stopping on a 10% holdout, then a refit — and scored on u1.test, with its time. Prints a
//! Markdown table and, last, the board as CSV.

use std::time::Instant;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, MovieLensFiles};
use filmspace_core::split::{SplitKind, make_split};
use filmspace_core::zoo::{ZooModel, ZooOptions, board_csv, run_native};

fn main() {
    let files = MovieLensFiles::from_dir(&MovieLensFiles::default_dir()).expect("ML-100K files");
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let u1 = make_split(&dataset.ratings, SplitKind::Fold(1), 0);
    let wanted: Vec<ZooModel> = std::env::args()
        .skip(1)
        .map(|name| ZooModel::parse(&name).unwrap_or_else(|| panic!("no model {name}")))
        .collect();
    let models = if wanted.is_empty() {
        ZooModel::ALL
            .into_iter()
            .filter(|m| m.fitted_here())
            .collect()
    } else {
        wanted
    };
    let start = Instant::now();
    let mut clock = move || start.elapsed().as_secs_f64() * 1e3;
    let mut rows = Vec::new();
    println!(
        "| model | RMSE | MAE | P@10 | R@10 | NDCG@10 | HR@10 | epochs (holdout) | train s | parameters |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for model in models {
        let (row, _) = run_native(
            model,
            &dataset,
            &u1,
            &ZooOptions::default(),
            &Device::flex(),
            &mut clock,
        );
        println!(
            "| {} | {} | {} | {:.2} | {} |",
            model.label(),
            row.metric_cells("–").join(" | "),
            if row.history.is_empty() {
                "–".to_string()
            } else {
                row.history.len().to_string()
            },
            row.train_ms / 1e3,
            row.parameters
        );
        rows.push(row);
    }
    println!();
    print!("{}", board_csv(&rows));
}
