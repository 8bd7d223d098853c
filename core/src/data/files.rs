//! The raw bytes of a data set's files, from the page's own origin, a folder, a picked file, or a
//! zip a person picked.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::{Path, PathBuf};

use super::error::DataError;
use super::formats::streamed::{self, StreamedLayout};
use super::formats::{Columns, RELEASE_FILES, RawRating, is_own_file_name, missing_companion};
use super::limits::{MAX_STREAMED_FILE_BYTES, ZipLimits, human_bytes};
use super::progress::{self, ReadStage};

/// File name (without folder) → contents.
#[derive(Debug, Clone, Default)]
pub struct MovieLensFiles {
    files: BTreeMap<String, Vec<u8>>,
    /// Which column of a person's own ratings file is which, when they chose it.
    columns: Option<Columns>,
    /// A release's ratings file parsed as it was unzipped (its text was never held): its name
    /// and rows.
    streamed: Option<(String, Vec<RawRating>)>,
}

/// The names a MovieLens release is read from: its data, metadata and canonical split files
/// (`tags.csv`, `links.csv`, `genome-*` and READMEs are left in the archive).
fn is_release_name(name: &str) -> bool {
    RELEASE_FILES.contains(&name)
        || matches!(name, "u.info" | "u.genre" | "u.occupation")
        || name
            .strip_suffix(".base")
            .or_else(|| name.strip_suffix(".test"))
            .is_some_and(|stem| matches!(stem, "u1" | "u2" | "u3" | "u4" | "u5" | "ua" | "ub"))
}

/// Which of `names` (base names) to keep: a release's files when any is there, else every file
/// that may hold a person's own ratings (and items).
fn kept_names<'a>(mut names: impl Iterator<Item = &'a str>) -> Box<dyn Fn(&str) -> bool> {
    let release = names.any(is_release_name);
    Box::new(move |name: &str| {
        if release {
            is_release_name(name)
        } else {
            is_own_file_name(name) && !name.starts_with("._")
        }
    })
}

