//! Which films are rated by the same people: cosine similarity of the films' binary "who rated
//! it" columns, each film keeping its strongest neighbours. What someone chose to watch says a lot
//! about what else they watch — the signal the rating-trained MF does not see.

use crate::data::RatingIndex;

/// Neighbours kept per film: enough that a handful of rated films reaches hundreds of candidates.
pub const NEIGHBOURS_PER_FILM: usize = 100;

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
    neighbours: Vec<Vec<(u32, f32)>>,
}

impl<'a> CoRatedBuilder<'a> {
    pub fn new(train: &'a RatingIndex, keep: usize) -> Self {
        let n_items = train.by_item.n_rows();
        CoRatedBuilder {
            train,
            keep,
            counts: vec![0; n_items],
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
            for &user in self.train.by_item.columns(a) {
                for &b in self.train.by_user.columns(user as usize) {
                    self.counts[b as usize] += 1;
                }
            }
            let mut list: Vec<(u32, f32)> = self
                .counts
                .iter()
                .enumerate()
                .filter(|&(b, &c)| b != a && c > 0)
                .map(|(b, &c)| (b as u32, c as f32 / (norm(a) * norm(b))))
                .collect();
            list.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
            list.truncate(self.keep);
            self.neighbours.push(list);
            self.counts.fill(0);
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
}
