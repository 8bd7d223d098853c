//! Training throughput on generated ratings, for the benchmark: the same measurement runs
//! natively (`core/examples/throughput.rs`) and in the page's wasm (its `throughput_probe`), so
//! each ratio below compares engines in one run, on one machine, on the same ratings.
//!
//! Three engines do one epoch of biased MF (d = 32) over the same shuffled ratings:
//! - the fused CPU step the trainer uses ([`crate::models::MfKernel`], lazy Adam, batch 1024);
//! - Burn's autodiff on Flex with dense Adam (the trainer with `fused_cpu_step` off), on sets
//!   small enough for it;
//! - the reference: per-rating SGD in a few lines of plain Rust, the least work an epoch can be.

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use super::{CpuKernel, RatingColumns, Trainable, Trainer};
use crate::math::standard_normal;
use crate::models::{Mf, MfConfig, MfKernel, MfWeights};
use crate::rng::SeededRng;
use crate::split::Split;

/// Ratings per second of one epoch, per engine.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub ratings: usize,
    pub kernel: f64,
    pub scalar: f64,
    /// `None` when not asked for (it takes minutes at tens of millions of ratings).
    pub burn: Option<f64>,
    /// Seconds of the kernel's epoch.
    pub kernel_epoch_s: f64,
}

/// `ratings` ratings of `users` × `items` on the 1–5 scale: every person rates, films are
/// picked with a long tail of popularity (as in real data), values from a rank-4 structure.
/// Pairs may repeat; throughput does not care.
pub fn generated(ratings: usize, users: usize, items: usize, seed: u64) -> RatingColumns {
    let mut rng = SeededRng::new(seed);
    let rank = 4;
    let mut vectors = |n: usize| -> Vec<f32> {
        (0..n * rank)
            .map(|_| (standard_normal(&mut rng) * 0.6) as f32)
            .collect()
    };
    let (p, q) = (vectors(users), vectors(items));
    let mut columns = RatingColumns::default();
    for k in 0..ratings {
        let user = if k < users { k } else { rng.below(users) };
        // u² pushes draws towards the first (most popular) films.
        let item = ((rng.unit().powi(2)) * items as f64) as usize % items;
        let signal: f32 = (0..rank)
            .map(|j| p[user * rank + j] * q[item * rank + j])
            .sum();
        let value = (3.5 + signal + (standard_normal(&mut rng) * 0.5) as f32)
            .round()
            .clamp(1.0, 5.0);
        columns.users.push(user as u32);
        columns.items.push(item as u32);
        columns.values.push(value);
    }
    columns
}

/// One epoch of each engine on `columns`; `clock` gives milliseconds (any origin).
pub fn measure(
    columns: &RatingColumns,
    users: usize,
    items: usize,
    with_burn: bool,
    clock: &mut dyn FnMut() -> f64,
) -> Rates {
    let config = MfConfig::default();
    let n = columns.len();
    let mut order: Vec<u32> = (0..n as u32).collect();
    SeededRng::new(config.seed).shuffle(&mut order);
    let start = initial_weights(columns, users, items, &config);

    let mut kernel = MfKernel::new(&config, start.clone());
    let began = clock();
    for batch in order.chunks(config.batch_size) {
        kernel.step(columns, batch, config.learning_rate);
    }
    let kernel_ms = clock() - began;

    let mut weights = start;
    let began = clock();
    scalar_sgd_epoch(
        columns,
        &order,
        &mut weights,
        config.learning_rate as f32,
        config.reg as f32,
    );
    let scalar_ms = clock() - began;

    let burn = with_burn.then(|| burn_epoch(columns, users, items, &config, clock));
    let rate = |ms: f64| n as f64 / (ms.max(1e-3) / 1e3);
    Rates {
        ratings: n,
        kernel: rate(kernel_ms),
        scalar: rate(scalar_ms),
        burn,
        kernel_epoch_s: kernel_ms / 1e3,
    }
}

/// The trainer's own starting point (`Mf::new`: seeded N(0, init_std²) factors, zero biases, μ
/// the mean), every person and film with a rating.
fn initial_weights(
    columns: &RatingColumns,
    users: usize,
    items: usize,
    config: &MfConfig,
) -> MfWeights {
    let mean = columns.values.iter().map(|&v| v as f64).sum::<f64>() / columns.len().max(1) as f64;
    Mf::new(
        config,
        mean as f32,
        &vec![true; users],
        &vec![true; items],
        &Device::flex(),
    )
    .to_weights()
}

/// The reference: Funk's per-rating SGD on biased MF, the least arithmetic an epoch needs.
/// Returns Σ squared error (so the work cannot be optimised away).
pub fn scalar_sgd_epoch(
    columns: &RatingColumns,
    order: &[u32],
    w: &mut MfWeights,
    lr: f32,
    reg: f32,
) -> f64 {
    let d = w.dim;
    let mut total = 0.0f64;
    for &k in order {
        let k = k as usize;
        let (u, i) = (columns.users[k] as usize, columns.items[k] as usize);
        let p = &mut w.user_factors[u * d..(u + 1) * d];
        let q = &mut w.item_factors[i * d..(i + 1) * d];
        let dot: f32 = p.iter().zip(q.iter()).map(|(a, b)| a * b).sum();
        let error = columns.values[k] - (w.mean + w.user_bias[u] + w.item_bias[i] + dot);
        total += (error * error) as f64;
        w.user_bias[u] += lr * (error - reg * w.user_bias[u]);
        w.item_bias[i] += lr * (error - reg * w.item_bias[i]);
        for (a, b) in p.iter_mut().zip(q.iter_mut()) {
            let (pa, qb) = (*a, *b);
            *a += lr * (error * qb - reg * pa);
            *b += lr * (error * pa - reg * qb);
        }
    }
    total
}

/// One epoch of Burn's autodiff with dense Adam on Flex: the trainer with the kernel off.
fn burn_epoch(
    columns: &RatingColumns,
    users: usize,
    items: usize,
    config: &MfConfig,
    clock: &mut dyn FnMut() -> f64,
) -> f64 {
    let split = Split {
        train: columns.ratings(),
        ..Split::default()
    };
    let config = config.clone().with_epochs(1).with_fused_cpu_step(false);
    let mut trainer = Trainer::new(config, &split, users, items, &Device::flex());
    let began = clock();
    trainer.run_epoch();
    columns.len() as f64 / ((clock() - began).max(1e-3) / 1e3)
}
