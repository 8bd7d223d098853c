use super::{Rating, RatingScale};

/// Compressed rows: for row `r`, `columns[offsets[r]..offsets[r + 1]]` and the matching values,
/// columns ascending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    offsets: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    pub fn n_rows(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn columns(&self, row: usize) -> &[u32] {
        &self.columns[self.offsets[row]..self.offsets[row + 1]]
    }

    pub fn values(&self, row: usize) -> &[f32] {
        &self.values[self.offsets[row]..self.offsets[row + 1]]
    }

    pub fn len(&self, row: usize) -> usize {
        self.offsets[row + 1] - self.offsets[row]
    }
}

/// One [`Csr`] in the making: rows counted, then entries placed, then each row sorted.
struct CsrBuilder {
    csr: Csr,
    /// Per row, where its next entry goes.
    next: Vec<usize>,
    /// Rows up to here are sorted.
    sorted_rows: usize,
}

impl CsrBuilder {
    fn new(n_rows: usize) -> Self {
        let csr = Csr {
            offsets: vec![0; n_rows + 1],
            ..Csr::default()
        };
        Self {
            csr,
            next: Vec::new(),
            sorted_rows: 0,
        }
    }

    fn count(&mut self, row: u32) {
        self.csr.offsets[row as usize + 1] += 1;
    }

    /// Turns the counts into offsets and makes room for the entries.
    fn counted(&mut self) {
        let offsets = &mut self.csr.offsets;
        for r in 1..offsets.len() {
            offsets[r] += offsets[r - 1];
        }
        let total = offsets[offsets.len() - 1];
        self.next = offsets[..offsets.len() - 1].to_vec();
        self.csr.columns = vec![0; total];
        self.csr.values = vec![0.0; total];
    }

    fn place(&mut self, row: u32, column: u32, value: f32) {
        let at = &mut self.next[row as usize];
        self.csr.columns[*at] = column;
        self.csr.values[*at] = value;
        *at += 1;
    }

    /// Sorts rows until about `budget` entries are sorted; the entries sorted.
    fn sort_rows(&mut self, budget: usize) -> usize {
        let mut done = 0;
        let csr = &mut self.csr;
        while self.sorted_rows < csr.n_rows() && done < budget {
            let range = csr.offsets[self.sorted_rows]..csr.offsets[self.sorted_rows + 1];
            let mut pairs: Vec<(u32, f32)> = csr.columns[range.clone()]
                .iter()
                .copied()
                .zip(csr.values[range.clone()].iter().copied())
                .collect();
            pairs.sort_by_key(|p| p.0);
            for (k, (c, v)) in range.zip(pairs) {
                csr.columns[k] = c;
                csr.values[k] = v;
            }
            done += csr.len(self.sorted_rows);
            self.sorted_rows += 1;
        }
        done
    }

    fn is_sorted(&self) -> bool {
        self.sorted_rows == self.csr.n_rows()
    }
}

/// Per-user and per-item views of one set of ratings.
#[derive(Debug, Clone)]
pub struct RatingIndex {
    /// Row = user, columns = items.
    pub by_user: Csr,
    /// Row = item, columns = users.
    pub by_item: Csr,
    /// The data set's scale: what evaluation clips predictions to and counts as relevant.
    pub scale: RatingScale,
}

impl RatingIndex {
    /// An index of ratings on ML-100K's scale (whole stars 1–5); [`crate::data::Dataset::index`]
    /// gives any data set's.
    pub fn new(ratings: &[Rating], n_users: usize, n_items: usize) -> Self {
        let mut builder = RatingIndexBuilder::new(ratings, n_users, n_items);
        loop {
            if let Some(index) = builder.step(usize::MAX) {
                return index;
            }
        }
    }

    /// The same index on another scale.
    pub fn on_scale(self, scale: RatingScale) -> Self {
        Self { scale, ..self }
    }
}

/// Builds a [`RatingIndex`] a bounded amount of work at a time: the page builds one of 25
/// million ratings between frames (seconds in one go).
pub struct RatingIndexBuilder<'a> {
    ratings: &'a [Rating],
    by_user: CsrBuilder,
    by_item: CsrBuilder,
    /// Ratings counted, then ratings placed: two passes.
    counted: usize,
    placed: usize,
    /// Entries of both views sorted in their rows.
    sorted: usize,
}

