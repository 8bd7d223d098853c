//! The film map as signals (`Explorer`): which model it shows, the projection (PCA at once on the
//! page; t-SNE in a worker of its own, cancellable), colouring, the selection and its
//! neighbours, the view, and the genre classifier's report. The maths is
//! `filmspace_core::embedding`; this file only decides when to run it.

mod model;

pub use model::{
    ColourBy, FilmFacts, MapModel, NEIGHBOURS, Projection, ProjectionState, visitor_position,
};

use std::sync::Arc;

use filmspace_core::data::Dataset;
use filmspace_core::embedding::view::{Bounds, Viewport};
use filmspace_core::embedding::{
    FilmVectors, GenreReport, Pca, TSNE_MAX_POINTS, metadata_tsv, nearest_by_cosine, place_sample,
    tsne_sample, vectors_tsv,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::web::download::download_text;
use crate::web::schedule::now_ms;
use crate::worker::client::WorkerSlot;
use filmspace_core::protocol::{ClassifyRequest, ProjectRequest};

/// Seed of the classifier's film split (and of its random-vector baseline).
const CLASSIFIER_SEED: u64 = 42;

#[derive(Clone, Copy)]
pub struct Explorer {
    pub projection: RwSignal<Projection>,
    pub state: RwSignal<ProjectionState>,
    pub model: RwSignal<Option<MapModel>>,
    pub colour: RwSignal<ColourBy>,
    /// Bit g set: films whose primary genre is g are hidden.
    pub hidden: RwSignal<u64>,
    pub selected: RwSignal<Option<u32>>,
    pub hover: RwSignal<Option<u32>>,
    pub view: RwSignal<Viewport>,
    pub classifier: RwSignal<Option<Result<GenreReport, String>>>,
    /// How long the classifier took, from asking the worker to its answer.
    pub classifier_ms: RwSignal<Option<f64>>,
    pub facts: RwSignal<Option<Arc<FilmFacts>>>,
    pub dataset: RwSignal<Option<Arc<Dataset>>>,
    pub neighbours: Memo<Vec<(u32, f32)>>,
    /// Whose film vectors are drawn, in words.
    pub about: RwSignal<Option<String>>,
    /// t-SNE mapped a sample: (films mapped, films in all); the others are not drawn.
    pub tsne_sample: RwSignal<Option<(usize, usize)>>,
    /// The t-SNE worker while one runs (clearing it terminates it).
    worker: WorkerSlot,
    /// A warm worker for the classifier.
    analysis: WorkerSlot,
    /// Counts projection requests, so a late result of a cancelled one is ignored.
    generation: StoredValue<u64>,
}

impl Explorer {
    pub fn new() -> Explorer {
        let model = RwSignal::new(None::<MapModel>);
        let selected = RwSignal::new(None::<u32>);
        let neighbours = Memo::new(move |_| {
            let Some(item) = selected.get() else {
                return Vec::new();
            };
            model.with(|m| {
                m.as_ref()
                    .and_then(|m| m.films.as_ref())
                    .map_or_else(Vec::new, |w| {
                        nearest_by_cosine(&w.values, w.dim, item, NEIGHBOURS)
                    })
            })
        });
        Explorer {
            projection: RwSignal::new(Projection::Pca),
            state: RwSignal::new(ProjectionState::Idle),
            model,
            colour: RwSignal::new(ColourBy::Genre),
            hidden: RwSignal::new(0),
            selected,
            hover: RwSignal::new(None),
            view: RwSignal::new(Viewport {
                centre: [0.0, 0.0],
                zoom: 1.0,
            }),
            classifier: RwSignal::new(None),
            classifier_ms: RwSignal::new(None),
            facts: RwSignal::new(None),
            dataset: RwSignal::new(None),
            neighbours,
            about: RwSignal::new(None),
            tsne_sample: RwSignal::new(None),
            worker: WorkerSlot::new(),
            analysis: WorkerSlot::new(),
            generation: StoredValue::new(0),
        }
    }

    /// A data set is in use: its facts, and nothing drawn, selected, hovered or hidden of
    /// another's.
    pub fn set_dataset(self, dataset: Arc<Dataset>) {
        let previous = self.dataset.get_untracked();
        if previous.is_some_and(|p| p.fingerprint() != dataset.fingerprint()) {
            self.show_model(None, None);
        }
        self.selected.set(None);
        self.hover.set(None);
        self.hidden.set(0);
        self.facts.set(Some(Arc::new(FilmFacts::of(&dataset))));
        self.dataset.set(Some(dataset));
        // A model shown before the facts were known still gets its classifier.
        if let Some(films) = self.model.get_untracked().and_then(|m| m.films) {
            self.classify(films);
        }
    }

    /// A film list without ratings learns its films' counts from the model bundle opened on it
    /// (the popularity colours and the t-SNE sample use them).
    pub fn use_counts(self, counts: Vec<u32>) {
        self.facts.update(|facts| {
            if let Some(facts) = facts {
                let facts = Arc::make_mut(facts);
                facts.max_count = counts.iter().copied().max().unwrap_or(0);
                facts.counts = counts;
            }
        });
    }

    /// A new model to draw (trained now or restored): PCA at once, the classifier in a worker,
    /// and a t-SNE view recomputed for it when t-SNE is the projection chosen.
    pub fn show_model(self, films: Option<Arc<FilmVectors>>, about: Option<String>) {
        self.cancel();
        self.about.set(about);
        let Some(films) = films else {
            self.model.set(None);
            self.classifier.set(None);
            self.state.set(ProjectionState::Idle);
            return;
        };
        let pca = Arc::new(Pca::fit(&films.values, films.dim));
        let points = pca.project_all(&films.values);
        self.display(MapModel::new(
            points,
            pca.explained,
            Some(films.clone()),
            Some(pca),
        ));
        if self.projection.get_untracked() == Projection::Tsne {
            self.run_tsne();
        }
        self.classifier.set(None);
        self.classify(films);
    }

    /// The genre classifier, in a warm worker of its own: hundreds of milliseconds of wasm that
    /// must not freeze the page.
    fn classify(self, films: Arc<FilmVectors>) {
        let Some(facts) = self.facts.get_untracked() else {
            return;
        };
        let worker = match self.analysis.get() {
            Ok(worker) => worker,
            Err(e) => {
                let message = format!("The genre classifier needs a Web Worker: {e}");
                self.classifier.set(Some(Err(message)));
                return;
            }
        };
        let (genres, genre_bits) = self
            .dataset
            .with_untracked(|d| {
                d.as_ref()
                    .map(|d| (d.genres.clone(), d.films.iter().map(|f| f.genres).collect()))
            })
            .unwrap_or_default();
        let request = ClassifyRequest {
            labels: facts.primary.clone(),
            genre_bits,
            counts: facts.counts.clone(),
            genres,
            vectors: films.values.clone(),
            dim: films.dim,
            seed: CLASSIFIER_SEED,
        };
        spawn_local(async move {
            let asked = now_ms();
            let answer = worker.classify(request).await;
            let took = now_ms() - asked;
            // Only the report of the model still shown counts.
            let current = self
                .model
                .with_untracked(|m| m.as_ref().and_then(|m| m.films.clone()));
            if !current.is_some_and(|w| Arc::ptr_eq(&w, &films)) {
                return;
            }
            self.classifier_ms.set(Some(took));
            let answer = answer.map_err(|e| format!("The genre classifier failed: {e}"));
            self.classifier.set(Some(answer));
        });
    }

    /// The map of the epoch just trained: points only (neighbours and t-SNE wait for the kept
    /// model). The view refits, so the cloud's shape is seen changing as the vectors grow.
    pub fn show_live(self, map: &(Vec<[f32; 2]>, [f64; 2])) {
        self.cancel();
        self.projection.set(Projection::Pca);
        self.display(MapModel::new(map.0.clone(), map.1, None, None));
    }

    /// Draws `model` from a fitted view.
    fn display(self, model: MapModel) {
        self.view.set(Viewport::fit(&model.bounds));
        self.model.set(Some(model));
        self.state.set(ProjectionState::Done);
    }

    pub fn set_projection(self, projection: Projection) {
        self.projection.set(projection);
        match projection {
            Projection::Pca => {
                self.cancel();
                if let Some(points) = self.model.get_untracked().and_then(|m| m.pca_points()) {
                    self.replace_points(points);
                    self.state.set(ProjectionState::Done);
                }
            }
            Projection::Tsne => self.run_tsne(),
        }
    }

    fn replace_points(self, points: Arc<Vec<[f32; 2]>>) {
        let bounds = Bounds::of(&points);
        self.view.set(Viewport::fit(&bounds));
        self.model.update(|m| {
            if let Some(m) = m {
                m.points = points;
                m.bounds = bounds;
            }
        });
    }

    /// t-SNE in a worker of its own (seconds of work): the page stays responsive, and Cancel
    /// terminates it.
    fn run_tsne(self) {
        let Some(films) = self.model.get_untracked().and_then(|m| m.films) else {
            // Mid-training there is no kept model yet: t-SNE runs when it arrives.
            return;
        };
        self.cancel();
        self.projection.set(Projection::Tsne);
        // A worker of its own, fresh each time: clearing it is how Cancel stops the work.
        self.worker.clear();
        let worker = match self.worker.get() {
            Ok(worker) => worker,
            Err(e) => {
                let message = format!("t-SNE needs a Web Worker: {e}");
                self.state.set(ProjectionState::Error(message));
                return;
            }
        };
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        self.state.set(ProjectionState::Running(0.0));
        let n = films.values.len() / films.dim.max(1);
        let counts = self.facts.get_untracked().map(|f| f.counts.clone());
        let sample = tsne_sample(&counts.unwrap_or_else(|| vec![0; n]), TSNE_MAX_POINTS);
        self.tsne_sample
            .set((sample.len() < n).then_some((sample.len(), n)));
        let request = ProjectRequest {
            vectors: gather_rows(&films.values, films.dim, &sample),
            dim: films.dim,
        };
        let place = move |points: Vec<[f32; 2]>| Arc::new(place_sample(n, &sample, &points));
        spawn_local(async move {
            let result = worker
                .project(request, |epoch, epochs, points| {
                    if self.generation.get_value() != generation {
                        return;
                    }
                    self.state.set(ProjectionState::Running(
                        epoch as f64 / epochs.max(1) as f64,
                    ));
                    // The map so far, so the points are seen moving into place.
                    if let Some(points) = points {
                        self.replace_points(place(points));
                    }
                })
                .await;
            if self.generation.get_value() != generation {
                return;
            }
            self.worker.clear();
            match result {
                Ok(points) => {
                    self.replace_points(place(points));
                    self.state.set(ProjectionState::Done);
                }
                Err(e) => self
                    .state
                    .set(ProjectionState::Error(format!("t-SNE failed: {e}"))),
            }
        });
    }

    /// Stops a running t-SNE (its worker is terminated) and goes back to PCA.
    pub fn cancel(self) {
        self.generation.set_value(self.generation.get_value() + 1);
        if self.worker.is_running() {
            self.worker.clear();
            self.tsne_sample.set(None);
            self.projection.set(Projection::Pca);
            if let Some(points) = self.model.get_untracked().and_then(|m| m.pca_points()) {
                self.replace_points(points);
            }
            self.state
                .set(if self.model.with_untracked(Option::is_some) {
                    ProjectionState::Done
                } else {
                    ProjectionState::Idle
                });
        }
    }

    pub fn toggle_genre(self, genre: usize) {
        self.hidden.update(|h| *h ^= 1 << genre);
    }

    pub fn is_visible(facts: &FilmFacts, hidden: u64, item: usize) -> bool {
        facts.primary[item].is_none_or(|g| hidden & (1 << g) == 0)
    }

    /// Selects the best title match and flies to it.
    pub fn find(self, query: &str, titles: &filmspace_core::search::TitleIndex) -> bool {
        let Some(&item) = titles.search(query, 1).first() else {
            return false;
        };
        self.select(Some(item));
        true
    }

    pub fn select(self, item: Option<u32>) {
        self.selected.set(item);
        if let (Some(item), Some(m)) = (item, self.model.get_untracked()) {
            // Unhide its genre, so the selection is visible.
            if let Some(Some(g)) = self.facts.get_untracked().map(|f| f.primary[item as usize]) {
                self.hidden.update(|h| *h &= !(1 << g));
            }
            self.view
                .update(|v| *v = v.fly_to(m.points[item as usize], 3.0));
        }
    }

    pub fn reset_view(self) {
        if let Some(m) = self.model.get_untracked() {
            self.view.set(Viewport::fit(&m.bounds));
        }
    }

    /// vectors.tsv and metadata.tsv for projector.tensorflow.org.
    pub fn export(self) -> Result<(), String> {
        let (Some(films), Some(dataset)) = (
            self.model.get_untracked().and_then(|m| m.films),
            self.dataset.get_untracked(),
        ) else {
            return Err("train or restore a model first".into());
        };
        download_text(
            "vectors.tsv",
            "text/tab-separated-values",
            &vectors_tsv(&films),
        )?;
        download_text(
            "metadata.tsv",
            "text/tab-separated-values",
            &metadata_tsv(&dataset),
        )
    }
}

/// The rows `picked` of a row-major `dim`-wide table.
fn gather_rows(values: &[f32], dim: usize, picked: &[u32]) -> Vec<f32> {
    picked
        .iter()
        .flat_map(|&row| &values[row as usize * dim..(row as usize + 1) * dim])
        .copied()
        .collect()
}
