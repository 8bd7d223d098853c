//! Which model serves the recommendations and the film map: the training panel's kept MF, or a
//! row of the zoo's board. A zoo choice is kept in IndexedDB and comes back on the next visit,
//! until another row is chosen or a new model is trained in the training panel (which then
//! serves). The models themselves are `filmspace_core::recommend::Served`.

use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::embedding::FilmVectors;
use filmspace_core::models::MfWeights;
use filmspace_core::recommend::{Served, ServingModel};
use filmspace_core::saved::SavedServing;
use filmspace_core::zoo::ZooModel;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::storage;

/// The IndexedDB key of the zoo model chosen to serve.
const SERVING_KEY: &str = "serving";

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
    /// The training panel's weights it was made from (so the same model is not made twice).
    trained: Option<Arc<MfWeights>>,
}

impl ServedBy {
    fn new(serving: ServingModel, origin: Origin) -> Self {
        ServedBy {
            served: Arc::new(serving.served),
            films: serving.films.map(Arc::new),
            origin,
            trained: None,
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
    /// The zoo's choice now serving is in IndexedDB (written, or read back on this visit).
    pub kept: RwSignal<bool>,
    pub message: RwSignal<Option<String>>,
    /// The next write of the choice, waiting for the one in progress: writes happen one at a
    /// time, in order, so the last choice is the one kept.
    pending: StoredValue<Option<Write>>,
    writing: StoredValue<bool>,
}

/// What IndexedDB is to hold for the next visit.
enum Write {
    /// A zoo model's `SavedServing` JSON, and its label for a failure message.
    Keep(String, &'static str),
    /// Nothing: the training panel's model serves.
    Forget,
}

impl Serving {
    pub fn new() -> Self {
        Serving {
            now: RwSignal::new(None),
            kept: RwSignal::new(false),
            message: RwSignal::new(None),
            pending: StoredValue::new(None),
            writing: StoredValue::new(false),
        }
    }

    /// The training panel's model changed (kept, restored or forgotten): it serves unless a zoo
    /// row was chosen.
    pub fn follow_training(self, trained: Option<Arc<MfWeights>>) {
        if matches!(
            self.now.with_untracked(|n| n.as_ref().map(|s| s.origin)),
            Some(Origin::Zoo(_))
        ) {
            return;
        }
        if let Some(weights) = &trained
            && self.serves_already(weights)
        {
            return;
        }
        self.now.set(trained.map(training_served));
    }

    fn serves_already(self, weights: &Arc<MfWeights>) -> bool {
        self.now.with_untracked(|now| {
            now.as_ref()
                .and_then(|n| n.trained.as_ref())
                .is_some_and(|w| Arc::ptr_eq(w, weights))
        })
    }

    /// A model was just trained in the training panel: it serves, and the zoo's choice is dropped.
    pub fn take_new_training(self, weights: Arc<MfWeights>) {
        if !self.serves_already(&weights) {
            self.now.set(Some(training_served(weights)));
        }
        self.write(Write::Forget);
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
                let (result, label) = match &write {
                    Write::Keep(json, label) => (storage::put(SERVING_KEY, json).await, *label),
                    Write::Forget => (storage::delete(SERVING_KEY).await, ""),
                };
                if self.pending.with_value(Option::is_some) {
                    continue; // a newer choice follows
                }
                match (result, write) {
                    (Ok(()), Write::Keep(..)) => self.kept.set(true),
                    (Err(error), Write::Keep(..)) => self.message.set(Some(format!(
                        "{label} serves now, but the choice could not be kept in this browser: \
                         {error}."
                    ))),
                    (_, Write::Forget) => {}
                }
            }
            self.writing.set_value(false);
        });
    }

    /// Serves a zoo row's model, and keeps the choice for the next visit.
    pub fn serve_zoo(self, model: ZooModel, split: &str, serving: ServingModel) {
        let saved = SavedServing::new(model, split, serving);
        let json = saved.to_json();
        self.now
            .set(Some(ServedBy::new(saved.serving, Origin::Zoo(model))));
        self.message.set(None);
        self.write(Write::Keep(json, model.label()));
    }

    /// Brings back the zoo model chosen on an earlier visit, if it fits `dataset`; `Some(model)`
    /// once it serves.
    pub async fn restore(self, dataset: Arc<Dataset>, runs_kept: Signal<u32>) -> Option<ZooModel> {
        let json = match storage::get(SERVING_KEY).await {
            Ok(Some(json)) => json,
            Ok(None) => return None,
            Err(error) => {
                self.message.set(Some(format!(
                    "Could not read the kept serving model: {error}."
                )));
                return None;
            }
        };
        let chosen_meanwhile = self.writing.get_value()
            || matches!(
                self.now.with_untracked(|n| n.as_ref().map(|s| s.origin)),
                Some(Origin::Zoo(_))
            );
        if runs_kept.get_untracked() > 0 || chosen_meanwhile {
            return None; // a model trained or chosen meanwhile serves
        }
        match SavedServing::from_json(&json, dataset.n_items()) {
            Ok(saved) => {
                self.now
                    .set(Some(ServedBy::new(saved.serving, Origin::Zoo(saved.model))));
                self.kept.set(true);
                Some(saved.model)
            }
            Err(problem) => {
                let _ = storage::delete(SERVING_KEY).await;
                self.message.set(Some(format!(
                    "The kept serving model was not used: {problem}."
                )));
                None
            }
        }
    }
}

fn training_served(weights: Arc<MfWeights>) -> ServedBy {
    ServedBy {
        trained: Some(weights.clone()),
        ..ServedBy::new(
            ServingModel::new(Served::Linear(MfWeights::clone(&weights))),
            Origin::Training,
        )
    }
}
