//! What a run reports: a batch, an epoch, the end.

/// One mini-batch done. Counts start at 1.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchProgress {
    pub epoch: usize,
    pub batch: usize,
    pub batches: usize,
}

/// One epoch done.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochReport {
    /// Starts at 1.
    pub epoch: usize,
    /// The objective (MSE + L2 penalty) averaged over the epoch's ratings, as the batches saw it.
    pub train_loss: f64,
    /// √(MSE) over the epoch's ratings as the batches saw them (unclipped, while training);
    /// `None` for a model trained on a ranking loss.
    pub train_rmse: Option<f64>,
    /// RMSE on the validation ratings after the epoch, predictions clipped to [1, 5]; `None`
    /// without a validation set.
    pub validation_rmse: Option<f64>,
    /// Whether this epoch is the best so far on validation (the one training keeps unless a
    /// better one follows). Always true without validation, where the latest epoch is kept.
    pub best: bool,
    pub learning_rate: f64,
    /// Wall time of this epoch, its evaluation included.
    pub elapsed_ms: f64,
    /// Wall time since the first step.
    pub total_ms: f64,
    pub ratings_per_sec: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StopReason {
    /// All configured epochs ran.
    Completed,
    /// `patience` epochs in a row did not beat the best validation RMSE.
    EarlyStopped,
    /// [`Trainer::stop`] was called.
    Stopped,
}

/// Training is over.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainSummary {
    /// Epochs completed.
    pub epochs: usize,
    /// The epoch whose weights are kept (best on validation; the last one without validation).
    pub best_epoch: Option<usize>,
    pub best_validation_rmse: Option<f64>,
    pub reason: StopReason,
    pub total_ms: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrainEvent {
    Batch(BatchProgress),
    Epoch(EpochReport),
    Finished(TrainSummary),
}

/// How a run's validation RMSE went: where it ended and its lowest point, for comparing runs
/// (an over-fitting run ends well above its minimum; a healthy one ends near it).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ValidationCurve {
    pub final_rmse: f64,
    pub best_rmse: f64,
    /// The epoch of the lowest RMSE (the first, on a tie).
    pub best_epoch: usize,
    pub epochs: usize,
}

impl ValidationCurve {
    /// `None` when no epoch was scored on validation.
    pub fn of(history: &[EpochReport]) -> Option<Self> {
        let scored = || {
            history
                .iter()
                .filter_map(|r| Some((r.epoch, r.validation_rmse?)))
        };
        let (_, final_rmse) = scored().next_back()?;
        let (best_epoch, best_rmse) = scored().fold((0, f64::INFINITY), |best, (epoch, rmse)| {
            if rmse < best.1 { (epoch, rmse) } else { best }
        });
        Some(Self {
            final_rmse,
            best_rmse,
            best_epoch,
            epochs: history.len(),
        })
    }

    /// How far the run ended above its own best.
    pub fn rise(&self) -> f64 {
        self.final_rmse - self.best_rmse
    }
}

#[cfg(test)]
mod curve_tests {
    use super::*;

    fn epoch(epoch: usize, validation_rmse: Option<f64>) -> EpochReport {
        EpochReport {
            epoch,
            train_loss: 1.0 / epoch as f64,
            train_rmse: None,
            validation_rmse,
            best: false,
            learning_rate: 0.01,
            elapsed_ms: 1.0,
            total_ms: epoch as f64,
            ratings_per_sec: 1.0,
        }
    }

    #[test]
    fn an_overfitting_curve_ends_above_its_minimum() {
        let history: Vec<_> = [1.00, 0.95, 0.93, 0.93, 0.97, 1.01]
            .iter()
            .enumerate()
            .map(|(i, &r)| epoch(i + 1, Some(r)))
            .collect();
        let curve = ValidationCurve::of(&history).unwrap();
        assert_eq!(
            (curve.best_epoch, curve.best_rmse, curve.final_rmse),
            (3, 0.93, 1.01)
        );
        assert!((curve.rise() - 0.08).abs() < 1e-12);
        assert_eq!(curve.epochs, 6);
    }

    #[test]
    fn unscored_epochs_are_skipped_and_none_scored_is_none() {
        let history = vec![epoch(1, None), epoch(2, Some(0.9)), epoch(3, None)];
        let curve = ValidationCurve::of(&history).unwrap();
        assert_eq!(
            (curve.final_rmse, curve.best_epoch, curve.rise()),
            (0.9, 2, 0.0)
        );
        assert_eq!(ValidationCurve::of(&[epoch(1, None)]), None);
        assert_eq!(ValidationCurve::of(&[]), None);
    }
}
