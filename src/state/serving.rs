//! Which model serves the recommendations and the film map: the last one kept, whether the
//! training panel trained it or a zoo row was chosen with "use". One rule, one format
//! (`filmspace_core::saved::KeptModel`), one IndexedDB key per data set: keeping a model serves
//! it and keeps it for the next visit with that data; the models themselves are
//! `filmspace_core::recommend::Served`.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::embedding::FilmVectors;
use filmspace_core::recommend::Served;
use filmspace_core::saved::KeptModel;
use filmspace_core::zoo::ZooModel;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::schedule::next_macrotask;
use crate::web::storage;

/// The IndexedDB key of the model kept for ML-100K; another data set's ends in its scope
/// (`crate::state::data::storage_scope`), so loading other data never deletes it.
const MODEL_KEY: &str = "model";
/// Where version 1 kept a zoo row chosen to serve (read once, then removed).
const OLD_SERVING_KEY: &str = "serving";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The training panel's model (trained here or kept from a visit).
    Training,
    Zoo(ZooModel),
}

/// The model serving now.
#[derive(Clone)]
pub struct ServedBy {
    pub served: Arc<Served>,
    pub films: Option<Arc<FilmVectors>>,
    pub origin: Origin,
    /// Each film's count of ratings, when it serves on a film list without ratings.
    pub item_counts: Option<Arc<Vec<u32>>>,
}

impl ServedBy {
    fn of(kept: &KeptModel) -> Self {
        ServedBy {
            served: Arc::new(kept.serving.served.clone()),
            films: kept.serving.films.clone().map(Arc::new),
            origin: match kept.settings {
                Some(_) => Origin::Training,
                None => Origin::Zoo(kept.model),
            },
            item_counts: kept.item_counts.clone().map(Arc::new),
        }
    }

    /// What the film map draws, in words.
    pub fn map_about(&self) -> String {
        let label = self.label();
        match &self.films {
            None => format!(
                "{label} learns no film vectors, so there is nothing to draw. Serve a model that \
                 does (MF, NCF, AutoRec, two-tower, EASE…) from the zoo's board."
            ),
            Some(films) => match films.sketched_from {
                Some(long) => format!(
                    "Film vectors of {label}: {long} numbers per film, sketched to {} by a seeded \
                     random projection (distances kept to within about 10%).",
                    films.dim
                ),
                None => format!("Film vectors of {label}: {} numbers per film.", films.dim),
            },
        }
    }

    /// The model's name, as the page says it.
    pub fn label(&self) -> &'static str {
        match self.origin {
            Origin::Training => "the biased MF trained here",
            Origin::Zoo(model) => model.label(),
        }
    }
}

#[derive(Clone, Copy)]
pub struct Serving {
    pub now: RwSignal<Option<ServedBy>>,
    /// The model serving now is in IndexedDB (written, or read back on this visit).
    pub kept: RwSignal<bool>,
    pub message: RwSignal<Option<String>>,
    /// The next write, waiting for the one in progress: writes happen one at a time, in order,
    /// so the last model kept is the one stored.
    pending: StoredValue<Option<Write>>,
    writing: StoredValue<bool>,
    /// The data set's storage scope ("" for ML-100K).
    scope: StoredValue<String>,
}

/// What IndexedDB is to hold for the next visit, under which key.
enum Write {
    /// A model (written as JSON in a task of its own), and its label for a failure message.
    Keep(String, Box<KeptModel>, &'static str),
    Forget(String),
}

impl Serving {
    pub fn new() -> Self {
        Serving {
            now: RwSignal::new(None),
            kept: RwSignal::new(false),
            message: RwSignal::new(None),
            pending: StoredValue::new(None),
            writing: StoredValue::new(false),
            scope: StoredValue::new(String::new()),
        }
    }

    fn key(self) -> String {
        format!("{MODEL_KEY}{}", self.scope.get_value())
    }

