//! How well each zoo model serves someone new (`cargo run --release -p filmspace-core --example
//! serve_zoo`). Every model is fitted on the people the fold-in evaluation keeps for training,
//! then each held-out person is folded into it from 3, 5 or 10 of their ratings
//! ([`Served::fit`]) and ranked as the page would rank for them ([`BlendWeights::serving`]).
//! Prints NDCG@10 and HR@10 on the evaluation people and, for rating models, the RMSE of their
//! hidden ratings. `TUNING=1` reports the tuning people instead (what settings are chosen on);
//! `RIDGES="3,3,0.1;50,3,0.1"` also tries other fold-in ridges (floor of the vector, of the bias,
//! per rating) beside each model's own; `MODELS=ncf,autorec` picks models.

use filmspace_core::data::RatingScale;
use std::time::Instant;

use burn::tensor::Device;
use filmspace_core::data::{Dataset, MovieLensFiles, RatingIndex};
use filmspace_core::metrics::rating_errors;
use filmspace_core::recommend::evaluation::{REVEALED, evaluate_fold_in, fold_in_split};
use filmspace_core::recommend::{BlendWeights, Catalogue, FoldInRidge, Ranking, Served};
use filmspace_core::split::Split;
use filmspace_core::zoo::{ZooModel, ZooOptions, fit_closed_form, fit_trainable};

const SEED: u64 = 42;

fn main() {
    let dir = MovieLensFiles::default_dir();
    let files = MovieLensFiles::from_dir(&dir).expect("ML-100K (run scripts/fetch-data)");
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let folds = fold_in_split(&dataset.ratings, dataset.n_users(), SEED);
    let people = if std::env::var("TUNING").is_ok() {
        &folds.tuning
    } else {
        &folds.evaluation
    };
    let split = Split {
        train: folds.train.clone(),
        validation: Vec::new(),
        test: Vec::new(),
    };
    let (n_users, n_items) = (dataset.n_users(), dataset.n_items());
    let index = RatingIndex::new(&split.train, n_users, n_items);
    let catalogue = Catalogue::fit(&index);
    let device = Device::flex();
    let models: Vec<ZooModel> = match std::env::var("MODELS") {
        Ok(names) => names.split(',').filter_map(ZooModel::parse).collect(),
        Err(_) => ZooModel::ALL
            .into_iter()
            .filter(|m| m.fitted_here())
            .collect(),
    };
    println!(
        "| model | fit s | NDCG@10 from {} | HR@10 from {} | RMSE of hidden ratings from {} | ms per fold-in |",
        REVEALED.map(|n| n.to_string()).join(" / "),
        REVEALED.map(|n| n.to_string()).join(" / "),
        REVEALED.map(|n| n.to_string()).join(" / "),
    );
    println!("|---|---|---|---|---|---|");
    for model in models {
        let started = Instant::now();
        let trained = if model.trainable() {
            fit_trainable(model, &dataset, &split, &device).trained
        } else {
            fit_closed_form(model, &split.train, &index, &ZooOptions::default()).0
        };
        let served = trained.served(n_items);
        let fit_s = started.elapsed().as_secs_f64();
        for ridge in ridges() {
            report(model, fit_s, &served, ridge, people, &catalogue);
        }
    }
}

/// The ridges of `RIDGES`, after the model's own (`None`).
fn ridges() -> Vec<Option<FoldInRidge>> {
    let mut all = vec![None];
    if let Ok(list) = std::env::var("RIDGES") {
        for item in list.split(';') {
            let v: Vec<f64> = item.split(',').filter_map(|x| x.parse().ok()).collect();
            if let [factors_floor, bias_floor, per_rating] = v[..] {
                all.push(Some(FoldInRidge {
                    factors_floor,
                    bias_floor,
                    per_rating,
                }));
            }
        }
    }
    all
}

fn report(
    model: ZooModel,
    fit_s: f64,
    served: &Served,
    ridge: Option<FoldInRidge>,
    people: &[Vec<(u32, f32)>],
    catalogue: &Catalogue,
) {
    let n_items = served.n_items();
    {
        let blend = BlendWeights::serving(Some(served));
        let mut folds_done = 0usize;
        let timer = Instant::now();
        let ranking: Vec<_> = REVEALED
            .iter()
            .map(|&n| {
                evaluate_fold_in(people, &RatingScale::STARS, n, n_items, |known, out| {
                    folds_done += 1;
                    let ranking = Ranking::with_ridge(catalogue, Some(served), known, blend, ridge);
                    out.copy_from_slice(&ranking.scores);
                })
            })
            .collect();
        let per_fold_ms = timer.elapsed().as_secs_f64() * 1e3 / folds_done.max(1) as f64;
        let rmse: Vec<String> = REVEALED
            .iter()
            .map(|&n| {
                if !served.rates() {
                    return "–".to_string();
                }
                let errors = rating_errors(
                    &RatingScale::STARS,
                    people.iter().filter(|p| p.len() > n).flat_map(|p| {
                        let (known, hidden) = p.split_at(n);
                        let fit = served.fit_with(known, ridge.unwrap_or(served.tuned_ridge()));
                        hidden
                            .iter()
                            .map(|&(item, value)| (fit.scores[item as usize], value))
                            .collect::<Vec<_>>()
                    }),
                );
                format!("{:.4}", errors.rmse)
            })
            .collect();
        let name = match ridge {
            None => model.name().to_string(),
            Some(r) => format!(
                "{} (ridge {}, {}, {})",
                model.name(),
                r.factors_floor,
                r.bias_floor,
                r.per_rating
            ),
        };
        println!(
            "| {name} | {fit_s:.1} | {} | {} | {} | {per_fold_ms:.2} |",
            ranking
                .iter()
                .map(|m| format!("{:.4}", m.ndcg))
                .collect::<Vec<_>>()
                .join(" / "),
            ranking
                .iter()
                .map(|m| format!("{:.4}", m.hit_rate))
                .collect::<Vec<_>>()
                .join(" / "),
            rmse.join(" / "),
        );
    }
}
