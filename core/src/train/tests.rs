//! The loop's tests on generated low-rank data.

use super::*;
use crate::data::RatingIndex;
use crate::metrics::rating_errors;
use crate::models::{BiasConfig, BiasModel, RatingModel};
use crate::testing::{NOISE, low_rank, rmse};

#[test]
fn low_rank_data_is_recovered_down_to_the_noise() {
    let split = low_rank(200, 150, 3, NOISE, 0.8, 11);
    let config = MfConfig::new()
        .with_dim(3)
        .with_learning_rate(0.01)
        .with_reg(0.005)
        .with_init_std(0.1)
        .with_batch_size(256)
        .with_epochs(100)
        .with_patience(5);
    let fit = fit(config, &split, 200, 150, &Device::flex());
    let mf = rmse(&fit.weights, &split.test);
    let index = RatingIndex::new(&split.train, 200, 150);
    let bias = rmse(&BiasModel::fit(&index, BiasConfig::default()), &split.test);
    eprintln!(
        "low rank: MF test RMSE {mf:.4} (noise {NOISE}), bias model {bias:.4}, {:?}",
        fit.summary
    );
    assert!(
        mf < NOISE * 1.15 && mf < bias * 0.5,
        "MF test RMSE {mf:.4}, noise {NOISE}, bias model {bias:.4}, {:?}",
        fit.summary
    );
}

#[test]
fn a_run_resumed_from_a_checkpoint_carries_on() {
    let split = low_rank(120, 80, 3, NOISE, 0.3, 11);
    let config = MfConfig::default()
        .with_epochs(12)
        .with_patience(0)
        .with_batch_size(256);
    let device = Device::flex();
    let mut first = Trainer::new(config.clone(), &split, 120, 80, &device);
    while first.history().len() < 5 {
        first.step();
    }
    let checkpoint = first.checkpoint().expect("at the end of epoch 5");
    assert_eq!(checkpoint.epoch, 5);
    let rmse_then = checkpoint.history[4].validation_rmse.unwrap();
    // Mid-epoch there is no checkpoint.
    first.step();
    assert!(first.checkpoint().is_none());

    let mut resumed = Trainer::resume(config.clone(), &split, 120, 80, &device, checkpoint);
    // The resumed model is the checkpoint's, exactly.
    assert_eq!(
        resumed.weights(),
        first_weights_at_5(&config, &split, &device)
    );
    resumed.run();
    let history = resumed.history();
    assert_eq!(history.len(), 12);
    assert_eq!(
        history.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        (1..=12).collect::<Vec<_>>()
    );
    let rmse_end = history[11].validation_rmse.unwrap();
    assert!(rmse_end < rmse_then, "{rmse_end} vs {rmse_then}");
    assert_eq!(resumed.summary().unwrap().epochs, 12);
}

/// The model an uninterrupted run hands back after 5 epochs (its best validation epoch).
fn first_weights_at_5(config: &MfConfig, split: &Split, device: &Device) -> MfWeights {
    let mut t = Trainer::new(config.clone(), split, 120, 80, device);
    while t.history().len() < 5 {
        t.step();
    }
    t.weights()
}

#[test]
fn early_stopping_keeps_the_best_validation_epoch() {
    // Many factors, no penalty, a large step and few noisy ratings: it overfits fast.
    let split = low_rank(60, 50, 2, 0.5, 0.3, 5);
    let config = MfConfig::new()
        .with_dim(32)
        .with_learning_rate(0.05)
        .with_reg(0.0)
        .with_batch_size(64)
        .with_epochs(100)
        .with_patience(3);
    let fit = fit(config, &split, 60, 50, &Device::flex());
    assert_eq!(fit.summary.reason, StopReason::EarlyStopped);
    let scores: Vec<f64> = fit
        .history
        .iter()
        .map(|r| r.validation_rmse.unwrap())
        .collect();
    eprintln!("validation RMSE by epoch: {scores:?}");
    let best = (0..scores.len())
        .min_by(|&a, &b| scores[a].total_cmp(&scores[b]))
        .unwrap();
    assert_eq!(fit.summary.best_epoch, Some(best + 1));
    assert_eq!(fit.history.len(), best + 1 + 3, "{scores:?}");
    assert!(fit.history[best].best);
    assert!(fit.history[best + 1..].iter().all(|r| !r.best));
    // The weights handed back are the best epoch's, not the last one's.
    let (min, max) = crate::train::rating_range(&split.train, &split.validation);
    let kept = rating_errors(
        &crate::data::RatingScale {
            min,
            max,
            ..crate::data::RatingScale::STARS
        },
        split
            .validation
            .iter()
            .map(|r| (fit.weights.predict(r.user, r.item), r.value)),
    )
    .rmse;
    assert!(
        (kept - scores[best]).abs() < 1e-4,
        "{kept} vs {}",
        scores[best]
    );
    assert!(scores.last().unwrap() > &(scores[best] + 1e-3));
}

