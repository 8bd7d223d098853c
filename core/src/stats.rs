//! Descriptive statistics shown on the data panel.

use crate::data::Dataset;

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetStats {
    pub users: usize,
    pub items: usize,
    pub ratings: usize,
    /// Fraction of the user × film matrix that is empty.
    pub sparsity: f64,
    pub mean_rating: f64,
    /// How many ratings of 1, 2, 3, 4, 5 stars (half stars round down).
    pub histogram: [usize; 5],
    /// Ratings per film, most rated first: the long tail.
    pub ratings_per_film: Vec<usize>,
}

impl DatasetStats {
    pub fn of(dataset: &Dataset) -> Self {
        let mut histogram = [0usize; 5];
        let mut per_film = vec![0usize; dataset.n_items()];
        let mut sum = 0.0f64;
        for r in &dataset.ratings {
            histogram[(r.value.floor() as usize).clamp(1, 5) - 1] += 1;
            per_film[r.item as usize] += 1;
            sum += r.value as f64;
        }
        per_film.sort_unstable_by(|a, b| b.cmp(a));
        Self {
            users: dataset.n_users(),
            items: dataset.n_items(),
            ratings: dataset.ratings.len(),
            sparsity: dataset.sparsity(),
            mean_rating: sum / dataset.ratings.len().max(1) as f64,
            histogram,
            ratings_per_film: per_film,
        }
    }

    /// Share of all ratings that go to the most rated `fraction` of films (e.g. 0.2 → "the top 20%
    /// of films get 64% of the ratings").
    pub fn share_of_top(&self, fraction: f64) -> f64 {
        let top = ((self.ratings_per_film.len() as f64 * fraction).round() as usize)
            .min(self.ratings_per_film.len());
        self.ratings_per_film[..top].iter().sum::<usize>() as f64 / self.ratings.max(1) as f64
    }
}
