//! Downloads of the kept model: its test predictions and top-10 lists as TSV, and the model as a
//! bundle. The top-10 lists come from the run's own evaluation in the worker; a model restored
//! from an earlier visit has none, so the page ranks the test users itself, a slice at a time.

use std::sync::Arc;

use filmspace_core::bundle::{
    BundleDataset, BundleInfo, BundleMetrics, ModelBundle, settings_from_query,
};
use filmspace_core::data::Dataset;
use filmspace_core::metrics::{TopKRanker, UserTopK};
use filmspace_core::models::{MfWeights, Scorer, TOP_K};
use filmspace_core::report::{predictions_tsv, top_k_tsv};
use filmspace_core::settings::TrainSettings;
use filmspace_core::zoo::ZooModel;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Export, MODEL_LABEL, Training};
use crate::web::download::{download_bytes, download_text};
use crate::web::schedule::{in_slices, rating_index_in_slices};

/// Test users ranked per step: well under a millisecond (a user costs one score per film).
const USERS_STEP: usize = 4;

impl Training {
    /// Downloads the kept model's test predictions, top-10 lists or bundle.
    pub fn export(self, dataset: Arc<Dataset>, what: Export) {
        let Some((weights, settings)) = self.trained.get_untracked() else {
            return;
        };
        match what {
            Export::Model => self.export_bundle(&dataset, &weights, &settings),
            Export::Predictions => {
                let split = self.split_of(&dataset, &settings);
                let text = predictions_tsv(&*weights, &split.test, &dataset);
                self.download_tsv(&settings, "predictions", &text);
            }
            Export::TopK => match self.top_k.get_value() {
                Some(lists) => self.download_top_k(&dataset, &settings, &lists),
                None => self.rank_then_download(dataset, weights, settings),
            },
        }
    }

    fn download_top_k(self, dataset: &Dataset, settings: &TrainSettings, lists: &[UserTopK]) {
        self.download_tsv(settings, "top10", &top_k_tsv(lists, dataset));
    }

    fn download_tsv(self, settings: &TrainSettings, what: &str, text: &str) {
        let file = format!("filmspace-{}-{what}.tsv", settings.split.name());
        if let Err(error) = download_text(&file, "text/tab-separated-values", text) {
            self.message.set(Some(error));
        }
    }

    /// The top-10 lists of a model whose run did not make them, ranked in slices with
    /// [`Training::exporting`] as the bar; given up if the model goes meanwhile.
    fn rank_then_download(
        self,
        dataset: Arc<Dataset>,
        weights: Arc<MfWeights>,
        settings: TrainSettings,
    ) {
        if self.exporting.get_untracked().is_some() {
            return;
        }
        self.exporting.set(Some(0.0));
        let split = self.split_of(&dataset, &settings);
        spawn_local(async move {
            let still_kept = || {
                self.trained
                    .with_untracked(|t| t.as_ref().is_some_and(|(w, _)| Arc::ptr_eq(w, &weights)))
            };
            let report = |share: f64| {
                if still_kept() {
                    self.exporting.set(Some(share));
                }
            };
            // Indexing is about a tenth of the work, ranking the rest.
            let sizes = (dataset.n_users(), dataset.n_items());
            let index = rating_index_in_slices(&split.train, sizes, dataset.scale, |done| {
                report(done / 10.0)
            })
            .await;
            let mut ranker = TopKRanker::new(&index, &split.test, TOP_K);
            let lists = in_slices(
                &mut ranker,
                |r| {
                    if !still_kept() {
                        return Some(None);
                    }
                    let lists = r.step(USERS_STEP, |user, out| weights.score_items(user, out));
                    lists.map(Some)
                },
                |r| report(0.1 + 0.9 * r.progress()),
            )
            .await;
            self.exporting.set(None);
            if let Some(lists) = lists {
                let lists = Arc::new(lists);
                self.top_k.set_value(Some(lists.clone()));
                self.download_top_k(&dataset, &settings, &lists);
            }
        });
    }

    /// Downloads the trained model as a bundle (the format Spark's job writes, opened by any
    /// page with the same data through the zoo's "Open a model bundle").
    fn export_bundle(self, dataset: &Dataset, weights: &MfWeights, settings: &TrainSettings) {
        let metrics = self.board.with_untracked(|board| {
            board
                .first()
                .map(|row| BundleMetrics::of(row.errors, &row.ranking))
                .unwrap_or_default()
        });
        let info = BundleInfo {
            model: ZooModel::Mf.name().into(),
            label: MODEL_LABEL.into(),
            settings: settings_from_query(&settings.to_query()),
            metrics,
            split: settings.split.name(),
            dataset: BundleDataset::of(dataset),
        };
        let bytes = ModelBundle::of_weights(weights, dataset, info).to_bytes();
        let file = format!("filmspace-{}-mf.safetensors", settings.split.name());
        if let Err(error) = download_bytes(&file, "application/octet-stream", &bytes) {
            self.message.set(Some(error));
        }
    }
}
