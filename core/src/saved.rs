//! The model the page keeps between visits, in one format for every model: the zoo's name, how
//! it serves (`ServingModel`), its learning curve and board, and for a model the training panel
//! made, the settings that made it. Stored as JSON (exact for f32: shortest round-trip digits),
//! checked on the way back in so a stale or damaged copy is refused, never half-used. The two
//! formats of version 1 (the panel's MF, a zoo row chosen to serve) are read once and converted.

use serde::{Deserialize, Serialize};

use crate::models::MfWeights;
use crate::recommend::{Served, ServingModel};
use crate::report::BoardRow;
use crate::settings::TrainSettings;
use crate::train::EpochReport;
use crate::zoo::ZooModel;

/// Bumped whenever the stored shape changes.
pub const FORMAT_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptModel {
    pub version: u32,
    pub model: ZooModel,
    /// The training panel's settings as their URL query when it trained this model; `None` for a
    /// zoo row chosen to serve.
    pub settings: Option<String>,
    /// The split it was fitted on, by name.
    pub split: String,
    /// Which backend trained it, in words.
    pub backend: String,
    pub history: Vec<EpochReport>,
    /// The training panel's board (its model beside the baselines); empty for a zoo row.
    pub board: Vec<BoardRow>,
    pub serving: ServingModel,
    /// Each film's count of ratings, for a film list without ratings (a bundle brought them):
    /// its popularity comes back with the model. Absent otherwise (older copies too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_counts: Option<Vec<u32>>,
}

impl KeptModel {
    /// The training panel's model: biased MF with these settings.
    pub fn trained_here(
        settings: &TrainSettings,
        backend: &str,
        weights: MfWeights,
        history: Vec<EpochReport>,
        board: Vec<BoardRow>,
    ) -> Self {
        Self {
            version: FORMAT_VERSION,
            model: ZooModel::Mf,
            settings: Some(settings.to_query()),
            split: settings.split.name(),
            backend: backend.to_string(),
            history,
            board,
            serving: ServingModel::new(Served::Linear(weights)),
            item_counts: None,
        }
    }