#[test]
fn events_come_in_order_and_the_learning_rate_can_change() {
    let split = low_rank(30, 40, 2, NOISE, 1.0, 3);
    let n = split.train.len();
    let batches = n.div_ceil(300);
    assert!(batches >= 2);
    let config = MfConfig::new()
        .with_dim(4)
        .with_batch_size(300)
        .with_epochs(3)
        .with_patience(0);
    let mut trainer = Trainer::new(config, &split, 30, 40, &Device::flex());
    let mut ticks = 0.0;
    trainer.set_clock(move || {
        ticks += 10.0;
        ticks
    });
    let mut events = Vec::new();
    while let Some(event) = trainer.step() {
        if let TrainEvent::Epoch(report) = event
            && report.epoch == 1
        {
            trainer.set_learning_rate(0.0);
        }
        events.push(event);
    }
    assert!(trainer.step().is_none());
    assert_eq!(events.len(), 3 * (batches + 1) + 1);
    let mut k = 0;
    for epoch in 1..=3 {
        for batch in 1..=batches {
            assert_eq!(
                events[k],
                TrainEvent::Batch(BatchProgress {
                    epoch,
                    batch,
                    batches
                })
            );
            k += 1;
        }
        let TrainEvent::Epoch(report) = events[k] else {
            panic!("expected the end of epoch {epoch}, got {:?}", events[k]);
        };
        assert_eq!(report.epoch, epoch);
        assert!(report.validation_rmse.is_some() && report.train_loss > 0.0);
        // The fake clock ticks once per read: the epoch's start, then its end.
        assert!(report.elapsed_ms > 0.0 && report.ratings_per_sec > 0.0);
        k += 1;
    }
    let TrainEvent::Finished(summary) = events[k] else {
        panic!("expected the end, got {:?}", events[k]);
    };
    assert_eq!((summary.epochs, summary.reason), (3, StopReason::Completed));
    // From epoch 2 on the learning rate is 0: nothing moves any more.
    let history = trainer.history();
    assert_eq!(history[1].learning_rate, 0.0);
    assert_eq!(history[1].validation_rmse, history[0].validation_rmse);
    assert_eq!(history[2].validation_rmse, history[0].validation_rmse);
    assert_eq!(summary.best_epoch, Some(1));
}

/// Polls a future to completion on this thread (Flex reads are ready at once).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
    }
}

#[test]
fn the_async_steps_match_the_sync_ones() {
    let split = low_rank(30, 30, 2, NOISE, 0.8, 9);
    let config = MfConfig::new()
        .with_dim(4)
        .with_batch_size(128)
        .with_epochs(4);
    let device = Device::flex();
    let mut sync = Trainer::new(config.clone(), &split, 30, 30, &device);
    let mut not_sync = Trainer::new(config, &split, 30, 30, &device);
    loop {
        let a = sync.step();
        let b = block_on(not_sync.step_async()).unwrap();
        match (a, b) {
            (Some(TrainEvent::Epoch(a)), Some(TrainEvent::Epoch(b))) => {
                assert_eq!(a.validation_rmse, b.validation_rmse);
                assert_eq!(a.train_loss, b.train_loss);
            }
            (Some(TrainEvent::Batch(a)), Some(TrainEvent::Batch(b))) => assert_eq!(a, b),
            (Some(TrainEvent::Finished(a)), Some(TrainEvent::Finished(b))) => {
                assert_eq!(a.best_epoch, b.best_epoch)
            }
            (None, None) => break,
            other => panic!("the streams differ: {other:?}"),
        }
    }
    assert_eq!(sync.weights(), block_on(not_sync.weights_async()).unwrap());
}

