//! The classifier itself: multinomial logistic regression on standardised features, fitted by
//! L-BFGS.

use crate::math::{dot, lbfgs};

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

/// Each feature's mean and 1 / standard deviation over `rows` (1 for a constant feature).
fn scaling<'a>(
    rows: impl Iterator<Item = &'a [f32]>,
    dim: usize,
    n: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut mean = vec![0f64; dim];
    let mut squares = vec![0f64; dim];
    for row in rows {
        for j in 0..dim {
            mean[j] += row[j] as f64;
            squares[j] += (row[j] as f64).powi(2);
        }
    }
    let count = n.max(1) as f64;
    let inverse_std = (0..dim)
        .map(|j| {
            let variance = squares[j] / count - (mean[j] / count).powi(2);
            if variance > 1e-12 {
                (1.0 / variance.sqrt()) as f32
            } else {
                1.0
            }
        })
        .collect();
    (
        mean.iter().map(|m| (m / count) as f32).collect(),
        inverse_std,
    )
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
    pub(super) fn fit_from(
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
        let (mean, inverse_std) = scaling(rows(), dim, n);
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
