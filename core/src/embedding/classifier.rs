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
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GenreScore {
    /// Index into [`GENRES`].
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
                name: GENRES.get(g).copied().unwrap_or("?").to_string(),
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

/// How a [`SoftmaxRegression`] is fitted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitSettings {
    /// L2 penalty λ on the weights (not the biases), added to the mean cross-entropy as λ/2 ‖W‖².
    pub l2: f32,
    /// Each film's cross-entropy weighs `(n / (classes · n_c))^power`, `n_c` its class's
    /// training films: 0 is the plain (unweighted) fit, 1 the "balanced" one.
    pub class_weight_power: f32,
    /// The most L-BFGS iterations (it stops earlier once the gradient is flat).
    pub max_iterations: usize,
}

impl Default for FitSettings {
    fn default() -> Self {
        FitSettings {
            l2: 1e-2,
            class_weight_power: 0.0,
            max_iterations: SoftmaxRegression::MAX_ITERATIONS,
        }
    }
}

/// Multinomial logistic regression on standardised features, fitted by full-batch L-BFGS to
/// the minimum of its (strictly convex, for λ > 0) loss: deterministic, and the answer does not
/// hang on where the optimiser started, so a warm start only saves time. One loss-and-gradient
/// evaluation is about `2 · n · dim · classes` multiply-adds.
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

/// The dot product with eight running sums, so that it vectorises.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for l in 0..8 {
            lanes[l] += x[l] * y[l];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// The fitting problem: standardised rows, class indices and per-class weights.
struct Problem<'a> {
    x: &'a [f32],
    targets: &'a [usize],
    class_weights: &'a [f32],
    dim: usize,
    classes: usize,
    l2: f32,
}

impl Problem<'_> {
    /// The loss at `parameters` (weights then biases), its gradient written into `gradient`.
    fn loss_and_gradient(&self, parameters: &[f32], gradient: &mut [f32]) -> f64 {
        let (k, dim) = (self.classes, self.dim);
        let (weights, bias) = parameters.split_at(k * dim);
        gradient.fill(0.0);
        let (weight_gradient, bias_gradient) = gradient.split_at_mut(k * dim);
        let mut logits = vec![0f32; k];
        let (mut loss, mut total_weight) = (0f64, 0f64);
        for (row, &target) in self.x.chunks_exact(dim.max(1)).zip(self.targets) {
            for (c, logit) in logits.iter_mut().enumerate() {
                *logit = bias[c] + dot(&weights[c * dim..(c + 1) * dim], row);
            }
            let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            let true_logit = logits[target];
            let mut total = 0f32;
            for logit in logits.iter_mut() {
                *logit = (*logit - top).exp();
                total += *logit;
            }
            let weight = self.class_weights[target];
            loss += weight as f64 * ((total.ln() + top - true_logit) as f64);
            total_weight += weight as f64;
            let scale = weight / total;
            for (c, &e) in logits.iter().enumerate() {
                let residual = e * scale - if c == target { weight } else { 0.0 };
                bias_gradient[c] += residual;
                let w = &mut weight_gradient[c * dim..(c + 1) * dim];
                for (g, &v) in w.iter_mut().zip(row) {
                    *g += residual * v;
                }
            }
        }
        let scale = if total_weight > 0.0 {
            1.0 / total_weight
        } else {
            0.0
        };
        let mut penalty = 0f64;
        for (g, &w) in weight_gradient.iter_mut().zip(weights) {
            *g = *g * scale as f32 + self.l2 * w;
            penalty += (w as f64).powi(2);
        }
        bias_gradient.iter_mut().for_each(|g| *g *= scale as f32);
        loss * scale + 0.5 * self.l2 as f64 * penalty
    }
}

