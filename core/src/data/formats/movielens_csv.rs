//! The CSV releases (ML-20M, 25M, 32M, latest, latest-small): `ratings.csv` with the header
//! `userId,movieId,rating,timestamp` and half stars, and `movies.csv` (`movieId,title,genres`)
//! quoted as RFC 4180 says, since titles hold commas and doubled quotes. Both are UTF-8.
//! `tags.csv`, `links.csv` and `genome-*` are not needed.

use super::dat::rating_rows;
use super::lines::{field, numbered_lines};
use super::{Parsed, RawRating, Release, genre_bits, movielens_scale, year_from_title};
use crate::data::Film;
use crate::data::error::DataError;
use crate::data::files::MovieLensFiles;
use crate::data::progress::reported_lines;

pub(super) const RATINGS_HEADER: &str = "userId,movieId,rating,timestamp";
/// How errors call `ratings.csv`'s user and item columns and its whole row.
pub(super) const RATING_NAMES: [&str; 3] =
    ["userId", "movieId", "userId, movieId, rating, timestamp"];
const MOVIES_HEADER: [&str; 3] = ["movieId", "title", "genres"];

/// Whether `ratings.csv` has the releases' header (another `ratings.csv` is a person's own file).
/// A streamed `ratings.csv` had it (only the releases' is streamed).
pub fn is_release(files: &MovieLensFiles) -> bool {
    files.streamed_name() == Some("ratings.csv")
        || files
            .get("ratings.csv")
            .is_some_and(|bytes| bytes.starts_with(RATINGS_HEADER.as_bytes()))
}

/// Reads a CSV release; `streamed` are `ratings.csv`'s rows when they were parsed as it was
/// unzipped.
pub fn read(files: &MovieLensFiles, streamed: Option<Vec<RawRating>>) -> Result<Parsed, DataError> {
    let ratings = match streamed {
        Some(rows) => rows,
        None => parse_ratings("ratings.csv", files.text("ratings.csv")?)?,
    };
    let (films, genres) = parse_movies("movies.csv", files.text("movies.csv")?)?;
    Ok(Parsed {
        release: Release::MlCsv,
        ratings_file: "ratings.csv".into(),
        header_lines: 1,
        scale: movielens_scale("ratings.csv", &ratings)?,
        ratings,
        films,
        films_file: Some("movies.csv".into()),
        people: Vec::new(),
        people_file: None,
        genres,
    })
}

/// `userId,movieId,rating,timestamp` after the header; no field is ever quoted.
pub(super) fn parse_ratings(file: &str, text: &str) -> Result<Vec<RawRating>, DataError> {
    let mut lines = reported_lines(file, text, numbered_lines(text));
    if !matches!(lines.next(), Some((_, RATINGS_HEADER))) {
        return Err(DataError::line(
            file,
            1,
            format!("the first line should be the header {RATINGS_HEADER}"),
        ));
    }
    rating_rows(file, lines, ",", RATING_NAMES)
}

pub(super) fn parse_movies(file: &str, text: &str) -> Result<(Vec<Film>, Vec<String>), DataError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header_ok = reader
        .headers()
        .is_ok_and(|h| h.iter().eq(MOVIES_HEADER.iter().copied()));
    if !header_ok {
        return Err(DataError::line(
            file,
            1,
            format!(
                "the first line should be the header {}",
                MOVIES_HEADER.join(",")
            ),
        ));
    }
    let mut rows: Vec<(u32, String, String)> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, &e))?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != 3 {
            return Err(DataError::line(
                file,
                line,
                format!(
                    "expected 3 fields (movieId, title, genres), found {}",
                    record.len()
                ),
            ));
        }
        let id: u32 = field(file, line, "movieId", &record[0])?;
        rows.push((id, record[1].trim().to_string(), record[2].to_string()));
    }
    let lists: Vec<Vec<&str>> = rows
        .iter()
        .map(|(_, _, g)| g.split('|').collect())
        .collect();
    let (vocabulary, bits) = genre_bits(&lists);
    let films = rows
        .into_iter()
        .zip(bits)
        .map(|((id, title, _), genres)| Film {
            id,
            year: year_from_title(&title),
            title,
            genres,
        })
        .collect();
    Ok((films, vocabulary))
}

/// A CSV reader's error as a [`DataError`] with the line it names.
pub(super) fn csv_error(file: &str, error: &csv::Error) -> DataError {
    let line = error.position().map(|p| p.line() as usize);
    let message = match error.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("expected {expected_len} fields, found {len}")
        }
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => error.to_string(),
    };
    match line {
        Some(line) => DataError::line(file, line, message),
        None => DataError::file(file, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release() -> MovieLensFiles {
        let mut files = MovieLensFiles::new();
        files.insert(
            "ratings.csv",
            b"userId,movieId,rating,timestamp\n1,296,5.0,1147880044\n1,306,3.5,1147868817\n2,296,0.5,1\n"
                .to_vec(),
        );
        files.insert(
            "movies.csv",
            "movieId,title,genres\n\
             296,Pulp Fiction (1994),Comedy|Crime|Drama|Thriller\n\
             306,\"Three Colors: Red (Trois couleurs: Rouge) (1994)\",Drama\n\
             307,\"\"\"Great Performances\"\" Cats (1998)\",Musical|IMAX\n\
             308,\"Bicycle, Thieves (1948)\",(no genres listed)\n"
                .as_bytes()
                .to_vec(),
        );
        files
    }

    #[test]
    fn reads_half_stars_and_quoted_titles() {
        let parsed = read(&release(), None).unwrap();
        assert_eq!(parsed.release, Release::MlCsv);
        assert_eq!(parsed.scale, crate::data::RatingScale::HALF_STARS);
        assert_eq!(parsed.ratings[1].rating, 3.5);
        assert_eq!(parsed.films[2].title, "\"Great Performances\" Cats (1998)");
        assert_eq!(parsed.films[3].title, "Bicycle, Thieves (1948)");
        assert_eq!(parsed.films[3].genres, 0);
        assert_eq!(parsed.films[3].year, Some(1948));
        assert_eq!(
            parsed.genres,
            vec!["Comedy", "Crime", "Drama", "IMAX", "Musical", "Thriller"]
        );
    }

    #[test]
    fn bad_headers_and_lines_are_named() {
        let mut files = release();
        files.insert(
            "ratings.csv",
            b"userId,movieId,rating,timestamp\n1,296,5.0\n".to_vec(),
        );
        let err = read(&files, None).unwrap_err();
        assert_eq!(err.line, Some(2));
        files.insert(
            "ratings.csv",
            b"userId,movieId,rating,timestamp\n1,296,x,1\n".to_vec(),
        );
        assert_eq!(
            read(&files, None).unwrap_err().to_string(),
            "ratings.csv, line 2: rating \"x\" is not a valid number"
        );
        let mut files = release();
        files.insert("movies.csv", b"id,name\n1,A\n".to_vec());
        assert!(
            read(&files, None)
                .unwrap_err()
                .to_string()
                .starts_with("movies.csv, line 1")
        );
        files.insert(
            "movies.csv",
            b"movieId,title,genres\n1,A,Drama\n2,\"B\n".to_vec(),
        );
        assert!(read(&files, None).is_err());
        files.insert(
            "movies.csv",
            b"movieId,title,genres\n1,A,Drama\n2,B\n".to_vec(),
        );
        let err = read(&files, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "movies.csv, line 3: expected 3 fields, found 2"
        );
    }
}
