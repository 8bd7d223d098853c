//! A parsed data set in the compact form in which it crosses from the worker that read it to the
//! page: the ratings as their own bytes (16 a rating: user u32, item u32, value f32, timestamp u32,
//! in the byte order of the wasm both ends run; moved beside the worker protocol's JSON, never
//! copied into a byte vector first), the rest as it is. Unpacking checks every id, so a damaged
//! or foreign message is an error, never a data set that indexes out of bounds.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::{Dataset, Film, Person, Rating, RatingScale, Release};
use crate::stats::RatingSummary;

const RATING_BYTES: usize = std::mem::size_of::<Rating>();

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackedDataset {
    pub release: Release,
    pub genres: Vec<String>,
    pub scale: RatingScale,
    pub fingerprint: u64,
    pub films: Vec<Film>,
    pub people: Vec<Person>,
    /// Made where the data set was read, so the page never makes it (a pass over every rating).
    pub summary: RatingSummary,
    /// Not in the message's JSON: their bytes travel beside it ([`PackedDataset::rating_bytes`]).
    #[serde(skip)]
    pub ratings: Vec<Rating>,
}

impl PackedDataset {
    /// The ratings as the bytes that travel.
    pub fn rating_bytes(&self) -> &[u8] {
        bytemuck::cast_slice(&self.ratings)
    }

    /// Makes room for the ratings that travel as `len` bytes, to be appended in pieces
    /// ([`PackedDataset::append_ratings`]). Nothing is written yet: zeroing 400 MB first (25 M
    /// ratings) held the page for a third of a second.
    pub fn expect_ratings(&mut self, len: usize) -> Result<(), DataError> {
        if !len.is_multiple_of(RATING_BYTES) {
            return Err(damaged("its ratings are cut short".into()));
        }
        self.ratings = Vec::new();
        self.ratings
            .try_reserve_exact(len / RATING_BYTES)
            .map_err(|_| damaged("its ratings do not fit in this tab's memory".into()))
    }

    /// Appends the next piece of the ratings' bytes (whole ratings, as they travelled).
    pub fn append_ratings(&mut self, piece: &[u8]) -> Result<(), DataError> {
        if !piece.len().is_multiple_of(RATING_BYTES) {
            return Err(damaged("its ratings are cut short".into()));
        }
        match bytemuck::try_cast_slice::<u8, Rating>(piece) {
            Ok(ratings) => self.ratings.extend_from_slice(ratings),
            // A piece need not lie on a rating's alignment.
            Err(_) => self.ratings.extend(
                piece
                    .chunks_exact(RATING_BYTES)
                    .map(bytemuck::pod_read_unaligned::<Rating>),
            ),
        }
        Ok(())
    }
}

fn damaged(why: String) -> DataError {
    DataError::file("the data read by the worker", why)
}

impl Dataset {
    /// The data set as it crosses to the page (its ratings moved, not copied), with its summary.
    pub fn into_packed(self) -> PackedDataset {
        let summary = Arc::unwrap_or_clone(self.summary().clone());
        PackedDataset {
            summary,
            release: self.release,
            fingerprint: self.fingerprint(),
            genres: self.genres,
            scale: self.scale,
            films: self.films,
            people: self.people,
            ratings: self.ratings,
        }
    }

    /// The data set back, its indexes rebuilt; every rating must name a known person and film.
    pub fn unpack(packed: PackedDataset) -> Result<Dataset, DataError> {
        // A catalogue alone has neither ratings nor people.
        if packed.ratings.is_empty() && !packed.people.is_empty() {
            return Err(damaged("its ratings are missing".into()));
        }
        let (n_users, n_items) = (packed.people.len() as u32, packed.films.len() as u32);
        if let Some(r) = packed
            .ratings
            .iter()
            .find(|r| r.user >= n_users || r.item >= n_items)
        {
            return Err(damaged(format!(
                "a rating names person {} or film {} of {n_users} and {n_items}",
                r.user, r.item
            )));
        }
        let dataset = Dataset::assemble(
            packed.films,
            packed.people,
            packed.ratings,
            (packed.genres, packed.scale, packed.release),
            packed.fingerprint,
        )?;
        if !dataset.keep_summary(Arc::new(packed.summary)) {
            return Err(damaged("its summary does not fit its ratings".into()));
        }
        Ok(dataset)
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
            let packed = d.clone().into_packed();
            let json = serde_json::to_string(&packed).unwrap();
            let mut received: PackedDataset = serde_json::from_str(&json).unwrap();
            assert!(
                received.ratings.is_empty(),
                "the ratings travel beside the JSON"
            );
            let bytes = packed.rating_bytes();
            received.expect_ratings(bytes.len()).unwrap();
            // In uneven pieces, one of them off a rating's alignment.
            let (head, tail) = bytes.split_at(RATING_BYTES * 7);
            received.append_ratings(head).unwrap();
            let unaligned = [&[0u8][..], tail].concat();
            received.append_ratings(&unaligned[1..]).unwrap();
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
            // The summary came through JSON (floats to the last bit or so).
            let (sent, made) = (back.summary(), d.summary());
            assert_eq!(sent.films.counts, made.films.counts);
            assert_eq!(sent.histogram, made.histogram);
            let means = |s: &RatingSummary| s.films.means.iter().flatten().sum::<f64>();
            assert!((means(sent) - means(made)).abs() < 1e-9 && means(made) > 100.0);
            let film = &d.films[3];
            assert_eq!(back.item_of(film.id), Some(3));
        }
    }

    #[test]
    fn damaged_packs_are_errors() {
        let d = Dataset::from_files(&files(Layout::Ml1m, Shape::small(500))).unwrap();
        let packed = d.clone().into_packed();
        let mut cut = packed.clone();
        let bytes = &packed.rating_bytes()[1..];
        let error = cut.expect_ratings(bytes.len()).unwrap_err();
        assert!(error.to_string().contains("cut short"));
        let error = cut.append_ratings(&bytes[..20]).unwrap_err();
        assert!(error.to_string().contains("cut short"));
        let mut missing = packed.clone();
        missing.ratings.clear();
        let error = Dataset::unpack(missing).unwrap_err().to_string();
        assert!(error.contains("missing"), "{error}");
        let mut miscounted = packed.clone();
        miscounted.summary.histogram[0].1 += 1;
        let error = Dataset::unpack(miscounted).unwrap_err().to_string();
        assert!(error.contains("summary"), "{error}");
        let mut foreign = packed;
        foreign.people.truncate(1);
        assert!(
            Dataset::unpack(foreign)
                .unwrap_err()
                .to_string()
                .contains("names person")
        );
    }
}
