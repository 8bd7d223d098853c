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

use crate::data::{Film, GENRES};
use crate::recommend::onboarding::{genre_sizes, primary_genre};
use crate::rng::SeededRng;

/// Precision, recall and F1 of one genre on the test films.
#[derive(Debug, Clone, PartialEq)]
pub struct GenreScore {
    /// Index into [`GENRES`].
    pub genre: usize,
    pub name: &'static str,
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
#[derive(Debug, Clone, PartialEq)]
pub struct GenreReport {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub per_genre: Vec<GenreScore>,
    /// Always predicting the most frequent training genre.
    pub majority_accuracy: f64,
    pub majority_macro_f1: f64,
    /// The same classifier trained and tested on seeded N(0, 1) vectors.
    pub random_accuracy: f64,
    pub random_macro_f1: f64,
    /// The held-out films (20% of those with a genre).
    pub test_films: usize,
}

/// Scores `predicted` against `truth` (genre indices, same length). A genre that was never
/// predicted has precision 0; F1 is 0 when precision and recall are both 0.
pub fn score_predictions(truth: &[usize], predicted: &[usize]) -> Scores {
    let classes = GENRES.len().max(
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
                name: GENRES.get(g).copied().unwrap_or("?"),
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

/// Multinomial logistic regression on standardised features, fitted by full-batch Adam for a
/// fixed number of iterations: deterministic (no shuffling, no early stop) and about
/// `2 · ITERATIONS · n · dim · classes` multiply-adds (≈ 0.3 G for 1345 films × 32 × 18).
#[derive(Debug, Clone, PartialEq)]
pub struct SoftmaxRegression {
    dim: usize,
    /// The label each class row stands for.
    labels: Vec<usize>,
    mean: Vec<f32>,
    /// 1 / standard deviation per feature (1 for a constant feature).
    inverse_std: Vec<f32>,
    /// classes × dim.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

impl SoftmaxRegression {
    /// Full-batch Adam steps: the loss has flattened well before this on standardised features.
    pub const ITERATIONS: usize = 150;
    pub const LEARNING_RATE: f32 = 0.05;
    /// L2 penalty on the weights (not the biases), added to the mean cross-entropy as λ/2 ‖W‖².
    pub const L2: f32 = 1e-3;

    /// Fits on `features` (rows of `dim` values, one per label). The classes are the distinct
    /// `labels`.
    pub fn fit(features: &[f32], dim: usize, labels: &[usize]) -> Self {
        let n = labels
            .len()
            .min(features.len().checked_div(dim).unwrap_or(0));
        let mut classes: Vec<usize> = labels[..n].to_vec();
        classes.sort_unstable();
        classes.dedup();
        let k = classes.len();
        let targets: Vec<usize> = labels[..n]
            .iter()
            .map(|l| classes.binary_search(l).unwrap())
            .collect();

        let rows = || features.chunks_exact(dim.max(1)).take(n);
        let mut mean = vec![0f64; dim];
        let mut squares = vec![0f64; dim];
        for row in rows() {
            for j in 0..dim {
                mean[j] += row[j] as f64;
                squares[j] += (row[j] as f64).powi(2);
            }
        }
        let count = n.max(1) as f64;
        let inverse_std: Vec<f32> = (0..dim)
            .map(|j| {
                let variance = squares[j] / count - (mean[j] / count).powi(2);
                if variance > 1e-12 {
                    (1.0 / variance.sqrt()) as f32
                } else {
                    1.0
                }
            })
            .collect();
        let mean: Vec<f32> = mean.iter().map(|m| (m / count) as f32).collect();
        let mut model = SoftmaxRegression {
            dim,
            labels: classes,
            mean,
            inverse_std,
            weights: vec![0.0; k * dim],
            bias: vec![0.0; k],
        };
        if n == 0 || k < 2 {
            return model;
        }
        let x: Vec<f32> = rows().flat_map(|row| model.standardise(row)).collect();

        let parameters = k * dim + k;
        let (mut first, mut second) = (vec![0f32; parameters], vec![0f32; parameters]);
        let mut gradient = vec![0f32; parameters];
        let mut probabilities = vec![0f32; k];
        let (beta1, beta2, epsilon) = (0.9f32, 0.999f32, 1e-8f32);
        for step in 1..=Self::ITERATIONS {
            gradient.fill(0.0);
            let (weight_gradient, bias_gradient) = gradient.split_at_mut(k * dim);
            for (row, &target) in x.chunks_exact(dim.max(1)).zip(&targets) {
                model.probabilities_into(row, &mut probabilities);
                probabilities[target] -= 1.0;
                for (c, &residual) in probabilities.iter().enumerate() {
                    bias_gradient[c] += residual;
                    let w = &mut weight_gradient[c * dim..(c + 1) * dim];
                    for (g, &v) in w.iter_mut().zip(row) {
                        *g += residual * v;
                    }
                }
            }
            let scale = 1.0 / n as f32;
            for (g, &w) in weight_gradient.iter_mut().zip(&model.weights) {
                *g = *g * scale + Self::L2 * w;
            }
            bias_gradient.iter_mut().for_each(|g| *g *= scale);

            let correction1 = 1.0 - beta1.powi(step as i32);
            let correction2 = 1.0 - beta2.powi(step as i32);
            let parameters = model.weights.iter_mut().chain(model.bias.iter_mut());
            for (((p, &g), m), v) in parameters.zip(&gradient).zip(&mut first).zip(&mut second) {
                *m = beta1 * *m + (1.0 - beta1) * g;
                *v = beta2 * *v + (1.0 - beta2) * g * g;
                *p -= Self::LEARNING_RATE * (*m / correction1)
                    / ((*v / correction2).sqrt() + epsilon);
            }
        }
        model
    }

    fn standardise(&self, row: &[f32]) -> Vec<f32> {
        row.iter()
            .zip(&self.mean)
            .zip(&self.inverse_std)
            .map(|((&v, &m), &s)| (v - m) * s)
            .collect()
    }

    /// Softmax of the logits of one standardised row, written into `out` (one per class).
    fn probabilities_into(&self, row: &[f32], out: &mut [f32]) {
        for (c, o) in out.iter_mut().enumerate() {
            let w = &self.weights[c * self.dim..(c + 1) * self.dim];
            *o = self.bias[c] + w.iter().zip(row).map(|(a, b)| a * b).sum::<f32>();
        }
        let top = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut total = 0.0;
        for o in out.iter_mut() {
            *o = (*o - top).exp();
            total += *o;
        }
        out.iter_mut().for_each(|o| *o /= total);
    }

    /// The most probable label for one row of raw (unstandardised) features; ties to the smaller
    /// label. With no training rows, label 0.
    pub fn predict(&self, row: &[f32]) -> usize {
        let mut probabilities = vec![0f32; self.labels.len()];
        self.probabilities_into(&self.standardise(row), &mut probabilities);
        let mut best = 0;
        for (c, &p) in probabilities.iter().enumerate() {
            if p > probabilities[best] {
                best = c;
            }
        }
        self.labels.get(best).copied().unwrap_or(0)
    }
}

/// Trains the classifier on a seeded 80% of the films that have a genre and scores it, and both
/// baselines, on the other 20%. `vectors` holds one row of `dim` values per film, in the order of
/// `films` (dense ids); films beyond the last full row are left out.
pub fn genre_report(films: &[Film], vectors: &[f32], dim: usize, seed: u64) -> GenreReport {
    let sizes = genre_sizes(films);
    let rows = films.len().min(vectors.len().checked_div(dim).unwrap_or(0));
    let mut labelled: Vec<(usize, usize)> = (0..rows)
        .filter_map(|i| primary_genre(&films[i], &sizes).map(|g| (i, g)))
        .collect();
    SeededRng::new(seed).shuffle(&mut labelled);
    let test_films = (labelled.len() as f64 * 0.2).round() as usize;
    let (test, train) = labelled.split_at(test_films);
    let truth: Vec<usize> = test.iter().map(|&(_, g)| g).collect();
    let train_labels: Vec<usize> = train.iter().map(|&(_, g)| g).collect();

    let evaluate = |vectors: &[f32]| -> Scores {
        let gather = |set: &[(usize, usize)]| -> Vec<f32> {
            set.iter()
                .flat_map(|&(i, _)| &vectors[i * dim..(i + 1) * dim])
                .copied()
                .collect()
        };
        let model = SoftmaxRegression::fit(&gather(train), dim, &train_labels);
        let test_rows = gather(test);
        let predicted: Vec<usize> = test_rows
            .chunks_exact(dim.max(1))
            .take(test.len())
            .map(|row| model.predict(row))
            .collect();
        score_predictions(&truth, &predicted)
    };
    let model = evaluate(vectors);

    let mut frequency = vec![0usize; GENRES.len()];
    train_labels.iter().for_each(|&g| frequency[g] += 1);
    // The most frequent training genre; ties to the smaller index.
    let majority_genre = (0..GENRES.len()).fold(0, |best, g| {
        if frequency[g] > frequency[best] {
            g
        } else {
            best
        }
    });
    let majority = score_predictions(&truth, &vec![majority_genre; truth.len()]);

    // Standard normal vectors by Box–Muller, one row per film whatever its label, so a film's
    // random vector does not depend on which films are labelled.
    let mut rng = SeededRng::new(seed ^ 0x5241_4E44_4F4D_5645);
    let noise: Vec<f32> = (0..rows * dim)
        .map(|_| {
            let (u, v) = (rng.unit(), rng.unit());
            ((-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        })
        .collect();
    let random = evaluate(&noise);

    GenreReport {
        accuracy: model.accuracy,
        macro_f1: model.macro_f1,
        per_genre: model.per_genre,
        majority_accuracy: majority.accuracy,
        majority_macro_f1: majority.macro_f1,
        random_accuracy: random.accuracy,
        random_macro_f1: random.macro_f1,
        test_films,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// Truth 1 1 1 2 2 3 3, predicted 1 1 2 2 3 3 7 (7 never true):
    /// genre 1: 2 hits of 2 guesses, 3 true → P 1, R 2/3, F1 2·(2/3)/(5/3) = 0.8;
    /// genre 2: 1 hit (the 4th) of 2 guesses, 2 true → P ½, R ½, F1 ½;
    /// genre 3: 1 hit (the 6th) of 2 guesses, 2 true → P ½, R ½, F1 ½.
    /// Accuracy 4/7; macro-F1 over the true genres {1, 2, 3} = (0.8 + 0.5 + 0.5)/3 = 0.6.
    #[test]
    fn scores_match_a_hand_computed_confusion() {
        let s = score_predictions(&[1, 1, 1, 2, 2, 3, 3], &[1, 1, 2, 2, 3, 3, 7]);
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
            assert_eq!((got.genre, got.name, got.support), (genre, name, support));
            assert!(close(got.f1, f1) && close(got.precision, precision));
            assert!(close(got.recall, recall), "{got:?}");
        }

        // A genre never predicted scores 0, not NaN; a perfect run scores 1.
        let never = score_predictions(&[5, 8], &[8, 8]);
        assert!(close(never.accuracy, 0.5));
        // Comedy: P 0 (no guesses), R 0 → F1 0; Drama: P ½, R 1 → F1 2/3.
        assert!(close(never.per_genre[0].f1, 0.0) && close(never.per_genre[1].f1, 2.0 / 3.0));
        assert!(close(never.macro_f1, 1.0 / 3.0));
        let perfect = score_predictions(&[4, 9, 9], &[4, 9, 9]);
        assert!(close(perfect.accuracy, 1.0) && close(perfect.macro_f1, 1.0));
        assert_eq!(score_predictions(&[], &[]).macro_f1, 0.0);
    }

    /// Four genres of different sizes (so the majority baseline is not trivial), each film's
    /// vector its genre's centre plus N(0, 1) noise; plus films with only "unknown".
    fn clustered(dim: usize, seed: u64) -> (Vec<Film>, Vec<f32>) {
        let genres = [(1usize, 160usize), (5, 120), (8, 80), (11, 40)];
        let mut rng = SeededRng::new(seed);
        let mut normal = move || {
            let (u, v) = (rng.unit(), rng.unit());
            ((-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()) as f32
        };
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
        let report = genre_report(&films, &vectors, dim, 42);
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
        // Same inputs, same report.
        assert_eq!(report, genre_report(&films, &vectors, dim, 42));
    }

    #[test]
    fn no_labelled_films_gives_an_empty_report() {
        let report = genre_report(&[], &[], 4, 1);
        assert_eq!(report.test_films, 0);
        assert_eq!((report.accuracy, report.macro_f1), (0.0, 0.0));
        let model = SoftmaxRegression::fit(&[1.0, 2.0], 2, &[7]);
        assert_eq!(model.predict(&[0.0, 0.0]), 7);
    }
}
