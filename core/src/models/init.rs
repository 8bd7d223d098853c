//! Seeded initialisation of the models' tables and layers: the crate's own generator, so an
//! initialisation is the same on every platform and backend (Burn's own random initialisers draw
//! from the device's generator).

use burn::module::Param;
use burn::nn::{Embedding, Linear};
use burn::tensor::{Device, Tensor, TensorData};

use crate::math::standard_normal;
use crate::rng::SeededRng;

/// A `rows × cols` parameter holding `values` (row-major).
pub(crate) fn param(
    values: Vec<f32>,
    rows: usize,
    cols: usize,
    device: &Device,
) -> Param<Tensor<2>> {
    Param::from_data(TensorData::new(values, [rows, cols]), device)
}

/// A `rows × cols` embedding table holding `values` (row-major).
pub(crate) fn table(values: Vec<f32>, rows: usize, cols: usize, device: &Device) -> Embedding {
    Embedding {
        weight: param(values, rows, cols, device),
    }
}

/// N(0, sd²) rows; rows flagged `false` in `seen` start (and, never gathered, stay) at zero.
pub(crate) fn normal_table(
    seen: &[bool],
    cols: usize,
    sd: f64,
    rng: &mut SeededRng,
    device: &Device,
) -> Embedding {
    let mut values = Vec::with_capacity(seen.len() * cols);
    for &s in seen {
        for _ in 0..cols {
            let x = standard_normal(rng) * sd;
            values.push(if s { x as f32 } else { 0.0 });
        }
    }
    table(values, seen.len(), cols, device)
}

/// A dense layer `d_in → d_out` with PyTorch's default initialisation, U(−k, k), k = 1/√d_in.
pub(crate) fn linear(d_in: usize, d_out: usize, rng: &mut SeededRng, device: &Device) -> Linear {
    let k = 1.0 / (d_in.max(1) as f64).sqrt();
    let mut uniform = |n: usize| -> Vec<f32> {
        (0..n)
            .map(|_| ((rng.unit() * 2.0 - 1.0) * k) as f32)
            .collect()
    };
    Linear {
        weight: Param::from_data(
            TensorData::new(uniform(d_in * d_out), [d_in, d_out]),
            device,
        ),
        bias: Some(Param::from_data(
            TensorData::new(uniform(d_out), [d_out]),
            device,
        )),
    }
}

/// Which users and films have at least one training rating.
pub(crate) fn seen(
    train: &[crate::data::Rating],
    n_users: usize,
    n_items: usize,
) -> (Vec<bool>, Vec<bool>) {
    let mut users = vec![false; n_users];
    let mut items = vec![false; n_items];
    for r in train {
        users[r.user as usize] = true;
        items[r.item as usize] = true;
    }
    (users, items)
}

/// The mean training rating (3 when there is none).
pub(crate) fn mean_rating(train: &[crate::data::Rating]) -> f32 {
    if train.is_empty() {
        return 3.0;
    }
    (train.iter().map(|r| r.value as f64).sum::<f64>() / train.len() as f64) as f32
}
