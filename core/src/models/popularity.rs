use super::Scorer;
use crate::data::RatingIndex;

/// Ranks films by how many training ratings they have: the ranking baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Popularity {
    pub counts: Vec<f32>,
}

impl Popularity {
    pub fn fit(train: &RatingIndex) -> Self {
        let items = &train.by_item;
        Self {
            counts: (0..items.n_rows()).map(|i| items.len(i) as f32).collect(),
        }
    }
}

impl Scorer for Popularity {
    fn score_items(&self, _user: u32, out: &mut [f32]) {
        out.copy_from_slice(&self.counts);
    }
}
