//! Biased MF's step on a GPU (`train::DeviceKernel`): the loss and gradients of
//! [`super::MfKernel`] written as tensor operations, the rows' sums gathered
//! ([`crate::train::RowSums`]) instead of scattered, and lazy Adam on the touched rows, so a
//! step's cost follows the batch and the device runs it in parallel. Same maths as the CPU step;
//! Burn stays the engine.

use burn::module::Param;
use burn::nn::Embedding;
use burn::tensor::{Device, Tensor, TensorData};

use super::{Mf, MfConfig, Optimiser};
use crate::train::row_sums::int_tensor;
use crate::train::{BETA_1, BETA_2, DeviceKernel, EPSILON, RatingColumns, RowSumPlanner, RowSums};

pub struct MfDeviceStep {
    mean: f32,
    dim: usize,
    reg: f32,
    bias_reg: f32,
    users: DeviceTable,
    items: DeviceTable,
    device: Device,
}

/// One side's rows on the device as one [rows, stride] tensor: a row's factors and bias
/// (`width` = d + 1), then with Adam its two moments and the powers of β₁, β₂ it has seen (as
/// `train::RowTable` lays them out), so writing a step's rows back is a single gather.
struct DeviceTable {
    state: Tensor<2>,
    width: usize,
    optimiser: Optimiser,
    planner: RowSumPlanner,
    /// Row j's source in [state; updated rows] for the write-back; touched rows are set and reset
    /// around each step.
    source: Vec<i32>,
}

impl DeviceTable {
    /// From a model's tables on the device (`factors` [rows, d], `bias` [rows, 1]); moments
    /// start at zero and the powers of β at one, as in `RowTable`.
    fn new(factors: Tensor<2>, bias: Tensor<2>, optimiser: Optimiser, device: &Device) -> Self {
        let [rows, dim] = factors.dims();
        let width = dim + 1;
        let mut parts = vec![factors, bias];
        if matches!(optimiser, Optimiser::Adam) {
            parts.push(Tensor::zeros([rows, 2 * width], device));
            parts.push(Tensor::ones([rows, 2], device));
        }
        Self {
            state: Tensor::cat(parts, 1),
            width,
            optimiser,
            planner: RowSumPlanner::new(rows),
            source: (0..rows as i32).collect(),
        }
    }

    fn rows(&self) -> usize {
        self.source.len()
    }

    /// Values (factors then bias) of every row.
    fn values(&self) -> Tensor<2> {
        self.state.clone().narrow(1, 0, self.width)
    }

    /// Moves the touched rows (`touched`: their state, gathered) by their summed gradients.
    fn update(
        &mut self,
        plan: &RowSums,
        touched: Tensor<2>,
        grad: Tensor<2>,
        lr: f32,
        device: &Device,
    ) {
        let w = self.width;
        let x = touched.clone().narrow(1, 0, w);
        let updated = match self.optimiser {
            Optimiser::Sgd => x - grad.mul_scalar(lr),
            Optimiser::Adam => {
                let betas = Tensor::<2>::from_floats([[BETA_1, BETA_2]], device);
                let powers = touched.clone().narrow(1, 3 * w, 2) * betas;
                let correction_2 = powers.clone().narrow(1, 1, 1).neg().add_scalar(1.0).sqrt();
                let factor = correction_2.clone().mul_scalar(lr)
                    / powers.clone().narrow(1, 0, 1).neg().add_scalar(1.0);
                let epsilon = correction_2.mul_scalar(EPSILON);
                let first = touched.clone().narrow(1, w, w).mul_scalar(BETA_1)
                    + grad.clone().mul_scalar(1.0 - BETA_1);
                let second = touched.narrow(1, 2 * w, w).mul_scalar(BETA_2)
                    + grad.square().mul_scalar(1.0 - BETA_2);
                let x = x - factor * first.clone() / (second.clone().sqrt() + epsilon);
                Tensor::cat(vec![x, first, second, powers], 1)
            }
        };
        let rows = self.rows();
        for (slot, &row) in plan.rows.iter().enumerate() {
            self.source[row as usize] = (rows + slot) as i32;
        }
        let source = int_tensor(self.source.clone(), device);
        for &row in &plan.rows {
            self.source[row as usize] = row as i32;
        }
        self.state = Tensor::cat(vec![self.state.clone(), updated], 0).select(0, source);
    }
}

