//! Biased MF's training step fused by hand for the CPU: gather, dot, loss and gradient in one
//! pass over the batch, then the optimiser on the rows the batch touched
//! ([`crate::train::RowTable`]). Burn's Flex spends ~10× the arithmetic on per-operation
//! overhead at these sizes; this computes the same loss and gradients as [`super::Mf`]'s
//! `batch_loss` (tested against it), so the two engines are interchangeable mid-run.

use burn::tensor::Device;

use super::{Mf, MfConfig, MfWeights};
use crate::math::dot;
use crate::train::{CpuKernel, RatingColumns, RowTable, Trainable};

/// The weights being trained: one table a side, a row holding the factors then the bias (so
/// one run of memory serves a rating's side), with its optimiser's state.
pub struct MfKernel {
    mean: f32,
    dim: usize,
    reg: f32,
    bias_reg: f32,
    users: RowTable,
    items: RowTable,
    /// The batch's (user, item, rating), reused from step to step.
    batch: Vec<(u32, u32, f32)>,
}

/// Rows of `[factors, bias]`.
fn with_bias(factors: &[f32], bias: &[f32], dim: usize) -> Vec<f32> {
    let rows = factors.chunks_exact(dim.max(1)).zip(bias);
    rows.flat_map(|(f, &b)| f.iter().copied().chain([b]))
        .collect()
}

impl MfKernel {
    pub fn new(config: &MfConfig, weights: MfWeights) -> Self {
        let d = weights.dim;
        let optimiser = config.optimiser;
        let side = |factors: &[f32], bias: &[f32]| {
            RowTable::new(&with_bias(factors, bias, d), d + 1, optimiser)
        };
        Self {
            mean: weights.mean,
            dim: d,
            reg: config.reg as f32,
            bias_reg: config.bias_reg as f32,
            users: side(&weights.user_factors, &weights.user_bias),
            items: side(&weights.item_factors, &weights.item_bias),
            batch: Vec::new(),
        }
    }

    /// The weights as they stand.
    pub fn weights(&self) -> MfWeights {
        let d = self.dim;
        let split = |table: &RowTable| {
            let values = table.values();
            let factors = values
                .chunks_exact(d + 1)
                .flat_map(|row| &row[..d])
                .copied()
                .collect();
            let bias = values.chunks_exact(d + 1).map(|row| row[d]).collect();
            (factors, bias)
        };
        let (user_factors, user_bias) = split(&self.users);
        let (item_factors, item_bias) = split(&self.items);
        MfWeights {
            mean: self.mean,
            dim: d,
            user_factors,
            item_factors,
            user_bias,
            item_bias,
        }
    }

    /// Accumulates the batch's gradients of (1/|B|) Σ [(r̂ − r)² + reg (‖p‖² + ‖q‖²) +
    /// bias_reg (b_u² + b_i²)]; returns [Σ (r̂ − r)², Σ penalty].
    #[cfg_attr(target_arch = "wasm32", target_feature(enable = "simd128"))]
    fn gradients(&mut self, examples: &RatingColumns, picked: &[u32]) -> [f64; 2] {
        // Gathered first, in loops of independent loads, so the random reads overlap.
        self.batch.clear();
        self.batch.extend(picked.iter().map(|&k| {
            let k = k as usize;
            (examples.users[k], examples.items[k], examples.values[k])
        }));
        self.users.warm_up(self.batch.iter().map(|b| b.0 as usize));
        self.items.warm_up(self.batch.iter().map(|b| b.1 as usize));
        let d = self.dim;
        let scale = 1.0 / picked.len().max(1) as f32;
        let (reg, bias_reg) = (2.0 * self.reg * scale, 2.0 * self.bias_reg * scale);
        let (mut data, mut penalty) = (0.0f64, 0.0f64);
        let (users, user_grads) = self.users.parts();
        let (items, item_grads) = self.items.parts();
        for &(u, i, rating) in &self.batch {
            let (u, i) = (u as usize, i as usize);
            let (user, item) = (users.row(u), items.row(i));
            let (p, q, bu, bi) = (&user[..d], &item[..d], user[d], item[d]);
            let (dot, norms) = (dot(p, q), dot(p, p) + dot(q, q));
            let error = self.mean + bu + bi + dot - rating;
            data += (error * error) as f64;
            penalty += (self.reg * norms + self.bias_reg * (bu * bu + bi * bi)) as f64;
            let g = 2.0 * error * scale;
            let gp = user_grads.row(u);
            for ((gp, &a), &b) in gp.iter_mut().zip(p).zip(q) {
                *gp += g * b + reg * a;
            }
            gp[d] += g + bias_reg * bu;
            let gq = item_grads.row(i);
            for ((gq, &a), &b) in gq.iter_mut().zip(p).zip(q) {
                *gq += g * a + reg * b;
            }
            gq[d] += g + bias_reg * bi;
        }
        [data, penalty]
    }
}

