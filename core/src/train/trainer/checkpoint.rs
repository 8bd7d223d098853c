//! What a run keeps at the end of an epoch, and how a run carries on from it.

use burn::backend::ExecutionError;
use burn::module::Module;
use burn::tensor::Device;

use super::{Phase, Trainer};
use crate::models::MfWeights;
use crate::split::Split;
use crate::train::{EpochReport, Recipe, Trainable, WeightsOf};

/// Where a run stood at the end of an epoch, in plain memory: enough to carry on on another
/// device (the CPU taking over from a GPU that failed). The optimiser's moments are not kept, so
/// Adam starts afresh from here; shuffles, epochs, early stopping and the history carry on.
/// Serialisable, so a training worker can hand it to the page, which carries on after the worker
/// itself died.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Checkpoint<W = MfWeights> {
    pub epoch: usize,
    pub current: W,
    /// Best validation epoch so far: (epoch, RMSE, weights).
    pub best: Option<(usize, f64, W)>,
    pub epochs_since_best: usize,
    pub history: Vec<EpochReport>,
    pub learning_rate: f64,
}

/// (epoch, validation RMSE, the model then).
pub(super) type BestEpoch<M> = (usize, f64, M);

/// The current model and the best epoch so far, before they are read back.
pub(super) type CheckpointParts<M> = (M, Option<BestEpoch<M>>);

impl<R: Recipe> Trainer<R> {
    /// A trainer that carries on from `checkpoint` (taken by a trainer with the same `config`
    /// and `split`) on `device`: the next epoch is `checkpoint.epoch + 1`, with the shuffle that
    /// epoch would have had.
    pub fn resume(
        config: R,
        split: &Split,
        n_users: usize,
        n_items: usize,
        device: &Device,
        checkpoint: Checkpoint<WeightsOf<R>>,
    ) -> Self {
        let mut trainer = Self::new(config, split, n_users, n_items, device);
        // The shuffles are cumulative: replay the ones the finished epochs made.
        for _ in 0..checkpoint.epoch {
            trainer.rng.shuffle(&mut trainer.order);
        }
        let plain = device.clone().inner();
        trainer.model = Some(R::Model::from_weights(&checkpoint.current, &trainer.device));
        if trainer.kernel.is_some() {
            trainer.kernel = Self::kernel_for(&trainer.config, trainer.current(), &plain);
        }
        trainer.best = checkpoint
            .best
            .map(|(epoch, rmse, weights)| (epoch, rmse, R::Model::from_weights(&weights, &plain)));
        trainer.epoch = checkpoint.epoch;
        trainer.epochs_since_best = checkpoint.epochs_since_best;
        trainer.learning_rate = checkpoint.learning_rate;
        trainer.history = checkpoint.history;
        trainer
    }

    /// The run at the end of the last epoch; `None` in the middle of one or once finished.
    fn checkpoint_parts(&self) -> Option<CheckpointParts<R::Model>> {
        (self.batch == 0 && matches!(self.phase, Phase::Batch))
            .then(|| (self.current().valid(), self.best.clone()))
    }

    fn checkpoint_from(
        &self,
        current: WeightsOf<R>,
        best: Option<(usize, f64, WeightsOf<R>)>,
    ) -> Checkpoint<WeightsOf<R>> {
        Checkpoint {
            epoch: self.epoch,
            current,
            best,
            epochs_since_best: self.epochs_since_best,
            history: self.history.clone(),
            learning_rate: self.learning_rate,
        }
    }

    /// [`Checkpoint`] with synchronous reads (Flex).
    pub fn checkpoint(&self) -> Option<Checkpoint<WeightsOf<R>>> {
        let (current, best) = self.checkpoint_parts()?;
        let best = best.map(|(e, r, m)| (e, r, m.to_weights()));
        Some(self.checkpoint_from(current.to_weights(), best))
    }

    /// [`Checkpoint`] with asynchronous reads (a GPU in wasm).
    pub async fn checkpoint_async(
        &self,
    ) -> Result<Option<Checkpoint<WeightsOf<R>>>, ExecutionError> {
        let Some((current, best)) = self.checkpoint_parts() else {
            return Ok(None);
        };
        let best = match best {
            Some((e, r, m)) => Some((e, r, m.to_weights_async().await?)),
            None => None,
        };
        Ok(Some(
            self.checkpoint_from(current.to_weights_async().await?, best),
        ))
    }
}
