//! I-AutoRec (Sedhain et al. 2015): an autoencoder over each film's column of the rating matrix.
//! A film's ratings by all users (0 where unrated) go through one sigmoid hidden layer and back;
//! the loss counts only the observed ratings (the mask), so the network learns to fill in the
//! unobserved ones from films rated alike. It predicts μ + out[u], learning the residuals around
//! the training mean, so an unrated film or an unknown user falls back to about μ.
//!
//! Examples are films, not ratings: a batch is a few film columns, densified on the CPU.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::init::{linear, mean_rating};
use super::params::{Parameters, load_parameters, parameters_from, read_values};
use super::recipes::adam_recipe;
use super::{MfWeights, RatingModel, Scorer};
use crate::data::Rating;
use crate::math::column_means;
use crate::rng::SeededRng;
use crate::train::{BatchLoss, Recipe, Trainable};
use crate::zoo::{IntoTrained, Trained};

#[derive(Config, Debug, PartialEq)]
pub struct AutoRecConfig {
    /// Hidden units (the paper's k = 500).
    #[config(default = 500)]
    pub hidden: usize,
    #[config(default = 0.001)]
    pub learning_rate: f64,
    /// λ of the paper: (λ/2)(‖W‖² + ‖V‖²) against the sum of squared errors over all ratings.
    #[config(default = 100.0)]
    pub lambda: f64,
    #[config(default = 200)]
    pub epochs: usize,
    /// Films per batch.
    #[config(default = 64)]
    pub batch_size: usize,
    #[config(default = 10)]
    pub patience: usize,
    #[config(default = 42)]
    pub seed: u64,
}

#[derive(Module, Debug)]
pub struct AutoRec {
    /// users → hidden.
    pub encoder: Linear,
    /// hidden → users.
    pub decoder: Linear,
    pub mean: f32,
}

/// Each film's training ratings, `(user, rating)`.
#[derive(Debug, Clone)]
pub struct FilmColumns {
    pub n_users: usize,
    pub columns: Vec<Vec<(u32, f32)>>,
    /// Ratings in all.
    pub ratings: usize,
}

impl FilmColumns {
    pub fn of(train: &[Rating], n_users: usize, n_items: usize) -> Self {
        let mut columns = vec![Vec::new(); n_items];
        for r in train {
            columns[r.item as usize].push((r.user, r.value));
        }
        Self {
            n_users,
            columns,
            ratings: train.len(),
        }
    }

    /// The films at `picked` as dense rows (ratings, 0 where unrated) and their masks.
    fn dense(&self, picked: &[u32], device: &Device) -> (Tensor<2>, Tensor<2>, usize) {
        let n = self.n_users;
        let mut values = vec![0.0f32; picked.len() * n];
        let mut mask = vec![0.0f32; picked.len() * n];
        let mut count = 0;
        for (row, &item) in picked.iter().enumerate() {
            for &(user, rating) in &self.columns[item as usize] {
                values[row * n + user as usize] = rating;
                mask[row * n + user as usize] = 1.0;
                count += 1;
            }
        }
        let shape = [picked.len(), n];
        (
            Tensor::from_data(TensorData::new(values, shape), device),
            Tensor::from_data(TensorData::new(mask, shape), device),
            count,
        )
    }

    fn all(&self) -> Vec<u32> {
        (0..self.columns.len() as u32).collect()
    }
}

/// What validation reads: the whole training matrix (the model's input) and the validation
/// ratings as positions in the flattened films × users reconstruction.
pub struct AutoRecValidation {
    inputs: Tensor<2>,
    positions: Tensor<1, Int>,
    values: Tensor<1>,
    /// What validation clips to (see `RatingTensors::range`).
    range: (f32, f32),
}

impl AutoRec {
    pub fn new(config: &AutoRecConfig, mean: f32, n_users: usize, device: &Device) -> Self {
        let mut rng = SeededRng::new(config.seed ^ 0x0061_7574_6F72_6563);
        Self {
            encoder: linear(n_users, config.hidden, &mut rng, device),
            decoder: linear(config.hidden, n_users, &mut rng, device),
            mean,
        }
    }

    /// The residual reconstruction of film rows `inputs` (films × users).
    pub fn forward(&self, inputs: Tensor<2>) -> Tensor<2> {
        self.decoder.forward(sigmoid(self.encoder.forward(inputs)))
    }

    fn n_users(&self) -> usize {
        self.decoder.weight.shape().dims::<2>()[1]
    }
}

/// Predicted ratings for every film and user (films × users), read back: what scores.
#[derive(Debug, Clone, PartialEq)]
pub struct Reconstruction {
    pub n_users: usize,
    pub values: Vec<f32>,
}

