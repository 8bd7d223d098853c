//! The embedding canvas on the real ML-100K (skipped with a message when absent): the default MF
//! trained on u1's training ratings, then PCA, cosine neighbours and the genre classifier on its
//! 1682 film vectors.

mod common;

use filmspace_core::data::Dataset;
use filmspace_core::embedding::{Pca, genre_report, nearest_by_cosine};
use filmspace_core::split::{SplitKind, make_split};
use filmspace_core::stats::FilmRatings;
use filmspace_core::train::default_model;

#[test]
fn the_film_vectors_carry_structure_on_u1() {
    let Some(files) = common::movielens() else {
        return;
    };
    let dataset = Dataset::from_files(&files).expect("valid ML-100K");
    let u1 = make_split(&dataset.ratings, SplitKind::Fold(1), 0);
    let weights = default_model(&u1.train, dataset.n_users(), dataset.n_items());
    let (vectors, dim) = (&weights.item_factors, weights.dim);
    let counts = FilmRatings::of(&dataset).counts;
    assert_eq!(vectors.len(), 1682 * dim);

    let pca = Pca::fit(vectors, dim);
    eprintln!("PCA explained variance: {:.4?}", pca.explained);
    assert!(pca.explained.iter().all(|&e| e > 0.0 && e < 1.0));
    assert!(pca.explained[0] >= pca.explained[1]);
    assert!(pca.explained[0] + pca.explained[1] <= 1.0);
    let map = pca.project_all(vectors);
    assert_eq!(map.len(), 1682);
    assert!(map.iter().flatten().all(|v| v.is_finite()));

    let star_wars = dataset.item_of(50).unwrap();
    let neighbours = nearest_by_cosine(vectors, dim, star_wars, 10);
    for &(item, similarity) in &neighbours {
        let film = &dataset.films[item as usize];
        eprintln!("  {similarity:.3} {} ({})", film.title, film.id);
    }
    assert_eq!(neighbours.len(), 10);
    assert!(neighbours.iter().all(|&(item, _)| item != star_wars));
    let ids: Vec<u32> = neighbours
        .iter()
        .map(|&(item, _)| dataset.films[item as usize].id)
        .collect();
    // Return of the Jedi (181) or The Empire Strikes Back (172).
    assert!(ids.contains(&181) || ids.contains(&172), "{ids:?}");

    let report = genre_report(&dataset.films, &dataset.genres, &counts, vectors, dim, 42);
    eprintln!(
        "genre from film vectors on {} held-out films: accuracy {:.3} / macro-F1 {:.3}; \
         majority {:.3} / {:.3}; same procedure on random vectors {:.3} / {:.3}; L2 {} / {}",
        report.test_films,
        report.accuracy,
        report.macro_f1,
        report.majority_accuracy,
        report.majority_macro_f1,
        report.random_accuracy,
        report.random_macro_f1,
        report.l2,
        report.random_l2
    );
    for s in &report.per_genre {
        eprintln!(
            "  {:<12} F1 {:.3} P {:.3} R {:.3} n {}",
            s.name, s.f1, s.precision, s.recall, s.support
        );
    }
    // Seed 42: accuracy 0.256 / macro-F1 0.096 against majority 0.235 / 0.021 and random
    // 0.232 / 0.021 (L2 chosen by 5-fold cross-validation on the training films). Over split
    // seeds 0–7 (the example): accuracy 0.211–0.315 against majority 0.185–0.253, macro-F1
    // 0.059–0.127 against at most 0.027, so the model beats both baselines on both.
    assert!(report.test_films > 300);
    assert!(report.accuracy > report.majority_accuracy, "{report:?}");
    assert!(report.accuracy > report.random_accuracy, "{report:?}");
    assert!(report.macro_f1 > report.majority_macro_f1, "{report:?}");
    assert!(report.macro_f1 > report.random_macro_f1, "{report:?}");

    let auc = report.auc.as_ref().expect("one-vs-rest AUCs");
    eprintln!(
        "one-vs-rest ROC-AUC, mean of {} genres: film vectors {:.3}, random {:.3}, popularity {:.3}",
        auc.per_genre.len(),
        auc.mean_auc,
        auc.mean_random_auc,
        auc.mean_popularity_auc
    );
    for g in &auc.per_genre {
        eprintln!(
            "  {:<12} AUC {:.3} random {:.3} popularity {:.3} ({} test films have it)",
            g.name, g.auc, g.random_auc, g.popularity_auc, g.positives
        );
    }
    // Measured: mean AUC 0.660 on the film vectors, 0.533 on random ones, 0.651 on popularity
    // alone (18 genres; a genre's films are also more or less watched, and the vectors know it).
    assert!(auc.mean_auc > auc.mean_random_auc + 0.05, "{auc:?}");
}
