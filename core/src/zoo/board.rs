//! The board: one scored row per model, and its CSV.

use crate::data::{Rating, RatingIndex};
use crate::metrics::{ErrorMetrics, RankingMetrics};
use crate::train::EpochReport;

use super::{Trained, ZooModel};

/// One row of the board.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ZooRow {
    pub model: ZooModel,
    pub errors: Option<ErrorMetrics>,
    pub ranking: RankingMetrics,
    pub train_ms: f64,
    pub parameters: usize,
    pub backend: String,
    /// The holdout run's epochs (validation RMSE per epoch), for the overlaid curves.
    pub history: Vec<EpochReport>,
}

/// How a row's model was fitted (everything on the row but its test metrics).
pub struct Fitting {
    pub train_ms: f64,
    pub parameters: usize,
    pub backend: String,
    pub history: Vec<EpochReport>,
}

impl ZooRow {
    /// The row of `trained`, scored on `test` (candidates exclude the films rated in `index`).
    pub fn scored(
        model: ZooModel,
        trained: &Trained,
        (index, test): (&RatingIndex, &[Rating]),
        fitting: Fitting,
    ) -> ZooRow {
        let evaluation = trained.evaluate(index, test);
        ZooRow {
            model,
            errors: evaluation.errors,
            ranking: evaluation.ranking,
            train_ms: fitting.train_ms,
            parameters: fitting.parameters,
            backend: fitting.backend,
            history: fitting.history,
        }
    }
}

impl ZooRow {
    /// RMSE, MAE, P@10, R@10, NDCG@10 and HR@10 to 4 places; `missing` where it has none.
    pub fn metric_cells(&self, missing: &str) -> [String; 6] {
        let cell = |x: Option<f64>| x.map_or(missing.to_string(), |v| format!("{v:.4}"));
        let r = &self.ranking;
        [
            cell(self.errors.map(|e| e.rmse)),
            cell(self.errors.map(|e| e.mae)),
            cell(Some(r.precision)),
            cell(Some(r.recall)),
            cell(Some(r.ndcg)),
            cell(Some(r.hit_rate)),
        ]
    }
}

/// The board as CSV: one row per model, metrics to 4 places (empty where a model has none).
pub fn board_csv(rows: &[ZooRow]) -> String {
    let mut out =
        String::from("model,label,rmse,mae,p10,r10,ndcg10,hr10,train_seconds,parameters,backend\n");
    for r in rows {
        out.push_str(&format!(
            "{},\"{}\",{},{:.2},{},\"{}\"\n",
            r.model.name(),
            r.model.label(),
            r.metric_cells("").join(","),
            r.train_ms / 1e3,
            r.parameters,
            r.backend
        ));
    }
    out
}
