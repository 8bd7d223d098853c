//! Which films are rated by the same people: cosine similarity of the films' binary "who rated
//! it" columns, each film keeping its strongest neighbours. What someone chose to watch says a lot
//! about what else they watch — the signal the rating-trained MF does not see.

use crate::data::RatingIndex;

/// Neighbours kept per film: enough that a handful of rated films reaches hundreds of candidates.
pub const NEIGHBOURS_PER_FILM: usize = 100;
/// The most of a film's people its co-rating counts are taken from.
pub const MAX_RATERS: usize = 1_000;

#[derive(Debug, Clone, PartialEq)]
pub struct CoRated {
    /// Per film, its neighbours (dense id, cosine) strongest first.
    neighbours: Vec<Vec<(u32, f32)>>,
}

/// Builds [`CoRated`] a few films at a time, so a page can yield between slices.
pub struct CoRatedBuilder<'a> {
    train: &'a RatingIndex,
    keep: usize,
    counts: Vec<u32>,
    /// The films `counts` is non-zero for: only they are read and reset (59,047 films of ML-25M
    /// scanned per film would be 3.5 billion reads).
    touched: Vec<u32>,
    neighbours: Vec<Vec<(u32, f32)>>,
}

impl<'a> CoRatedBuilder<'a> {
    pub fn new(train: &'a RatingIndex, keep: usize) -> Self {
        let n_items = train.by_item.n_rows();
        CoRatedBuilder {
            train,
            keep,
            counts: vec![0; n_items],
            touched: Vec::new(),
            neighbours: Vec::with_capacity(n_items),
        }
    }

    /// Fraction of films done.
    pub fn progress(&self) -> f64 {
        self.neighbours.len() as f64 / self.train.by_item.n_rows().max(1) as f64
    }

    /// Computes the next `films` films' neighbours; `Some` once every film is done.
    pub fn step(&mut self, films: usize) -> Option<CoRated> {
        let n_items = self.train.by_item.n_rows();
        let norm = |i: usize| (self.train.by_item.len(i) as f32).sqrt();
        for _ in 0..films {
            let a = self.neighbours.len();
            if a == n_items {
                break;
            }
            // Co-rating counts of film a with every film: one pass over the people who rated a.
            // A film's people are sampled evenly past MAX_RATERS, the counts scaled back: a
            // film of ML-25M rated by 80,000 people costs 80 times less, its neighbours the same
            // but for sampling noise. ML-100K's films have at most 583 raters.
            let raters = self.train.by_item.columns(a);
            let stride = raters.len().div_ceil(MAX_RATERS).max(1);
            let sampled = raters.len().div_ceil(stride);
            let scale = raters.len() as f32 / sampled.max(1) as f32;
            for &user in raters.iter().step_by(stride) {
                for &b in self.train.by_user.columns(user as usize) {
                    if self.counts[b as usize] == 0 {
                        self.touched.push(b);
                    }
                    self.counts[b as usize] += 1;
                }
            }
            let counts = &self.counts;
            let mut list: Vec<(u32, f32)> = self
                .touched
                .iter()
                .filter(|&&b| b as usize != a)
                .map(|&b| {
                    let count = counts[b as usize] as f32 * scale;
                    (b, count / (norm(a) * norm(b as usize)))
                })
                .collect();
            // The best `keep` chosen in linear time, then sorted; kept in a vector of their own
            // size: the whole list's room, left behind for each of 59,047 films, ran the page
            // out of its 4 GB at ML-25M.
            let order = |x: &(u32, f32), y: &(u32, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
            if list.len() > self.keep && self.keep > 0 {
                list.select_nth_unstable_by(self.keep - 1, order);
            }
            list.truncate(self.keep);
            list.sort_by(order);
            self.neighbours.push(list.into_boxed_slice().into_vec());
            for &b in &self.touched {
                self.counts[b as usize] = 0;
            }
            self.touched.clear();
        }
        (self.neighbours.len() == n_items).then(|| CoRated {
            neighbours: std::mem::take(&mut self.neighbours),
        })
    }
}

impl CoRated {
    /// Each film's `keep` most similar films (ties to the smaller id), all at once.
    pub fn fit(train: &RatingIndex, keep: usize) -> CoRated {
        let mut builder = CoRatedBuilder::new(train, keep);
        loop {
            if let Some(done) = builder.step(usize::MAX) {
                return done;
            }
        }
    }

    /// No film has neighbours (no ratings to find them in).
    pub fn none(n_items: usize) -> CoRated {
        CoRated {
            neighbours: vec![Vec::new(); n_items],
        }
    }

