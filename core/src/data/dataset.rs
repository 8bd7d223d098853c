use std::collections::HashSet;
use std::sync::{Arc, OnceLock};

use super::error::DataError;
use super::files::MovieLensFiles;
use super::formats::{self, Columns, ColumnsPreview, Parsed, RawRating, Release};
use super::id_index::IdIndex;
use super::progress::{self, ReadStage};
use super::scale::RatingScale;
use super::{Film, Person};
use crate::stats::RatingSummary;

/// A rating in dense 0-based ids: `user` indexes [`Dataset::people`], `item` indexes
/// [`Dataset::films`]. Dense ids keep the data set's id order, so "smaller item id" means the
/// same in both. Plain 16-byte data (no padding), so a data set's ratings travel as their bytes.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    serde::Serialize,
    serde::Deserialize,
    bytemuck::Pod,
    bytemuck::Zeroable,
)]
#[repr(C)]
pub struct Rating {
    pub user: u32,
    pub item: u32,
    pub value: f32,
    /// Seconds since 1970 (0 where the data has no time).
    pub timestamp: u32,
}

/// A data set parsed and checked: its items, people, and every rating in file order.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// Every rated item (and, in ML-100K, every item of `u.item`), sorted by id; the position is
    /// the dense item id.
    pub films: Vec<Film>,
    /// Every person who rated, sorted by id; the position is the dense user id.
    pub people: Vec<Person>,
    /// The ratings file in file order (ML-100K's canonical splits depend on that order).
    pub ratings: Vec<Rating>,
    /// The genre (or tag) names that `Film::genres` bits stand for; empty when items have none.
    pub genres: Vec<String>,
    pub scale: RatingScale,
    pub release: Release,
    fingerprint: u64,
    film_index: IdIndex,
    person_index: IdIndex,
    /// Made on first use, or sent with the data set by the worker that read it.
    summary: OnceLock<Arc<RatingSummary>>,
}

/// The position of the first rating whose (user, item) pair came before it. Sorting the pairs
/// finds whether any repeats (a hash set of them cost ten times as much in wasm); only then is
/// the file order walked for the line to name.
fn first_repeated_pair(ratings: &[Rating]) -> Option<usize> {
    let key = |r: &Rating| (u64::from(r.user) << 32) | u64::from(r.item);
    let mut keys: Vec<u64> = ratings.iter().map(key).collect();
    keys.sort_unstable();
    if !keys.windows(2).any(|pair| pair[0] == pair[1]) {
        return None;
    }
    drop(keys);
    let mut seen = HashSet::with_capacity(ratings.len());
    ratings.iter().position(|r| !seen.insert(key(r)))
}

fn is_zip(name: &str, bytes: &[u8]) -> bool {
    name.to_ascii_lowercase().ends_with(".zip") || bytes.starts_with(b"PK\x03\x04")
}

