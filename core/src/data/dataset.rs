use std::collections::{HashMap, HashSet};

use super::error::DataError;
use super::files::MovieLensFiles;
use super::parse::{RawRating, decode_item_text, parse_items, parse_ratings, parse_users};
use super::{Film, Person};

/// A rating in dense 0-based ids: `user` indexes [`Dataset::people`], `item` indexes
/// [`Dataset::films`]. Dense ids keep MovieLens order, so "smaller item id" means the same in both.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub value: f32,
    pub timestamp: u64,
}

/// ML-100K parsed and checked: films, people, and every rating of `u.data` in file order.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Sorted by MovieLens id; the position is the dense item id.
    pub films: Vec<Film>,
    /// Sorted by MovieLens id; the position is the dense user id.
    pub people: Vec<Person>,
    /// `u.data` in file order (the canonical splits depend on that order).
    pub ratings: Vec<Rating>,
    film_index: HashMap<u32, u32>,
    person_index: HashMap<u32, u32>,
}

/// The u.info counts ("943 users", …), when the file is there, to catch a truncated download.
fn info_count(info: &str, what: &str) -> Option<usize> {
    info.lines()
        .find_map(|line| line.strip_suffix(what)?.trim().parse().ok())
}

fn dense_index<T>(
    file: &str,
    rows: &[T],
    id: impl Fn(&T) -> u32,
) -> Result<HashMap<u32, u32>, DataError> {
    let mut index = HashMap::with_capacity(rows.len());
    for (position, row) in rows.iter().enumerate() {
        if index.insert(id(row), position as u32).is_some() {
            return Err(DataError::file(
                file,
                format!("id {} appears twice", id(row)),
            ));
        }
    }
    Ok(index)
}

