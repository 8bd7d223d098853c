//! A person's own ratings: CSV, TSV, `;`, `|` or `::`-separated, with or without a header.
//! Columns are found by name (user/userId/user_id, item/itemId/item_id/movieId, rating/score,
//! timestamp/ts/time/date) or, without a header, by position (user, item, rating, timestamp).
//! Ids may be any strings. No rating column means implicit data: each row is a positive. An
//! optional second file with a header naming an id and a title (and maybe genres) gives titles.

use std::collections::HashMap;

use super::lines::{numbered_lines, timestamp};
use super::table::{Keys, for_each_row, is_named, separator_of, split_line};
use super::{Parsed, RawRating, Release, detected_scale, genre_bits, year_from_title};
use crate::data::error::DataError;
use crate::data::files::MovieLensFiles;
use crate::data::{Film, RatingScale};

/// What a picked ratings file may be called.
pub const OWN_FILE_EXTENSIONS: [&str; 4] = ["csv", "tsv", "dat", "txt"];

pub fn is_own_file_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(stem, extension)| {
        !stem.is_empty() && OWN_FILE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    })
}

const USER_NAMES: [&str; 5] = ["user", "userid", "user_id", "uid", "username"];
const ITEM_NAMES: [&str; 9] = [
    "item", "itemid", "item_id", "movieid", "movie_id", "movie", "film", "product", "iid",
];
const RATING_NAMES: [&str; 5] = ["rating", "score", "stars", "value", "rate"];
const TIME_NAMES: [&str; 6] = ["timestamp", "ts", "time", "date", "datetime", "when"];
const ID_NAMES: [&str; 2] = ["id", "key"];
const TITLE_NAMES: [&str; 3] = ["title", "name", "label"];
const GENRE_NAMES: [&str; 5] = ["genres", "genre", "tags", "categories", "category"];

/// Where each wanted column is (0-based), and whether line 1 is a header: found by name or
/// position, or as a person chose them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    pub user: usize,
    pub item: usize,
    /// `None`: implicit data.
    pub rating: Option<usize>,
    pub time: Option<usize>,
    pub header: bool,
}

/// The first rows of a ratings file whose columns could not be told apart, for a person to say
/// which is which.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnsPreview {
    pub file: String,
    /// Up to [`PREVIEW_ROWS`] lines, split into cells.
    pub rows: Vec<Vec<String>>,
    /// The most cells any previewed line has.
    pub width: usize,
    /// A starting choice: by name where any name is known, else by position.
    pub guess: Columns,
    /// Why the columns were not found by themselves.
    pub why: String,
}

pub const PREVIEW_ROWS: usize = 6;

/// What to show a person when `text` (the ratings file `file`) could not be read as `error`
/// says: a preview, when the trouble is which column is which (its first line) — not for a
/// malformed line further down, which no choice of columns mends.
pub fn preview(file: &str, text: &str, error: &DataError) -> Option<ColumnsPreview> {
    if error.file != file || error.line.is_some_and(|line| line > 2) {
        return None;
    }
    let (_, first) = numbered_lines(text).next()?;
    let separator = separator_of(first);
    let rows: Vec<Vec<String>> = numbered_lines(text)
        .take(PREVIEW_ROWS)
        .map(|(_, line)| {
            split_line(line, separator)
                .into_iter()
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect()
        })
        .collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if width < 2 {
        return None;
    }
    let cells: Vec<&str> = rows[0].iter().map(String::as_str).collect();
    let position = |names: &[&str]| cells.iter().position(|c| is_named(c, names));
    let header = cells.iter().any(|c| c.parse::<f64>().is_err())
        && rows
            .get(1)
            .is_some_and(|r| r.iter().any(|c| c.parse::<f64>().is_ok()));
    let user = position(&USER_NAMES).unwrap_or(0);
    let item = position(&ITEM_NAMES).unwrap_or(if user == 1 { 0 } else { 1 });
    let free = |k: usize| k < width && k != user && k != item;
    let guess = Columns {
        user,
        item,
        rating: position(&RATING_NAMES).or_else(|| (2..width).find(|&k| free(k))),
        time: position(&TIME_NAMES),
        header,
    };
    Some(ColumnsPreview {
        file: file.to_string(),
        rows,
        width,
        guess,
        why: error.to_string(),
    })
}

