//! A small fit run before the first real one, so that a browser's WebAssembly engine has
//! optimised the training path's code by then. V8 first compiles each function quickly, and
//! optimises it only once it has run a while: in the page, a fresh worker's first epochs of MF ran
//! at about half the speed of later ones (docs/BENCHMARK.md, "JIT warm-up").

use burn::tensor::Device;

use super::throughput::generated;
use super::{Pipeline, PipelineEvent};
use crate::embedding::Pca;
use crate::models::{MfConfig, MfWeights};
use crate::split::Split;
use crate::zoo::IntoTrained;

/// ML-100K's shape at a third of its ratings: enough batches for the engine to optimise the
/// step, little enough to be over in a fraction of a second.
const USERS: usize = 943;
const ITEMS: usize = 1_682;
const RATINGS: usize = 30_000;
const SEED: u64 = 11;

/// The default biased MF fit on generated ratings, a step at a time, with the live map's
/// projection after each epoch: the code a person's first Train runs.
pub struct WarmUp {
    pipeline: Pipeline<MfConfig>,
    done: bool,
    weights: Option<MfWeights>,
}

impl Default for WarmUp {
    fn default() -> Self {
        Self::new()
    }
}

impl WarmUp {
    pub fn new() -> Self {
        let ratings = generated(RATINGS, USERS, ITEMS, SEED).ratings();
        let split = Split::by_ratio(&ratings, [0.8, 0.1, 0.1], SEED);
        let config = MfConfig {
            epochs: 5,
            seed: SEED,
            ..MfConfig::new()
        };
        let pipeline = Pipeline::new(config, &split, SEED, (USERS, ITEMS), &Device::flex(), false);
        Self {
            pipeline,
            done: false,
            weights: None,
        }
    }

    /// One step of the fit; false once it is over (or failed: a warm-up has nothing to report).
    pub fn step(&mut self) -> bool {
        if self.done {
            return false;
        }
        match self.pipeline.step() {
            Ok(Some(PipelineEvent::Epoch(..))) => {
                if let Some(weights) = self.pipeline.latest_weights() {
                    project(&weights);
                }
                true
            }
            Ok(Some(PipelineEvent::Finished(fitted))) => {
                self.weights = Some(fitted.refit.unwrap_or(fitted.holdout).weights);
                self.done = true;
                false
            }
            Ok(Some(_)) => true,
            Ok(None) | Err(_) => {
                self.done = true;
                false
            }
        }
    }

    /// The fitted model's weights, once [`WarmUp::step`] returned false after a fit.
    pub fn weights(&self) -> Option<&MfWeights> {
        self.weights.as_ref()
    }
}

/// What the live film map computes after each epoch.
fn project(weights: &MfWeights) {
    if let Some((factors, dim)) = weights.film_factors() {
        let pca = Pca::fit(factors, dim);
        std::hint::black_box(pca.project_all(factors));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_fits_the_generated_ratings_better_than_their_mean() {
        let mut warm = WarmUp::new();
        let mut steps = 0;
        while warm.step() {
            steps += 1;
        }
        // 5 epochs of 21,600 ratings in batches of 1,024 (22 batches), then the refit's.
        assert!(steps > 5 * 22, "{steps} steps");
        let weights = warm.weights().expect("finished");
        assert_eq!(weights.item_factors.len(), ITEMS * 32);
        let columns = generated(RATINGS, USERS, ITEMS, SEED);
        let mean = columns.values.iter().sum::<f32>() / columns.len() as f32;
        let spread = columns
            .values
            .iter()
            .map(|v| (v - mean).powi(2))
            .sum::<f32>()
            / columns.len() as f32;
        let error = crate::testing::rmse(weights, &columns.ratings()).powi(2) as f32;
        assert!(
            error < 0.9 * spread,
            "mean squared error {error} against the ratings' variance {spread}"
        );
    }
}
