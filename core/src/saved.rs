//! A trained model as the page keeps it between visits: weights, the settings that made it, the
//! learning curve and the metrics board. Stored as JSON (exact for f32: shortest round-trip
//! digits), checked on the way back in so a stale or damaged copy is refused, never half-used.

use serde::{Deserialize, Serialize};

use crate::models::MfWeights;
use crate::recommend::ServingModel;
use crate::report::BoardRow;
use crate::settings::TrainSettings;
use crate::train::EpochReport;
use crate::zoo::ZooModel;

/// Bumped whenever the stored shape changes; older copies are then dropped.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedModel {
    pub version: u32,
    /// The settings as their URL query, so a restored model says how it was made.
    pub settings: String,
    /// Which backend trained it, in words.
    pub backend: String,
    pub weights: MfWeights,
    pub history: Vec<EpochReport>,
    pub board: Vec<BoardRow>,
}

impl SavedModel {
    pub fn new(
        settings: &TrainSettings,
        backend: &str,
        weights: MfWeights,
        history: Vec<EpochReport>,
        board: Vec<BoardRow>,
    ) -> Self {
        Self {
            version: FORMAT_VERSION,
            settings: settings.to_query(),
            backend: backend.to_string(),
            weights,
            history,
            board,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored copy and checks it fits a dataset of `n_users` × `n_items`.
    pub fn from_json(json: &str, n_users: usize, n_items: usize) -> Result<Self, String> {
        let saved: Self =
            serde_json::from_str(json).map_err(|e| format!("the saved model is damaged ({e})"))?;
        if saved.version != FORMAT_VERSION {
            return Err(format!(
                "the saved model has format {}, this page reads {FORMAT_VERSION}",
                saved.version
            ));
        }
        let w = &saved.weights;
        let fits = w.user_bias.len() == n_users
            && w.item_bias.len() == n_items
            && w.user_factors.len() == n_users * w.dim
            && w.item_factors.len() == n_items * w.dim;
        if !fits {
            return Err(format!(
                "the saved model was trained on other data (not {n_users} people × {n_items} films)"
            ));
        }
        Ok(saved)
    }

    pub fn settings(&self) -> TrainSettings {
        TrainSettings::from_query(&self.settings).0
    }
}

/// The zoo model chosen to serve recommendations and the map, kept until another is chosen or a
/// new model is trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedServing {
    pub version: u32,
    pub model: ZooModel,
    /// The split it was fitted on, by name.
    pub split: String,
    pub serving: ServingModel,
}

impl SavedServing {
    pub fn new(model: ZooModel, split: &str, serving: ServingModel) -> Self {
        Self {
            version: FORMAT_VERSION,
            model,
            split: split.to_string(),
            serving,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored copy and checks it fits a dataset of `n_items` films.
    pub fn from_json(json: &str, n_items: usize) -> Result<Self, String> {
        let saved: Self = serde_json::from_str(json)
            .map_err(|e| format!("the saved serving model is damaged ({e})"))?;
        if saved.version != FORMAT_VERSION {
            return Err(format!(
                "the saved serving model has format {}, this page reads {FORMAT_VERSION}",
                saved.version
            ));
        }
        let films = saved
            .serving
            .films
            .as_ref()
            .map_or(n_items, |f| f.n_items());
        if saved.serving.served.n_items() != n_items || films != n_items {
            return Err(format!(
                "the saved serving model was fitted on other data (not {n_items} films)"
            ));
        }
        Ok(saved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RankingMetrics;

    fn saved() -> SavedModel {
        let weights = MfWeights {
            mean: 3.5,
            dim: 2,
            user_bias: vec![0.1, -0.2],
            item_bias: vec![0.3, 0.0, -0.1],
            user_factors: vec![0.1, 0.2, 0.3, 1.0 / 3.0],
            item_factors: vec![1e-7, -2.5, 0.0, 7.25, 0.5, -0.5],
        };
        let row = BoardRow {
            label: "m".into(),
            errors: None,
            ranking: RankingMetrics {
                ndcg: 0.25,
                users: 2,
                ..Default::default()
            },
        };
        SavedModel::new(
            &TrainSettings {
                dim: 2,
                ..TrainSettings::default()
            },
            "CPU",
            weights,
            Vec::new(),
            vec![row],
        )
    }

    #[test]
    fn round_trips_exactly_and_refuses_what_does_not_fit() {
        let model = saved();
        let back = SavedModel::from_json(&model.to_json(), 2, 3).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.settings().dim, 2);
        assert!(
            SavedModel::from_json(&model.to_json(), 943, 1682)
                .unwrap_err()
                .contains("other data")
        );
        assert!(
            SavedModel::from_json("{not json", 2, 3)
                .unwrap_err()
                .contains("damaged")
        );
        let old = model.to_json().replace("\"version\":1", "\"version\":0");
        assert!(
            SavedModel::from_json(&old, 2, 3)
                .unwrap_err()
                .contains("format 0")
        );
    }

    #[test]
    fn a_served_zoo_model_round_trips_and_is_refused_on_other_data() {
        let ease = crate::recommend::Served::Ease(crate::recommend::EaseWeights {
            n_items: 2,
            weights: vec![0.0, 0.25, -1.5e-8, 0.0],
        });
        let saved = SavedServing::new(ZooModel::Ease, "u1", ServingModel::new(ease));
        let back = SavedServing::from_json(&saved.to_json(), 2).unwrap();
        assert_eq!(back, saved);
        assert!(
            SavedServing::from_json(&saved.to_json(), 1682)
                .unwrap_err()
                .contains("other data")
        );
        assert!(
            SavedServing::from_json("[]", 2)
                .unwrap_err()
                .contains("damaged")
        );
    }
}