impl<'a> RatingIndexBuilder<'a> {
    pub fn new(ratings: &'a [Rating], n_users: usize, n_items: usize) -> Self {
        let mut builder = Self {
            ratings,
            by_user: CsrBuilder::new(n_users),
            by_item: CsrBuilder::new(n_items),
            counted: 0,
            placed: 0,
            sorted: 0,
        };
        if ratings.is_empty() {
            builder.by_user.counted();
            builder.by_item.counted();
        }
        builder
    }

    /// Fraction of the work done: two passes over the ratings, then the rows of both views sorted.
    pub fn progress(&self) -> f64 {
        let done = (self.counted + self.placed) as f64 + self.sorted as f64 / 2.0;
        done / (3 * self.ratings.len()).max(1) as f64
    }

    /// Does about `budget` ratings' worth of work; `Some` once the index is built (then the
    /// builder is spent).
    pub fn step(&mut self, budget: usize) -> Option<RatingIndex> {
        let n = self.ratings.len();
        let mut left = budget;
        if self.counted < n {
            let take = left.min(n - self.counted);
            for r in &self.ratings[self.counted..self.counted + take] {
                self.by_user.count(r.user);
                self.by_item.count(r.item);
            }
            self.counted += take;
            left -= take;
            if self.counted == n {
                self.by_user.counted();
                self.by_item.counted();
            }
        }
        if left > 0 && self.placed < n {
            let take = left.min(n - self.placed);
            for r in &self.ratings[self.placed..self.placed + take] {
                self.by_user.place(r.user, r.item, r.value);
                self.by_item.place(r.item, r.user, r.value);
            }
            self.placed += take;
            left -= take;
        }
        for view in [&mut self.by_user, &mut self.by_item] {
            if left > 0 && !view.is_sorted() {
                let sorted = view.sort_rows(left);
                self.sorted += sorted;
                left = left.saturating_sub(sorted);
            }
        }
        let built = self.placed == n && self.by_user.is_sorted() && self.by_item.is_sorted();
        built.then(|| RatingIndex {
            by_user: std::mem::take(&mut self.by_user.csr),
            by_item: std::mem::take(&mut self.by_item.csr),
            scale: RatingScale::STARS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_hold_their_entries_sorted() {
        let r = crate::testing::rating;
        let index = RatingIndex::new(&[r(1, 2, 3.0), r(0, 1, 4.0), r(1, 0, 5.0)], 3, 3);
        assert_eq!(index.by_user.columns(1), &[0, 2]);
        assert_eq!(index.by_user.values(1), &[5.0, 3.0]);
        assert_eq!(index.by_user.len(2), 0);
        assert_eq!(index.by_item.columns(0), &[1]);
        assert_eq!(index.by_item.n_rows(), 3);
    }

    #[test]
    fn built_in_small_steps_it_is_the_same_index() {
        let r = crate::testing::rating;
        // Film 4 and person 5 have no ratings; person 0 rated films in descending order.
        let ratings: Vec<Rating> = (0..20u32)
            .map(|k| r(k % 5, 3 - k / 5, (k % 5) as f32 + 1.0))
            .collect();
        let whole = RatingIndex::new(&ratings, 6, 5);
        assert_eq!(whole.by_user.columns(0), &[0, 1, 2, 3]);
        assert_eq!(whole.by_item.len(4), 0);
        for budget in [1, 7, 19, 21] {
            let mut builder = RatingIndexBuilder::new(&ratings, 6, 5);
            let mut steps = 0;
            let mut last_progress = 0.0;
            let built = loop {
                steps += 1;
                if let Some(done) = builder.step(budget) {
                    break done;
                }
                assert!(builder.progress() > last_progress && builder.progress() <= 1.0);
                last_progress = builder.progress();
            };
            assert_eq!(built.by_user, whole.by_user, "budget {budget}");
            assert_eq!(built.by_item, whole.by_item, "budget {budget}");
            // Two passes of 20 ratings `budget` at a time, then 40 entries in 11 rows sorted
            // (a row is sorted whole).
            assert!(steps >= 40 / budget && steps <= 80 / budget + 11, "{steps}");
        }
    }

    #[test]
    fn an_index_of_no_ratings_has_empty_rows() {
        let index = RatingIndex::new(&[], 2, 3);
        assert_eq!((index.by_user.n_rows(), index.by_item.n_rows()), (2, 3));
        assert_eq!(index.by_item.len(2), 0);
    }
}
