//! The page's WebGPU training path on a real GPU (benchmark, not a test): Burn's wgpu backend,
//! natively on Vulkan, with the WGSL kernels the page's WebGPU path compiles, training biased MF
//! (d = 32) on generated ratings.
//!
//! `cargo run --release -p filmspace-core --features wgpu --example gpu_throughput [-- SECONDS]`
//!
//! The GPU engines: the trainer's step written as device operations (`models::MfDeviceStep`,
//! the default on a GPU) and Burn's autodiff with dense Adam (the engine before it).
//! Prints, per data set and batch size, the steady ratings/s of training steps (timed from a
//! synchronised start to a synchronised end, at most SECONDS each, default 8), the fused CPU
//! step and the scalar SGD reference on this machine's CPU on the same ratings, and then the
//! validation RMSE each batch size reaches on an ML-1M-sized set. One `BENCH_JSON` line last.

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;
use filmspace_core::models::MfConfig;
use filmspace_core::split::Split;
use filmspace_core::train::throughput::{Rates, generated, measure};
use filmspace_core::train::{TrainEvent, Trainer};
use serde_json::json;
use std::time::Instant;

const SETS: [(&str, usize, usize, usize); 2] = [
    ("ML-1M-sized", 1_000_209, 6_040, 3_706),
    ("ML-25M-sized", 25_000_095, 162_541, 59_047),
];
const BATCHES: [usize; 3] = [1_024, 8_192, 65_536];
/// Tried last, after every other figure is printed, in case the device refuses so large a batch.
const LARGEST_BATCH: usize = 262_144;

fn main() {
    let seconds: f64 = std::env::args()
        .nth(1)
        .map(|s| s.parse().expect("seconds"))
        .unwrap_or(5.0);
    let began = Instant::now();
    let gpu = Device::wgpu_options()
        .graphics_api(WgpuBackend::Vulkan)
        .init()
        .expect("a Vulkan adapter");
    println!(
        "wgpu (Vulkan) up in {:.0} ms",
        began.elapsed().as_secs_f64() * 1e3
    );
    let mut rows = Vec::new();
    println!(
        "| set | GPU engine | batch | GPU steps timed | GPU ratings/s | CPU fused step | scalar SGD | GPU ÷ CPU fused |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut largest = None;
    // GPU_BENCH_QUICK=1: the ML-25M-sized set, two batch sizes, no CPU figures or accuracy.
    let quick = std::env::var("GPU_BENCH_QUICK").is_ok();
    for (name, ratings, users, items) in SETS.into_iter().skip(usize::from(quick)) {
        let columns = generated(ratings, users, items, 7);
        let mut clock = {
            let start = Instant::now();
            move || start.elapsed().as_secs_f64() * 1e3
        };
        let cpu = if quick {
            Rates {
                ratings,
                kernel: f64::NAN,
                scalar: f64::NAN,
                burn: None,
                kernel_epoch_s: f64::NAN,
            }
        } else {
            measure(&columns, users, items, false, &mut clock)
        };
        let split = Split {
            train: columns.ratings(),
            ..Split::default()
        };
        drop(columns);
        let batches: &[usize] = if quick { &[1_024, 65_536] } else { &BATCHES };
        for &batch in batches {
            let rate = gpu_rate(&gpu, &split, (users, items), batch, seconds, true);
            rows.push(row(name, "device step", ratings, batch, rate, cpu));
        }
        if ratings < 2_000_000 {
            for batch in [1_024, 65_536] {
                let rate = gpu_rate(&gpu, &split, (users, items), batch, seconds, false);
                rows.push(row(
                    name,
                    "Burn autodiff, dense Adam",
                    ratings,
                    batch,
                    rate,
                    cpu,
                ));
            }
        }
        largest = Some((name, ratings, users, items, split, cpu));
    }
    if quick {
        return;
    }
    rows.extend(accuracy(&gpu, 150.0));
    if let Some((name, ratings, users, items, split, cpu)) = largest {
        println!("\n(largest batch, last)");
        let rate = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            gpu_rate(&gpu, &split, (users, items), LARGEST_BATCH, seconds, true)
        }));
        match rate {
            Ok(rate) => rows.push(row(name, "device step", ratings, LARGEST_BATCH, rate, cpu)),
            Err(_) => println!("| {name} | {LARGEST_BATCH} | failed (panic above) |"),
        }
    }
    println!("BENCH_JSON {}", serde_json::Value::Array(rows));
}

