//! How much genre the film vectors carry: a softmax (multinomial logistic) regression from a
//! film's vector to its primary genre, scored on held-out films beside two baselines.
//!
//! The model never sees a genre, so a classifier that beats the baselines shows the vectors
//! learned genre from ratings alone. The baselines make the lift honest: "majority" always
//! answers the most frequent training genre (what accuracy alone rewards on skewed classes), and
//! "random" is the same classifier, same split, on N(0, 1) vectors of the same size (what a
//! linear model can fit to nothing but the class frequencies).
//!
//! A film's label is its *primary* genre, the rarest of its genres
//! ([`crate::recommend::onboarding::primary_genre`]), so Drama and Comedy do not swallow
//! everything; films whose only genre is "unknown" are left out.

use crate::data::Film;
use crate::recommend::onboarding::{genre_sizes, primary_genre};
use crate::rng::SeededRng;

mod multilabel;
mod softmax;
mod validation;

pub use multilabel::{AucReport, FeatureSet, GenreAuc, auc_report, roc_auc};
pub use softmax::{FitSettings, SoftmaxRegression};
pub use validation::{FOLDS, L2_GRID, ValidationPoint, choose_l2, cross_validate};

/// Precision, recall and F1 of one genre on the test films.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenreScore {
    /// Index into the data set's genres.
    pub genre: usize,
    pub name: String,
    pub f1: f64,
    pub precision: f64,
    pub recall: f64,
    /// Test films whose true label is this genre.
    pub support: usize,
}

/// Accuracy, macro-F1 and the per-genre scores of one set of predictions.
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    pub accuracy: f64,
    /// The mean F1 over the genres present in the truth, each genre counting once.
    pub macro_f1: f64,
    /// One entry per genre present in the truth, by genre index.
    pub per_genre: Vec<GenreScore>,
}

/// The genre classifier on the film vectors beside its baselines, all on the same test films.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenreReport {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_genre: Vec<GenreScore>,
    /// Always predicting the most frequent training genre.
    pub majority_accuracy: f64,
    pub majority_macro_f1: f64,
    /// Its scores per genre (F1 0 but for the genre it always answers).
    pub majority_per_genre: Vec<GenreScore>,
    /// The same procedure (cross-validated L2, refit, same split) on seeded N(0, 1) vectors.
    pub random_accuracy: f64,
    pub random_macro_f1: f64,
    pub random_per_genre: Vec<GenreScore>,
    /// The held-out films (20% of those with a genre).
    pub test_films: usize,
    /// The L2 strength cross-validation on the training films chose for the film vectors, and
    /// for the random ones.
    pub l2: f32,
    pub random_l2: f32,
    /// Every genre of a film, one-vs-rest: held-out ROC-AUC per genre on the film vectors,
    /// random vectors and popularity alone (absent from an older page's message).
    #[serde(default)]
    pub auc: Option<AucReport>,
}

/// What the classifiers know of each film (dense ids): its primary genre (`None`: left out),
/// all its genres as bits, and how many ratings it has.
#[derive(Debug, Clone, Copy)]
pub struct FilmLabels<'a> {
    pub primary: &'a [Option<usize>],
    pub bits: &'a [u64],
    pub counts: &'a [u32],
}

/// The class-weight exponent of the fits in [`genre_report`] (see [`FitSettings`]): each film
/// weighs 1/√(its genre's share). The primary genres are skewed (18 classes, the largest about a
/// quarter of the films), so the plain fit almost never answers a small genre and macro-F1 stays
/// low; fully balanced weights (power 1) over-answer them and, in 5-fold cross-validation on the
/// training films only, halved accuracy. The square root is the usual middle way: in that
/// cross-validation it kept the best accuracy of the plain fit and raised macro-F1.
pub const CLASS_WEIGHT_POWER: f32 = 0.5;