/// Minimises `objective` (loss and gradient) from `x` by L-BFGS (memory 8) with a backtracking
/// Armijo line search, for at most `max_iterations` steps or until the largest gradient entry is
/// below 1e-4.
fn lbfgs(x: &mut [f32], max_iterations: usize, objective: impl Fn(&[f32], &mut [f32]) -> f64) {
    const MEMORY: usize = 8;
    let p = x.len();
    let mut gradient = vec![0f32; p];
    let mut loss = objective(x, &mut gradient);
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(MEMORY);
    let (mut trial, mut trial_gradient) = (vec![0f32; p], vec![0f32; p]);
    let dot64 = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    for _ in 0..max_iterations {
        if gradient.iter().all(|g| g.abs() < 1e-3) {
            break;
        }
        // The two-loop recursion: direction = −H·g.
        let mut q: Vec<f64> = gradient.iter().map(|&g| g as f64).collect();
        let mut alphas = vec![0f64; history.len()];
        for (i, (s, y, rho)) in history.iter().enumerate().rev() {
            alphas[i] = rho * dot64(s, &q);
            q.iter_mut().zip(y).for_each(|(q, y)| *q -= alphas[i] * y);
        }
        let gamma = match history.last() {
            Some((s, y, _)) => dot64(s, y) / dot64(y, y),
            None => 1.0 / dot64(&q, &q).sqrt().max(1e-12),
        };
        q.iter_mut().for_each(|q| *q *= gamma);
        for (i, (s, y, rho)) in history.iter().enumerate() {
            let beta = rho * dot64(y, &q);
            q.iter_mut()
                .zip(s)
                .for_each(|(q, s)| *q += (alphas[i] - beta) * s);
        }
        let mut slope: f64 = q.iter().zip(&gradient).map(|(d, &g)| -d * g as f64).sum();
        if slope >= 0.0 {
            // Not a descent direction (should not happen on a convex loss): restart from −g.
            history.clear();
            q = gradient.iter().map(|&g| g as f64).collect();
            slope = -dot64(&q, &q);
        }
        let mut step = 1.0f64;
        let accepted = loop {
            for ((t, &xi), d) in trial.iter_mut().zip(x.iter()).zip(&q) {
                *t = (xi as f64 - step * d) as f32;
            }
            let trial_loss = objective(&trial, &mut trial_gradient);
            if trial_loss <= loss + 1e-4 * step * slope {
                break Some(trial_loss);
            }
            step *= 0.5;
            if step < 1e-8 {
                break None;
            }
        };
        let Some(trial_loss) = accepted else { break };
        let s: Vec<f64> = trial
            .iter()
            .zip(x.iter())
            .map(|(&t, &xi)| t as f64 - xi as f64)
            .collect();
        let y: Vec<f64> = trial_gradient
            .iter()
            .zip(&gradient)
            .map(|(&a, &b)| a as f64 - b as f64)
            .collect();
        let sy = dot64(&s, &y);
        if sy > 1e-12 {
            if history.len() == MEMORY {
                history.remove(0);
            }
            history.push((s, y, 1.0 / sy));
        }
        x.copy_from_slice(&trial);
        gradient.copy_from_slice(&trial_gradient);
        let improvement = loss - trial_loss;
        loss = trial_loss;
        if improvement < 1e-10 * loss.abs().max(1.0) {
            break;
        }
    }
}

impl SoftmaxRegression {
    /// The cap on L-BFGS iterations; on standardised features it usually stops well before.
    pub const MAX_ITERATIONS: usize = 100;

    /// Fits on `features` (rows of `dim` values, one per label) with [`FitSettings::default`].
    /// The classes are the distinct `labels`.
    pub fn fit(features: &[f32], dim: usize, labels: &[usize]) -> Self {
        Self::fit_with(features, dim, labels, &FitSettings::default())
    }

    /// Fits on `features` (rows of `dim` values, one per label) with `settings`.
    pub fn fit_with(
        features: &[f32],
        dim: usize,
        labels: &[usize],
        settings: &FitSettings,
    ) -> Self {
        Self::fit_from(features, dim, labels, settings, None)
    }

