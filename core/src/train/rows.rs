//! A parameter table trained row by row: each step updates only the rows its mini-batch
//! touched, so the per-step cost follows the batch, not the table (a dense Adam reads and writes
//! every row of every table at every step, which at 160,000 users costs more than the gradients).
//!
//! Adam here is *lazy* (TensorFlow's LazyAdam, PyTorch's SparseAdam): a row's moments and value
//! change only at the steps whose batch touched it, and each row counts its own steps for the
//! bias correction, so a row moves exactly as dense Adam would move it if the steps without it
//! had not happened. Dense Adam instead keeps moving a row on its momentum after its last rating.
//! SGD's gradient is zero on untouched rows, so sparse SGD is dense SGD, exactly.
//!
//! Memory is laid out for tables far larger than the caches: a row's values, its two moments and
//! its bias-correction powers lie side by side (one run of memory per row, not four), and the
//! step's gradients sit in a compact buffer, one slot per touched row.

use crate::math::warm_up;
use crate::models::Optimiser;

/// Burn's Adam defaults, so a lazy step equals a dense one on the rows it touches.
pub(crate) const BETA_1: f32 = 0.9;
pub(crate) const BETA_2: f32 = 0.999;
pub(crate) const EPSILON: f32 = 1e-5;
/// A table row with no slot in the step in progress.
pub(crate) const NO_SLOT: u32 = u32::MAX;

/// A `rows × width` table with its optimiser's state and the gradients of the step in progress.
#[derive(Debug, Clone)]
pub struct RowTable {
    width: usize,
    /// Floats per row in `data`: the values, then for Adam the first and second moments and
    /// [β₁ᵗ, β₂ᵗ] after the row's t steps.
    stride: usize,
    optimiser: Optimiser,
    data: Vec<f32>,
    grads: Grads,
}

/// The gradients of the step in progress, one slot per touched row.
#[derive(Debug, Clone)]
pub struct Grads {
    width: usize,
    /// Where each row's gradient sits this step (`NO_SLOT`: not touched).
    slot_of: Vec<u32>,
    /// Rows with a gradient this step, in slot order.
    touched: Vec<u32>,
    /// Σ gradient per touched row, `touched.len() × width`.
    grad: Vec<f32>,
}

/// A table's values, read while its gradients are written ([`RowTable::parts`]).
#[derive(Clone, Copy)]
pub struct Rows<'a> {
    data: &'a [f32],
    stride: usize,
    width: usize,
}

impl<'a> Rows<'a> {
    /// The values of `row`.
    #[inline]
    pub fn row(&self, row: usize) -> &'a [f32] {
        &self.data[row * self.stride..row * self.stride + self.width]
    }
}

impl Grads {
    /// The gradient accumulator of `row`, which this step will update.
    #[inline]
    pub fn row(&mut self, row: usize) -> &mut [f32] {
        let w = self.width;
        let mut slot = self.slot_of[row];
        if slot == NO_SLOT {
            slot = self.touched.len() as u32;
            self.slot_of[row] = slot;
            self.touched.push(row as u32);
            self.grad.resize(self.grad.len() + w, 0.0);
        }
        let at = slot as usize * w;
        &mut self.grad[at..at + w]
    }
}

impl RowTable {
    /// A table holding `values` (row-major, `width` a row), before any step.
    pub fn new(values: &[f32], width: usize, optimiser: Optimiser) -> Self {
        let adam = matches!(optimiser, Optimiser::Adam);
        let stride = if adam { 3 * width + 2 } else { width };
        let rows = values.len() / width.max(1);
        let mut data = vec![0.0; rows * stride];
        for (row, value) in data
            .chunks_exact_mut(stride)
            .zip(values.chunks_exact(width))
        {
            row[..width].copy_from_slice(value);
            if adam {
                row[3 * width..].copy_from_slice(&[1.0, 1.0]);
            }
        }
        Self {
            width,
            stride,
            optimiser,
            data,
            grads: Grads {
                width,
                slot_of: vec![NO_SLOT; rows],
                touched: Vec::new(),
                grad: Vec::new(),
            },
        }
    }

    /// The values, to read, and the step's gradients, to write.
    pub fn parts(&mut self) -> (Rows<'_>, &mut Grads) {
        let rows = Rows {
            data: &self.data,
            stride: self.stride,
            width: self.width,
        };
        (rows, &mut self.grads)
    }

    /// All values, row-major.
    pub fn values(&self) -> Vec<f32> {
        self.data
            .chunks_exact(self.stride)
            .flat_map(|row| &row[..self.width])
            .copied()
            .collect()
    }

    /// Brings the whole state of `rows` into the cache together (see [`warm_up`]).
    pub fn warm_up(&self, rows: impl Iterator<Item = usize>) {
        let stride = self.stride;
        warm_up(rows.map(|row| &self.data[row * stride..(row + 1) * stride]));
    }

    /// Moves the touched rows along their gradients with step size `learning_rate`, then clears
    /// the gradients for the next step.
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    pub fn step(&mut self, learning_rate: f32) {
        let (w, stride) = (self.width, self.stride);
        self.warm_up(self.grads.touched.iter().map(|&row| row as usize));
        let grads = &mut self.grads;
        for (grad, &row) in grads.grad.chunks_exact(w).zip(&grads.touched) {
            let row = row as usize;
            let state = &mut self.data[row * stride..(row + 1) * stride];
            match self.optimiser {
                Optimiser::Sgd => {
                    for (x, g) in state.iter_mut().zip(grad) {
                        *x -= learning_rate * g;
                    }
                }
                Optimiser::Adam => adam_row(state, grad, w, learning_rate),
            }
            grads.slot_of[row] = NO_SLOT;
        }
        grads.touched.clear();
        grads.grad.clear();
    }
}

/// Burn's Adam update (the same arithmetic, in f32) on one row's `state`: values, first moments,
/// second moments (`width` each), then [β₁ᵗ, β₂ᵗ], which this step advances to t + 1.
#[inline]
fn adam_row(state: &mut [f32], grad: &[f32], width: usize, learning_rate: f32) {
    let (values, rest) = state.split_at_mut(width);
    let (first, rest) = rest.split_at_mut(width);
    let (second, powers) = rest.split_at_mut(width);
    powers[0] *= BETA_1;
    powers[1] *= BETA_2;
    let correction_2 = (1.0 - powers[1]).sqrt();
    let factor = learning_rate * correction_2 / (1.0 - powers[0]);
    let epsilon = EPSILON * correction_2;
    for (((x, &g), m), v) in values.iter_mut().zip(grad).zip(first).zip(second) {
        *m = *m * BETA_1 + g * (1.0 - BETA_1);
        *v = *v * BETA_2 + g * g * (1.0 - BETA_2);
        *x -= factor * *m / (v.sqrt() + epsilon);
    }
}