/// Scores `predicted` against `truth` (genre indices, same length). A genre that was never
/// predicted has precision 0; F1 is 0 when precision and recall are both 0.
pub fn score_predictions<S: AsRef<str>>(
    truth: &[usize],
    predicted: &[usize],
    names: &[S],
) -> Scores {
    let classes = names.len().max(
        truth
            .iter()
            .chain(predicted)
            .map(|&g| g + 1)
            .max()
            .unwrap_or(0),
    );
    let (mut support, mut hits, mut guesses) = (
        vec![0usize; classes],
        vec![0usize; classes],
        vec![0usize; classes],
    );
    for (&t, &p) in truth.iter().zip(predicted) {
        support[t] += 1;
        guesses[p] += 1;
        if t == p {
            hits[t] += 1;
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let per_genre: Vec<GenreScore> = (0..classes)
        .filter(|&g| support[g] > 0)
        .map(|g| {
            let precision = ratio(hits[g], guesses[g]);
            let recall = ratio(hits[g], support[g]);
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            GenreScore {
                genre: g,
                name: names
                    .get(g)
                    .map_or_else(|| format!("genre {g}"), |n| n.as_ref().to_string()),
                f1,
                precision,
                recall,
                support: support[g],
            }
        })
        .collect();
    let correct = truth.iter().zip(predicted).filter(|(t, p)| t == p).count();
    Scores {
        accuracy: ratio(correct, truth.len()),
        macro_f1: if per_genre.is_empty() {
            0.0
        } else {
            per_genre.iter().map(|s| s.f1).sum::<f64>() / per_genre.len() as f64
        },
        per_genre,
    }
}

/// Trains the classifier on a seeded 80% of the films that have a genre and scores it, and both
/// baselines, on the other 20%. `vectors` holds one row of `dim` values per film, in the order of
/// `films` (dense ids); films beyond the last full row are left out.
pub fn genre_report<S: AsRef<str>>(
    films: &[Film],
    genres: &[S],
    counts: &[u32],
    vectors: &[f32],
    dim: usize,
    seed: u64,
) -> GenreReport {
    let sizes = genre_sizes(films, genres);
    let primary: Vec<Option<usize>> = films.iter().map(|f| primary_genre(f, &sizes)).collect();
    let bits: Vec<u64> = films.iter().map(|f| f.genres).collect();
    let names: Vec<&str> = genres.iter().map(AsRef::as_ref).collect();
    let labels = FilmLabels {
        primary: &primary,
        bits: &bits,
        counts,
    };
    genre_report_for_labels(labels, &names, vectors, dim, seed)
}

/// The films a classifier is fitted on and the ones it is scored on, with their genres.
struct HeldOut<'a> {
    names: &'a [&'a str],
    train: &'a [(usize, usize)],
    test: &'a [(usize, usize)],
    train_labels: &'a [usize],
    truth: &'a [usize],
    dim: usize,
    seed: u64,
}

impl HeldOut<'_> {
    /// The whole procedure on `vectors` (L2 chosen by cross-validation on the training films
    /// alone, then a refit on all of them), scored on the test films; with the L2 chosen. The
    /// film vectors and random ones go through it alike.
    fn score(&self, vectors: &[f32]) -> (Scores, f32) {
        let dim = self.dim;
        let gather = |set: &[(usize, usize)]| -> Vec<f32> {
            set.iter()
                .flat_map(|&(i, _)| &vectors[i * dim..(i + 1) * dim])
                .copied()
                .collect()
        };
        let train_rows = gather(self.train);
        let cv_seed = self.seed ^ 0x464F_4C44_5345_4544;
        let points = cross_validate(
            &train_rows,
            dim,
            self.train_labels,
            &L2_GRID,
            CLASS_WEIGHT_POWER,
            cv_seed,
        );
        let l2 = choose_l2(&points);
        let settings = FitSettings {
            l2,
            class_weight_power: CLASS_WEIGHT_POWER,
            ..FitSettings::default()
        };
        let model = SoftmaxRegression::fit_with(&train_rows, dim, self.train_labels, &settings);
        let test_rows = gather(self.test);
        let predicted: Vec<usize> = test_rows
            .chunks_exact(dim.max(1))
            .take(self.test.len())
            .map(|row| model.predict(row))
            .collect();
        (score_predictions(self.truth, &predicted, self.names), l2)
    }
}

/// The most frequent of `labels` (below `classes`); ties to the smaller index.
fn most_frequent(labels: &[usize], classes: usize) -> usize {
    let mut frequency = vec![0usize; classes];
    labels.iter().for_each(|&g| frequency[g] += 1);
    (0..classes).fold(0, |best, g| {
        if frequency[g] > frequency[best] {
            g
        } else {
            best
        }
    })
}