impl MfDeviceStep {
    /// Starts from `model`'s tables (on any device; kept on `device`, which has no autodiff).
    pub fn from_model(config: &MfConfig, model: &Mf, device: &Device) -> Self {
        let table = |e: &Embedding| e.weight.val().inner();
        let side = |factors: &Embedding, bias: &Embedding| {
            DeviceTable::new(table(factors), table(bias), config.optimiser, device)
        };
        Self {
            mean: model.mean,
            dim: model.dim(),
            reg: config.reg as f32,
            bias_reg: config.bias_reg as f32,
            users: side(&model.user_factors, &model.user_bias),
            items: side(&model.item_factors, &model.item_bias),
            device: device.clone(),
        }
    }
}

impl DeviceKernel<MfConfig> for MfDeviceStep {
    fn step(&mut self, examples: &RatingColumns, picked: &[u32], learning_rate: f64) -> Tensor<1> {
        let (d, device) = (self.dim, self.device.clone());
        let n = picked.len();
        let scale = 1.0 / n.max(1) as f32;
        let user_plan =
            (self.users.planner).plan(picked.iter().map(|&k| examples.users[k as usize]));
        let item_plan =
            (self.items.planner).plan(picked.iter().map(|&k| examples.items[k as usize]));
        let ratings: Vec<f32> = picked
            .iter()
            .map(|&k| examples.values[k as usize])
            .collect();
        let ratings = Tensor::<2>::from_data(TensorData::new(ratings, [n, 1]), &device);

        let user_rows = self
            .users
            .state
            .clone()
            .select(0, user_plan.row_tensor(&device));
        let item_rows = self
            .items
            .state
            .clone()
            .select(0, item_plan.row_tensor(&device));
        let user = user_rows
            .clone()
            .narrow(1, 0, d + 1)
            .select(0, user_plan.slot_tensor(&device));
        let item = item_rows
            .clone()
            .narrow(1, 0, d + 1)
            .select(0, item_plan.slot_tensor(&device));
        let (p, bu) = (user.clone().narrow(1, 0, d), user.narrow(1, d, 1));
        let (q, bi) = (item.clone().narrow(1, 0, d), item.narrow(1, d, 1));

        let dot = (p.clone() * q.clone()).sum_dim(1);
        let error = dot + bu.clone() + bi.clone() - ratings.sub_scalar(self.mean);
        let data_loss = error.clone().square().sum();
        let penalty = (p.clone().square().sum() + q.clone().square().sum()).mul_scalar(self.reg)
            + (bu.clone().square().sum() + bi.clone().square().sum()).mul_scalar(self.bias_reg);

        let g = error.mul_scalar(2.0 * scale);
        let (reg, bias_reg) = (2.0 * self.reg * scale, 2.0 * self.bias_reg * scale);
        let user_grad = Tensor::cat(
            vec![
                g.clone() * q.clone() + p.clone().mul_scalar(reg),
                g.clone() + bu.mul_scalar(bias_reg),
            ],
            1,
        );
        let item_grad = Tensor::cat(
            vec![
                g.clone() * p + q.mul_scalar(reg),
                g + bi.mul_scalar(bias_reg),
            ],
            1,
        );
        let user_sums = user_plan.sum(user_grad, &device);
        let item_sums = item_plan.sum(item_grad, &device);
        let lr = learning_rate as f32;
        self.users
            .update(&user_plan, user_rows, user_sums, lr, &device);
        self.items
            .update(&item_plan, item_rows, item_sums, lr, &device);
        Tensor::cat(vec![data_loss, penalty], 0)
    }

