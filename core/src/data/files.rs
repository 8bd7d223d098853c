//! The raw bytes of a set of MovieLens files, from the page's own origin or from a zip a person
//! picked.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use super::error::DataError;

/// The files a [`super::Dataset`] cannot be built without.
pub const REQUIRED_FILES: [&str; 3] = ["u.data", "u.item", "u.user"];

/// File name (without folder) → contents.
#[derive(Debug, Clone, Default)]
pub struct MovieLensFiles {
    files: BTreeMap<String, Vec<u8>>,
}

/// Only these names are kept from a zip: the data, metadata and canonical split files.
fn is_movielens_name(name: &str) -> bool {
    matches!(
        name,
        "u.data" | "u.item" | "u.user" | "u.info" | "u.genre" | "u.occupation"
    ) || name
        .strip_suffix(".base")
        .or_else(|| name.strip_suffix(".test"))
        .is_some_and(|stem| matches!(stem, "u1" | "u2" | "u3" | "u4" | "u5" | "ua" | "ub"))
}

impl MovieLensFiles {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(name.to_string(), bytes);
    }

    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
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
        let mut files = Self::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if is_movielens_name(&name) {
                let bytes = std::fs::read(entry.path())
                    .map_err(|e| DataError::file(&name, format!("cannot be read ({e})")))?;
                files.insert(&name, bytes);
            }
        }
        Ok(files)
    }

    /// Reads a ML-100K zip as GroupLens ships it (`ml-100k/u.data`, …); folders are ignored, so a
    /// zip of the files alone works too.
    pub fn from_zip(zip_name: &str, bytes: &[u8]) -> Result<Self, DataError> {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| DataError::file(zip_name, format!("not a readable zip archive ({e})")))?;
        let mut files = Self::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).map_err(|e| {
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
            let name = full_name
                .rsplit('/')
                .next()
                .unwrap_or(&full_name)
                .to_string();
            if !is_movielens_name(&name) {
                continue;
            }
            let mut contents = Vec::with_capacity(entry.size() as usize);
            entry.read_to_end(&mut contents).map_err(|e| {
                DataError::file(
                    zip_name,
                    format!("{full_name} cannot be decompressed ({e})"),
                )
            })?;
            files.insert(&name, contents);
        }
        if let Some(missing) = REQUIRED_FILES.iter().find(|name| files.get(name).is_none()) {
            return Err(DataError::file(
                zip_name,
                format!("the archive holds no {missing}"),
            ));
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for (name, contents) in entries {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
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
}
