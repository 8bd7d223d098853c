//! Descriptive statistics shown on the data panel.

use serde::{Deserialize, Serialize};

use crate::data::{Dataset, Rating, RatingScale};

#[derive(Debug, Clone, PartialEq)]
pub struct DatasetStats {
    pub users: usize,
    /// Distinct items with a rating.
    pub items: usize,
    pub ratings: usize,
    pub scale: RatingScale,
    /// Fraction of the user × film matrix that is empty.
    pub sparsity: f64,
    pub mean_rating: f64,
    /// How many ratings of each value the scale offers (`RatingScale::choices`, lowest first;
    /// a value between two choices counts in the lower).
    pub histogram: Vec<(f32, usize)>,
    /// Ratings per film, most rated first: the long tail.
    pub ratings_per_film: Vec<usize>,
    /// What the data set takes in memory ([`Dataset::memory_bytes`]).
    pub memory_bytes: usize,
}

/// Per film (dense id): how many ratings it has, and their mean and (population) variance, `None`
/// for a film nobody rated. Shared by the map, the onboarding order, the search and the Projector
/// metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilmRatings {
    pub counts: Vec<u32>,
    pub means: Vec<Option<f64>>,
    pub variances: Vec<Option<f64>>,
}

impl FilmRatings {
    /// The data set's (computed once, with its [`RatingSummary`]).
    pub fn of(dataset: &Dataset) -> Self {
        dataset.summary().films.clone()
    }
}

/// What every panel reads of a data set's ratings, from one pass over them, kept with the data
/// set ([`Dataset::summary`]): a picked file's is made in the worker that read it, so the page
/// never walks 25 million ratings for a count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub films: FilmRatings,
    /// How many ratings of each value the scale offers (`RatingScale::choices`, lowest first;
    /// a value between two choices counts in the lower).
    pub histogram: Vec<(f32, usize)>,
    pub sum: f64,
}

impl RatingSummary {
    pub fn of(ratings: &[Rating], n_items: usize, scale: RatingScale) -> Self {
        let values = scale.choices();
        let mut histogram: Vec<(f32, usize)> = values.iter().map(|&v| (v, 0)).collect();
        let (mut counts, mut sums, mut squares) = (
            vec![0u32; n_items],
            vec![0f64; n_items],
            vec![0f64; n_items],
        );
        for r in ratings {
            let (i, value) = (r.item as usize, r.value as f64);
            counts[i] += 1;
            sums[i] += value;
            squares[i] += value * value;
            let bin = values.partition_point(|&v| v <= r.value + 1e-4).max(1) - 1;
            histogram[bin].1 += 1;
        }
        let per_film = |f: &dyn Fn(f64, f64, f64) -> f64| -> Vec<Option<f64>> {
            (0..n_items)
                .map(|i| (counts[i] > 0).then(|| f(counts[i] as f64, sums[i], squares[i])))
                .collect()
        };
        let films = FilmRatings {
            means: per_film(&|c, s, _| s / c),
            variances: per_film(&|c, s, q| q / c - (s / c).powi(2)),
            counts,
        };
        Self {
            films,
            histogram,
            sum: sums.iter().sum(),
        }
    }

    /// Whether it can be this data set's (a summary sent beside one is checked, not trusted).
    pub fn fits(&self, dataset: &Dataset) -> bool {
        self.films.counts.len() == dataset.n_items()
            && self.films.means.len() == dataset.n_items()
            && self.films.variances.len() == dataset.n_items()
            && self.histogram.len() == dataset.scale.choices().len()
            && self.histogram.iter().map(|h| h.1).sum::<usize>() == dataset.ratings.len()
    }
}

impl DatasetStats {
    pub fn of(dataset: &Dataset) -> Self {
        let summary = dataset.summary();
        let mut per_film: Vec<usize> = summary.films.counts.iter().map(|&c| c as usize).collect();
        per_film.sort_unstable_by(|a, b| b.cmp(a));
        Self {
            users: dataset.n_users(),
            items: dataset.n_rated_items(),
            scale: dataset.scale,
            ratings: dataset.ratings.len(),
            sparsity: dataset.sparsity(),
            mean_rating: summary.sum / dataset.ratings.len().max(1) as f64,
            histogram: summary.histogram.clone(),
            ratings_per_film: per_film,
            memory_bytes: dataset.memory_bytes(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn film_ratings_count_average_and_spread_each_film() {
        let films = [(10, "A (1990)"), (20, "B (1991)"), (30, "C (1992)")];
        let users = "1|30|F|artist|1\n2|20|M|writer|2\n";
        let dataset =
            crate::testing::tiny_dataset("1\t10\t5\t1\n2\t10\t3\t2\n1\t20\t4\t3\n", &films, users);
        let films = FilmRatings::of(&dataset);
        assert_eq!(films.counts, vec![2, 1, 0]);
        // Film 10: ratings 5 and 3 → mean 4, variance ((5 − 4)² + (3 − 4)²)/2 = 1.
        assert_eq!(films.means, vec![Some(4.0), Some(4.0), None]);
        assert_eq!(films.variances, vec![Some(1.0), Some(0.0), None]);
    }

    #[test]
    fn memory_counts_every_row_and_title() {
        use crate::data::synthetic::{Layout, Shape, files};
        let small = Dataset::from_files(&files(Layout::Ml1m, Shape::small(2_000))).unwrap();
        let large = Dataset::from_files(&files(Layout::Ml1m, Shape::small(20_000))).unwrap();
        let per_rating = std::mem::size_of::<crate::data::Rating>();
        let titles: usize = large.films.iter().map(|f| f.title.len()).sum();
        let bytes = DatasetStats::of(&large).memory_bytes;
        assert!(bytes >= 20_000 * per_rating + titles, "{bytes}");
        assert!(
            bytes < 2 * 20_000 * per_rating + 200 * large.films.len(),
            "{bytes}"
        );
        // 18,000 more ratings cost their rows, and the people and films they bring theirs (a
        // person's or a film's row, text and id map entry are under 200 bytes here).
        let grown = bytes - small.memory_bytes();
        let more_rows =
            large.people.len() - small.people.len() + large.films.len() - small.films.len();
        assert!(
            grown >= 18_000 * per_rating && grown < 18_000 * per_rating + 200 * more_rows,
            "{grown}"
        );
    }
}
