use super::{RatingModel, Scorer};
use crate::data::Rating;

/// Predicts the mean training rating for everyone: the floor every model must beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalMean {
    pub mean: f32,
}

impl GlobalMean {
    pub fn fit(train: &[Rating]) -> Self {
        let sum: f64 = train.iter().map(|r| r.value as f64).sum();
        Self {
            mean: (sum / train.len().max(1) as f64) as f32,
        }
    }
}

impl Scorer for GlobalMean {
    fn score_items(&self, _user: u32, out: &mut [f32]) {
        out.fill(self.mean);
    }
}

impl RatingModel for GlobalMean {
    fn predict(&self, _user: u32, _item: u32) -> f32 {
        self.mean
    }
}