impl MovieLensFiles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops a file (tests build layouts by editing another).
    pub fn remove(&mut self, name: &str) -> Option<Vec<u8>> {
        self.files.remove(name)
    }

    /// Keeps a file; a UTF-8 byte-order mark that some editors write first is dropped.
    pub fn insert(&mut self, name: &str, mut bytes: Vec<u8>) {
        if bytes.starts_with(b"\xef\xbb\xbf") {
            bytes.drain(..3);
        }
        self.files.insert(name.to_string(), bytes);
    }

    /// Reads a person's own ratings file with these columns instead of finding them.
    pub fn set_columns(&mut self, columns: Option<Columns>) {
        self.columns = columns;
    }

    pub fn columns(&self) -> Option<Columns> {
        self.columns
    }

    /// A held file's contents (not a streamed ratings file's: [`MovieLensFiles::has`]).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }

    /// Whether the data set has this file, held or streamed.
    pub fn has(&self, name: &str) -> bool {
        self.files.contains_key(name) || self.streamed_name() == Some(name)
    }

    /// The name of the ratings file parsed as it was unzipped, if one was.
    pub fn streamed_name(&self) -> Option<&str> {
        self.streamed.as_ref().map(|(name, _)| name.as_str())
    }

    /// The streamed ratings file's rows.
    pub fn streamed_rows(&self) -> Option<&[RawRating]> {
        self.streamed.as_ref().map(|(_, rows)| rows.as_slice())
    }

    /// The streamed ratings file's rows, moved out (the reader that turns them into a data set
    /// owns them: nothing keeps 25 million rows twice); its name stays.
    pub fn take_streamed(&mut self) -> Option<Vec<RawRating>> {
        self.streamed.as_mut().map(|(_, rows)| std::mem::take(rows))
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The contents of a required text file, which must be present and UTF-8 (ASCII in ML-100K).
    pub fn text(&self, name: &str) -> Result<&str, DataError> {
        let bytes = self
            .get(name)
            .ok_or_else(|| DataError::file(name, "the file is missing"))?;
        std::str::from_utf8(bytes).map_err(|e| {
            DataError::file(
                name,
                format!(
                    "not a text file (invalid UTF-8 at byte {})",
                    e.valid_up_to()
                ),
            )
        })
    }

    /// The data folder of a checkout (`public/data/ml-100k/`, made by `scripts/fetch-data`), or
    /// `$FILMSPACE_DATA`: where native tests, examples and benchmarks read the real files.
    pub fn default_dir() -> PathBuf {
        std::env::var_os("FILMSPACE_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public/data/ml-100k")
            })
    }

    /// Reads every MovieLens file of a folder (natively; the page fetches or unzips instead).
    pub fn from_dir(dir: &Path) -> Result<Self, DataError> {
        let folder = dir.display().to_string();
        let entries = std::fs::read_dir(dir)
            .map_err(|e| DataError::file(&folder, format!("cannot be read ({e})")))?;
        let entries: Vec<_> = entries.flatten().collect();
        let names: Vec<String> = entries
            .iter()
            .map(|e| e.file_name().to_string_lossy().to_string())
            .collect();
        let keep = kept_names(names.iter().map(String::as_str));
        let mut files = Self::new();
        for (entry, name) in entries.iter().zip(&names) {
            if keep(name) {
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| DataError::file(name, format!("cannot be read ({e})")))?;
                files.insert(name, bytes);
            }
        }
        Ok(files)
    }

    /// Reads a zip as GroupLens ships each release (`ml-100k/u.data`, `ml-1m/ratings.dat`,
    /// `ml-25m/ratings.csv`, …), or of a person's own files, within the page's limits; folders
    /// are ignored, so a zip of the files alone works too.
    pub fn from_zip(zip_name: &str, bytes: &[u8]) -> Result<Self, DataError> {
        Self::from_zip_within(zip_name, bytes, ZipLimits::TAB)
    }

    /// [`MovieLensFiles::from_zip`] with explicit limits. An entry is refused by the size it
    /// declares before it is unzipped, and read with a bound, so a zip that lies about its sizes
    /// (a "zip bomb") stops at the limit too. Names may use `/` or `\\`; two kept files with one
    /// name are an error, not one silently replacing the other.
    pub fn from_zip_within(
        zip_name: &str,
        bytes: &[u8],
        limits: ZipLimits,
    ) -> Result<Self, DataError> {
        let files = Self::unzip(zip_name, bytes, limits, |all| {
            kept_names(all.iter().map(String::as_str))
        })?;
        if let Some(missing) = missing_companion(&files) {
            return Err(DataError::file(
                zip_name,
                format!("the archive holds no {missing}"),
            ));
        }
        if files.names().next().is_none() && files.streamed.is_none() {
            return Err(DataError::file(
                zip_name,
                "the archive holds no ratings: expected a MovieLens release (u.data, ratings.dat \
                 or ratings.csv) or a .csv, .tsv, .dat or .txt file of ratings",
            ));
        }
        Ok(files)
    }

    /// Only a release's film list (`u.item`, `movies.dat` or `movies.csv`, with `users.dat`'s
    /// name kept to tell ML-1M from ML-10M): what a page holds of a release whose ratings are too
    /// many for it, to explore a model trained elsewhere.
    pub fn catalogue_from_zip(zip_name: &str, bytes: &[u8]) -> Result<Self, DataError> {
        let files = Self::unzip(zip_name, bytes, ZipLimits::TAB, |_| {
            Box::new(|name: &str| CATALOGUE_FILES.contains(&name))
        })?;
        if !CATALOGUE_FILES[..3]
            .iter()
            .any(|name| files.get(name).is_some())
        {
            return Err(DataError::file(
                zip_name,
                "the archive holds no film list (u.item, movies.dat or movies.csv)",
            ));
        }
        Ok(files)
    }

    /// The archive's entries that `keep` (made from every entry's base name) keeps, each read
    /// within `limits`.
    fn unzip(
        zip_name: &str,
        bytes: &[u8],
        limits: ZipLimits,
        keep: impl FnOnce(&[String]) -> Box<dyn Fn(&str) -> bool>,
    ) -> Result<Self, DataError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| DataError::file(zip_name, format!("not a readable zip archive ({e})")))?;
        let all: Vec<String> = archive
            .file_names()
            .filter_map(Result::ok)
            .filter(|n| !n.starts_with("__MACOSX/"))
            .map(|n| base_name(&n).to_string())
            .collect();
        let keep = keep(&all);
        let mut files = Self::new();
        let mut found_at: BTreeMap<String, String> = BTreeMap::new();
        let mut total = 0u64;
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(|e| {
                DataError::file(zip_name, format!("entry {i} cannot be read ({e})"))
            })?;
            if entry.is_dir() {
                continue;
            }
            let full_name = entry
                .name()
                .map_err(|e| {
                    DataError::file(zip_name, format!("entry {i} has an unreadable name ({e})"))
                })?
                .to_string();
            let name = base_name(&full_name);
            if full_name.starts_with("__MACOSX/") || !keep(name) {
                continue;
            }
            if let Some(first) = found_at.get(name) {
                return Err(DataError::file(
                    zip_name,
                    format!("the archive holds {name} twice ({first} and {full_name}); keep one"),
                ));
            }
            let declared = entry.size();
            let unzipped = entry.compressed_size() + entry.data_start().unwrap_or(0);
            progress::report(ReadStage::Unzipping, name, unzipped, bytes.len() as u64, 0);
            let entry_at = (zip_name, full_name.as_str());
            found_at.insert(name.to_string(), full_name.clone());
            // Only a ratings file is buffered to look at its head: a larger read of any other
            // entry would meet a lying zip's excess before its declared bytes.
            let contents = if matches!(name, "ratings.dat" | "ratings.csv") {
                let mut entry = BufReader::with_capacity(1 << 20, entry);
                let head = entry.fill_buf().unwrap_or_default();
                if let Some(layout) = streamed::streamed_layout(name, head) {
                    let rows = read_streamed(entry_at, name, declared, entry, layout)?;
                    files.streamed = Some((name.to_string(), rows));
                    continue;
                }
                read_bounded(entry_at, declared, &mut entry, limits, total)?
            } else {
                let mut entry = entry;
                read_bounded(entry_at, declared, &mut entry, limits, total)?
            };
            total += contents.len() as u64;
            files.insert(name, contents);
        }
        Ok(files)
    }
}

