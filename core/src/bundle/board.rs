//! A bundle on the board: which of the board's models it is, and its row with the metrics its
//! trainer measured.

use super::{BundleError, ModelBundle};
use crate::metrics::{ErrorMetrics, RankingMetrics};
use crate::zoo::{ZooModel, ZooRow};

/// The factor models a bundle may hold (they serve as r̂ = μ + b_u + b_i + p·q).
const OPENED_AS: [ZooModel; 3] = [ZooModel::Mf, ZooModel::Als, ZooModel::SparkAls];

impl ModelBundle {
    /// The board's model this bundle holds: one the page trains (`mf`, `als`) or Spark's ALS.
    pub fn zoo_model(&self) -> Result<ZooModel, BundleError> {
        let name = self.info.model.as_str();
        match ZooModel::parse(name) {
            Some(model) if OPENED_AS.contains(&model) => Ok(model),
            _ if name.starts_with("spark") => Ok(ZooModel::SparkAls),
            _ => Err(BundleError(format!(
                "this bundle holds a \"{name}\" model; the page opens factor models ({})",
                OPENED_AS.map(ZooModel::name).join(", ")
            ))),
        }
    }

    /// Its row on the board: the metrics its trainer measured (on its own split), its size,
    /// and where it was trained.
    pub fn board_row(&self, model: ZooModel) -> ZooRow {
        let m = &self.info.metrics;
        let setting = |key: &str| self.info.settings.get(key);
        let biases = self.item_bias.as_ref().map_or(0, Vec::len)
            + self.user_bias.as_ref().map_or(0, Vec::len);
        ZooRow {
            model,
            errors: m.rmse.zip(m.mae).map(|(rmse, mae)| ErrorMetrics {
                rmse,
                mae,
                count: 0,
            }),
            ranking: RankingMetrics {
                precision: m.p10.unwrap_or(0.0),
                recall: m.r10.unwrap_or(0.0),
                ndcg: m.ndcg10.unwrap_or(0.0),
                hit_rate: m.hr10.unwrap_or(0.0),
                users: 0,
            },
            train_ms: setting("fit_s").and_then(|v| v.as_f64()).unwrap_or(0.0) * 1e3,
            parameters: (self.item_ids.len() + self.user_ids.len()) * self.rank + biases,
            backend: match setting("master").and_then(|v| v.as_str()) {
                Some(master) => format!("Spark {master} (bundle, split {})", self.info.split),
                None => format!("bundle, split {}", self.info.split),
            },
            history: Vec::new(),
        }
    }
}
