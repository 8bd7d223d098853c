//! The page's data commands: another data set (picked, dropped, a film list alone, or back to
//! the built-in one) and a model bundle opened on it; a film list's popularity from its model.

use std::sync::Arc;

use filmspace_core::data::{Columns, Dataset};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Page;
use crate::state::data::{DataState, storage_scope};
use crate::web::movielens::ReadAs;

impl Page {
    /// Puts `dataset` in use. Everything computed from other data goes (the panel's model and
    /// curves, the board, the map's selection); the data set's own kept ratings and model come
    /// back (stored per data set, so going back to earlier data finds them again).
    pub(super) fn use_dataset(self, dataset: Arc<Dataset>, source: String) {
        let switching = self.data.dataset().is_some();
        self.serving.switch_scope(storage_scope(&dataset));
        // At once, not with the visitor's indexes a frame later: the data shown never lists
        // another data set's ratings.
        self.visitor.switch_scope(&storage_scope(&dataset));
        if switching {
            self.training.clear();
            self.zoo.clear();
        }
        self.training.offer_splits_of(&dataset);
        self.zoo.offer_splits_of(&dataset);
        self.data.state.set(DataState::Ready {
            dataset: dataset.clone(),
            source,
        });
        if switching {
            spawn_local(async move {
                if let Some(kept) = self.serving.restore(dataset).await {
                    self.training.show_kept(&kept, false);
                }
            });
        }
    }

    /// A picked or dropped file replaces the data once it is read (in a worker); not while a
    /// run trains on the data shown.
    pub(super) fn open_data(self, name: String, file: Result<web_sys::File, String>) {
        if self.busy_training() {
            let why = "Stop the training runs first: they work on the data shown.";
            self.data
                .refusal
                .set(Some(format!("{name} was not used. {why}")));
            return;
        }
        self.data
            .open(name, file, ReadAs::Whole(None), move |dataset, source| {
                self.use_dataset(dataset, source)
            });
    }

    /// A model bundle picked in the zoo opens on the data loaded.
    pub(super) fn open_bundle(self, name: &str, bytes: Result<Vec<u8>, String>) {
        match self.dataset() {
            Some(dataset) => self.zoo.open_bundle(&dataset, name, bytes),
            None => {
                let why = "load the data set it was trained on first";
                self.zoo
                    .message
                    .set(Some(format!("{name} was not opened: {why}.")));
            }
        }
    }

    /// A film list without ratings gets its popularity from the model serving on it (a
    /// bundle's counts, kept with it): the search, onboarding, ranking and map use them. Runs
    /// whichever comes last, the film list's preparation or the model.
    pub(super) fn follow_popularity(self) {
        let Page {
            serving,
            visitor,
            explorer,
            ..
        } = self;
        Effect::new(move |_| {
            let counts = serving
                .now
                .with(|s| s.as_ref().and_then(|s| s.item_counts.clone()));
            let dataset = visitor
                .films
                .with(|f| f.as_ref().map(|f| f.dataset.clone()));
            if let (Some(counts), Some(dataset)) = (counts, dataset)
                && dataset.is_catalogue_only()
                && counts.len() == dataset.n_items()
                && !visitor.uses_counts(&counts)
            {
                explorer.use_counts(counts.to_vec());
                visitor.use_counts(dataset, counts);
            }
        });
    }

    /// The film list alone of a release whose ratings are too many for the tab.
    pub(super) fn open_catalogue(self) {
        if !self.busy_training() {
            self.data
                .open_catalogue(move |dataset, source| self.use_dataset(dataset, source));
        }
    }

    /// The file whose columns the person chose is read with them.
    pub(super) fn open_with_columns(self, columns: Columns) {
        if !self.busy_training() {
            self.data
                .open_with_columns(columns, move |dataset, source| {
                    self.use_dataset(dataset, source)
                });
        }
    }

    /// Back to the built-in MovieLens 100K.
    pub(super) fn use_builtin(self) {
        if !self.busy_training() {
            self.data.load_builtin(true, move |dataset, source| {
                self.use_dataset(dataset, source)
            });
        }
    }

    pub(super) fn busy_training(self) -> bool {
        self.training.state.get_untracked().is_running() || self.zoo.is_running()
    }
}
