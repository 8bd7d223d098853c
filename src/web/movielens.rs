//! Loads ML-100K from the page's own origin (`data/ml-100k/`) or from a zip a person picked.

use std::cell::RefCell;

use filmspace_core::data::{DataError, Dataset, MovieLensFiles};
use futures::future::join_all;

use filmspace_core::protocol::{UnzipReply, UnzipRequest};

use super::fetch::fetch_bytes;
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

/// Fetches the ML-100K files side by side (index.html preloads them while the page's code
/// downloads) and builds the dataset. An error names the first failed file in `FILES` order.
pub async fn load_from_origin(on_progress: impl FnMut(LoadProgress)) -> Result<Dataset, DataError> {
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
            .map_err(|e| DataError::file(name, format!("could not be loaded from {url}: {}", e.0)))
        }
    });
    let mut files = MovieLensFiles::new();
    for ((name, _), bytes) in FILES.iter().zip(join_all(downloads).await) {
        files.insert(name, bytes?);
    }
    Dataset::from_files(&files)
}

/// Builds the dataset from a picked ML-100K zip, unzipped in a worker of its own (ended once it
/// answers, so the memory it took goes back), or on the page when no worker can be made.
pub async fn load_from_zip(name: String, bytes: Vec<u8>) -> Result<Dataset, String> {
    let files = match WorkerClient::start() {
        Ok(worker) => match worker.unzip(UnzipRequest { name, bytes }).await {
            Ok(UnzipReply::Files(unzipped)) => {
                let mut files = MovieLensFiles::new();
                for file in unzipped {
                    files.insert(&file.name, file.bytes);
                }
                files
            }
            Ok(UnzipReply::Refused(why)) => return Err(why),
            Err(error) => return Err(format!("it could not be unzipped ({})", error.message())),
        },
        Err(_) => MovieLensFiles::from_zip(&name, &bytes).map_err(|e| e.to_string())?,
    };
    Dataset::from_files(&files).map_err(|e| e.to_string())
}