    /// Another data set is loaded: nothing serves until its own kept model is restored.
    pub fn switch_scope(self, scope: String) {
        self.scope.set_value(scope);
        self.now.set(None);
        self.kept.set(false);
        self.message.set(None);
    }

    /// `kept` serves from now on, and is kept for the next visit.
    pub fn keep(self, kept: &KeptModel) {
        let served = ServedBy::of(kept);
        let label = served.label();
        self.now.set(Some(served));
        self.message.set(None);
        self.write(Write::Keep(self.key(), Box::new(kept.clone()), label));
    }

    /// Nothing serves; nothing is kept.
    pub fn forget(self) {
        self.now.set(None);
        self.write(Write::Forget(self.key()));
    }

    /// Queues `write` after any in progress (only the latest waiting one is done).
    fn write(self, write: Write) {
        self.kept.set(false);
        self.pending.set_value(Some(write));
        if self.writing.get_value() {
            return;
        }
        self.writing.set_value(true);
        spawn_local(async move {
            while let Some(write) = self.pending.try_update_value(Option::take).flatten() {
                let result = match &write {
                    Write::Keep(key, kept, _) => {
                        // After the panels the new model feeds have had their task.
                        next_macrotask().await;
                        storage::put(key, &kept.to_json()).await
                    }
                    Write::Forget(key) => storage::delete(key).await,
                };
                if self.pending.with_value(Option::is_some) {
                    continue; // a newer choice follows
                }
                match (result, write) {
                    (Ok(()), Write::Keep(..)) => self.kept.set(true),
                    (Err(error), Write::Keep(_, _, label)) => self.message.set(Some(format!(
                        "{label} serves now, but it could not be kept in this browser: {error}."
                    ))),
                    (Err(error), Write::Forget(_)) => self
                        .message
                        .set(Some(format!("Could not forget the kept model: {error}."))),
                    (Ok(()), Write::Forget(_)) => {}
                }
            }
            self.writing.set_value(false);
        });
    }

    /// Brings back the model kept on an earlier visit, if it fits `dataset` and nothing was
    /// trained or chosen meanwhile; version 1's two keys are read once and converted.
    pub async fn restore(self, dataset: Arc<Dataset>) -> Option<KeptModel> {
        let (json, old_key) = self.read_stored().await?;
        if self.writing.get_value() || self.now.with_untracked(Option::is_some) {
            return None; // a model trained or chosen meanwhile serves
        }
        match KeptModel::read(&json, dataset.n_users(), dataset.n_items()) {
            Ok((kept, converted)) => {
                self.now.set(Some(ServedBy::of(&kept)));
                if converted || old_key {
                    let label = ServedBy::of(&kept).label();
                    self.write(Write::Keep(self.key(), Box::new(kept.clone()), label));
                    let _ = storage::delete(OLD_SERVING_KEY).await;
                } else {
                    self.kept.set(true);
                }
                Some(kept)
            }
            Err(problem) => {
                // Only this data set's copy: it was kept for these very films and people.
                let _ = storage::delete(&self.key()).await;
                if old_key {
                    let _ = storage::delete(OLD_SERVING_KEY).await;
                }
                self.message
                    .set(Some(format!("The kept model was not used: {problem}.")));
                None
            }
        }
    }

    /// The stored JSON, and whether it came from version 1's serving key (which wins: it was
    /// the model serving).
    async fn read_stored(self) -> Option<(String, bool)> {
        let key = self.key();
        let old_key = self
            .scope
            .with_value(String::is_empty)
            .then_some(OLD_SERVING_KEY);
        let keys = old_key.map(|k| (k.to_string(), true)).into_iter();
        for (key, old) in keys.chain([(key, false)]) {
            match storage::get(&key).await {
                Ok(Some(json)) => return Some((json, old)),
                Ok(None) => {}
                Err(error) => {
                    self.message.set(Some(format!(
                        "No model can be kept for your next visit: {error}."
                    )));
                    return None;
                }
            }
        }
        None
    }
}