impl Scorer for Reconstruction {
    fn score_items(&self, user: u32, out: &mut [f32]) {
        for (item, o) in out.iter_mut().enumerate() {
            *o = self.values[item * self.n_users + user as usize];
        }
    }
}

impl RatingModel for Reconstruction {
    fn predict(&self, user: u32, item: u32) -> f32 {
        self.values[item as usize * self.n_users + user as usize]
    }
}

/// AutoRec in plain memory, with the training ratings it reconstructs from.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AutoRecWeights {
    pub hidden: usize,
    pub mean: f32,
    pub n_users: usize,
    pub parameters: Parameters,
}

impl AutoRecWeights {
    /// The model on the CPU, with every film's training column as its input (films × users).
    fn on_training_columns(&self, train: &[Rating], n_items: usize) -> (AutoRec, Tensor<2>) {
        let device = Device::flex();
        let columns = FilmColumns::of(train, self.n_users, n_items);
        let (inputs, _, _) = columns.dense(&columns.all(), &device);
        (AutoRec::from_weights(self, &device), inputs)
    }

    /// Every film's predicted ratings from its training column (on the CPU).
    pub fn reconstruct(&self, train: &[Rating], n_items: usize) -> Reconstruction {
        let (model, inputs) = self.on_training_columns(train, n_items);
        let values = model
            .forward(inputs)
            .add_scalar(self.mean)
            .into_data()
            .iter::<f32>()
            .collect();
        Reconstruction {
            n_users: self.n_users,
            values,
        }
    }

    /// The same model as MF-shaped weights: film i's hidden code h_i (from its training column)
    /// is its vector, and user u's decoder row V_u and bias c_u are theirs, since the decoder is
    /// linear: r̂_ui = μ + c_u + V_u·h_i. The average user (V̄, c̄) goes into the film biases,
    /// b_i = c̄ + V̄·h_i, and each user keeps their offset from it, so a newcomer folded in as in
    /// MF starts from the average user rather than from nobody (r̂ = μ).
    pub fn linear(&self, train: &[Rating], n_items: usize) -> MfWeights {
        let (model, inputs) = self.on_training_columns(train, n_items);
        let codes = read_values(sigmoid(model.encoder.forward(inputs)));
        let (users, hidden) = (self.n_users, self.hidden);
        // The decoder's weight is hidden × users; a user's vector is its column.
        let decoder = read_values(model.decoder.weight.val());
        let mut user_factors: Vec<f32> = (0..users * hidden)
            .map(|at| decoder[(at % hidden) * users + at / hidden])
            .collect();
        let mut user_bias: Vec<f32> = model
            .decoder
            .bias
            .as_ref()
            .map_or_else(|| vec![0.0; users], |b| read_values(b.val()));
        let mean_vector = column_means(&user_factors, hidden);
        let mean_bias = column_means(&user_bias, 1)[0];
        for row in user_factors.chunks_exact_mut(hidden) {
            row.iter_mut().zip(&mean_vector).for_each(|(v, m)| *v -= m);
        }
        user_bias.iter_mut().for_each(|b| *b -= mean_bias);
        let item_bias = codes
            .chunks_exact(hidden)
            .map(|h| mean_bias + h.iter().zip(&mean_vector).map(|(h, m)| h * m).sum::<f32>())
            .collect();
        MfWeights {
            mean: self.mean,
            dim: hidden,
            user_bias,
            item_bias,
            user_factors,
            item_factors: codes,
        }
    }
}

impl Trainable for AutoRec {
    type Validation = AutoRecValidation;
    type Weights = AutoRecWeights;

    fn validation_error(&self, v: &AutoRecValidation) -> Option<Tensor<1>> {
        let n = v.inputs.shape().num_elements();
        let predictions = self
            .forward(v.inputs.clone())
            .add_scalar(self.mean)
            .reshape([n])
            .select(0, v.positions.clone())
            .clamp(v.range.0, v.range.1);
        Some((predictions - v.values.clone()).square().sum())
    }

    crate::train::visited_parameters!();

    fn weights_from(&self, values: Vec<Vec<f32>>) -> AutoRecWeights {
        AutoRecWeights {
            hidden: self.encoder.weight.shape().dims::<2>()[1],
            mean: self.mean,
            n_users: self.n_users(),
            parameters: parameters_from(self, values),
        }
    }

    fn from_weights(weights: &AutoRecWeights, device: &Device) -> Self {
        let config = AutoRecConfig::new().with_hidden(weights.hidden);
        let skeleton = AutoRec::new(&config, weights.mean, weights.n_users, device);
        load_parameters(skeleton, &weights.parameters)
    }
}

