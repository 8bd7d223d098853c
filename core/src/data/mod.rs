//! Data sets in any MovieLens release's layout or a person's own file: the files, their readers
//! (`formats/`), the rating scale, dense ids, and the [`Dataset`] every other module works on.

mod dataset;
mod error;
mod files;
pub mod formats;
mod id_index;
mod index;
pub mod limits;
mod packed;
pub mod progress;
mod scale;
pub mod synthetic;

pub use dataset::{Dataset, Rating};
pub use error::DataError;
pub use files::MovieLensFiles;
pub use formats::{Columns, ColumnsPreview, RawRating, Release, decode_text, year_from_title};
pub use index::{Csr, RatingIndex, RatingIndexBuilder};
pub use packed::PackedDataset;
pub use scale::RatingScale;

/// [`Dataset::fingerprint`] of GroupLens' ML-100K (as `scripts/fetch-data` rebuilds it, which
/// `tests/movielens.rs` checks), so the page can tell the real one from any other data.
pub const ML100K_FINGERPRINT: u64 = 0x14a4_d3f8_1646_4eb9;

/// The 19 genre flags of ML-100K's `u.item`, in file order (other releases bring their own
/// vocabulary: [`Dataset::genres`]).
pub const ML100K_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// An item of the data set (a film, in MovieLens).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Film {
    /// The data set's own item id (a person's string ids are numbered in sorted order).
    pub id: u32,
    /// Title as in the file, year included: "Usual Suspects, The (1995)".
    pub title: String,
    pub year: Option<u16>,
    /// Bit `g` set when the film has genre `Dataset::genres[g]`.
    pub genres: u64,
}

impl Film {
    pub fn has_genre(&self, genre: usize) -> bool {
        genre < 64 && self.genres & (1 << genre) != 0
    }

    /// The names of the film's genres in `vocabulary` (its data set's [`Dataset::genres`]).
    pub fn genre_names<'a, S: AsRef<str>>(&self, vocabulary: &'a [S]) -> Vec<&'a str> {
        (0..vocabulary.len())
            .filter(|&g| self.has_genre(g))
            .map(|g| vocabulary[g].as_ref())
            .collect()
    }
}

/// A person of the data set, with what its files say of them (ML-100K's `u.user` and ML-1M's
/// `users.dat` give each; other data sets give none).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Person {
    /// The data set's own user id.
    pub id: u32,
    /// Years (ML-100K), or the lowest age of the band (ML-1M).
    pub age: Option<u8>,
    /// 'M' or 'F'.
    pub gender: Option<char>,
    pub occupation: Option<String>,
    pub zip: Option<String>,
}

impl Person {
    /// Someone known only by their ratings.
    pub fn unknown(id: u32) -> Self {
        Self {
            id,
            age: None,
            gender: None,
            occupation: None,
            zip: None,
        }
    }
}