impl Dataset {
    /// Builds the dataset from `u.data`, `u.item`, `u.user` (and checks counts against `u.info`
    /// when present). Every rating must name a known user and film, once per pair.
    pub fn from_files(files: &MovieLensFiles) -> Result<Self, DataError> {
        let raw = parse_ratings("u.data", files.text("u.data")?)?;
        let item_bytes = files
            .get("u.item")
            .ok_or_else(|| DataError::file("u.item", "the file is missing"))?;
        let mut films = parse_items("u.item", &decode_item_text(item_bytes))?;
        let mut people = parse_users("u.user", files.text("u.user")?)?;
        films.sort_by_key(|f| f.id);
        people.sort_by_key(|p| p.id);
        let film_index = dense_index("u.item", &films, |f| f.id)?;
        let person_index = dense_index("u.user", &people, |p| p.id)?;
        let mut dataset = Self {
            films,
            people,
            ratings: Vec::new(),
            film_index,
            person_index,
        };
        dataset.ratings = dataset.densify("u.data", &raw)?;

        let mut pairs = HashSet::with_capacity(dataset.ratings.len());
        for (n, r) in dataset.ratings.iter().enumerate() {
            if !pairs.insert((r.user, r.item)) {
                return Err(DataError::line(
                    "u.data",
                    n + 1,
                    "this user rated this film already",
                ));
            }
        }
        if let Some(info) = files
            .get("u.info")
            .and_then(|b| std::str::from_utf8(b).ok())
        {
            let checks = [
                ("u.data", " ratings", dataset.ratings.len()),
                ("u.item", " items", dataset.films.len()),
                ("u.user", " users", dataset.people.len()),
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
        Ok(dataset)
    }

    /// Converts ratings in MovieLens ids (a split file, say) to dense ids; an unknown id is an
    /// error naming the file and line.
    pub fn densify(&self, file: &str, raw: &[RawRating]) -> Result<Vec<Rating>, DataError> {
        raw.iter()
            .enumerate()
            .map(|(n, r)| {
                let user = *self.person_index.get(&r.user).ok_or_else(|| {
                    DataError::line(file, n + 1, format!("user {} is not in u.user", r.user))
                })?;
                let item = *self.film_index.get(&r.item).ok_or_else(|| {
                    DataError::line(file, n + 1, format!("item {} is not in u.item", r.item))
                })?;
                Ok(Rating {
                    user,
                    item,
                    value: r.rating,
                    timestamp: r.timestamp,
                })
            })
            .collect()
    }

    pub fn n_users(&self) -> usize {
        self.people.len()
    }

    pub fn n_items(&self) -> usize {
        self.films.len()
    }

    /// Dense item id of a MovieLens item id.
    pub fn item_of(&self, movielens_id: u32) -> Option<u32> {
        self.film_index.get(&movielens_id).copied()
    }

    /// Dense user id of a MovieLens user id.
    pub fn user_of(&self, movielens_id: u32) -> Option<u32> {
        self.person_index.get(&movielens_id).copied()
    }

    /// Fraction of the user × film matrix without a rating.
    pub fn sparsity(&self) -> f64 {
        1.0 - self.ratings.len() as f64 / (self.n_users() as f64 * self.n_items() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny_files() -> MovieLensFiles {
        let mut files = MovieLensFiles::new();
        files.insert(
            "u.data",
            b"2\t10\t4\t5\n1\t10\t5\t6\n1\t20\t1\t7\n".to_vec(),
        );
        let flags = "|0".repeat(19);
        files.insert(
            "u.item",
            format!("20|B (1990)|||{flags}\n10|A (1980)|||{flags}\n").into_bytes(),
        );
        files.insert("u.user", b"2|30|F|artist|1\n1|20|M|writer|2\n".to_vec());
        files
    }

    #[test]
    fn dense_ids_follow_movielens_order() {
        let d = Dataset::from_files(&tiny_files()).unwrap();
        assert_eq!(
            d.films.iter().map(|f| f.id).collect::<Vec<_>>(),
            vec![10, 20]
        );
        assert_eq!(d.item_of(20), Some(1));
        assert_eq!(d.user_of(1), Some(0));
        assert_eq!(
            d.ratings[0],
            Rating {
                user: 1,
                item: 0,
                value: 4.0,
                timestamp: 5
            }
        );
        assert!((d.sparsity() - 0.25).abs() < 1e-12);
    }

    #[test]
    fn unknown_ids_duplicates_and_truncation_are_errors() {
        let mut files = tiny_files();
        files.insert("u.data", b"1\t10\t5\t6\n1\t30\t1\t7\n".to_vec());
        assert_eq!(
            Dataset::from_files(&files).unwrap_err().to_string(),
            "u.data, line 2: item 30 is not in u.item"
        );

        files.insert("u.data", b"1\t10\t5\t6\n1\t10\t1\t7\n".to_vec());
        assert_eq!(Dataset::from_files(&files).unwrap_err().line, Some(2));

        let mut files = tiny_files();
        files.insert("u.info", b"2 users\n2 items\n4 ratings\n".to_vec());
        let err = Dataset::from_files(&files).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("u.data: holds 3 ratings but u.info announces 4"),
            "{err}"
        );

        let mut files = tiny_files();
        files.insert("u.info", b"2 users\n2 items\n3 ratings\n".to_vec());
        assert!(Dataset::from_files(&files).is_ok());
    }

    #[test]
    fn utf8_and_latin1_item_files_give_the_same_title() {
        let flags = "|0".repeat(19);
        for bytes in [format!("1|Caf\u{e9} (1990)|||{flags}\n").into_bytes(), {
            let mut b = b"1|Caf\xe9 (1990)|||".to_vec();
            b.extend(flags.as_bytes());
            b
        }] {
            let mut files = tiny_files();
            files.insert("u.item", bytes);
            files.insert("u.data", b"1\t1\t5\t6\n".to_vec());
            assert_eq!(
                Dataset::from_files(&files).unwrap().films[0].title,
                "Café (1990)"
            );
        }
    }
}
