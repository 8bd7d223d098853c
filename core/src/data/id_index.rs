//! Dense positions of a data set's own ids. Ids come from files (a hostile one too), so no hash
//! table: a table indexed by id where the ids are compact (every MovieLens release), else a
//! binary search over the sorted ids. Building one is a sort at most, and usually a check that
//! the rows are already in id order.

use super::error::DataError;

/// Ids up to this many times the row count (plus a little) are looked up in a table.
const TABLE_SPREAD: usize = 4;
const TABLE_SLACK: usize = 4096;
const NO_ROW: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub(super) enum IdIndex {
    /// Position by id, `NO_ROW` where no row has that id.
    Table(Vec<u32>),
    /// (id, position) sorted by id, searched: the ids are too spread for a table.
    Sorted(Vec<(u32, u32)>),
}

impl IdIndex {
    /// The index of `rows` by `id`; an id on two rows is an error naming `file`.
    pub fn new<T>(file: &str, rows: &[T], id: impl Fn(&T) -> u32) -> Result<Self, DataError> {
        let mut sorted: Vec<(u32, u32)> = rows
            .iter()
            .enumerate()
            .map(|(position, row)| (id(row), position as u32))
            .collect();
        if !sorted.is_sorted_by_key(|&(id, _)| id) {
            sorted.sort_unstable();
        }
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            let id = pair[0].0;
            return Err(DataError::file(file, format!("id {id} appears twice")));
        }
        let max_id = sorted.last().map_or(0, |&(id, _)| id as usize);
        if max_id >= TABLE_SPREAD * rows.len() + TABLE_SLACK {
            return Ok(IdIndex::Sorted(sorted));
        }
        let mut table = vec![NO_ROW; max_id + 1];
        for &(id, position) in &sorted {
            table[id as usize] = position;
        }
        Ok(IdIndex::Table(table))
    }

    /// The dense position of `id`.
    pub fn get(&self, id: u32) -> Option<u32> {
        match self {
            IdIndex::Table(table) => table.get(id as usize).copied().filter(|&p| p != NO_ROW),
            IdIndex::Sorted(sorted) => {
                let at = sorted.binary_search_by_key(&id, |&(id, _)| id).ok()?;
                Some(sorted[at].1)
            }
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        match self {
            IdIndex::Table(table) => table.capacity() * std::mem::size_of::<u32>(),
            IdIndex::Sorted(sorted) => sorted.capacity() * std::mem::size_of::<(u32, u32)>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_id_in_a_table_or_by_search_and_nothing_else() {
        // Compact ids (a table) and spread ones (binary search), in and out of order.
        for ids in [vec![3u32, 1, 7, 2], vec![5, 4_000_000_000, 17, 90_000]] {
            let index = IdIndex::new("f", &ids, |&id| id).unwrap();
            let spread = ids.iter().any(|&id| id > 1_000_000);
            assert_eq!(matches!(index, IdIndex::Sorted(_)), spread);
            for (position, &id) in ids.iter().enumerate() {
                assert_eq!(index.get(id), Some(position as u32), "id {id}");
            }
            for absent in [0u32, 6, 8, 18, 4_000_000_001, u32::MAX] {
                assert_eq!(index.get(absent), None, "id {absent}");
            }
        }
    }

    #[test]
    fn an_id_on_two_rows_is_an_error_naming_the_file() {
        let error = IdIndex::new("u.item", &[4u32, 9, 4], |&id| id).unwrap_err();
        assert_eq!(
            error.to_string(),
            DataError::file("u.item", "id 4 appears twice").to_string()
        );
        assert!(IdIndex::new("u.item", &[1u32, 1], |&id| id).is_err());
    }
}
