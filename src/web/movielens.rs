//! Loads the data: ML-100K from the page's own origin (`data/ml-100k/`), or whatever a person
//! picked or dropped — any MovieLens release's zip, or a ratings file of their own.

use std::cell::RefCell;

use filmspace_core::data::{Columns, ColumnsPreview, DataError, Dataset, MovieLensFiles};
use futures::future::join_all;

use filmspace_core::data::progress::ReadProgress;
use filmspace_core::protocol::{ReadReply, ReadRequest};

use super::fetch::fetch_bytes;
use super::schedule::next_macrotask;
use super::upload::file_bytes;
use crate::worker::client::WorkerClient;

/// Where the data lives, relative to the page. Demos and tests rely on this path.
pub const DATA_URL: &str = "data/ml-100k/";

/// The files fetched at start-up with their approximate sizes (for one overall progress bar).
/// `u.info` is small and lets the core catch a truncated `u.data`.
const FILES: [(&str, u64); 4] = [
    ("u.data", 1_979_173),
    ("u.item", 236_344),
    ("u.user", 22_628),
    ("u.info", 36),
];

/// Progress of the start-up download, 0.0–1.0, with the file being fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadProgress {
    pub fraction: f64,
    pub file: &'static str,
}

/// Why the built-in data did not load.
#[derive(Debug, Clone, PartialEq)]
pub enum OriginFailure {
    /// The page is hosted without data (GroupLens' files may not be redistributed): not an
    /// error, the person brings their own.
    NoData,
    Broken(DataError),
}

/// Fetches the ML-100K files side by side (index.html preloads them while the page's code
/// downloads) and builds the dataset. An error names the first failed file in `FILES` order.
pub async fn load_from_origin(
    on_progress: impl FnMut(LoadProgress),
) -> Result<Dataset, OriginFailure> {
    let expected: u64 = FILES.iter().map(|(_, size)| size).sum();
    let received = RefCell::new([0u64; FILES.len()]);
    let on_progress = RefCell::new(on_progress);
    let downloads = FILES.iter().enumerate().map(|(at, &(name, size))| {
        let (received, on_progress) = (&received, &on_progress);
        async move {
            let url = format!("{DATA_URL}{name}");
            fetch_bytes(&url, |bytes, total| {
                let this_file = total.unwrap_or(size).max(1);
                received.borrow_mut()[at] = bytes.min(this_file) * size / this_file;
                let done: u64 = received.borrow().iter().sum();
                (on_progress.borrow_mut())(LoadProgress {
                    fraction: (done as f64 / expected as f64).min(1.0),
                    file: name,
                });
            })
            .await
            .map_err(|e| (url, e))
        }
    });
    let results = join_all(downloads).await;
    if let Some(Err((_, e))) = results.first()
        && e.is_not_found()
    {
        return Err(OriginFailure::NoData);
    }
    let mut files = MovieLensFiles::new();
    for ((name, _), bytes) in FILES.iter().zip(results) {
        let bytes = bytes.map_err(|(url, e)| {
            let why = format!("could not be loaded from {url}: {}", e.0);
            OriginFailure::Broken(DataError::file(name, why))
        })?;
        files.insert(name, bytes);
    }
    Dataset::from_files(&files).map_err(OriginFailure::Broken)
}

/// Builds the dataset from a picked or dropped file: a zip of any release or one ratings file
/// (`.csv`, `.tsv`, `.dat`, `.txt`), read, unzipped and parsed in a worker of its own (ended once
/// it answers or the future is dropped, so the memory it took goes back and a cancelled read
/// stops); on the page when no worker can be made.
pub async fn load_from_file(
    file: web_sys::File,
    how: ReadAs,
    mut on_progress: impl FnMut(ReadProgress),
) -> Result<Opened, String> {
    let request = ReadRequest {
        name: file.name(),
        size: file.size() as u64,
        columns: match how {
            ReadAs::Whole(columns) => columns,
            ReadAs::CatalogueOnly => None,
        },
        catalogue_only: how == ReadAs::CatalogueOnly,
    };
    let reply = match WorkerClient::start(false) {
        Ok(worker) => worker
            .read(request, file, &mut on_progress)
            .await
            .map_err(|error| format!("it could not be read ({})", error.message()))?,
        Err(_) => ReadReply::of(&request, file_bytes(file).await?),
    };
    // Unpacking a million ratings is tens of milliseconds: a task of its own, not one with the
    // message's arrival.
    next_macrotask().await;
    match reply {
        ReadReply::Loaded(packed) => Dataset::unpack(*packed)
            .map(Opened::Data)
            .map_err(|e| e.to_string()),
        ReadReply::NeedsColumns(preview) => Ok(Opened::Choose(preview)),
        ReadReply::Refused(why) => Err(why),
        ReadReply::TooLargeButCatalogue(why) => Ok(Opened::CatalogueOffered(why)),
        ReadReply::Progress(_) => Err("the worker stopped half-way".into()),
    }
}

/// What of a picked file to read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadAs {
    /// All of it; a person's own file with the columns they chose, if they did.
    Whole(Option<Columns>),
    /// A release's film list alone (its ratings are too many for the page).
    CatalogueOnly,
}

/// What a picked file gave.
pub enum Opened {
    Data(Dataset),
    /// Its columns could not be told apart: the person chooses.
    Choose(Box<ColumnsPreview>),
    /// Its ratings are too many for the page (why), but its film list alone can be opened.
    CatalogueOffered(String),
}