/// GPU steps timed (steps, seconds) after three untimed ones, synchronised at both ends by
/// reading the weights back.
fn gpu_rate(
    gpu: &Device,
    split: &Split,
    (users, items): (usize, usize),
    batch: usize,
    seconds: f64,
    device_step: bool,
) -> (usize, f64) {
    let config = MfConfig::new()
        .with_batch_size(batch)
        .with_epochs(1)
        .with_fused_device_step(device_step);
    let mut trainer = Trainer::new(config, split, users, items, gpu);
    for _ in 0..3 {
        trainer.step();
    }
    let _ = trainer.weights();
    let start = Instant::now();
    let (mut steps, mut host) = (0usize, 0.0f64);
    while start.elapsed().as_secs_f64() < seconds && steps + 4 < trainer.batches_per_epoch() {
        let called = Instant::now();
        let event = trainer.step();
        host += called.elapsed().as_secs_f64();
        match event {
            Some(TrainEvent::Batch(_)) => steps += 1,
            _ => break,
        }
    }
    let _ = trainer.weights();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "  ({steps} steps of {batch}: {:.2} ms a step, {:.2} ms of it in the host's step calls)",
        secs * 1e3 / steps.max(1) as f64,
        host * 1e3 / steps.max(1) as f64
    );
    (steps, secs)
}

fn row(
    name: &str,
    engine: &str,
    ratings: usize,
    batch: usize,
    (steps, secs): (usize, f64),
    cpu: Rates,
) -> serde_json::Value {
    let rate = (steps * batch) as f64 / secs;
    println!(
        "| {name} | {engine} | {batch} | {steps} in {secs:.2} s | {:.2} M/s | {:.2} M/s | {:.2} M/s | {:.1} |",
        rate / 1e6,
        cpu.kernel / 1e6,
        cpu.scalar / 1e6,
        rate / cpu.kernel
    );
    json!({"set": name, "engine": engine, "ratings": ratings, "batch": batch, "steps": steps, "seconds": secs,
        "gpu_ratings_per_s": rate, "cpu_kernel": cpu.kernel, "cpu_scalar": cpu.scalar})
}

/// Early-stopped fits on an ML-1M-sized set split 80/10/10, per batch size (Adam's step grows
/// with √(batch / 1024), the usual large-batch rule), on the GPU and, for the default, the CPU.
fn accuracy(gpu: &Device, budget_s: f64) -> Vec<serde_json::Value> {
    let (_, ratings, users, items) = SETS[0];
    let all = generated(ratings, users, items, 7).ratings();
    let split = Split::by_ratio(&all, [0.8, 0.1, 0.1], 7);
    let began = Instant::now();
    let mut rows = Vec::new();
    println!("\n| device | batch | learning rate | epochs | best validation RMSE | fit time |");
    println!("|---|---|---|---|---|---|");
    let runs = [(false, 1_024), (true, 65_536), (true, 8_192), (true, 1_024)];
    for (on_gpu, batch) in runs {
        if began.elapsed().as_secs_f64() > budget_s {
            println!("| (stopped: the {budget_s:.0} s budget for this table was spent) |");
            break;
        }
        let lr = 0.005 * (batch as f64 / 1_024.0).sqrt();
        let config = MfConfig::new()
            .with_batch_size(batch)
            .with_learning_rate(lr);
        let device = if on_gpu { gpu.clone() } else { Device::flex() };
        let start = Instant::now();
        let mut trainer = Trainer::new(config, &split, users, items, &device);
        while trainer.step().is_some() {
            if start.elapsed().as_secs_f64() > 60.0 {
                trainer.stop();
            }
        }
        let summary = trainer.summary().expect("finished");
        let label = if on_gpu {
            "GPU (wgpu, Vulkan)"
        } else {
            "CPU (fused step)"
        };
        let secs = start.elapsed().as_secs_f64();
        println!(
            "| {label} | {batch} | {lr:.4} | {} ({:?}) | {:.4} | {secs:.1} s |",
            summary.epochs,
            summary.reason,
            summary.best_validation_rmse.unwrap_or(f64::NAN)
        );
        rows.push(
            json!({"accuracy": label, "batch": batch, "learning_rate": lr,
            "epochs": summary.epochs, "rmse": summary.best_validation_rmse, "seconds": secs}),
        );
    }
    rows
}