    /// A zoo row's model, chosen to serve.
    pub fn chosen(
        model: ZooModel,
        split: &str,
        backend: &str,
        history: Vec<EpochReport>,
        serving: ServingModel,
    ) -> Self {
        Self {
            version: FORMAT_VERSION,
            model,
            settings: None,
            split: split.to_string(),
            backend: backend.to_string(),
            history,
            board: Vec::new(),
            serving,
            item_counts: None,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored copy (this format, or one of version 1, converted) and checks it fits a
    /// dataset of `n_users` × `n_items`.
    pub fn from_json(json: &str, n_users: usize, n_items: usize) -> Result<Self, String> {
        Self::read(json, n_users, n_items).map(|(kept, _)| kept)
    }

    /// [`KeptModel::from_json`], and whether it was converted from an older format (then it
    /// should be stored again in this one).
    pub fn read(json: &str, n_users: usize, n_items: usize) -> Result<(Self, bool), String> {
        let (kept, converted) = match Self::read_any(json)? {
            Stored::Now(kept) => (kept, false),
            Stored::TrainedV1(old) => (old.convert(), true),
            Stored::ServingV1(old) => (old.convert(), true),
        };
        kept.check(n_users, n_items)?;
        Ok((kept, converted))
    }

    fn read_any(json: &str) -> Result<Stored, String> {
        let damaged = |e: serde_json::Error| format!("the kept model is damaged ({e})");
        let value: serde_json::Value = serde_json::from_str(json).map_err(damaged)?;
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        Ok(match version {
            Some(2) => Stored::Now(serde_json::from_value(value).map_err(damaged)?),
            Some(1) if value.get("weights").is_some() => {
                Stored::TrainedV1(serde_json::from_value(value).map_err(damaged)?)
            }
            Some(1) => Stored::ServingV1(serde_json::from_value(value).map_err(damaged)?),
            Some(other) => {
                return Err(format!(
                    "the kept model has format {other}, this page reads {FORMAT_VERSION}"
                ));
            }
            None => return Err("the kept model is damaged (no format version)".into()),
        })
    }

    fn check(&self, n_users: usize, n_items: usize) -> Result<(), String> {
        let other = || {
            format!(
                "the kept model was fitted on other data (not {n_users} people × {n_items} films)"
            )
        };
        let films = self.serving.films.as_ref().map_or(n_items, |f| f.n_items());
        let counts = self.item_counts.as_ref().map_or(n_items, Vec::len);
        if self.serving.served.n_items() != n_items || films != n_items || counts != n_items {
            return Err(other());
        }
        self.serving
            .check(n_items)
            .map_err(|problem| format!("the kept model is damaged ({problem})"))?;
        if let (Some(_), Some(w)) = (&self.settings, self.mf_weights()) {
            let fits = w.user_bias.len() == n_users
                && w.user_factors.len() == n_users * w.dim
                && w.item_factors.len() == n_items * w.dim;
            if !fits {
                return Err(other());
            }
        }
        Ok(())
    }

    /// The training panel's settings, when it made this model.
    pub fn train_settings(&self) -> Option<TrainSettings> {
        Some(TrainSettings::from_query(self.settings.as_ref()?).0)
    }

    /// The MF-shaped weights it serves with (the training panel's model, ALS…).
    pub fn mf_weights(&self) -> Option<&MfWeights> {
        match &self.serving.served {
            Served::Linear(weights) => Some(weights),
            _ => None,
        }
    }
}

enum Stored {
    Now(KeptModel),
    TrainedV1(TrainedV1),
    ServingV1(ServingV1),
}

/// Version 1 of the training panel's kept model.
#[derive(Deserialize)]
struct TrainedV1 {
    settings: String,
    backend: String,
    weights: MfWeights,
    history: Vec<EpochReport>,
    board: Vec<BoardRow>,
}

impl TrainedV1 {
    fn convert(self) -> KeptModel {
        let settings = TrainSettings::from_query(&self.settings).0;
        KeptModel::trained_here(
            &settings,
            &self.backend,
            self.weights,
            self.history,
            self.board,
        )
    }
}

/// Version 1 of the zoo model chosen to serve.
#[derive(Deserialize)]
struct ServingV1 {
    model: ZooModel,
    split: String,
    serving: ServingModel,
}

impl ServingV1 {
    fn convert(self) -> KeptModel {
        KeptModel::chosen(self.model, &self.split, "", Vec::new(), self.serving)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::RankingMetrics;

    fn weights() -> MfWeights {
        MfWeights {
            mean: 3.5,
            dim: 2,
            user_bias: vec![0.1, -0.2],
            item_bias: vec![0.3, 0.0, -0.1],
            user_factors: vec![0.1, 0.2, 0.3, 1.0 / 3.0],
            item_factors: vec![1e-7, -2.5, 0.0, 7.25, 0.5, -0.5],
        }
    }

    fn kept() -> KeptModel {
        let row = BoardRow {
            label: "m".into(),
            errors: None,
            ranking: RankingMetrics {
                ndcg: 0.25,
                users: 2,
                ..Default::default()
            },
        };
        let settings = TrainSettings {
            dim: 2,
            ..TrainSettings::default()
        };
        KeptModel::trained_here(&settings, "CPU", weights(), Vec::new(), vec![row])
    }

    #[test]
    fn round_trips_exactly_and_refuses_what_does_not_fit() {
        let model = kept();
        let back = KeptModel::from_json(&model.to_json(), 2, 3).unwrap();
        assert_eq!(back, model);
        assert_eq!(back.train_settings().unwrap().dim, 2);
        assert_eq!(back.mf_weights(), Some(&weights()));
        let refused =
            |json: &str, users, items| KeptModel::from_json(json, users, items).unwrap_err();
        assert!(refused(&model.to_json(), 943, 1682).contains("other data"));
        assert!(
            refused(&model.to_json(), 5, 3).contains("other data"),
            "people count checked"
        );
        assert!(refused("{not json", 2, 3).contains("damaged"));
        // Readable but inconsistent: one film vector short, or a score that is not a number.
        let mut short = model.clone();
        if let Served::Linear(w) = &mut short.serving.served {
            w.item_factors.truncate(5);
        }
        assert_eq!(
            refused(&short.to_json(), 2, 3),
            "the kept model is damaged (the film vectors hold 5 numbers, not 6)"
        );
        let mut overflowing = model.to_json();
        overflowing = overflowing.replacen("0.3", "1e39", 1);
        assert!(
            refused(&overflowing, 2, 3).contains("damaged"),
            "{overflowing}"
        );
        let future = model.to_json().replace("\"version\":2", "\"version\":9");
        assert!(refused(&future, 2, 3).contains("format 9"));
        // A film list's popularity comes back with its model, and must count its films.
        assert!(!model.to_json().contains("item_counts"));
        let with_counts = KeptModel {
            item_counts: Some(vec![583, 0, 7]),
            ..model.clone()
        };
        let back = KeptModel::from_json(&with_counts.to_json(), 2, 3).unwrap();
        assert_eq!(back.item_counts, Some(vec![583, 0, 7]));
        let miscounted = KeptModel {
            item_counts: Some(vec![1, 2]),
            ..model
        };
        assert!(refused(&miscounted.to_json(), 2, 3).contains("other data"));
    }

    #[test]
    fn a_served_zoo_model_round_trips_and_is_refused_on_other_data() {
        let ease = Served::Ease(crate::recommend::EaseWeights {
            n_items: 2,
            weights: vec![0.0, 0.25, -1.5e-8, 0.0],
        });
        let kept = KeptModel::chosen(
            ZooModel::Ease,
            "u1",
            "closed form",
            Vec::new(),
            ServingModel::new(ease),
        );
        let back = KeptModel::from_json(&kept.to_json(), 943, 2).unwrap();
        assert_eq!(back, kept);
        assert!(back.train_settings().is_none());
        let error = KeptModel::from_json(&kept.to_json(), 943, 1682).unwrap_err();
        assert!(error.contains("other data"), "{error}");
        assert!(
            KeptModel::from_json("[]", 943, 2)
                .unwrap_err()
                .contains("damaged")
        );
    }

    #[test]
    fn both_formats_of_version_1_are_read_and_converted() {
        // The training panel's version 1, as the page wrote it.
        let trained_v1 = serde_json::json!({
            "version": 1, "settings": "?split=u1&dim=2", "backend": "CPU",
            "weights": weights(), "history": [], "board": [],
        });
        let (kept, converted) = KeptModel::read(&trained_v1.to_string(), 2, 3).unwrap();
        assert!(converted && !KeptModel::read(&kept.to_json(), 2, 3).unwrap().1);
        assert_eq!((kept.model, kept.version), (ZooModel::Mf, FORMAT_VERSION));
        assert_eq!(kept.mf_weights(), Some(&weights()));
        assert_eq!(kept.train_settings().unwrap().dim, 2);
        // A zoo row chosen to serve, version 1.
        let serving = ServingModel::new(Served::Linear(weights()));
        let serving_v1 = serde_json::json!({
            "version": 1, "model": "Als", "split": "u1", "serving": serving,
        });
        let kept = KeptModel::from_json(&serving_v1.to_string(), 2, 3).unwrap();
        assert_eq!(
            (kept.model, kept.settings.as_deref()),
            (ZooModel::Als, None)
        );
        assert_eq!(kept.serving, serving);
    }
}
