//! Times the embedding canvas on the real ML-100K (`cargo run --release -p filmspace-core
//! --example embedding`): trains the default MF on u1, then PCA, the genre classifier and
//! t-SNE (default settings) of the 1682 film vectors, printing what each gives and takes, and
//! the classifier against its baselines for eight other seeded splits of the films.

use std::time::Instant;

use filmspace_core::data::{Dataset, MovieLensFiles};
use filmspace_core::embedding::{Pca, TsneSettings, genre_report, tsne_2d_with_progress};
use filmspace_core::split::{SplitKind, make_split};
use filmspace_core::stats::FilmRatings;
use filmspace_core::train::default_model;

fn main() {
    let files = MovieLensFiles::from_dir(&MovieLensFiles::default_dir()).expect("ML-100K files");
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let u1 = make_split(&dataset.ratings, SplitKind::Fold(1), 0);
    let started = Instant::now();
    let weights = default_model(&u1.train, dataset.n_users(), dataset.n_items());
    eprintln!("MF fit: {:?}", started.elapsed());
    let (vectors, dim) = (&weights.item_factors, weights.dim);
    let counts = FilmRatings::of(&dataset).counts;

    let started = Instant::now();
    let pca = Pca::fit(vectors, dim);
    eprintln!("PCA {:.4?}: {:?}", pca.explained, started.elapsed());

    let started = Instant::now();
    let report = genre_report(&dataset.films, &dataset.genres, &counts, vectors, dim, 42);
    eprintln!(
        "genre classifier (cross-validation and refit, film and random vectors): {:?}; \
         accuracy {:.3} macro-F1 {:.3} (L2 {})",
        started.elapsed(),
        report.accuracy,
        report.macro_f1,
        report.l2
    );

    // The lift over the baselines for other splits of the films.
    for seed in 0..8 {
        let r = genre_report(&dataset.films, &dataset.genres, &counts, vectors, dim, seed);
        eprintln!(
            "  split seed {seed}: accuracy {:.3} / {:.3} majority / {:.3} random; macro-F1 {:.3} / {:.3} / {:.3}; L2 {} / {} random",
            r.accuracy,
            r.majority_accuracy,
            r.random_accuracy,
            r.macro_f1,
            r.majority_macro_f1,
            r.random_macro_f1,
            r.l2,
            r.random_l2
        );
    }

    let settings = TsneSettings::default();
    let started = Instant::now();
    let mut last = Instant::now();
    let map = tsne_2d_with_progress(vectors, dim, &settings, |epoch, _| {
        if (epoch + 1) % 250 == 0 {
            eprintln!("  t-SNE epoch {}: {:?}", epoch + 1, last.elapsed());
            last = Instant::now();
        }
    });
    let spread = map
        .iter()
        .fold([f32::INFINITY, f32::NEG_INFINITY], |[lo, hi], p| {
            [lo.min(p[0]), hi.max(p[0])]
        });
    eprintln!(
        "t-SNE of {}×{dim} ({settings:?}): {:?}; x from {:.1} to {:.1}",
        map.len(),
        started.elapsed(),
        spread[0],
        spread[1]
    );
}