    pub fn neighbours(&self, item: u32) -> &[(u32, f32)] {
        &self.neighbours[item as usize]
    }

    /// Similarity of `a` to `b` as kept (0 when `b` is not among `a`'s neighbours).
    pub fn similarity(&self, a: u32, b: u32) -> f32 {
        self.neighbours(a)
            .iter()
            .find(|(n, _)| *n == b)
            .map_or(0.0, |(_, s)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Rating;

    fn rating(user: u32, item: u32) -> Rating {
        Rating {
            user,
            item,
            value: 4.0,
            timestamp: 0,
        }
    }

    #[test]
    fn a_film_with_many_raters_is_counted_from_a_sample_scaled_back() {
        // Film 0: 3,000 people (every third sampled); film 1: the first 900 of them; film 2:
        // person 1 alone, whom the sample skips.
        let mut ratings: Vec<Rating> = (0..3_000).map(|u| rating(u, 0)).collect();
        ratings.extend((0..900).map(|u| rating(u, 1)));
        ratings.push(rating(1, 2));
        let index = RatingIndex::new(&ratings, 3_000, 3);
        let co = CoRated::fit(&index, 10);
        // Exactly: 900 / √(3,000 · 900). The sample counts 300 of them, three times each.
        let exact = 900.0 / (3_000f32 * 900.0).sqrt();
        assert!(
            (co.neighbours(0)[0].1 - exact).abs() < 1e-6,
            "{:?}",
            co.neighbours(0)
        );
        assert_eq!(
            co.neighbours(0).len(),
            1,
            "person 1 is not in film 0's sample"
        );
        // Film 1's 900 people are all counted (under the cap): it sees films 0 and 2.
        assert_eq!(co.neighbours(1).len(), 2);
    }

    #[test]
    fn cosine_of_rated_by_columns() {
        // Film 0: users 0,1,2; film 1: users 0,1; film 2: user 2; film 3: nobody.
        let ratings = [
            rating(0, 0),
            rating(1, 0),
            rating(2, 0),
            rating(0, 1),
            rating(1, 1),
            rating(2, 2),
        ];
        let index = RatingIndex::new(&ratings, 3, 4);
        let co = CoRated::fit(&index, 10);
        // cos(0,1) = 2/√(3·2) = 0.8165; cos(0,2) = 1/√3 = 0.5774; cos(1,2) = 0.
        let expected_01 = 2.0 / 6f32.sqrt();
        assert_eq!(co.neighbours(0)[0].0, 1);
        assert!((co.neighbours(0)[0].1 - expected_01).abs() < 1e-6);
        assert!((co.similarity(0, 2) - 1.0 / 3f32.sqrt()).abs() < 1e-6);
        assert_eq!(co.similarity(1, 2), 0.0);
        assert!(co.neighbours(3).is_empty());
        // Symmetric, and never its own neighbour.
        assert_eq!(co.similarity(1, 0), co.similarity(0, 1));
        assert!(co.neighbours(0).iter().all(|(b, _)| *b != 0));
        // Keeping one drops the weaker neighbour.
        assert_eq!(CoRated::fit(&index, 1).neighbours(0).len(), 1);
        // Built one film at a time, the same.
        let mut builder = CoRatedBuilder::new(&index, 10);
        let mut steps = 0;
        let sliced = loop {
            steps += 1;
            if let Some(done) = builder.step(1) {
                break done;
            }
            assert!(builder.progress() > 0.0);
        };
        assert_eq!((sliced, steps), (co, 4));
    }

    #[test]
    fn the_strongest_few_are_kept_in_order_and_in_no_more_room_than_they_need() {
        // 40 films, each rated by a different mix of 60 people: many co-rated films, ties too.
        let ratings: Vec<Rating> = (0..60u32)
            .flat_map(|u| {
                (0..40u32)
                    .filter(move |i| (u * 7 + i * 3) % 5 < 2)
                    .map(move |i| rating(u, i))
            })
            .collect();
        let index = RatingIndex::new(&ratings, 60, 40);
        let all = CoRated::fit(&index, usize::MAX);
        let kept = CoRated::fit(&index, 3);
        for film in 0..40 {
            let full = all.neighbours(film);
            assert!(full.len() > 3, "film {film} has {} neighbours", full.len());
            // The full list, strongest first, ties to the smaller id; the kept ones its head.
            assert!(
                full.windows(2)
                    .all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0))
            );
            assert_eq!(kept.neighbours(film), &full[..3]);
        }
        assert!(kept.neighbours.iter().all(|list| list.capacity() == 3));
    }
}
