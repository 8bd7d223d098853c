//! A parsed data set in the compact form in which it crosses from the worker that read it to the
//! page: every rating as 20 little-endian bytes (user u32, item u32, value f32, timestamp u64; moved
//! beside the worker protocol's JSON), the rest as it is. Unpacking checks every id, so a damaged or
//! foreign message is an error, never a data set that indexes out of bounds.

use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::{Dataset, Film, Person, Rating, RatingScale, Release};

const RATING_BYTES: usize = 20;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackedDataset {
    pub release: Release,
    pub genres: Vec<String>,
    pub scale: RatingScale,
    pub fingerprint: u64,
    pub films: Vec<Film>,
    pub people: Vec<Person>,
    /// Not in the message's JSON: moved beside it ([`crate::protocol::Reply::bytes_mut`]).
    #[serde(skip)]
    pub ratings: Vec<u8>,
}

impl Dataset {
    pub fn pack(&self) -> PackedDataset {
        let mut ratings = Vec::with_capacity(self.ratings.len() * RATING_BYTES);
        for r in &self.ratings {
            ratings.extend_from_slice(&r.user.to_le_bytes());
            ratings.extend_from_slice(&r.item.to_le_bytes());
            ratings.extend_from_slice(&r.value.to_le_bytes());
            ratings.extend_from_slice(&r.timestamp.to_le_bytes());
        }
        PackedDataset {
            release: self.release,
            genres: self.genres.clone(),
            scale: self.scale,
            fingerprint: self.fingerprint(),
            films: self.films.clone(),
            people: self.people.clone(),
            ratings,
        }
    }

    /// The data set back, its indexes rebuilt; every rating must name a known person and film.
    pub fn unpack(packed: PackedDataset) -> Result<Dataset, DataError> {
        let damaged = |why: String| DataError::file("the data read by the worker", why);
        // A catalogue alone has neither ratings nor people.
        if packed.ratings.is_empty() && !packed.people.is_empty() {
            return Err(damaged("its ratings are missing".into()));
        }
        if !packed.ratings.len().is_multiple_of(RATING_BYTES) {
            return Err(damaged("its ratings are cut short".into()));
        }
        let (n_users, n_items) = (packed.people.len() as u32, packed.films.len() as u32);
        let word = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let ratings = packed
            .ratings
            .chunks_exact(RATING_BYTES)
            .map(|b| {
                let mut time = [0u8; 8];
                time.copy_from_slice(&b[12..20]);
                Rating {
                    user: word(&b[0..4]),
                    item: word(&b[4..8]),
                    value: f32::from_bits(word(&b[8..12])),
                    timestamp: u64::from_le_bytes(time),
                }
            })
            .collect::<Vec<_>>();
        if let Some(r) = ratings
            .iter()
            .find(|r| r.user >= n_users || r.item >= n_items)
        {
            return Err(damaged(format!(
                "a rating names person {} or film {} of {n_users} and {n_items}",
                r.user, r.item
            )));
        }
        Dataset::assemble(
            packed.films,
            packed.people,
            ratings,
            (packed.genres, packed.scale, packed.release),
            packed.fingerprint,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synthetic::{Layout, Shape, files};

    #[test]
    fn a_data_set_unpacks_to_itself_through_json_and_its_bytes() {
        for layout in [Layout::Ml1m, Layout::OwnCsv] {
            let d = Dataset::from_files(&files(layout, Shape::small(2_000))).unwrap();
            let packed = d.pack();
            let json = serde_json::to_string(&packed).unwrap();
            let mut received: PackedDataset = serde_json::from_str(&json).unwrap();
            received.ratings = packed.ratings;
            let back = Dataset::unpack(received).unwrap();
            assert_eq!(back.ratings, d.ratings);
            assert_eq!(
                (back.films.clone(), back.people.clone()),
                (d.films.clone(), d.people.clone())
            );
            assert_eq!(
                (back.genres.clone(), back.scale, back.release),
                (d.genres.clone(), d.scale, d.release)
            );
            assert_eq!(back.fingerprint(), d.fingerprint());
            let film = &d.films[3];
            assert_eq!(back.item_of(film.id), Some(3));
        }
    }

    #[test]
    fn damaged_packs_are_errors() {
        let d = Dataset::from_files(&files(Layout::Ml1m, Shape::small(500))).unwrap();
        let mut cut = d.pack();
        cut.ratings.pop();
        assert!(
            Dataset::unpack(cut)
                .unwrap_err()
                .to_string()
                .contains("cut short")
        );
        let mut foreign = d.pack();
        foreign.people.truncate(1);
        assert!(
            Dataset::unpack(foreign)
                .unwrap_err()
                .to_string()
                .contains("names person")
        );
    }
}
