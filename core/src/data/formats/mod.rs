//! The data sets filmspace reads, each in its release's exact layout: ML-100K (`u.data`…),
//! ML-1M and ML-10M (`ratings.dat`, `movies.dat`, `users.dat`), the CSV releases (ML-20M, 25M,
//! 32M, latest, latest-small: `ratings.csv`, `movies.csv`), and a person's own ratings file.
//! Readers never panic: a malformed line is a [`DataError`] naming the file and the line.

mod dat;
mod lines;
pub(crate) mod ml100k;
mod movielens_csv;
mod own;
pub(crate) mod streamed;
mod table;

pub use lines::{decode_text, year_from_title};
pub use own::{
    Columns, ColumnsPreview, OWN_FILE_EXTENSIONS, PREVIEW_ROWS, is_own_file_name, preview,
};

use super::error::DataError;
use super::files::MovieLensFiles;
use super::scale::RatingScale;
use super::{Film, Person};

/// One rating in the data set's own ids.
#[derive(Debug, Clone, Copy, PartialEq)]
#[repr(C)]
pub struct RawRating {
    pub user: u32,
    pub item: u32,
    pub rating: f32,
    /// Seconds since 1970 (0 where the data has no time).
    pub timestamp: u32,
}

/// Which layout a data set came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Release {
    Ml100k,
    Ml1m,
    Ml10m,
    /// ML-20M, 25M, 32M, latest and latest-small share one layout.
    MlCsv,
    Own,
}

impl Release {
    pub fn label(self) -> &'static str {
        match self {
            Release::Ml100k => "MovieLens 100K",
            Release::Ml1m => "MovieLens 1M",
            Release::Ml10m => "MovieLens 10M",
            Release::MlCsv => "MovieLens (CSV release)",
            Release::Own => "your own ratings",
        }
    }
}

/// What a format reader hands to [`super::Dataset`]: ratings in the data set's ids, the items
/// and people its files describe (empty when it has no such file), and its vocabulary of genres.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub release: Release,
    /// The file the ratings came from, for errors about them.
    pub ratings_file: String,
    /// Lines before the first rating (a header), so errors found later name the right line.
    pub header_lines: usize,
    pub ratings: Vec<RawRating>,
    pub films: Vec<Film>,
    pub films_file: Option<String>,
    pub people: Vec<Person>,
    pub people_file: Option<String>,
    /// `Film::genres` bit `g` is `genres[g]`.
    pub genres: Vec<String>,
    pub scale: RatingScale,
}

/// The names that mark each release; a folder or zip holding them is read as that release.
pub const RELEASE_FILES: [&str; 8] = [
    "u.data",
    "u.user",
    "ratings.dat",
    "movies.dat",
    "users.dat",
    "ratings.csv",
    "movies.csv",
    "u.item",
];