pub fn read(files: &MovieLensFiles) -> Result<Parsed, DataError> {
    let candidates: Vec<&str> = files.names().filter(|n| is_own_file_name(n)).collect();
    let Some(&first) = candidates.first() else {
        return Err(DataError::file(
            "the data",
            "holds no ratings file: expected MovieLens (u.data, ratings.dat or ratings.csv) or a \
             .csv, .tsv, .dat or .txt file of ratings",
        ));
    };
    // With two files, the one whose header names a title is the items file.
    let (ratings_name, items_name) = match candidates.as_slice() {
        [one] => (*one, None),
        [a, b] if is_items_table(files, b) => (*a, Some(*b)),
        [a, b] if is_items_table(files, a) => (*b, Some(*a)),
        _ => {
            return Err(DataError::file(
                first,
                format!(
                    "the data holds {} files ({}); expected one ratings file, and at most one \
                     items file whose header names a title",
                    candidates.len(),
                    candidates.join(", ")
                ),
            ));
        }
    };
    let mut table = read_ratings(ratings_name, files.text(ratings_name)?, files.columns())?;
    let titles = match items_name {
        Some(name) => read_items(name, files.text(name)?, &table.items)?,
        None => ItemsFile::default(),
    };
    let films = table.films(titles.titles);
    let scale = if table.implicit {
        RatingScale::IMPLICIT
    } else {
        detected_scale(ratings_name, &table.ratings)?
    };
    Ok(Parsed {
        release: Release::Own,
        ratings_file: ratings_name.to_string(),
        header_lines: usize::from(table.header),
        ratings: std::mem::take(&mut table.ratings),
        films,
        films_file: items_name.map(str::to_string),
        people: Vec::new(),
        people_file: None,
        genres: titles.vocabulary,
        scale,
    })
}

fn is_items_table(files: &MovieLensFiles, name: &str) -> bool {
    let Some(first) = files
        .get(name)
        .and_then(|b| std::str::from_utf8(b).ok())
        .and_then(|t| t.lines().next())
    else {
        return false;
    };
    let cells = split_line(first, separator_of(first));
    cells.iter().any(|c| is_named(c, &TITLE_NAMES))
        && !cells.iter().any(|c| is_named(c, &USER_NAMES))
}

fn find_columns(file: &str, first: &[&str]) -> Result<Columns, DataError> {
    let position = |names: &[&str]| first.iter().position(|c| is_named(c, names));
    if let (Some(user), Some(item)) = (position(&USER_NAMES), position(&ITEM_NAMES)) {
        return Ok(Columns {
            user,
            item,
            rating: position(&RATING_NAMES),
            time: position(&TIME_NAMES),
            header: true,
        });
    }
    let known = [&USER_NAMES[..], &ITEM_NAMES, &RATING_NAMES, &TIME_NAMES];
    if first
        .iter()
        .any(|c| known.iter().any(|names| is_named(c, names)))
    {
        return Err(DataError::line(
            file,
            1,
            format!(
                "the header ({}) should name a user column (user, userId or user_id) and an item \
                 column (item, itemId, item_id or movieId)",
                first.join(", ")
            ),
        ));
    }
    if first.len() < 2 {
        return Err(DataError::line(
            file,
            1,
            "found one column; expected user and item (then rating and timestamp), separated by \
             commas, tabs, semicolons, '|' or '::'",
        ));
    }
    Ok(Columns {
        user: 0,
        item: 1,
        rating: (first.len() >= 3).then_some(2),
        time: (first.len() >= 4).then_some(3),
        header: false,
    })
}

/// Columns a person chose, if they name distinct columns that the first line has.
fn check_chosen(file: &str, columns: Columns, width: usize) -> Result<Columns, DataError> {
    let used = [
        Some(columns.user),
        Some(columns.item),
        columns.rating,
        columns.time,
    ];
    let used: Vec<usize> = used.into_iter().flatten().collect();
    let distinct = used.iter().collect::<std::collections::HashSet<_>>().len() == used.len();
    if !distinct || used.iter().any(|&k| k >= width) {
        return Err(DataError::line(
            file,
            1,
            format!("the columns chosen must be different columns of the {width} the file has"),
        ));
    }
    Ok(columns)
}

struct RatingsTable {
    ratings: Vec<RawRating>,
    header: bool,
    items: Keys,
    implicit: bool,
}

impl RatingsTable {
    /// A film per rated item: its title from the items file, else its own id.
    fn films(&self, mut titles: HashMap<u32, (String, u64)>) -> Vec<Film> {
        let ids = self.items.ids();
        let numeric = self.items.numeric();
        self.items
            .names
            .iter()
            .enumerate()
            .map(|(k, key)| {
                let (title, genres) = titles.remove(&(k as u32)).unwrap_or_else(|| {
                    let title = if numeric {
                        format!("item {key}")
                    } else {
                        key.clone()
                    };
                    (title, 0)
                });
                Film {
                    id: ids[k],
                    year: year_from_title(&title),
                    title,
                    genres,
                }
            })
            .collect()
    }
}

