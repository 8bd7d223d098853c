//! ML-100K's files: tab-separated `u.data` (and the split files), `|`-separated `u.item` with 19
//! genre flags, and `u.user`.

use super::lines::{field, numbered_lines};
use super::{Parsed, RawRating, Release, decode_text, year_from_title};
use crate::data::error::DataError;
use crate::data::files::MovieLensFiles;
use crate::data::progress::reported_lines;
use crate::data::scale::RatingScale;
use crate::data::{Film, ML100K_GENRES as GENRES, Person};

/// Reads `u.data`, `u.item` and `u.user`, and checks their counts against `u.info` when it is
/// there, to catch a truncated download.
pub fn read(files: &MovieLensFiles) -> Result<Parsed, DataError> {
    let ratings = parse_ratings("u.data", files.text("u.data")?)?;
    let item_bytes = files
        .get("u.item")
        .ok_or_else(|| DataError::file("u.item", "the file is missing"))?;
    let films = parse_items("u.item", &decode_text(item_bytes))?;
    let people = parse_users("u.user", files.text("u.user")?)?;
    if let Some(info) = files
        .get("u.info")
        .and_then(|b| std::str::from_utf8(b).ok())
    {
        let checks = [
            ("u.data", " ratings", ratings.len()),
            ("u.item", " items", films.len()),
            ("u.user", " users", people.len()),
        ];
        for (file, what, found) in checks {
            if let Some(expected) = info_count(info, what)
                && expected != found
            {
                return Err(DataError::file(
                    file,
                    format!(
                        "holds {found}{what} but u.info announces {expected}: the file looks truncated or altered"
                    ),
                ));
            }
        }
    }
    Ok(Parsed {
        release: Release::Ml100k,
        ratings_file: "u.data".into(),
        header_lines: 0,
        ratings,
        films,
        films_file: Some("u.item".into()),
        people,
        people_file: Some("u.user".into()),
        genres: GENRES.iter().map(|g| g.to_string()).collect(),
        scale: RatingScale::STARS,
    })
}

/// The u.info counts ("943 users", …).
fn info_count(info: &str, what: &str) -> Option<usize> {
    info.lines()
        .find_map(|line| line.strip_suffix(what)?.trim().parse().ok())
}

/// Parses `u.data` or a `u{k}.base/test` file: `user\titem\trating\ttimestamp`.
pub fn parse_ratings(file: &str, text: &str) -> Result<Vec<RawRating>, DataError> {
    let mut ratings = Vec::new();
    for (n, line) in reported_lines(file, text, numbered_lines(text)) {
        if line.is_empty() {
            return Err(DataError::line(file, n, "empty line"));
        }
        let mut fields = [""; 4];
        let mut found = 0;
        for part in line.split('\t') {
            if let Some(slot) = fields.get_mut(found) {
                *slot = part;
            }
            found += 1;
        }
        if found != 4 {
            return Err(DataError::line(
                file,
                n,
                format!(
                    "expected 4 tab-separated fields (user, item, rating, timestamp), found {found}"
                ),
            ));
        }
        let rating: f32 = field(file, n, "rating", fields[2])?;
        if !(1.0..=5.0).contains(&rating) {
            return Err(DataError::line(
                file,
                n,
                format!("rating {rating} is outside 1–5"),
            ));
        }
        ratings.push(RawRating {
            user: field(file, n, "user id", fields[0])?,
            item: field(file, n, "item id", fields[1])?,
            rating,
            timestamp: field(file, n, "timestamp", fields[3])?,
        });
    }
    if ratings.is_empty() {
        return Err(DataError::file(file, "the file holds no ratings"));
    }
    Ok(ratings)
}

