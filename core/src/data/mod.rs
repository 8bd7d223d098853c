//! MovieLens 100K: the parsed files, dense ids, and the [`Dataset`] every other module works on.

mod dataset;
mod error;
mod files;
mod index;
pub mod limits;
mod parse;

pub use dataset::{Dataset, Rating};
pub use error::DataError;
pub use files::{MovieLensFiles, REQUIRED_FILES};
pub use index::{Csr, RatingIndex};
pub use parse::{
    RawRating, decode_item_text, parse_items, parse_ratings, parse_users, year_from_title,
};

/// The 19 genre flags of `u.item`, in file order.
pub const GENRES: [&str; 19] = [
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

/// A film of `u.item`.
#[derive(Debug, Clone, PartialEq)]
pub struct Film {
    /// MovieLens item id.
    pub id: u32,
    /// Title as in the file, year included: "Usual Suspects, The (1995)".
    pub title: String,
    pub year: Option<u16>,
    /// Bit `g` set when the film has genre `GENRES[g]`.
    pub genres: u32,
}

impl Film {
    pub fn has_genre(&self, genre: usize) -> bool {
        self.genres & (1 << genre) != 0
    }

    pub fn genre_names(&self) -> Vec<&'static str> {
        (0..GENRES.len())
            .filter(|&g| self.has_genre(g))
            .map(|g| GENRES[g])
            .collect()
    }
}

/// A user of `u.user`.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// MovieLens user id.
    pub id: u32,
    pub age: u8,
    /// 'M' or 'F'.
    pub gender: char,
    pub occupation: String,
    pub zip: String,
}