fn read_ratings(
    file: &str,
    text: &str,
    chosen: Option<Columns>,
) -> Result<RatingsTable, DataError> {
    let Some((_, first)) = numbered_lines(text).next() else {
        return Err(DataError::file(file, "the file holds no ratings"));
    };
    let separator = separator_of(first);
    let columns = match chosen {
        Some(columns) => check_chosen(file, columns, split_line(first, separator).len())?,
        None => find_columns(file, &split_line(first, separator))?,
    };
    let (mut users, mut items) = (Keys::default(), Keys::default());
    let mut rows: Vec<(u32, u32, f32, u32)> = Vec::with_capacity(text.len() / 20);
    for_each_row(file, text, separator, columns.header, |n, cells| {
        let cell = |k: usize| cells.get(k).copied().unwrap_or("");
        let (user, item) = (cell(columns.user).trim(), cell(columns.item).trim());
        if user.is_empty() || item.is_empty() {
            return Err(DataError::line(file, n, "the user or the item is empty"));
        }
        let rating = match columns.rating {
            Some(k) => {
                let value = cell(k);
                match value.trim().parse::<f32>() {
                    Ok(r) if r.is_finite() => r,
                    _ => {
                        return Err(DataError::line(
                            file,
                            n,
                            format!("rating {value:?} is not a number"),
                        ));
                    }
                }
            }
            None => 1.0,
        };
        let time = match columns.time {
            Some(k) => timestamp(file, n, cell(k))?,
            None => 0,
        };
        rows.push((users.intern(user), items.intern(item), rating, time));
        Ok(())
    })?;
    if rows.is_empty() {
        return Err(DataError::file(file, "the file holds no ratings"));
    }
    let (user_ids, item_ids) = (users.ids(), items.ids());
    let implicit = columns.rating.is_none();
    let mut ratings: Vec<RawRating> = rows
        .into_iter()
        .map(|(u, i, rating, timestamp)| RawRating {
            user: user_ids[u as usize],
            item: item_ids[i as usize],
            rating,
            timestamp,
        })
        .collect();
    if implicit {
        // A log may name a pair many times; once is a positive.
        let mut seen = std::collections::HashSet::with_capacity(ratings.len());
        ratings.retain(|r| seen.insert((r.user, r.item)));
    }
    Ok(RatingsTable {
        ratings,
        header: columns.header,
        items,
        implicit,
    })
}

#[derive(Default)]
struct ItemsFile {
    /// Interned item → (title, genre bits).
    titles: HashMap<u32, (String, u64)>,
    vocabulary: Vec<String>,
}

