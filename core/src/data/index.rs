use super::{Rating, RatingScale};

/// Compressed rows: for row `r`, `columns[offsets[r]..offsets[r + 1]]` and the matching values,
/// columns ascending.
#[derive(Debug, Clone, Default)]
pub struct Csr {
    offsets: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f32>,
}

impl Csr {
    fn build(n_rows: usize, entries: impl Iterator<Item = (u32, u32, f32)> + Clone) -> Self {
        let mut offsets = vec![0usize; n_rows + 1];
        for (row, _, _) in entries.clone() {
            offsets[row as usize + 1] += 1;
        }
        for r in 0..n_rows {
            offsets[r + 1] += offsets[r];
        }
        let mut next = offsets.clone();
        let total = offsets[n_rows];
        let mut columns = vec![0u32; total];
        let mut values = vec![0f32; total];
        for (row, column, value) in entries {
            let at = &mut next[row as usize];
            columns[*at] = column;
            values[*at] = value;
            *at += 1;
        }
        for r in 0..n_rows {
            let range = offsets[r]..offsets[r + 1];
            let mut pairs: Vec<(u32, f32)> = columns[range.clone()]
                .iter()
                .copied()
                .zip(values[range.clone()].iter().copied())
                .collect();
            pairs.sort_by_key(|p| p.0);
            for (k, (c, v)) in range.zip(pairs) {
                columns[k] = c;
                values[k] = v;
            }
        }
        Self {
            offsets,
            columns,
            values,
        }
    }

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
        let entries = ratings.iter().map(|r| (r.user, r.item, r.value));
        Self {
            by_user: Csr::build(n_users, entries.clone()),
            by_item: Csr::build(n_items, entries.map(|(u, i, v)| (i, u, v))),
            scale: RatingScale::STARS,
        }
    }

    /// The same index on another scale.
    pub fn on_scale(self, scale: RatingScale) -> Self {
        Self { scale, ..self }
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
}
