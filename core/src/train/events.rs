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