fn read_items(file: &str, text: &str, rated: &Keys) -> Result<ItemsFile, DataError> {
    let Some((_, first)) = numbered_lines(text).next() else {
        return Ok(ItemsFile::default());
    };
    let separator = separator_of(first);
    let header = split_line(first, separator);
    let position = |names: &[&str]| header.iter().position(|c| is_named(c, names));
    let id = position(&ITEM_NAMES)
        .or_else(|| position(&ID_NAMES))
        .ok_or_else(|| {
            DataError::line(
                file,
                1,
                "the items file's header names no id column (item, movieId or id)",
            )
        })?;
    let title = position(&TITLE_NAMES).unwrap_or(usize::MAX);
    let genres = position(&GENRE_NAMES);
    let mut rows: Vec<(u32, String, String)> = Vec::new();
    for_each_row(file, text, separator, true, |_, cells| {
        let cell = |k: usize| cells.get(k).copied().unwrap_or("");
        if let Some(&k) = rated.index.get(cell(id).trim()) {
            let tags = genres.map(|g| cell(g).to_string()).unwrap_or_default();
            rows.push((k, cell(title).trim().to_string(), tags));
        }
        Ok(())
    })?;
    let lists: Vec<Vec<&str>> = rows
        .iter()
        .map(|(_, _, g)| {
            g.split(['|', ';'])
                .map(str::trim)
                .filter(|g| !g.is_empty())
                .collect()
        })
        .collect();
    let (vocabulary, bits) = genre_bits(&lists);
    let titles = rows
        .into_iter()
        .zip(bits)
        .map(|((k, title, _), bits)| (k, (title, bits)))
        .collect();
    Ok(ItemsFile { titles, vocabulary })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(name: &str, text: &str) -> Result<Parsed, DataError> {
        let mut files = MovieLensFiles::new();
        files.insert(name, text.as_bytes().to_vec());
        read(&files)
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let parsed = one(
            "mine.csv",
            "timestamp,item_id,score,user_id\n5,10,4,1\n6,11,2.5,2\n",
        )
        .unwrap();
        assert_eq!(parsed.release, Release::Own);
        let r = parsed.ratings[1];
        assert_eq!((r.user, r.item, r.rating, r.timestamp), (2, 11, 2.5, 6));
        assert_eq!(parsed.films[0].title, "item 10");
        assert_eq!(
            (parsed.scale.min, parsed.scale.max, parsed.scale.step),
            (2.5, 4.0, 0.5)
        );
    }

    #[test]
    fn headerless_files_take_columns_by_position_with_any_separator() {
        for (name, text) in [
            ("a.tsv", "1\t10\t4\t100\n2\t10\t5\t101\n"),
            ("a.dat", "1::10::4::100\n2::10::5::101\n"),
            ("a.txt", "1;10;4;100\r\n2;10;5;101\r\n\r\n"),
        ] {
            let parsed = one(name, text).unwrap();
            assert_eq!(parsed.ratings.len(), 2, "{name}");
            assert_eq!(parsed.ratings[1].timestamp, 101, "{name}");
            assert_eq!(
                parsed.scale,
                RatingScale {
                    min: 4.0,
                    max: 5.0,
                    step: 1.0,
                    implicit: false
                }
            );
        }
    }

    #[test]
    fn string_ids_are_numbered_in_sorted_order_and_titled_by_themselves() {
        let parsed = one(
            "log.csv",
            "user,item\nzoe,b-side\nadam,a-side\nzoe,b-side\n",
        )
        .unwrap();
        assert!(parsed.scale.implicit);
        assert_eq!(
            parsed.ratings.len(),
            2,
            "a repeated implicit pair counts once"
        );
        assert_eq!(
            (parsed.ratings[0].user, parsed.ratings[0].item),
            (2, 2),
            "zoe and b-side sort second"
        );
        let titles: Vec<_> = parsed
            .films
            .iter()
            .map(|f| (f.id, f.title.as_str()))
            .collect();
        assert_eq!(titles, vec![(2, "b-side"), (1, "a-side")]);
    }

    #[test]
    fn an_items_file_gives_titles_and_genres() {
        let mut files = MovieLensFiles::new();
        files.insert(
            "ratings.csv",
            b"userId,movieId,rating\n1,A7,4\n2,B9,5\n".to_vec(),
        );
        files.insert(
            "items.csv",
            "id,title,genres\nA7,\"Heat, The (1995)\",Crime|Drama\nB9,<b>Bold</b>,Drama\nC1,Unrated,Comedy\n"
                .as_bytes()
                .to_vec(),
        );
        let parsed = read(&files).unwrap();
        assert_eq!(parsed.films[0].title, "Heat, The (1995)");
        assert_eq!(parsed.films[0].year, Some(1995));
        assert_eq!(parsed.films[1].title, "<b>Bold</b>");
        assert_eq!(parsed.genres, vec!["Crime", "Drama"]);
        assert_eq!(parsed.films[0].genres, 0b11);
        assert_eq!(parsed.films_file.as_deref(), Some("items.csv"));
    }

    #[test]
    fn bad_rows_name_the_file_and_line() {
        let err = one("r.csv", "user,item,rating\n1,2,4\n1,3,good\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.csv, line 3: rating \"good\" is not a number"
        );
        let err = one("r.csv", "user,item,rating,ts\n1,2,4,then\n").unwrap_err();
        assert_eq!(err.line, Some(2));
        let err = one("r.csv", "person,thing,rating\n1,2,3\n").unwrap_err();
        assert!(
            err.to_string().starts_with("r.csv, line 1: the header"),
            "{err}"
        );
        let err = one("r.csv", "user,item\n1,\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "r.csv, line 2: the user or the item is empty"
        );
        let err = one("r.txt", "just one column\nhere\n").unwrap_err();
        assert!(err.to_string().contains("found one column"), "{err}");
        assert_eq!(one("r.csv", "1,2,3\n\n4,5,6\n").unwrap().ratings.len(), 2);
        let err = one("r.csv", "").unwrap_err();
        assert_eq!(err.to_string(), "r.csv: the file holds no ratings");
        assert!(
            read(&MovieLensFiles::new())
                .unwrap_err()
                .to_string()
                .contains("holds no ratings file")
        );
    }

    #[test]
    fn file_names_that_can_hold_ratings() {
        assert!(is_own_file_name("My Ratings.CSV"));
        assert!(is_own_file_name("x.tsv"));
        assert!(!is_own_file_name("notes.md"));
        assert!(!is_own_file_name(".csv"));
    }
}
