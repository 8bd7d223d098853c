//! Choosing the classifier's L2 strength by k-fold cross-validation on the training films.

use super::{FitSettings, SoftmaxRegression, score_predictions};
use crate::rng::SeededRng;

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
            let scores = score_predictions::<&str>(&labels[..n], &predicted[g], &[]);
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