    /// The model as it stands, its tables sliced from the device state (nothing read back).
    fn model(&self, device: &Device) -> Mf {
        let d = self.dim;
        let embedding = |t: Tensor<2>| Embedding {
            weight: Param::from_tensor(if device.is_autodiff() {
                t.autodiff()
            } else {
                t
            }),
        };
        let (users, items) = (self.users.values(), self.items.values());
        Mf {
            user_factors: embedding(users.clone().narrow(1, 0, d)),
            item_factors: embedding(items.clone().narrow(1, 0, d)),
            user_bias: embedding(users.narrow(1, d, 1)),
            item_bias: embedding(items.narrow(1, d, 1)),
            mean: self.mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::MfKernel;
    use crate::rng::SeededRng;
    use crate::train::{CpuKernel, Trainable};

    /// 5 users × 4 films, 300 ratings: every row is touched many times per batch, so the sums
    /// take several rounds.
    fn columns() -> RatingColumns {
        let mut rng = SeededRng::new(5);
        let mut c = RatingColumns::default();
        for _ in 0..300 {
            c.users.push(rng.below(5) as u32);
            c.items.push(rng.below(4) as u32);
            c.values.push(1.0 + rng.below(5) as f32);
        }
        c
    }

    fn close(a: &[f32], b: &[f32]) {
        for (k, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= 2e-5 * x.abs().max(1.0),
                "value {k}: {x} vs {y}"
            );
        }
    }

    #[test]
    fn the_device_step_is_the_cpu_step_and_leaves_untouched_rows_alone() {
        for optimiser in [Optimiser::Adam, Optimiser::Sgd] {
            let config = MfConfig::new()
                .with_dim(6)
                .with_init_std(0.3)
                .with_bias_reg(0.05)
                .with_learning_rate(0.02)
                .with_optimiser(optimiser);
            let device = Device::flex();
            let model = Mf::new(&config, 3.1, &[true; 6], &[true; 5], &device);
            let start = model.to_weights();
            let mut cpu = MfKernel::new(&config, start.clone());
            let mut gpu = MfDeviceStep::from_model(&config, &model, &device);
            let examples = columns();
            let batches: [Vec<u32>; 3] = [(0..300).collect(), (0..120).collect(), vec![7, 8]];
            for batch in &batches {
                let expected = cpu.step(&examples, batch, config.learning_rate);
                let sums: Vec<f32> = gpu
                    .step(&examples, batch, config.learning_rate)
                    .into_data()
                    .try_to_vec()
                    .expect("f32");
                close(&[expected[0] as f32, expected[1] as f32], &sums);
            }
            let (cpu, gpu) = (cpu.weights(), gpu.model(&device).to_weights());
            close(&cpu.user_factors, &gpu.user_factors);
            close(&cpu.item_factors, &gpu.item_factors);
            close(&cpu.user_bias, &gpu.user_bias);
            close(&cpu.item_bias, &gpu.item_bias);
            // User 5 and film 4 have no rating: bitwise where they started.
            assert_eq!(gpu.user_vector(5), start.user_vector(5));
            assert_eq!(gpu.item_vector(4), start.item_vector(4));
            assert_ne!(
                gpu.user_vector(0),
                start.user_vector(0),
                "a touched row moved"
            );
        }
    }

    #[test]
    fn the_trainer_takes_the_device_step_on_a_gpu_for_large_batches_only() {
        use crate::train::Recipe;
        let model = Mf::new(
            &MfConfig::new(),
            3.0,
            &[true; 3],
            &[true; 3],
            &Device::flex(),
        );
        let gpu_like = Device::flex().autodiff();
        let chosen = |config: MfConfig| config.device_kernel(&model, &gpu_like).is_some();
        assert!(
            !chosen(MfConfig::new()),
            "the default batch of 1,024 stays on Burn"
        );
        assert!(chosen(
            MfConfig::new().with_batch_size(crate::models::DEVICE_STEP_MIN_BATCH)
        ));
        let off = MfConfig::new()
            .with_batch_size(65_536)
            .with_fused_device_step(false);
        assert!(!chosen(off));
    }
}