#[test]
fn stop_ends_training_at_the_next_step() {
    let split = low_rank(20, 20, 2, NOISE, 1.0, 4);
    let config = MfConfig::new().with_dim(2).with_batch_size(64);
    let mut trainer = Trainer::new(config, &split, 20, 20, &Device::flex());
    let first = trainer.run_epoch().unwrap();
    assert_eq!(first.epoch, 1);
    assert!(matches!(trainer.step(), Some(TrainEvent::Batch(_))));
    trainer.stop();
    let Some(TrainEvent::Finished(summary)) = trainer.step() else {
        panic!("expected the end");
    };
    // The interrupted second epoch does not count; the first one is kept.
    assert_eq!((summary.epochs, summary.reason), (1, StopReason::Stopped));
    assert_eq!(summary.best_epoch, Some(1));
    assert!(trainer.step().is_none() && trainer.is_finished());
    assert!(trainer.run_epoch().is_none());
}

#[test]
fn without_validation_the_last_epoch_is_kept_and_a_holdout_can_be_made() {
    let mut split = low_rank(20, 20, 2, NOISE, 1.0, 8);
    split.validation.clear();
    let config = MfConfig::new().with_dim(2).with_epochs(2);
    let mut trainer = Trainer::new(config, &split, 20, 20, &Device::flex());
    trainer.run();
    let summary = trainer.summary().unwrap();
    assert_eq!(
        (summary.best_epoch, summary.best_validation_rmse),
        (Some(2), None)
    );
    assert!(
        trainer
            .history()
            .iter()
            .all(|r| r.validation_rmse.is_none())
    );

    let held = default_training_split(&split, 1);
    assert_eq!(
        held.validation.len(),
        (split.train.len() as f64 * 0.1).round() as usize
    );
    assert_eq!(held.train.len() + held.validation.len(), split.train.len());
    assert_eq!(held.test, split.test);
    assert_eq!(default_training_split(&held, 2).validation, held.validation);
}

/// A quick MF recipe on generated data that early-stops well before its last epoch.
fn quick_pipeline(async_reads: bool) -> (MfConfig, Split, Pipeline<MfConfig>) {
    let split = low_rank(120, 80, 3, NOISE, 0.3, 7);
    let config = MfConfig::default().with_epochs(8).with_batch_size(256);
    let pipeline = Pipeline::new(
        config.clone(),
        &split,
        3,
        (120, 80),
        &Device::flex(),
        async_reads,
    );
    (config, split, pipeline)
}

#[test]
fn the_pipeline_is_a_holdout_run_then_a_refit_for_the_best_epoch_count() {
    let (config, split, mut pipeline) = quick_pipeline(false);
    let mut refit_announced = None;
    let fitted = loop {
        match pipeline.step().unwrap().unwrap() {
            PipelineEvent::RefitStarts { epochs } => refit_announced = Some(epochs),
            PipelineEvent::Finished(fitted) => break fitted,
            _ => {}
        }
    };
    assert!(pipeline.step().unwrap().is_none(), "nothing after Finished");
    // The same two runs driven by hand.
    let held = default_training_split(&split, 3);
    let holdout = fit(config.clone(), &held, 120, 80, &Device::flex());
    let best = holdout.summary.best_epoch.unwrap();
    let refit = fit(
        refit_config(&config, &holdout.summary),
        &refit_split(&held),
        120,
        80,
        &Device::flex(),
    );
    assert_eq!(refit_announced, Some(best));
    assert!(
        fitted.holdout.weights == holdout.weights,
        "the holdout run's model"
    );
    assert_eq!(fitted.holdout.summary.best_epoch, Some(best));
    assert!(
        fitted.refit.as_ref().unwrap().weights == refit.weights,
        "the refit's model"
    );
    assert_eq!(fitted.refit.as_ref().unwrap().history.len(), best);
    assert!(fitted.model() == &refit.weights);
    assert!(!fitted.stopped());
}