impl Recipe for AutoRecConfig {
    type Model = AutoRec;
    type Examples = FilmColumns;
    adam_recipe!();

    fn example_count(examples: &FilmColumns) -> usize {
        examples.columns.len()
    }

    fn batch_loss(
        &self,
        model: &AutoRec,
        examples: &FilmColumns,
        picked: &[u32],
        device: &Device,
    ) -> BatchLoss {
        let (inputs, mask, count) = examples.dense(picked, device);
        let residuals = (inputs.clone() - mask.clone().mul_scalar(model.mean)) * mask.clone();
        let out = model.forward(inputs) * mask;
        let weights =
            model.encoder.weight.val().square().sum() + model.decoder.weight.val().square().sum();
        // This batch's share of the one penalty per epoch.
        let share = picked.len() as f64 / examples.columns.len().max(1) as f64;
        BatchLoss {
            data_loss: (out - residuals).square().sum(),
            penalty: weights.mul_scalar(self.lambda / 2.0 * share),
            ratings: count,
        }
    }

    fn init(&self, train: &[Rating], n_users: usize, _: usize, device: &Device) -> AutoRec {
        AutoRec::new(self, mean_rating(train), n_users, device)
    }

    fn examples(&self, train: &[Rating], n_users: usize, n_items: usize) -> FilmColumns {
        FilmColumns::of(train, n_users, n_items)
    }

    fn validation(
        &self,
        train: &[Rating],
        validation: &[Rating],
        n_users: usize,
        n_items: usize,
        device: &Device,
    ) -> AutoRecValidation {
        let columns = FilmColumns::of(train, n_users, n_items);
        let (inputs, _, _) = columns.dense(&columns.all(), device);
        let n = validation.len();
        let positions: Vec<i64> = validation
            .iter()
            .map(|r| r.item as i64 * n_users as i64 + r.user as i64)
            .collect();
        let values: Vec<f32> = validation.iter().map(|r| r.value).collect();
        AutoRecValidation {
            inputs,
            positions: Tensor::from_data(TensorData::new(positions, [n]), device),
            range: crate::train::rating_range(train, validation),
            values: Tensor::from_data(TensorData::new(values, [n]), device),
        }
    }
}

/// How the board scores it.
impl IntoTrained for AutoRecWeights {
    fn into_trained(self, train: &[Rating], n_items: usize) -> (Trained, usize) {
        let n = self.parameters.count();
        let linear = Box::new(self.linear(train, n_items));
        (
            Trained::AutoRec(self.reconstruct(train, n_items), linear),
            n,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{NOISE, RankThree, low_rank};
    use crate::train::fit;

    #[test]
    fn it_learns_low_rank_data_better_than_the_bias_model() {
        let data = RankThree::new(120, 200, 31);
        let config = AutoRecConfig::new()
            .with_hidden(40)
            .with_learning_rate(0.01)
            .with_lambda(1.0)
            .with_batch_size(16)
            .with_epochs(150);
        let fit = data.fit(config);
        let model = fit.weights.reconstruct(&data.split.train, data.items);
        data.assert_beats_bias("AutoRec", &model, fit.summary);
        // The validation RMSE the loop saw is the reconstruction's.
        let seen = fit.summary.best_validation_rmse.unwrap();
        let (min, max) = crate::train::rating_range(&data.split.train, &data.split.validation);
        let direct = crate::metrics::rating_errors(
            &crate::data::RatingScale {
                min,
                max,
                ..crate::data::RatingScale::STARS
            },
            data.split
                .validation
                .iter()
                .map(|r| (model.predict(r.user, r.item), r.value)),
        );
        assert!(
            (direct.rmse - seen).abs() < 1e-3,
            "{} vs {seen}",
            direct.rmse
        );
    }

    #[test]
    fn its_mf_shaped_form_predicts_what_the_reconstruction_does() {
        let (users, items) = (30, 40);
        let split = low_rank(users, items, 2, NOISE, 0.5, 5);
        let config = AutoRecConfig::new().with_hidden(8).with_epochs(3);
        let weights = fit(config, &split, users, items, &Device::flex()).weights;
        let reconstruction = weights.reconstruct(&split.train, items);
        let linear = weights.linear(&split.train, items);
        assert_eq!(
            (linear.dim, linear.n_users(), linear.n_items()),
            (8, users, items)
        );
        for user in 0..users as u32 {
            for item in 0..items as u32 {
                let (a, b) = (
                    reconstruction.predict(user, item),
                    linear.predict(user, item),
                );
                assert!((a - b).abs() < 1e-4, "({user}, {item}): {a} vs {b}");
            }
        }
    }
}