/// A release's ratings file parsed as it is unzipped, refused first when it declares more
/// than a streamed file may hold.
fn read_streamed(
    (zip_name, full_name): (&str, &str),
    name: &str,
    declared: u64,
    entry: impl BufRead,
    layout: StreamedLayout,
) -> Result<Vec<RawRating>, DataError> {
    if declared > MAX_STREAMED_FILE_BYTES {
        let (size, limit) = (human_bytes(declared), human_bytes(MAX_STREAMED_FILE_BYTES));
        return Err(DataError::too_large(
            zip_name,
            format!(
                "{full_name} declares {size} uncompressed, more than the {limit} of ratings \
                 this page reads (a browser tab's memory)"
            ),
        ));
    }
    streamed::parse(name, entry, layout, declared)
}

/// The film lists a catalogue is read from, then the file that marks ML-1M among `.dat` releases.
const CATALOGUE_FILES: [&str; 4] = ["u.item", "movies.dat", "movies.csv", "users.dat"];

/// The file name of an entry, without its folders (`/` or `\\`, as some Windows tools write).
fn base_name(full_name: &str) -> &str {
    full_name.rsplit(['/', '\\']).next().unwrap_or(full_name)
}

/// An entry's contents, refused when it declares or turns out to hold more than a file may, or
/// than is left of the archive's total once `used` bytes are taken.
fn read_bounded(
    (zip_name, full_name): (&str, &str),
    declared: u64,
    entry: &mut impl Read,
    limits: ZipLimits,
    used: u64,
) -> Result<Vec<u8>, DataError> {
    let left = limits.total.saturating_sub(used);
    let allowed = limits.per_file.min(left);
    let limit = if allowed == limits.per_file {
        format!("the {} a file may hold", human_bytes(allowed))
    } else {
        let total = human_bytes(limits.total);
        format!(
            "the {} left of the {total} all files may hold",
            human_bytes(left)
        )
    };
    let memory = "in this page (a browser tab's memory)";
    if declared > allowed {
        let size = human_bytes(declared);
        return Err(DataError::too_large(
            zip_name,
            format!("{full_name} declares {size} uncompressed, more than {limit} {memory}"),
        ));
    }
    let mut contents = Vec::with_capacity(declared as usize);
    if let Err(e) = entry.take(allowed + 1).read_to_end(&mut contents) {
        // The zip reader stops an entry at its declared size and fails if more follows.
        let message = if contents.len() as u64 >= declared {
            let size = human_bytes(declared);
            format!("{full_name} unzips to more than the {size} it declares (a crafted zip?)")
        } else {
            format!("{full_name} cannot be decompressed ({e})")
        };
        return Err(DataError::file(zip_name, message));
    }
    if contents.len() as u64 > allowed {
        let size = human_bytes(declared);
        return Err(DataError::file(
            zip_name,
            format!("{full_name} unzips to more than {limit} {memory}, though it declares {size}"),
        ));
    }
    Ok(contents)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, contents) in entries {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            writer.start_file(*name, options).unwrap();
            writer.write_all(contents).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn reads_files_from_a_folder_in_the_zip_and_skips_others() {
        let bytes = zip_of(&[
            ("ml-100k/u.data", b"1\t1\t5\t0\n"),
            ("ml-100k/u.item", b"x"),
            ("ml-100k/u.user", b"y"),
            ("ml-100k/README", b"z"),
            ("ml-100k/u1.base", b"w"),
        ]);
        let files = MovieLensFiles::from_zip("ml-100k.zip", &bytes).unwrap();
        assert_eq!(
            files.names().collect::<Vec<_>>(),
            vec!["u.data", "u.item", "u.user", "u1.base"]
        );
        assert_eq!(files.text("u.data").unwrap(), "1\t1\t5\t0\n");
    }

    #[test]
    fn junk_and_incomplete_archives_are_clear_errors() {
        let err =
            MovieLensFiles::from_zip("junk.zip", b"\x00\x01 definitely not a zip").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("junk.zip: not a readable zip archive"),
            "{err}"
        );
        let bytes = zip_of(&[("u.data", b"1\t1\t5\t0\n"), ("u.user", b"")]);
        let err = MovieLensFiles::from_zip("part.zip", &bytes).unwrap_err();
        assert_eq!(err.to_string(), "part.zip: the archive holds no u.item");
    }

    #[test]
    fn binary_text_files_are_rejected() {
        let mut files = MovieLensFiles::new();
        files.insert("u.data", vec![b'1', 0xff, 0xfe]);
        assert_eq!(
            files.text("u.data").unwrap_err().to_string(),
            "u.data: not a text file (invalid UTF-8 at byte 1)"
        );
        assert_eq!(
            files.text("u.user").unwrap_err().to_string(),
            "u.user: the file is missing"
        );
    }

    fn declaring(bytes: Vec<u8>, size: u32) -> Vec<u8> {
        crate::data::synthetic::declaring(bytes, "", size)
    }

    const SMALL: ZipLimits = ZipLimits {
        per_file: 1 << 20,
        total: 3 << 19,
    };

    fn refusal(bytes: &[u8], limits: ZipLimits) -> String {
        MovieLensFiles::from_zip_within("crafted.zip", bytes, limits)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn an_entry_declaring_more_than_a_tab_holds_is_refused_before_it_is_read() {
        let bytes = declaring(zip_of(&[("ml-100k/u.data", b"1\t1\t5\t0\n")]), 3 << 30);
        assert_eq!(
            refusal(&bytes, ZipLimits::TAB),
            "crafted.zip: ml-100k/u.data declares 3 GiB uncompressed, more than the 256 MiB a \
             file may hold in this page (a browser tab's memory)"
        );
    }

    #[test]
    fn a_zip_bomb_stops_at_the_limit_whatever_it_declares() {
        let zeros = vec![b'0'; 2 << 20];
        let honest = zip_of(&[("u.data", &zeros)]);
        assert!(
            honest.len() < 20_000,
            "2 MiB of zeros deflate to {}",
            honest.len()
        );
        assert!(
            refusal(&honest, SMALL)
                .contains("u.data declares 2 MiB uncompressed, more than the 1 MiB")
        );
        let lying = declaring(honest, 100);
        assert_eq!(
            refusal(&lying, SMALL),
            "crafted.zip: u.data unzips to more than the 100 bytes it declares (a crafted zip?)"
        );
    }

    #[test]
    fn the_files_together_are_capped_too() {
        let part = vec![b'1'; 1 << 20];
        let bytes = zip_of(&[("u.data", &part), ("u.item", &part), ("u.user", b"")]);
        assert_eq!(
            refusal(&bytes, SMALL),
            "crafted.zip: u.item declares 1 MiB uncompressed, more than the 512 KiB left of the \
             1.5 MiB all files may hold in this page (a browser tab's memory)"
        );
    }

    #[test]
    fn backslash_folders_are_read_and_a_name_kept_twice_is_an_error() {
        let bytes = zip_of(&[
            ("ml-100k\\u.data", b"1\t1\t5\t0\n"),
            ("ml-100k\\u.item", b"x"),
            ("ml-100k\\u.user", b"y"),
        ]);
        let files = MovieLensFiles::from_zip("windows.zip", &bytes).unwrap();
        assert_eq!(files.text("u.data").unwrap(), "1\t1\t5\t0\n");
        let twice = zip_of(&[
            ("ml-100k/u.data", b"1\t1\t5\t0\n"),
            ("copy/u.data", b"2\t1\t5\t0\n"),
        ]);
        assert_eq!(
            MovieLensFiles::from_zip("twice.zip", &twice)
                .unwrap_err()
                .to_string(),
            "twice.zip: the archive holds u.data twice (ml-100k/u.data and copy/u.data); keep one"
        );
    }

    #[test]
    fn a_byte_order_mark_is_not_part_of_the_first_line() {
        let bytes = zip_of(&[
            ("u.data", b"\xef\xbb\xbf1\t1\t5\t0\n"),
            ("u.item", b"x"),
            ("u.user", b"y"),
        ]);
        let files = MovieLensFiles::from_zip("bom.zip", &bytes).unwrap();
        assert_eq!(files.text("u.data").unwrap(), "1\t1\t5\t0\n");
    }
}