#[test]
fn a_failed_device_hands_the_last_checkpoint_to_the_cpu_which_resumes_from_it() {
    // Asynchronous reads, as on a GPU: a checkpoint is read after every epoch.
    let (_, _, mut pipeline) = quick_pipeline(true);
    let (_, _, mut uninterrupted) = quick_pipeline(false);
    let mut epochs = Vec::new();
    while pipeline.trainer().history().len() < 2 {
        if let Some(PipelineEvent::Epoch(_, r)) = pipeline.step().unwrap() {
            epochs.push(r.epoch);
        }
    }
    let checkpoint = pipeline.checkpoint().expect("read after epoch 2");
    assert_eq!(
        (checkpoint.stage, checkpoint.run.epoch),
        (Stage::Holdout, 2)
    );
    // Some batches of epoch 3 go by, then the device is lost.
    pipeline.step().unwrap();
    assert_eq!(pipeline.fail_over(&Device::flex()), 2);
    let fitted = loop {
        match pipeline.step().unwrap().unwrap() {
            PipelineEvent::Epoch(Stage::Holdout, r) => epochs.push(r.epoch),
            PipelineEvent::Finished(fitted) => break fitted,
            _ => {}
        }
    };
    let n = fitted.holdout.history.len();
    assert_eq!(
        epochs,
        (1..=n).collect::<Vec<_>>(),
        "epoch 3 follows epoch 2"
    );
    assert!(fitted.refit.is_some());
    // The first two epochs are the uninterrupted run's, exactly.
    let reference = uninterrupted.run().unwrap();
    assert_eq!(
        fitted.holdout.history[..2]
            .iter()
            .map(|r| r.validation_rmse)
            .collect::<Vec<_>>(),
        reference.holdout.history[..2]
            .iter()
            .map(|r| r.validation_rmse)
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_checkpoint_travels_as_json_and_a_new_pipeline_resumes_the_refit_from_it() {
    let (config, split, mut pipeline) = quick_pipeline(true);
    while !(pipeline.stage() == Stage::Refit && pipeline.trainer().history().len() == 1) {
        pipeline.step().unwrap();
    }
    let json = serde_json::to_string(&pipeline.checkpoint().unwrap()).unwrap();
    let checkpoint: StageCheckpoint<MfWeights> = serde_json::from_str(&json).unwrap();
    let sent = pipeline.checkpoint().unwrap();
    assert_eq!((checkpoint.stage, checkpoint.run.epoch), (Stage::Refit, 1));
    assert!(
        checkpoint.run.current == sent.run.current,
        "f32 weights survive JSON exactly"
    );
    let mut resumed = Pipeline::resume(config, &split, 3, (120, 80), &Device::flex(), checkpoint);
    assert_eq!(resumed.stage(), Stage::Refit);
    let fitted = resumed.run().unwrap();
    let refit = fitted.refit.unwrap();
    assert_eq!(
        refit.history.len(),
        fitted.holdout.summary.best_epoch.unwrap()
    );
    assert_eq!(refit.history[0].epoch, 1);
}

#[test]
fn a_loss_that_is_not_finite_ends_the_fit_as_diverged_at_its_epoch() {
    let (_, _, mut pipeline) = quick_pipeline(false);
    while pipeline.trainer().history().len() < 2 {
        pipeline.step().unwrap();
    }
    pipeline.set_learning_rate(f64::NAN);
    let error = loop {
        match pipeline.step() {
            Ok(Some(PipelineEvent::Epoch(_, r))) => {
                panic!("epoch {} reported with loss {}", r.epoch, r.train_loss)
            }
            Ok(_) => {}
            Err(error) => break error,
        }
    };
    assert_eq!(
        error,
        PipelineError::Diverged {
            stage: Stage::Holdout,
            epoch: 3
        }
    );
    assert!(error.to_string().contains("after epoch 3"));
    assert!(pipeline.step().unwrap().is_none());
}

#[test]
fn a_stopped_holdout_run_ends_the_fit_without_a_refit() {
    let (_, _, mut pipeline) = quick_pipeline(false);
    while pipeline.trainer().history().len() < 2 {
        pipeline.step().unwrap();
    }
    pipeline.stop();
    let fitted = pipeline.run().unwrap();
    assert!(fitted.stopped() && fitted.refit.is_none());
    assert_eq!(fitted.holdout.history.len(), 2);
}