/// The file a release cannot be read without when its ratings file is there but it is not.
pub fn missing_companion(files: &MovieLensFiles) -> Option<&'static str> {
    let needs: [(&str, &[&'static str]); 3] = [
        ("u.data", &["u.item", "u.user"]),
        ("ratings.dat", &["movies.dat"]),
        ("ratings.csv", &["movies.csv"]),
    ];
    needs
        .into_iter()
        .filter(|(ratings, _)| files.has(ratings))
        .filter(|(ratings, _)| *ratings != "ratings.csv" || movielens_csv::is_release(files))
        .find_map(|(_, companions)| companions.iter().copied().find(|c| files.get(c).is_none()))
}

/// Reads whichever release `files` holds, or a person's own ratings file; `streamed` are the
/// rows of its ratings file when they were parsed as it was unzipped.
pub fn read(files: &MovieLensFiles, streamed: Option<Vec<RawRating>>) -> Result<Parsed, DataError> {
    if files.has("u.data") {
        ml100k::read(files)
    } else if files.has("ratings.dat") {
        dat::read(files, streamed)
    } else if files.has("ratings.csv") && movielens_csv::is_release(files) {
        movielens_csv::read(files, streamed)
    } else {
        own::read(files)
    }
}

/// A release's film list alone (no ratings, no people), for a release whose ratings are more
/// than the page holds: its scale is the release's own (whole stars for ML-100K and ML-1M, half
/// stars for ML-10M and the CSV releases).
pub fn read_catalogue(files: &MovieLensFiles) -> Result<Parsed, DataError> {
    let (release, file, (films, genres)) = if let Some(bytes) = files.get("u.item") {
        let films = ml100k::parse_items("u.item", &decode_text(bytes))?;
        let genres = super::ML100K_GENRES.iter().map(|g| g.to_string()).collect();
        (Release::Ml100k, "u.item", (films, genres))
    } else if let Some(bytes) = files.get("movies.dat") {
        let release = match files.get("users.dat") {
            Some(_) => Release::Ml1m,
            None => Release::Ml10m,
        };
        let movies = dat::parse_movies("movies.dat", &decode_text(bytes))?;
        (release, "movies.dat", movies)
    } else {
        let movies = movielens_csv::parse_movies("movies.csv", files.text("movies.csv")?)?;
        (Release::MlCsv, "movies.csv", movies)
    };
    Ok(Parsed {
        release,
        ratings_file: file.into(),
        header_lines: 0,
        ratings: Vec::new(),
        films,
        films_file: Some(file.into()),
        people: Vec::new(),
        people_file: None,
        genres,
        scale: match release {
            Release::Ml100k | Release::Ml1m => RatingScale::STARS,
            _ => RatingScale::HALF_STARS,
        },
    })
}

/// Turns each item's list of genre names into bits of one vocabulary (sorted by name). A
/// `u64` holds 64 genres: a vocabulary larger than that (free-form tags) keeps its 64 most used.
/// "(no genres listed)" (the CSV releases' word for none) is no genre.
pub(crate) fn genre_bits(lists: &[Vec<&str>]) -> (Vec<String>, Vec<u64>) {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for name in lists.iter().flatten() {
        if !name.is_empty() && *name != "(no genres listed)" {
            *counts.entry(name).or_default() += 1;
        }
    }
    let mut kept: Vec<(&str, usize)> = counts.into_iter().collect();
    if kept.len() > 64 {
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(64);
        kept.sort_by(|a, b| a.0.cmp(b.0));
    }
    let vocabulary: Vec<String> = kept.iter().map(|(name, _)| name.to_string()).collect();
    let bits = lists
        .iter()
        .map(|names| {
            names.iter().fold(0u64, |bits, name| {
                match vocabulary.binary_search_by(|v| v.as_str().cmp(name)) {
                    Ok(g) => bits | 1 << g,
                    Err(_) => bits,
                }
            })
        })
        .collect();
    (vocabulary, bits)
}

/// A MovieLens release's scale: half stars 0.5–5 where any rating has a half, else whole stars
/// 1–5 (the range is the release's, not just what a small sample happens to hold).
pub(crate) fn movielens_scale(file: &str, ratings: &[RawRating]) -> Result<RatingScale, DataError> {
    if ratings.is_empty() {
        return Err(DataError::file(file, "the file holds no ratings"));
    }
    Ok(if ratings.iter().any(|r| r.rating.fract() != 0.0) {
        RatingScale::HALF_STARS
    } else {
        RatingScale::STARS
    })
}

/// The scale of explicit ratings, or an error naming the ratings file.
pub(crate) fn detected_scale(file: &str, ratings: &[RawRating]) -> Result<RatingScale, DataError> {
    RatingScale::detect(ratings.iter().map(|r| r.rating))
        .ok_or_else(|| DataError::file(file, "the file holds no ratings"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genre_vocabulary_is_sorted_and_ignores_the_none_marker() {
        let lists = vec![
            vec!["Drama", "Action"],
            vec!["(no genres listed)"],
            vec!["IMAX", "Drama"],
        ];
        let (names, bits) = genre_bits(&lists);
        assert_eq!(names, vec!["Action", "Drama", "IMAX"]);
        assert_eq!(bits, vec![0b011, 0, 0b110]);
    }

    #[test]
    fn more_than_64_tags_keep_the_most_used() {
        let tags: Vec<String> = (0..70).map(|k| format!("tag{k:02}")).collect();
        let mut lists: Vec<Vec<&str>> = tags.iter().map(|t| vec![t.as_str()]).collect();
        lists.push(vec!["tag69"]);
        let (names, bits) = genre_bits(&lists);
        assert_eq!(names.len(), 64);
        assert!(names.contains(&"tag69".to_string()));
        assert_eq!(bits[0], 1);
        assert_eq!(
            bits[63], 0,
            "tag63 is among the dropped (ties go to the smaller name)"
        );
    }
}