    /// As [`Self::fit_with`], starting L-BFGS from `start`'s parameters when it was fitted on
    /// the same rows (same classes and standardisation).
    fn fit_from(
        features: &[f32],
        dim: usize,
        labels: &[usize],
        settings: &FitSettings,
        start: Option<&Self>,
    ) -> Self {
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
        let mut sizes = vec![0usize; k];
        targets.iter().for_each(|&t| sizes[t] += 1);
        let class_weights: Vec<f32> = sizes
            .iter()
            .map(|&size| {
                (n as f64 / (k * size) as f64).powf(settings.class_weight_power as f64) as f32
            })
            .collect();
        let problem = Problem {
            x: &x,
            targets: &targets,
            class_weights: &class_weights,
            dim,
            classes: k,
            l2: settings.l2,
        };
        let mut parameters = match start {
            Some(s) if s.labels == model.labels && s.dim == dim => {
                s.weights.iter().chain(&s.bias).copied().collect()
            }
            _ => vec![0f32; k * dim + k],
        };
        lbfgs(&mut parameters, settings.max_iterations, |p, g| {
            problem.loss_and_gradient(p, g)
        });
        model.bias = parameters.split_off(k * dim);
        model.weights = parameters;
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
            *o = self.bias[c] + dot(&self.weights[c * self.dim..(c + 1) * self.dim], row);
        }
        let top = out.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut total = 0.0;
        for o in out.iter_mut() {
            *o = (*o - top).exp();
            total += *o;
        }
        out.iter_mut().for_each(|o| *o /= total);
    }

    /// The probability of each class for one row of raw features, as (label, probability) in
    /// label order.
    pub fn probabilities(&self, row: &[f32]) -> Vec<(usize, f32)> {
        let mut probabilities = vec![0f32; self.labels.len()];
        self.probabilities_into(&self.standardise(row), &mut probabilities);
        self.labels.iter().copied().zip(probabilities).collect()
    }

    /// The most probable label for one row of raw (unstandardised) features; ties to the smaller
    /// label. With no training rows, label 0.
    pub fn predict(&self, row: &[f32]) -> usize {
        let probabilities = self.probabilities(row);
        let mut best = 0;
        for (c, &(_, p)) in probabilities.iter().enumerate() {
            if p > probabilities[best].1 {
                best = c;
            }
        }
        self.labels.get(best).copied().unwrap_or(0)
    }
}

/// One L2 strength's cross-validated scores on the training films.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationPoint {
    pub l2: f32,
    /// Mean out-of-fold cross-entropy (a class missing from a fold's training part counts as
    /// probability 1e-6).
    pub log_loss: f64,
    pub accuracy: f64,
    pub macro_f1: f64,
}

/// The L2 strengths tried, strongest first (each fit starts from the previous one's answer).
pub const L2_GRID: [f32; 5] = [1.0, 0.3, 0.1, 0.03, 0.01];
/// Folds of the training films for choosing the L2 strength.
pub const FOLDS: usize = 5;

/// K-fold cross-validation of every strength in `grid` over the rows of `features` (training
/// rows only): the rows are dealt into [`FOLDS`] seeded folds, and each strength is scored on
/// the pooled out-of-fold predictions.
pub fn cross_validate(
    features: &[f32],
    dim: usize,
    labels: &[usize],
    grid: &[f32],
    class_weight_power: f32,
    seed: u64,
) -> Vec<ValidationPoint> {
    let n = labels
        .len()
        .min(features.len().checked_div(dim).unwrap_or(0));
    let mut order: Vec<usize> = (0..n).collect();
    SeededRng::new(seed).shuffle(&mut order);
    let mut fold_of = vec![0usize; n];
    for (position, &i) in order.iter().enumerate() {
        fold_of[i] = position % FOLDS;
    }
    let mut predicted = vec![vec![0usize; n]; grid.len()];
    let mut log_loss = vec![0f64; grid.len()];
    let row = |i: usize| &features[i * dim..(i + 1) * dim];
    for fold in 0..FOLDS.min(n) {
        let (mut train_x, mut train_y) = (Vec::new(), Vec::new());
        for i in (0..n).filter(|&i| fold_of[i] != fold) {
            train_x.extend_from_slice(row(i));
            train_y.push(labels[i]);
        }
        let mut previous: Option<SoftmaxRegression> = None;
        for (g, &l2) in grid.iter().enumerate() {
            let settings = FitSettings {
                l2,
                class_weight_power,
                ..FitSettings::default()
            };
            let model =
                SoftmaxRegression::fit_from(&train_x, dim, &train_y, &settings, previous.as_ref());
            for i in (0..n).filter(|&i| fold_of[i] == fold) {
                let probabilities = model.probabilities(row(i));
                let truth = probabilities
                    .iter()
                    .find(|&&(label, _)| label == labels[i])
                    .map_or(0.0, |&(_, p)| p);
                log_loss[g] -= (truth.max(1e-6) as f64).ln();
                predicted[g][i] = model.predict(row(i));
            }
            previous = Some(model);
        }
    }
    grid.iter()
        .enumerate()
        .map(|(g, &l2)| {
            let scores = score_predictions(&labels[..n], &predicted[g]);
            ValidationPoint {
                l2,
                log_loss: log_loss[g] / n.max(1) as f64,
                accuracy: scores.accuracy,
                macro_f1: scores.macro_f1,
            }
        })
        .collect()
}

