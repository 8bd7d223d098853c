//! The data set the page works on: the built-in ML-100K, or what a person picked or dropped (any
//! MovieLens release's zip, or their own ratings file). A file that cannot be used never replaces
//! data that loaded; a page hosted without data waits for some, without an error.

use std::sync::Arc;

use filmspace_core::data::{Dataset, ML100K_FINGERPRINT};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::movielens::{self, LoadProgress, OriginFailure};

/// The suffix of a data set's storage keys: none for GroupLens' ML-100K (its ratings and kept
/// model keep the keys they had before data sets had scopes), its fingerprint for any other, so
/// each data set keeps its own ratings and model and switching back finds them again.
pub fn storage_scope(dataset: &Dataset) -> String {
    match dataset.fingerprint() {
        ML100K_FINGERPRINT => String::new(),
        other => format!(".{other:016x}"),
    }
}

/// Where the dataset stands. `Ready` keeps where it came from, for the page to say.
#[derive(Debug, Clone)]
pub enum DataState {
    Loading(LoadProgress),
    Ready {
        dataset: Arc<Dataset>,
        source: String,
    },
    /// The page is hosted without data: the person brings some.
    Empty,
    Error(String),
}

#[derive(Clone, Copy)]
pub struct Data {
    pub state: RwSignal<DataState>,
    /// Why the last picked or dropped file was not used (the data shown stays).
    pub refusal: RwSignal<Option<String>>,
    /// A picked or dropped file is being read, unzipped and parsed.
    pub busy: RwSignal<bool>,
    /// The built-in ML-100K loaded at start, so the page can go back to it.
    pub builtin: RwSignal<bool>,
}

impl Data {
    pub fn new() -> Self {
        Self {
            state: RwSignal::new(DataState::Loading(LoadProgress {
                fraction: 0.0,
                file: "u.data",
            })),
            refusal: RwSignal::new(None),
            busy: RwSignal::new(false),
            builtin: RwSignal::new(false),
        }
    }

    pub fn dataset(self) -> Option<Arc<Dataset>> {
        match self.state.get_untracked() {
            DataState::Ready { dataset, .. } => Some(dataset),
            _ => None,
        }
    }

    /// Loads ML-100K from the page's origin; `use_dataset` takes it unless a picked file was
    /// used meanwhile. With `switching`, this is a way back: failures leave the data shown.
    pub fn load_builtin(
        self,
        switching: bool,
        use_dataset: impl Fn(Arc<Dataset>, String) + 'static,
    ) {
        let state = self.state;
        spawn_local(async move {
            let loaded = movielens::load_from_origin(|progress| {
                if !switching {
                    state.set(DataState::Loading(progress));
                }
            })
            .await;
            if !switching && matches!(state.get_untracked(), DataState::Ready { .. }) {
                return; // a file picked while the download ran wins
            }
            match loaded {
                Ok(dataset) => {
                    self.builtin.set(true);
                    use_dataset(Arc::new(dataset), movielens::DATA_URL.to_string());
                }
                Err(_) if switching => self
                    .refusal
                    .set(Some("MovieLens 100K could not be loaded again.".into())),
                Err(OriginFailure::NoData) => state.set(DataState::Empty),
                Err(OriginFailure::Broken(error)) => state.set(DataState::Error(format!(
                    "Could not load MovieLens 100K. {error}."
                ))),
            }
        });
    }

    /// Reads a picked or dropped file (a zip in a worker) and hands the data set to
    /// `use_dataset`; a bad one, or a file that could not be read, never replaces data that
    /// loaded.
    pub fn open(
        self,
        name: String,
        bytes: Result<Vec<u8>, String>,
        use_dataset: impl Fn(Arc<Dataset>, String) + 'static,
    ) {
        self.busy.set(true);
        spawn_local(async move {
            let loaded = match bytes {
                Ok(bytes) => movielens::load_from_file(name.clone(), bytes).await,
                Err(error) => Err(error),
            };
            self.busy.set(false);
            match loaded {
                Ok(dataset) => {
                    self.refusal.set(None);
                    use_dataset(Arc::new(dataset), name);
                }
                Err(error) => {
                    let message = format!("{name} was not used: {error}.");
                    match self.state.get_untracked() {
                        DataState::Ready { .. } | DataState::Empty => {
                            self.refusal.set(Some(message))
                        }
                        _ => self.state.set(DataState::Error(message)),
                    }
                }
            }
        });
    }
}