/// The ids `ratings` use, sorted and distinct.
fn rated_ids(ratings: &[RawRating], id: impl Fn(&RawRating) -> u32) -> Vec<u32> {
    let mut ids: Vec<u32> = ratings.iter().map(id).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Dataset {
    /// Builds the data set from whichever release (or own file) `files` holds. Every rating must
    /// name a known user and item, once per pair.
    pub fn from_files(files: &MovieLensFiles) -> Result<Self, DataError> {
        Self::from_files_and_rows(files, files.streamed_rows().map(<[_]>::to_vec))
    }

    /// [`Dataset::from_files`] taking `files`, so a streamed ratings file's rows are moved,
    /// never copied.
    pub fn from_owned_files(mut files: MovieLensFiles) -> Result<Self, DataError> {
        let rows = files.take_streamed();
        Self::from_files_and_rows(&files, rows)
    }

    fn from_files_and_rows(
        files: &MovieLensFiles,
        streamed: Option<Vec<RawRating>>,
    ) -> Result<Self, DataError> {
        let parsed = formats::read(files, streamed)?;
        let rows = parsed.ratings.len() as u64;
        progress::report(ReadStage::Indexing, &parsed.ratings_file, 0, 0, rows);
        Self::from_parsed(parsed)
    }

    /// Bytes the data set holds (its rows, titles and id maps; not the indexes and splits
    /// built from it), for the page to state.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let text = |s: &Option<String>| s.as_ref().map_or(0, String::capacity);
        let titles: usize = self.films.iter().map(|f| f.title.capacity()).sum();
        let people: usize = self
            .people
            .iter()
            .map(|p| text(&p.occupation) + text(&p.zip))
            .sum();
        let maps = self.film_index.memory_bytes() + self.person_index.memory_bytes();
        self.ratings.capacity() * size_of::<Rating>()
            + self.films.capacity() * size_of::<Film>()
            + titles
            + self.people.capacity() * size_of::<Person>()
            + people
            + maps
    }

    /// Builds the data set from a file a person picked or dropped: a zip of any release (read
    /// within the page's limits), or one ratings file of their own.
    pub fn from_picked(name: &str, bytes: &[u8]) -> Result<Self, DataError> {
        Self::from_picked_with(name, bytes, None)
    }

    /// [`Dataset::from_picked`], a person's own ratings file read with the `columns` they chose.
    pub fn from_picked_with(
        name: &str,
        bytes: &[u8],
        columns: Option<Columns>,
    ) -> Result<Self, DataError> {
        let mut files = if is_zip(name, bytes) {
            MovieLensFiles::from_zip(name, bytes)?
        } else {
            let mut files = MovieLensFiles::new();
            files.insert(name, bytes.to_vec());
            files
        };
        files.set_columns(columns);
        Self::from_owned_files(files)
    }

    /// Only the film list of a release's zip (its ratings were too many for the page): no
    /// ratings, no people; a model trained elsewhere (a bundle) is explored on it.
    pub fn catalogue_from_zip(name: &str, bytes: &[u8]) -> Result<Self, DataError> {
        let files = MovieLensFiles::catalogue_from_zip(name, bytes)?;
        Self::from_parsed(formats::read_catalogue(&files)?)
    }

    /// A film list without ratings: nothing trains on it, a bundle's model serves.
    pub fn is_catalogue_only(&self) -> bool {
        self.ratings.is_empty()
    }

    /// Why a picked file was not read, with a preview of its first rows when the trouble is
    /// which of its columns is which (a single own ratings file, not an archive).
    pub fn columns_preview(name: &str, bytes: &[u8], error: &DataError) -> Option<ColumnsPreview> {
        if is_zip(name, bytes) {
            return None;
        }
        let text =
            std::str::from_utf8(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)).ok()?;
        formats::preview(name, text, error)
    }

    /// Builds the data set from a reader's output: items sorted by id (only rated ones, except
    /// ML-100K, which keeps `u.item` whole), people from the users file or from the ratings.
    pub fn from_parsed(parsed: Parsed) -> Result<Self, DataError> {
        let Parsed {
            release,
            ratings_file,
            header_lines,
            ratings: raw,
            mut films,
            films_file,
            mut people,
            people_file,
            genres,
            scale,
        } = parsed;
        films.sort_by_key(|f| f.id);
        let films_file = films_file.unwrap_or_else(|| ratings_file.clone());
        IdIndex::new(&films_file, &films, |f| f.id)?;
        // A catalogue alone (no ratings: the release's were too many) keeps every film.
        if release != Release::Ml100k && !raw.is_empty() {
            let rated = rated_ids(&raw, |r| r.item);
            films.retain(|f| rated.binary_search(&f.id).is_ok());
        }
        let people_file = match people_file {
            Some(file) => {
                people.sort_by_key(|p| p.id);
                file
            }
            None => {
                people = rated_ids(&raw, |r| r.user)
                    .into_iter()
                    .map(Person::unknown)
                    .collect();
                ratings_file.clone()
            }
        };
        let film_index = IdIndex::new(&films_file, &films, |f| f.id)?;
        let person_index = IdIndex::new(&people_file, &people, |p| p.id)?;
        let mut dataset = Self {
            films,
            people,
            ratings: Vec::new(),
            genres,
            scale,
            release,
            fingerprint: 0,
            film_index,
            person_index,
            summary: OnceLock::new(),
        };
        let names = (films_file.as_str(), people_file.as_str());
        dataset.ratings = dataset.densify_from(&ratings_file, header_lines, raw, names)?;
        // Parsers grow their rows by doubling: the page keeps the data set for its life.
        dataset.ratings.shrink_to_fit();
        if let Some(n) = first_repeated_pair(&dataset.ratings) {
            return Err(DataError::line(
                &ratings_file,
                n + 1 + header_lines,
                "this user rated this item already",
            ));
        }
        dataset.fingerprint = dataset.hash();
        Ok(dataset)
    }

    /// A data set from parts already checked and in dense ids (a packed one, unpacked); the
    /// indexes are rebuilt, the fingerprint is the one it was packed with.
    pub(super) fn assemble(
        films: Vec<Film>,
        people: Vec<Person>,
        ratings: Vec<Rating>,
        (genres, scale, release): (Vec<String>, RatingScale, Release),
        fingerprint: u64,
    ) -> Result<Self, DataError> {
        let what = "the data read by the worker";
        Ok(Self {
            film_index: IdIndex::new(what, &films, |f| f.id)?,
            person_index: IdIndex::new(what, &people, |p| p.id)?,
            films,
            people,
            ratings,
            genres,
            scale,
            release,
            fingerprint,
            summary: OnceLock::new(),
        })
    }

    /// Converts ratings in the data set's ids (a split file, say) to dense ids; an unknown id is
    /// an error naming the file and line.
    pub fn densify(&self, file: &str, raw: &[RawRating]) -> Result<Vec<Rating>, DataError> {
        self.densify_from(file, 0, raw.to_vec(), ("u.item", "u.user"))
    }

    /// `raw` in dense ids, converted where it lies (a rating and a raw one are the same size, so
    /// 25 million rows are never held twice).
    fn densify_from(
        &self,
        file: &str,
        header_lines: usize,
        raw: Vec<RawRating>,
        (films_file, people_file): (&str, &str),
    ) -> Result<Vec<Rating>, DataError> {
        let mut unknown: Option<(usize, RawRating)> = None;
        let ratings: Vec<Rating> = raw
            .into_iter()
            .enumerate()
            .map(|(n, r)| {
                let user = self.person_index.get(r.user);
                let item = self.film_index.get(r.item);
                if user.is_none() || item.is_none() {
                    unknown.get_or_insert((n, r));
                }
                Rating {
                    user: user.unwrap_or(0),
                    item: item.unwrap_or(0),
                    value: r.rating,
                    timestamp: r.timestamp,
                }
            })
            .collect();
        let Some((n, r)) = unknown else {
            return Ok(ratings);
        };
        let line = n + 1 + header_lines;
        let why = match self.person_index.get(r.user) {
            None => format!("user {} is not in {people_file}", r.user),
            Some(_) => format!("item {} is not in {films_file}", r.item),
        };
        Err(DataError::line(file, line, why))
    }

    /// A short name for the data set: "MovieLens 1M", "your own ratings".
    pub fn label(&self) -> &'static str {
        self.release.label()
    }

    /// Whether the people come with age, gender and occupation (ML-100K, ML-1M).
    pub fn has_demographics(&self) -> bool {
        self.people.iter().any(|p| p.gender.is_some())
    }

    /// Whether items come with genres (or tags) a classifier can learn.
    pub fn has_genres(&self) -> bool {
        !self.genres.is_empty() && self.films.iter().any(|f| f.genres != 0)
    }

    /// Genres that say nothing ("unknown" in ML-100K), left out of pickers and legends.
    pub fn is_placeholder_genre(&self, genre: usize) -> bool {
        self.genres
            .get(genre)
            .is_some_and(|g| crate::recommend::onboarding::is_placeholder_genre(g))
    }

    /// A 64-bit FNV-1a hash of the layout, the ids and every rating: the same data gives the
    /// same fingerprint wherever it is loaded, so what is stored per data set finds its way back.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn hash(&self) -> u64 {
        let mut hash = Fnv::new();
        hash.write(self.release.label().as_bytes());
        for film in &self.films {
            hash.write(&film.id.to_le_bytes());
        }
        for person in &self.people {
            hash.write(&person.id.to_le_bytes());
        }
        for r in &self.ratings {
            hash.write(&r.user.to_le_bytes());
            hash.write(&r.item.to_le_bytes());
            hash.write(&r.value.to_le_bytes());
        }
        hash.0
    }

    /// Per-user and per-item views of `ratings` (a split's part, or all) on this data set's scale.
    pub fn index(&self, ratings: &[Rating]) -> super::RatingIndex {
        super::RatingIndex::new(ratings, self.n_users(), self.n_items()).on_scale(self.scale)
    }

    /// The film's genres, "Action, Comedy" (empty when it has none).
    pub fn genre_text(&self, film: &Film) -> String {
        film.genre_names(&self.genres).join(", ")
    }

    /// The genres a person can pick or a legend lists: all but placeholders, with their bits.
    pub fn listed_genres(&self) -> Vec<(usize, String)> {
        (0..self.genres.len())
            .filter(|&g| !self.is_placeholder_genre(g))
            .map(|g| (g, self.genres[g].clone()))
            .collect()
    }

    /// One pass over the ratings, made once: per-film counts and means, the histogram.
    pub fn summary(&self) -> &Arc<RatingSummary> {
        self.summary
            .get_or_init(|| Arc::new(RatingSummary::of(&self.ratings, self.n_items(), self.scale)))
    }

    /// Keeps `summary` as this data set's, where it fits it; whether it did.
    pub fn keep_summary(&self, summary: Arc<RatingSummary>) -> bool {
        summary.fits(self) && self.summary.set(summary).is_ok()
    }

    /// How many ratings each item has (dense ids).
    pub fn ratings_per_item(&self) -> Vec<u32> {
        self.summary().films.counts.clone()
    }

    /// Number of distinct items with at least one rating.
    pub fn n_rated_items(&self) -> usize {
        self.summary()
            .films
            .counts
            .iter()
            .filter(|&&c| c > 0)
            .count()
    }

    pub fn n_users(&self) -> usize {
        self.people.len()
    }

    pub fn n_items(&self) -> usize {
        self.films.len()
    }

    /// Dense item id of the data set's item id.
    pub fn item_of(&self, movielens_id: u32) -> Option<u32> {
        self.film_index.get(movielens_id)
    }

    /// Dense user id of the data set's user id.
    pub fn user_of(&self, movielens_id: u32) -> Option<u32> {
        self.person_index.get(movielens_id)
    }

    /// Fraction of the user × film matrix without a rating.
    pub fn sparsity(&self) -> f64 {
        let cells = self.n_users() as f64 * self.n_items() as f64;
        // A film list without people or ratings is all empty, not 0/0.
        if cells == 0.0 {
            return 1.0;
        }
        1.0 - self.ratings.len() as f64 / cells
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
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
    fn a_film_list_alone_keeps_every_film_and_has_nothing_filled() {
        let mut files = tiny_files();
        files.remove("u.data");
        let films = Dataset::from_parsed(formats::read_catalogue(&files).unwrap()).unwrap();
        assert!(films.is_catalogue_only());
        assert_eq!((films.n_items(), films.n_users()), (2, 0));
        assert_eq!(films.sparsity(), 1.0);
        // Three ratings of 2 people × 2 films: one cell of four is empty.
        assert_eq!(Dataset::from_files(&tiny_files()).unwrap().sparsity(), 0.25);
    }

    #[test]
    fn a_pair_rated_twice_or_an_id_listed_twice_names_where() {
        let mut files = tiny_files();
        files.insert(
            "u.data",
            b"2\t10\t4\t5\n1\t10\t5\t6\n1\t20\t1\t7\n2\t20\t3\t8\n1\t10\t2\t9\n".to_vec(),
        );
        let error = Dataset::from_files(&files).unwrap_err().to_string();
        let expected = DataError::line("u.data", 5, "this user rated this item already");
        assert_eq!(error, expected.to_string());
        let mut files = tiny_files();
        let flags = "|0".repeat(19);
        files.insert(
            "u.item",
            format!("20|B (1990)|||{flags}\n10|A (1980)|||{flags}\n20|C (1999)|||{flags}\n")
                .into_bytes(),
        );
        let error = Dataset::from_files(&files).unwrap_err().to_string();
        assert_eq!(
            error,
            DataError::file("u.item", "id 20 appears twice").to_string()
        );
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
