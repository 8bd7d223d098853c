//! Writes what the Spark job's tests (spark/tests/) compare against, so that both engines are
//! held to the page's own figures: for every generated layout its files, the page's counts,
//! ratings digest and the test pairs of each shared split; for the real ML-100K (when present)
//! the same, plus the page's Spark-style ALS (no biases) fitted on u1 and scored as the board
//! scores it, and its model bundle.
//!
//! cargo run -p filmspace-core --example spark_fixtures -- OUT_DIR

use std::fs;
use std::path::Path;

use filmspace_core::bundle::{BundleDataset, BundleInfo, BundleMetrics, ModelBundle};
use filmspace_core::data::synthetic::{Layout, Shape, files};
use filmspace_core::data::{Dataset, MovieLensFiles};
use filmspace_core::models::{AlsConfig, evaluate_rating_model, fit_als};
use filmspace_core::split::SplitKind;
use serde_json::json;

/// The splits both engines make, by the Spark job's names.
const SPLITS: [(&str, SplitKind, u64); 3] = [
    ("random:0.8:42", SplitKind::Random80, 42),
    ("random:0.9:7", SplitKind::Random90, 7),
    ("temporal:0.2", SplitKind::Temporal, 0),
];

/// The test pairs of `kind`, in the data set's own ids, one "user\titem" line each, sorted.
fn test_pairs(dataset: &Dataset, kind: SplitKind, seed: u64) -> String {
    let mut pairs: Vec<(u32, u32)> = dataset
        .split(kind, seed)
        .test
        .iter()
        .map(|r| {
            (
                dataset.people[r.user as usize].id,
                dataset.films[r.item as usize].id,
            )
        })
        .collect();
    pairs.sort_unstable();
    pairs.iter().map(|(u, i)| format!("{u}\t{i}\n")).collect()
}

/// The data set's counts, digest and split files under `dir`; returns its expected.json value.
fn describe(dataset: &Dataset, dir: &Path) -> serde_json::Value {
    let mut splits = serde_json::Map::new();
    for (name, kind, seed) in SPLITS {
        let file = format!("test-{}.tsv", name.replace(':', "_"));
        fs::write(dir.join(&file), test_pairs(dataset, kind, seed)).expect("writing pairs");
        splits.insert(name.to_string(), json!(file));
    }
    let about = BundleDataset::of(dataset);
    json!({
        "release": about.name,
        "users": about.users,
        "items": about.items,
        "ratings": about.ratings,
        "fingerprint": about.fingerprint,
        "splits": splits,
    })
}

fn write_layout(layout: Layout, out: &Path) {
    let shape = Shape {
        seed: 3,
        ..Shape::small(4_000)
    };
    let files = files(layout, shape);
    let dir = out.join(layout.name());
    let data = dir.join("data");
    fs::create_dir_all(&data).expect("making the folder");
    for name in files.names() {
        fs::write(data.join(name), files.get(name).unwrap_or_default()).expect("writing a file");
    }
    let dataset = Dataset::from_files(&files).expect("the generated files read");
    let expected = describe(&dataset, &dir);
    fs::write(dir.join("expected.json"), expected.to_string()).expect("writing expected.json");
}

/// The real ML-100K: splits, and the Spark-style ALS on u1 (rank 50, λ 0.12, 15 iterations).
fn write_ml100k(out: &Path) {
    let Ok(files) = MovieLensFiles::from_dir(&MovieLensFiles::default_dir()) else {
        eprintln!("no ML-100K in public/data/ml-100k: its fixtures are skipped");
        return;
    };
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let dir = out.join("ml-100k-real");
    fs::create_dir_all(&dir).expect("making the folder");
    let mut expected = describe(&dataset, &dir);
    let u1 = dataset.split(SplitKind::Fold(1), 0);
    let config = AlsConfig {
        biases: false,
        ..AlsConfig::default()
    };
    let train = dataset.index(&u1.train);
    let weights = fit_als(&train, config);
    let scored = evaluate_rating_model(&weights, &train, &u1.test);
    let errors = scored.errors.expect("ALS rates");
    let r = scored.ranking;
    let metrics = BundleMetrics {
        rmse: Some(errors.rmse),
        mae: Some(errors.mae),
        p10: Some(r.precision),
        r10: Some(r.recall),
        ndcg10: Some(r.ndcg),
        hr10: Some(r.hit_rate),
    };
    expected["als_u1"] = json!({
        "rank": config.rank, "reg": config.lambda, "iters": config.iterations,
        "metrics": metrics, "ranked_users": r.users,
    });
    let info = BundleInfo {
        model: "als".into(),
        label: "ALS without biases (the page)".into(),
        settings: [("rank", json!(config.rank)), ("reg", json!(config.lambda))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        metrics,
        split: "u1".into(),
        dataset: BundleDataset::of(&dataset),
    };
    let bundle = ModelBundle::of_weights(&weights, &dataset, info);
    fs::write(dir.join("page-als.safetensors"), bundle.to_bytes()).expect("writing the bundle");
    fs::write(dir.join("expected.json"), expected.to_string()).expect("writing expected.json");
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .expect("usage: spark_fixtures OUT_DIR");
    let out = Path::new(&out);
    for layout in Layout::ALL {
        write_layout(layout, out);
    }
    write_ml100k(out);
    eprintln!("fixtures in {}", out.display());
}
