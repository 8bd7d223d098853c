//! How fast this device trains: the worker's side of `auto` choosing its backend by measurement.

use burn::tensor::Device;
use filmspace_core::models::MfConfig;
use filmspace_core::protocol::{MeasureRequest, Measured};
use filmspace_core::split::Split;
use filmspace_core::train::{TrainEvent, Trainer};

use crate::web::schedule::now_ms;

/// Trains biased MF (the default settings, two epochs) on the request's sample and reports the
/// ratings per second of the last epoch: the first also compiles a GPU's kernels.
pub async fn measure(request: MeasureRequest, device: Device) -> Result<Measured, String> {
    let split = Split {
        train: request.train.ratings(),
        validation: request.validation.ratings(),
        test: Vec::new(),
    };
    let config = MfConfig {
        epochs: 2,
        ..MfConfig::default()
    };
    let (n_users, n_items) = request.sizes;
    let mut trainer = Trainer::new(config, &split, n_users, n_items, &device);
    trainer.set_clock(now_ms);
    let mut last = None;
    while let Some(event) = trainer.step_async().await.map_err(|e| e.to_string())? {
        if let TrainEvent::Epoch(report) = event {
            last = Some(report.ratings_per_sec);
        }
    }
    last.map(|ratings_per_sec| Measured { ratings_per_sec })
        .ok_or_else(|| "no epoch was timed".to_string())
}