/// The L2 strength with the best cross-validated accuracy (ties to the stronger, which comes
/// first in the grid).
pub fn choose_l2(points: &[ValidationPoint]) -> f32 {
    points
        .iter()
        .fold(None::<&ValidationPoint>, |best, p| match best {
            Some(b) if b.accuracy >= p.accuracy => Some(b),
            _ => Some(p),
        })
        .map_or(FitSettings::default().l2, |p| p.l2)
}

/// Trains the classifier on a seeded 80% of the films that have a genre and scores it, and both
/// baselines, on the other 20%. `vectors` holds one row of `dim` values per film, in the order of
/// `films` (dense ids); films beyond the last full row are left out.
pub fn genre_report(films: &[Film], vectors: &[f32], dim: usize, seed: u64) -> GenreReport {
    let sizes = genre_sizes(films);
    let labels: Vec<Option<usize>> = films.iter().map(|f| primary_genre(f, &sizes)).collect();
    genre_report_for_labels(&labels, vectors, dim, seed)
}

/// [`genre_report`] from each film's label (its primary genre, `None` to leave it out) rather
/// than the films, for callers (a worker) that hold only the labels.
pub fn genre_report_for_labels(
    labels: &[Option<usize>],
    vectors: &[f32],
    dim: usize,
    seed: u64,
) -> GenreReport {
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
    let classes = GENRES
        .len()
        .max(labelled.iter().map(|&(_, g)| g + 1).max().unwrap_or(0));

    // The whole procedure, L2 chosen by cross-validation on the training films alone and then
    // refitted on all of them, is what gets scored, on the film vectors and on random ones alike.
    let evaluate = |vectors: &[f32]| -> (Scores, f32) {
        let gather = |set: &[(usize, usize)]| -> Vec<f32> {
            set.iter()
                .flat_map(|&(i, _)| &vectors[i * dim..(i + 1) * dim])
                .copied()
                .collect()
        };
        let train_rows = gather(train);
        let points = cross_validate(
            &train_rows,
            dim,
            &train_labels,
            &L2_GRID,
            CLASS_WEIGHT_POWER,
            seed ^ 0x464F_4C44_5345_4544,
        );
        let l2 = choose_l2(&points);
        let settings = FitSettings {
            l2,
            class_weight_power: CLASS_WEIGHT_POWER,
            ..FitSettings::default()
        };
        let model = SoftmaxRegression::fit_with(&train_rows, dim, &train_labels, &settings);
        let test_rows = gather(test);
        let predicted: Vec<usize> = test_rows
            .chunks_exact(dim.max(1))
            .take(test.len())
            .map(|row| model.predict(row))
            .collect();
        (score_predictions(&truth, &predicted), l2)
    };
    let (model, l2) = evaluate(vectors);

    let mut frequency = vec![0usize; classes];
    train_labels.iter().for_each(|&g| frequency[g] += 1);
    // The most frequent training genre; ties to the smaller index.
    let majority_genre = (0..classes).fold(0, |best, g| {
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
    let (random, random_l2) = evaluate(&noise);

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
            assert_eq!(
                (got.genre, got.name.as_str(), got.support),
                (genre, name, support)
            );
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
        // Same inputs, same report; the labels-only entry point agrees.
        assert_eq!(report, genre_report(&films, &vectors, dim, 42));
        let sizes = genre_sizes(&films);
        let labels: Vec<Option<usize>> = films.iter().map(|f| primary_genre(f, &sizes)).collect();
        assert_eq!(report, genre_report_for_labels(&labels, &vectors, dim, 42));
        // Cross-validation on the training films chose from the grid for both vector sets.
        assert!(L2_GRID.contains(&report.l2) && L2_GRID.contains(&report.random_l2));
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
