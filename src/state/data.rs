//! The data set the page works on: the built-in ML-100K, or what a person picked or dropped (any
//! MovieLens release's zip, or their own ratings file). A file that cannot be used never replaces
//! data that loaded; a page hosted without data waits for some, without an error.

use std::sync::Arc;

use filmspace_core::data::progress::ReadProgress;
use filmspace_core::data::{Columns, ColumnsPreview, Dataset, ML100K_FINGERPRINT};
use futures::channel::oneshot;
use futures::future::{Either, select};
use leptos::prelude::*;
use leptos::task::spawn_local;

use filmspace_core::data::limits::TOO_LARGE_FOR_A_TAB;

use crate::web::movielens::{self, LoadProgress, Opened, OriginFailure, ReadAs};
use crate::web::schedule::next_macrotask;

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
    /// How far that has got (none before the worker's first report).
    pub reading: RwSignal<Option<ReadProgress>>,
    /// Ends the read in progress: its worker is terminated, the data shown stays.
    cancel: StoredValue<Option<oneshot::Sender<()>>, LocalStorage>,
    /// A file whose columns the person is choosing, with its first rows.
    pub choosing: RwSignal<Option<Arc<ColumnsPreview>>>,
    choosing_file: StoredValue<Option<web_sys::File>, LocalStorage>,
    /// The built-in ML-100K loaded at start, so the page can go back to it.
    pub builtin: RwSignal<bool>,
    /// The name of a zip refused for its ratings' size whose film list alone can be opened.
    pub catalogue_offer: RwSignal<Option<String>>,
    offered_file: StoredValue<Option<web_sys::File>, LocalStorage>,
}

impl Data {
    /// Stops reading the file being opened.
    pub fn cancel_reading(self) {
        let mut cancel = None;
        self.cancel.update_value(|c| cancel = c.take());
        if let Some(cancel) = cancel {
            let _ = cancel.send(());
        }
        self.busy.set(false);
        self.reading.set(None);
    }

    /// Reads the file whose columns were being chosen, with `columns`.
    pub fn open_with_columns(
        self,
        columns: Columns,
        use_dataset: impl Fn(Arc<Dataset>, String) + 'static,
    ) {
        let mut file = None;
        self.choosing_file.update_value(|f| file = f.take());
        if let Some(file) = file {
            self.open(
                file.name(),
                Ok(file),
                ReadAs::Whole(Some(columns)),
                use_dataset,
            );
        }
    }

    /// Opens the film list alone of the zip whose ratings were too many for the page.
    pub fn open_catalogue(self, use_dataset: impl Fn(Arc<Dataset>, String) + 'static) {
        let mut file = None;
        self.offered_file.update_value(|f| file = f.take());
        if let Some(file) = file {
            self.open(file.name(), Ok(file), ReadAs::CatalogueOnly, use_dataset);
        }
    }

    /// Drops the file whose columns were being chosen; the data shown stays.
    pub fn stop_choosing(self) {
        self.choosing_file.set_value(None);
        self.choosing.set(None);
    }

    pub fn new() -> Self {
        Self {
            state: RwSignal::new(DataState::Loading(LoadProgress {
                fraction: 0.0,
                file: "u.data",
            })),
            refusal: RwSignal::new(None),
            busy: RwSignal::new(false),
            reading: RwSignal::new(None),
            cancel: StoredValue::new_local(None),
            choosing: RwSignal::new(None),
            choosing_file: StoredValue::new_local(None),
            builtin: RwSignal::new(false),
            catalogue_offer: RwSignal::new(None),
            offered_file: StoredValue::new_local(None),
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

    /// Reads a picked or dropped file in a worker, with progress, and hands the data set to
    /// `use_dataset`; a bad one, a file that could not be read or a cancelled read never replaces
    /// data that loaded. A file opened while another is read replaces that read.
    pub fn open(
        self,
        name: String,
        file: Result<web_sys::File, String>,
        how: ReadAs,
        use_dataset: impl Fn(Arc<Dataset>, String) + 'static,
    ) {
        self.choosing.set(None);
        self.catalogue_offer.set(None);
        self.offered_file.set_value(None);
        let (cancel, cancelled) = oneshot::channel::<()>();
        self.cancel.set_value(Some(cancel)); // drops an earlier read's sender: it ends
        self.busy.set(true);
        self.reading.set(None);
        spawn_local(async move {
            let loaded = match file {
                Ok(file) => {
                    let progress = move |p| self.reading.set(Some(p));
                    let read = movielens::load_from_file(file.clone(), how, progress);
                    let read = Box::pin(async move { (read.await, file) });
                    let Either::Left(((opened, file), _)) = select(read, cancelled).await else {
                        return; // cancelled or replaced
                    };
                    match opened {
                        Ok(Opened::Choose(preview)) => {
                            self.busy.set(false);
                            self.reading.set(None);
                            self.choosing_file.set_value(Some(file));
                            self.choosing.set(Some(Arc::from(preview)));
                            return;
                        }
                        Ok(Opened::CatalogueOffered(why)) => {
                            self.busy.set(false);
                            self.reading.set(None);
                            self.refusal.set(Some(format!(
                                "{name} was not used: {why}. {TOO_LARGE_FOR_A_TAB}."
                            )));
                            self.offered_file.set_value(Some(file));
                            self.catalogue_offer.set(Some(name));
                            return;
                        }
                        Ok(Opened::Data(dataset)) => Ok(dataset),
                        Err(error) => Err(error),
                    }
                }
                Err(error) => Err(error),
            };
            self.busy.set(false);
            self.reading.set(None);
            match loaded {
                Ok(dataset) => {
                    self.refusal.set(None);
                    next_macrotask().await; // the panels' work on it in a task of its own
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
