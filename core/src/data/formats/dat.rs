//! ML-1M and ML-10M: `::`-separated `ratings.dat` (`UserID::MovieID::Rating::Timestamp`),
//! `movies.dat` (`MovieID::Title::Genres`, `|`-separated; ML-1M's is ISO-8859-1, ML-10M's UTF-8)
//! and ML-1M's `users.dat` (`UserID::Gender::Age::Occupation::Zip-code`). ML-10M has half stars
//! and no `users.dat`.

use super::lines::{field, fields, numbered_lines};
use super::{
    Parsed, RawRating, Release, decode_text, genre_bits, movielens_scale, year_from_title,
};
use crate::data::error::DataError;
use crate::data::files::MovieLensFiles;
use crate::data::progress::reported_lines;
use crate::data::{Film, Person};

/// ML-1M's occupation codes, as its README lists them.
const OCCUPATIONS: [&str; 21] = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
];

/// ML-1M's age codes: each is the lowest age of its band.
const AGE_BANDS: [u8; 7] = [1, 18, 25, 35, 45, 50, 56];

/// Reads ML-1M or ML-10M; `streamed` are `ratings.dat`'s rows when they were parsed as it was
/// unzipped.
pub fn read(files: &MovieLensFiles, streamed: Option<Vec<RawRating>>) -> Result<Parsed, DataError> {
    let ratings = match streamed {
        Some(rows) => rows,
        None => parse_ratings("ratings.dat", files.text("ratings.dat")?)?,
    };
    let movies = files
        .get("movies.dat")
        .ok_or_else(|| DataError::file("movies.dat", "the file is missing"))?;
    let (films, genres) = parse_movies("movies.dat", &decode_text(movies))?;
    let (people, people_file, release) = match files.get("users.dat") {
        Some(_) => (
            parse_users("users.dat", files.text("users.dat")?)?,
            Some("users.dat".to_string()),
            Release::Ml1m,
        ),
        None => (Vec::new(), None, Release::Ml10m),
    };
    Ok(Parsed {
        release,
        ratings_file: "ratings.dat".into(),
        header_lines: 0,
        scale: movielens_scale("ratings.dat", &ratings)?,
        ratings,
        films,
        films_file: Some("movies.dat".into()),
        people,
        people_file,
        genres,
    })
}

/// How errors call `ratings.dat`'s user and item columns and its whole row.
pub(super) const RATING_NAMES: [&str; 3] =
    ["user id", "movie id", "user, movie, rating, timestamp"];

pub fn parse_ratings(file: &str, text: &str) -> Result<Vec<RawRating>, DataError> {
    rating_rows(
        file,
        reported_lines(file, text, numbered_lines(text)),
        "::",
        RATING_NAMES,
    )
}

/// MovieLens rating rows, `user item rating timestamp` split by `separator`; `names` says how
/// errors call the user and item columns and the whole row.
pub(super) fn rating_rows<'a>(
    file: &str,
    lines: impl Iterator<Item = (usize, &'a str)>,
    separator: &str,
    names: [&str; 3],
) -> Result<Vec<RawRating>, DataError> {
    lines
        .map(|(n, line)| rating_row(file, n, line, separator, names))
        .collect()
}

/// Line `n` of a MovieLens ratings file.
pub(super) fn rating_row(
    file: &str,
    n: usize,
    line: &str,
    separator: &str,
    [user_name, item_name, row_name]: [&str; 3],
) -> Result<RawRating, DataError> {
    let [user, item, rating, timestamp] = fields(file, n, line, separator, row_name)?;
    Ok(RawRating {
        user: field(file, n, user_name, user)?,
        item: field(file, n, item_name, item)?,
        rating: star_rating(file, n, rating)?,
        timestamp: field(file, n, "timestamp", timestamp)?,
    })
}

/// A MovieLens rating: 0.5 to 5 stars.
pub(super) fn star_rating(file: &str, line: usize, value: &str) -> Result<f32, DataError> {
    let rating: f32 = field(file, line, "rating", value)?;
    if !(0.5..=5.0).contains(&rating) {
        return Err(DataError::line(
            file,
            line,
            format!("rating {value} is outside 0.5–5 stars"),
        ));
    }
    Ok(rating)
}

/// `MovieID::Title::Genres`; the title is everything between the first and the last `::`.
pub(super) fn parse_movies(file: &str, text: &str) -> Result<(Vec<Film>, Vec<String>), DataError> {
    let mut rows = Vec::new();
    for (n, line) in numbered_lines(text) {
        let (Some((id, rest)), Some((_, genres))) = (line.split_once("::"), line.rsplit_once("::"))
        else {
            return Err(DataError::line(
                file,
                n,
                "expected 3 \"::\"-separated fields (movie, title, genres)",
            ));
        };
        let Some((title, _)) = rest.rsplit_once("::") else {
            return Err(DataError::line(
                file,
                n,
                "expected 3 \"::\"-separated fields (movie, title, genres)",
            ));
        };
        let id: u32 = field(file, n, "movie id", id)?;
        rows.push((id, title.trim(), genres.split('|').collect::<Vec<_>>()));
    }
    let lists: Vec<Vec<&str>> = rows.iter().map(|(_, _, g)| g.clone()).collect();
    let (vocabulary, bits) = genre_bits(&lists);
    let films = rows
        .iter()
        .zip(bits)
        .map(|((id, title, _), genres)| Film {
            id: *id,
            title: title.to_string(),
            year: year_from_title(title),
            genres,
        })
        .collect();
    Ok((films, vocabulary))
}