/// Parses `u.item` (decoded with [`decode_text`]): `id|title|release|video release|url|` +
/// 19 genre flags.
pub fn parse_items(file: &str, text: &str) -> Result<Vec<Film>, DataError> {
    let mut films = Vec::new();
    for (n, line) in numbered_lines(text) {
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 + GENRES.len() {
            return Err(DataError::line(
                file,
                n,
                format!(
                    "expected {} '|'-separated fields, found {}",
                    5 + GENRES.len(),
                    fields.len()
                ),
            ));
        }
        let mut genres = 0u64;
        for (g, flag) in fields[5..].iter().enumerate() {
            match *flag {
                "1" => genres |= 1 << g,
                "0" => {}
                other => {
                    return Err(DataError::line(
                        file,
                        n,
                        format!("genre flag {other:?} for {} is not 0 or 1", GENRES[g]),
                    ));
                }
            }
        }
        let title = fields[1].trim().to_string();
        films.push(Film {
            id: field(file, n, "item id", fields[0])?,
            year: year_from_title(&title),
            title,
            genres,
        });
    }
    if films.is_empty() {
        return Err(DataError::file(file, "the file holds no films"));
    }
    Ok(films)
}

/// Parses `u.user`: `id|age|gender|occupation|zip`.
pub fn parse_users(file: &str, text: &str) -> Result<Vec<Person>, DataError> {
    let mut people = Vec::new();
    for (n, line) in numbered_lines(text) {
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 {
            return Err(DataError::line(
                file,
                n,
                format!(
                    "expected 5 '|'-separated fields (id, age, gender, occupation, zip), found {}",
                    fields.len()
                ),
            ));
        }
        let gender = match fields[2] {
            "M" | "F" => fields[2].chars().next().unwrap_or('?'),
            other => {
                return Err(DataError::line(
                    file,
                    n,
                    format!("gender {other:?} is not M or F"),
                ));
            }
        };
        people.push(Person {
            id: field(file, n, "user id", fields[0])?,
            age: Some(field(file, n, "age", fields[1])?),
            gender: Some(gender),
            occupation: Some(fields[3].to_string()),
            zip: Some(fields[4].to_string()),
        });
    }
    if people.is_empty() {
        return Err(DataError::file(file, "the file holds no users"));
    }
    Ok(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_parse_and_name_bad_lines() {
        let ok =
            parse_ratings("u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n").unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(
            ok[0],
            RawRating {
                user: 196,
                item: 242,
                rating: 3.0,
                timestamp: 881250949
            }
        );

        let err = parse_ratings("u.data", "196\t242\t3\t881250949\n186\t302\t3\n").unwrap_err();
        assert_eq!((err.file.as_str(), err.line), ("u.data", Some(2)));
        assert!(
            err.to_string().starts_with("u.data, line 2: expected 4"),
            "{err}"
        );

        let err = parse_ratings("u1.test", "1\t2\tx\t4\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "u1.test, line 1: rating \"x\" is not a valid number"
        );
        let err = parse_ratings("u1.test", "1\t2\t7\t4\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        let err = parse_ratings("u1.test", "1\t2\t3\t4\n\n5\t6\t3\t4\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(parse_ratings("u.data", "").is_err());
        // CRLF line ends are accepted.
        assert_eq!(
            parse_ratings("u.data", "1\t2\t3\t4\r\n").unwrap()[0].timestamp,
            4
        );
    }

    #[test]
    fn items_decode_latin1_and_keep_year_and_genres() {
        let line = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n\
                     1|Cit\xe9 des enfants perdus, La (1995)||||0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0\n";
        let films = parse_items("u.item", &decode_text(line)).unwrap();
        assert_eq!(films[0].year, Some(1995));
        assert_eq!(
            films[0].genre_names(&GENRES),
            vec!["Animation", "Children's", "Comedy"]
        );
        assert_eq!(films[1].title, "Cité des enfants perdus, La (1995)");
        assert_eq!(films[1].genre_names(&GENRES), vec!["Drama"]);

        let err = parse_items("u.item", "1|Toy Story (1995)||||0|0\n").unwrap_err();
        assert_eq!(err.line, Some(1));
        assert!(err.to_string().contains("expected 24"), "{err}");
    }

    #[test]
    fn users_parse_and_reject_bad_gender() {
        let people = parse_users("u.user", "1|24|M|technician|85711\n").unwrap();
        assert_eq!(people[0].age, Some(24));
        assert_eq!(people[0].gender, Some('M'));
        assert_eq!(people[0].occupation.as_deref(), Some("technician"));
        let err =
            parse_users("u.user", "1|24|M|technician|85711\n2|53|X|other|94043\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "u.user, line 2: gender \"X\" is not M or F"
        );
    }
}