impl CpuKernel<MfConfig> for MfKernel {
    fn step(&mut self, examples: &RatingColumns, picked: &[u32], learning_rate: f64) -> [f64; 2] {
        let sums = self.gradients(examples, picked);
        self.users.step(learning_rate as f32);
        self.items.step(learning_rate as f32);
        sums
    }

    fn model(&self, device: &Device) -> Mf {
        Mf::from_weights(&self.weights(), device)
    }
}

impl MfConfig {
    /// The fused step, when [`MfConfig::fused_cpu_step`] allows it.
    pub(crate) fn kernel(&self, model: &Mf) -> Option<Box<dyn CpuKernel<MfConfig>>> {
        self.fused_cpu_step
            .then(|| Box::new(MfKernel::new(self, model.to_weights())) as Box<_>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::Optimiser;
    use crate::split::Split;
    use crate::train::{Recipe, Trainer};
    use burn::module::Module;
    use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer, SgdConfig};

    /// Six ratings of users 0–2 and films 0–2; users 3–4 and film 3 have none.
    fn columns() -> RatingColumns {
        RatingColumns {
            users: vec![0, 1, 2, 0, 1, 2],
            items: vec![0, 1, 2, 1, 0, 0],
            values: vec![4.0, 3.0, 5.0, 2.0, 1.0, 4.0],
        }
    }

    /// Burn's autodiff and optimiser on the same batches: the engine the kernel replaces.
    struct BurnRun {
        model: Mf,
        optim: ModuleOptimizer,
        device: Device,
    }

    impl BurnRun {
        fn step(&mut self, config: &MfConfig, columns: &RatingColumns, picked: &[u32]) -> [f64; 2] {
            let out = config.batch_loss(&self.model, columns, picked, &self.device);
            let sums = [
                out.data_loss.clone().into_scalar::<f32>() as f64,
                out.penalty.clone().into_scalar::<f32>() as f64,
            ];
            let loss = (out.data_loss + out.penalty).div_scalar(out.ratings as f64);
            let grads = GradientsParams::from_grads(loss.backward(), &self.model);
            self.model = self
                .optim
                .step(config.learning_rate, self.model.clone(), grads);
            sums
        }

        fn weights(&self) -> MfWeights {
            self.model.valid().to_weights()
        }
    }

    /// A model with d = 10 (a chunk of eight and a remainder in every row loop) and its start.
    fn start(config: &MfConfig) -> (MfWeights, BurnRun) {
        let device = Device::flex().autodiff();
        let model = Mf::new(config, 3.2, &[true; 5], &[true; 4], &device);
        let optim = match config.optimiser {
            Optimiser::Adam => AdamConfig::new().init(),
            Optimiser::Sgd => SgdConfig::new().init(),
        };
        let weights = model.valid().to_weights();
        (
            weights,
            BurnRun {
                model,
                optim,
                device,
            },
        )
    }

    fn config(optimiser: Optimiser) -> MfConfig {
        MfConfig::new()
            .with_dim(10)
            .with_init_std(0.3)
            .with_bias_reg(0.05)
            .with_learning_rate(0.05)
            .with_optimiser(optimiser)
    }

    fn user(w: &MfWeights, u: u32) -> Vec<f32> {
        let mut row = w.user_vector(u).to_vec();
        row.push(w.user_bias[u as usize]);
        row
    }

    fn item(w: &MfWeights, i: u32) -> Vec<f32> {
        let mut row = w.item_vector(i).to_vec();
        row.push(w.item_bias[i as usize]);
        row
    }

    fn close(a: &[f32], b: &[f32]) -> bool {
        a.iter()
            .zip(b)
            .all(|(x, y)| (x - y).abs() <= 1e-5 * x.abs().max(1.0))
    }

    #[test]
    fn lazy_adam_is_dense_adam_on_the_rows_a_batch_touches_and_leaves_the_rest_alone() {
        let config = config(Optimiser::Adam);
        let columns = columns();
        let (initial, mut burn) = start(&config);
        let mut kernel = MfKernel::new(&config, initial.clone());

        // Step 1 touches users 0–2 and films 0–2: both engines, every row.
        let all = [0, 1, 2, 3, 4, 5];
        let (fused_sums, burn_sums) = (
            kernel.step(&columns, &all, config.learning_rate),
            burn.step(&config, &columns, &all),
        );
        for (f, b) in fused_sums.iter().zip(burn_sums) {
            assert!(
                (f - b).abs() < 1e-4 * b.abs().max(1.0),
                "{fused_sums:?} vs {burn_sums:?}"
            );
        }
        let (after_1, burn_1) = (kernel.weights(), burn.weights());
        for u in 0..5 {
            assert!(close(&user(&after_1, u), &user(&burn_1, u)), "user {u}");
        }
        for i in 0..4 {
            assert!(close(&item(&after_1, i), &item(&burn_1, i)), "film {i}");
        }
        assert_ne!(user(&after_1, 1), user(&initial, 1), "a touched row moved");

        // Step 2 touches user 0 and film 0 only.
        kernel.step(&columns, &[0], config.learning_rate);
        burn.step(&config, &columns, &[0]);
        let (after_2, burn_2) = (kernel.weights(), burn.weights());
        assert!(close(&user(&after_2, 0), &user(&burn_2, 0)));
        assert!(close(&item(&after_2, 0), &item(&burn_2, 0)));
        for u in [1, 2] {
            // Bitwise where it was; dense Adam moved it on its momentum.
            assert_eq!(user(&after_2, u), user(&after_1, u));
            assert!(
                !close(&user(&burn_2, u), &user(&burn_1, u)),
                "dense Adam moves user {u}"
            );
        }
        for i in [1, 2] {
            assert_eq!(item(&after_2, i), item(&after_1, i));
        }
        // Never touched: bitwise the start.
        for u in [3, 4] {
            assert_eq!(user(&after_2, u), user(&initial, u));
        }
        assert_eq!(item(&after_2, 3), item(&initial, 3));
    }

    #[test]
    fn sparse_sgd_is_dense_sgd() {
        let config = config(Optimiser::Sgd);
        let columns = columns();
        let (initial, mut burn) = start(&config);
        let mut kernel = MfKernel::new(&config, initial);
        for picked in [&[0u32, 1, 2, 3, 4, 5][..], &[0], &[2, 5]] {
            kernel.step(&columns, picked, config.learning_rate);
            burn.step(&config, &columns, picked);
        }
        let (fused, dense) = (kernel.weights(), burn.weights());
        for u in 0..5 {
            assert!(close(&user(&fused, u), &user(&dense, u)), "user {u}");
        }
        for i in 0..4 {
            assert!(close(&item(&fused, i), &item(&dense, i)), "film {i}");
        }
    }

    #[test]
    fn the_trainer_takes_the_fused_step_on_the_cpu_unless_told_not_to() {
        let split = Split {
            train: columns().ratings(),
            ..Split::default()
        };
        let on = Trainer::new(MfConfig::default(), &split, 5, 4, &Device::flex());
        assert!(on.uses_kernel());
        let off = MfConfig::default().with_fused_cpu_step(false);
        assert!(!Trainer::new(off, &split, 5, 4, &Device::flex()).uses_kernel());
    }
}