fn parse_users(file: &str, text: &str) -> Result<Vec<Person>, DataError> {
    let mut people = Vec::new();
    for (n, line) in numbered_lines(text) {
        let [id, gender, age, occupation, zip] =
            fields(file, n, line, "::", "user, gender, age, occupation, zip")?;
        let gender = match gender {
            "M" => 'M',
            "F" => 'F',
            other => {
                return Err(DataError::line(
                    file,
                    n,
                    format!("gender {other:?} is not M or F"),
                ));
            }
        };
        let age: u8 = field(file, n, "age", age)?;
        if !AGE_BANDS.contains(&age) {
            return Err(DataError::line(
                file,
                n,
                format!("age code {age} is not one of ML-1M's (1, 18, 25, 35, 45, 50, 56)"),
            ));
        }
        let code: usize = field(file, n, "occupation", occupation)?;
        let occupation = OCCUPATIONS.get(code).ok_or_else(|| {
            DataError::line(file, n, format!("occupation code {code} is not 0–20"))
        })?;
        people.push(Person {
            id: field(file, n, "user id", id)?,
            age: Some(age),
            gender: Some(gender),
            occupation: Some(occupation.to_string()),
            zip: Some(zip.to_string()),
        });
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ml1m() -> MovieLensFiles {
        let mut files = MovieLensFiles::new();
        files.insert(
            "ratings.dat",
            b"1::1193::5::978300760\r\n2::1::3::978298709\r\n".to_vec(),
        );
        files.insert(
            "movies.dat",
            b"1::Toy Story (1995)::Animation|Children's|Comedy\n1193::Cit\xe9 (1975)::Drama\n"
                .to_vec(),
        );
        files.insert(
            "users.dat",
            b"1::F::1::10::48067\n2::M::56::16::70072\n".to_vec(),
        );
        files
    }

    #[test]
    fn ml1m_reads_latin1_titles_genres_and_demographics() {
        let parsed = read(&ml1m(), None).unwrap();
        assert_eq!(parsed.release, Release::Ml1m);
        assert_eq!(
            parsed.genres,
            vec!["Animation", "Children's", "Comedy", "Drama"]
        );
        assert_eq!(parsed.films[1].title, "Cité (1975)");
        assert_eq!(parsed.films[1].genres, 0b1000);
        assert_eq!(parsed.films[0].year, Some(1995));
        assert_eq!(
            parsed.people[1].occupation.as_deref(),
            Some("self-employed")
        );
        assert_eq!(parsed.people[0].age, Some(1));
        assert_eq!(parsed.ratings[0].timestamp, 978_300_760);
        assert_eq!(parsed.scale, crate::data::RatingScale::STARS);
    }

    #[test]
    fn ml10m_has_half_stars_and_no_users() {
        let mut files = ml1m();
        files.remove("users.dat");
        files.insert(
            "ratings.dat",
            b"1::122::5::838985046\n1::185::4.5::838983525\n".to_vec(),
        );
        let parsed = read(&files, None).unwrap();
        assert_eq!(parsed.release, Release::Ml10m);
        assert_eq!(parsed.scale, crate::data::RatingScale::HALF_STARS);
        assert!(parsed.people.is_empty());
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let err = parse_ratings("ratings.dat", "1::2::3::4\n1::2::3\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings.dat, line 2: expected 4 \"::\"-separated fields (user, movie, rating, timestamp), found 3"
        );
        let err = parse_ratings("ratings.dat", "1::2::6::4\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "ratings.dat, line 1: rating 6 is outside 0.5–5 stars"
        );
        let err = parse_movies("movies.dat", "1::Toy Story\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        let err = parse_users("users.dat", "1::F::1::10::48067\n2::F::30::1::1\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("users.dat, line 2: age code 30"),
            "{err}"
        );
        let err = parse_users("users.dat", "1::X::1::10::1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "users.dat, line 1: gender \"X\" is not M or F"
        );
        let err = parse_users("users.dat", "1::F::1::21::1\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "users.dat, line 1: occupation code 21 is not 0–20"
        );
    }

    #[test]
    fn a_title_holding_double_colons_stays_whole() {
        let (films, _) = parse_movies("movies.dat", "7::Fire::Walk (1992)::Drama\n").unwrap();
        assert_eq!(films[0].title, "Fire::Walk (1992)");
    }
}