/// [`genre_report`] from each film's label (its primary genre, `None` to leave it out) rather
/// than the films, for callers (a worker) that hold only the labels.
pub fn genre_report_for_labels(
    film_labels: FilmLabels,
    names: &[&str],
    vectors: &[f32],
    dim: usize,
    seed: u64,
) -> GenreReport {
    let labels = film_labels.primary;
    let rows = labels
        .len()
        .min(vectors.len().checked_div(dim).unwrap_or(0));
    let mut labelled: Vec<(usize, usize)> = (0..rows)
        .filter_map(|i| labels[i].map(|g| (i, g)))
        .collect();
    SeededRng::new(seed).shuffle(&mut labelled);
    let test_films = (labelled.len() as f64 * 0.2).round() as usize;
    let (test, train) = labelled.split_at(test_films);
    let truth: Vec<usize> = test.iter().map(|&(_, g)| g).collect();
    let train_labels: Vec<usize> = train.iter().map(|&(_, g)| g).collect();
    let classes = names
        .len()
        .max(labelled.iter().map(|&(_, g)| g + 1).max().unwrap_or(0));

    let held_out = HeldOut {
        names,
        train,
        test,
        train_labels: &train_labels,
        truth: &truth,
        dim,
        seed,
    };
    let (model, l2) = held_out.score(vectors);

    let majority_genre = most_frequent(&train_labels, classes);
    let majority = score_predictions(&truth, &vec![majority_genre; truth.len()], names);

    // Standard normal vectors by Box–Muller, one row per film whatever its label, so a film's
    // random vector does not depend on which films are labelled.
    let mut rng = SeededRng::new(seed ^ 0x5241_4E44_4F4D_5645);
    let noise: Vec<f32> = (0..rows * dim)
        .map(|_| crate::math::standard_normal(&mut rng) as f32)
        .collect();
    let (random, random_l2) = held_out.score(&noise);

    // One-vs-rest on the same films, each feature set at the L2 its softmax chose; popularity is
    // one feature (log of 1 + ratings), barely regularised.
    let has_all = film_labels.bits.len() >= rows && film_labels.counts.len() >= rows;
    let auc = has_all.then(|| {
        let popularity: Vec<f32> = film_labels.counts[..rows]
            .iter()
            .map(|&n| (1.0 + n as f32).ln())
            .collect();
        let ids = |set: &[(usize, usize)]| set.iter().map(|&(i, _)| i).collect::<Vec<_>>();
        let (train_ids, test_ids) = (ids(train), ids(test));
        let set = |rows, dim, l2| FeatureSet { rows, dim, l2 };
        auc_report(
            names,
            film_labels.bits,
            (&train_ids, &test_ids),
            [
                &set(vectors, dim, l2),
                &set(&noise, dim, random_l2),
                &set(&popularity, 1, L2_GRID[L2_GRID.len() - 1]),
            ],
        )
    });

    GenreReport {
        accuracy: model.accuracy,
        macro_f1: model.macro_f1,
        per_genre: model.per_genre,
        majority_accuracy: majority.accuracy,
        majority_macro_f1: majority.macro_f1,
        majority_per_genre: majority.per_genre,
        random_accuracy: random.accuracy,
        random_macro_f1: random.macro_f1,
        random_per_genre: random.per_genre,
        test_films,
        l2,
        random_l2,
        auc,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ML100K_GENRES;
    use crate::testing::close;

    /// Truth 1 1 1 2 2 3 3, predicted 1 1 2 2 3 3 7 (7 never true):
    /// genre 1: 2 hits of 2 guesses, 3 true → P 1, R 2/3, F1 2·(2/3)/(5/3) = 0.8;
    /// genre 2: 1 hit (the 4th) of 2 guesses, 2 true → P ½, R ½, F1 ½;
    /// genre 3: 1 hit (the 6th) of 2 guesses, 2 true → P ½, R ½, F1 ½.
    /// Accuracy 4/7; macro-F1 over the true genres {1, 2, 3} = (0.8 + 0.5 + 0.5)/3 = 0.6.
    #[test]
    fn scores_match_a_hand_computed_confusion() {
        let s = score_predictions(
            &[1, 1, 1, 2, 2, 3, 3],
            &[1, 1, 2, 2, 3, 3, 7],
            &ML100K_GENRES,
        );
        assert!(close(s.accuracy, 4.0 / 7.0));
        assert!(close(s.macro_f1, 0.6), "{s:?}");
        let expected = [
            (1, "Action", 0.8, 1.0, 2.0 / 3.0, 3),
            (2, "Adventure", 0.5, 0.5, 0.5, 2),
            (3, "Animation", 0.5, 0.5, 0.5, 2),
        ];
        assert_eq!(s.per_genre.len(), 3);
        for (got, (genre, name, f1, precision, recall, support)) in s.per_genre.iter().zip(expected)
        {
            assert_eq!(
                (got.genre, got.name.as_str(), got.support),
                (genre, name, support)
            );
            assert!(close(got.f1, f1) && close(got.precision, precision));
            assert!(close(got.recall, recall), "{got:?}");
        }

        // A genre never predicted scores 0, not NaN; a perfect run scores 1.
        let never = score_predictions(&[5, 8], &[8, 8], &ML100K_GENRES);
        assert!(close(never.accuracy, 0.5));
        // Comedy: P 0 (no guesses), R 0 → F1 0; Drama: P ½, R 1 → F1 2/3.
        assert!(close(never.per_genre[0].f1, 0.0) && close(never.per_genre[1].f1, 2.0 / 3.0));
        assert!(close(never.macro_f1, 1.0 / 3.0));
        let perfect = score_predictions(&[4, 9, 9], &[4, 9, 9], &ML100K_GENRES);
        assert!(close(perfect.accuracy, 1.0) && close(perfect.macro_f1, 1.0));
        assert_eq!(score_predictions(&[], &[], &ML100K_GENRES).macro_f1, 0.0);
    }

    /// Four genres of different sizes (so the majority baseline is not trivial), each film's
    /// vector its genre's centre plus N(0, 1) noise; plus films with only "unknown".
    fn clustered(dim: usize, seed: u64) -> (Vec<Film>, Vec<f32>) {
        let genres = [(1usize, 160usize), (5, 120), (8, 80), (11, 40)];
        let mut rng = SeededRng::new(seed);
        let mut normal = move || crate::math::standard_normal(&mut rng) as f32;
        let centres: Vec<Vec<f32>> = genres
            .iter()
            .map(|_| (0..dim).map(|_| 1.5 * normal()).collect())
            .collect();
        let (mut films, mut vectors) = (Vec::new(), Vec::new());
        let mut labels: Vec<usize> = genres
            .iter()
            .enumerate()
            .flat_map(|(c, &(_, count))| std::iter::repeat_n(c, count))
            .chain(std::iter::repeat_n(usize::MAX, 20))
            .collect();
        SeededRng::new(seed + 1).shuffle(&mut labels);
        for (i, &c) in labels.iter().enumerate() {
            let genre = if c == usize::MAX { 0 } else { genres[c].0 };
            films.push(Film {
                id: i as u32 + 1,
                title: format!("Film {i}"),
                year: None,
                genres: 1 << genre,
            });
            let zero = vec![0.0; dim];
            let centre = centres.get(c).unwrap_or(&zero);
            for &x in centre {
                vectors.push(x + normal());
            }
        }
        (films, vectors)
    }

    #[test]
    fn recovers_known_clusters_and_beats_both_baselines() {
        let dim = 16;
        let (films, vectors) = clustered(dim, 5);
        let started = std::time::Instant::now();
        let counts: Vec<u32> = (0..films.len() as u32).map(|i| i % 7).collect();
        let report = genre_report(&films, &ML100K_GENRES, &counts, &vectors, dim, 42);
        eprintln!("{report:#?} in {:?}", started.elapsed());
        // 400 films with a genre (the 20 "unknown" ones are left out): 80 held out.
        assert_eq!(report.test_films, 80);
        assert_eq!(
            report.per_genre.iter().map(|s| s.support).sum::<usize>(),
            80
        );
        assert!(report.accuracy > 0.9, "{report:?}");
        assert!(report.accuracy > report.majority_accuracy + 0.3);
        assert!(report.accuracy > report.random_accuracy + 0.3);
        assert!(report.macro_f1 > report.majority_macro_f1 + 0.4);
        assert!(report.macro_f1 > report.random_macro_f1 + 0.4);
        // The majority baseline predicts Action, the largest genre: about 40% of the test films.
        assert!((0.25..0.55).contains(&report.majority_accuracy));
        // Same inputs, same report; the labels-only entry point agrees.
        assert_eq!(
            report,
            genre_report(&films, &ML100K_GENRES, &counts, &vectors, dim, 42)
        );
        let sizes = genre_sizes(&films, &ML100K_GENRES);
        let primary: Vec<Option<usize>> = films.iter().map(|f| primary_genre(f, &sizes)).collect();
        let bits: Vec<u64> = films.iter().map(|f| f.genres).collect();
        let labels = FilmLabels {
            primary: &primary,
            bits: &bits,
            counts: &counts,
        };
        assert_eq!(
            report,
            genre_report_for_labels(labels, &ML100K_GENRES, &vectors, dim, 42)
        );
        // One-vs-rest on the same films (those with a genre besides "unknown"): the clusters'
        // genres rank far above chance on the vectors, near it on random vectors and on
        // popularity (unrelated to genre here).
        let auc = report.auc.as_ref().expect("bits and counts were given");
        let names: Vec<&str> = auc.per_genre.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["Action", "Comedy", "Drama", "Horror"]);
        assert!(auc.mean_auc > 0.95, "{auc:?}");
        assert!((auc.mean_random_auc - 0.5).abs() < 0.12, "{auc:?}");
        assert!((auc.mean_popularity_auc - 0.5).abs() < 0.15, "{auc:?}");
        // Cross-validation on the training films chose from the grid for both vector sets.
        assert!(L2_GRID.contains(&report.l2) && L2_GRID.contains(&report.random_l2));
    }

    #[test]
    fn no_labelled_films_gives_an_empty_report() {
        let report = genre_report(&[], &ML100K_GENRES, &[], &[], 4, 1);
        assert_eq!(report.test_films, 0);
        assert_eq!((report.accuracy, report.macro_f1), (0.0, 0.0));
        let model = SoftmaxRegression::fit(&[1.0, 2.0], 2, &[7]);
        assert_eq!(model.predict(&[0.0, 0.0]), 7);
    }
}
