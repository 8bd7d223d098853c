//! The neural models ([`super::Neural`]) in plain memory, for someone who is not in the training
//! data: the network's forward pass with the person's embeddings and bias as free inputs, and its
//! gradient with respect to them, so that [`crate::recommend::FoldIn`] can fit them by
//! Gauss–Newton while every film-side weight stays as trained. Dropout is off, as in scoring.

use burn::nn::Linear;

use super::Neural;
use super::params::read_values;
use crate::math::column_means;
use crate::recommend::Personal;

/// One dense layer, y = xW + b, W row-major input × output (Burn's layout).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl Dense {
    fn of(layer: &Linear) -> Dense {
        let [inputs, outputs] = layer.weight.shape().dims::<2>();
        Dense {
            inputs,
            outputs,
            weight: read_values(layer.weight.val()),
            bias: layer
                .bias
                .as_ref()
                .map_or_else(|| vec![0.0; outputs], |b| read_values(b.val())),
        }
    }

    fn forward(&self, input: &[f32], out: &mut Vec<f32>) {
        out.clear();
        out.extend_from_slice(&self.bias);
        for (x, row) in input.iter().zip(self.weight.chunks_exact(self.outputs)) {
            for (o, w) in out.iter_mut().zip(row) {
                *o += x * w;
            }
        }
    }
}

/// r̂ = μ + b_u + b_i + w·[MLP(e_u ⊕ e_i) ⊕ (g_u ⊙ g_i)] + c with the film side fixed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NeuralNet {
    pub mean: f32,
    /// Embedding size of the MLP tower.
    pub dim: usize,
    /// Embedding size of the GMF branch (0 without it).
    pub gmf_dim: usize,
    /// e_i, films × dim.
    pub item_embedding: Vec<f32>,
    /// g_i, films × gmf_dim.
    pub gmf_item: Vec<f32>,
    pub item_bias: Vec<f32>,
    pub hidden: Vec<Dense>,
    pub output: Dense,
    /// The average training user [ē_u; ḡ_u; b̄_u]: a person's x is their offset from it, so a
    /// newcomer's fold-in starts from (and is pulled towards) the average user.
    pub mean_user: Vec<f32>,
    /// See [`NeuralNet::film_side`]; not stored, worked out on first use.
    #[serde(skip)]
    film_side: Cache,
}

/// A value worked out once from the rest of the struct: it never makes two nets differ.
#[derive(Debug, Clone, Default)]
struct Cache(std::sync::OnceLock<Vec<f32>>);

impl PartialEq for Cache {
    fn eq(&self, _: &Cache) -> bool {
        true
    }
}

impl NeuralNet {
    /// Reads a trained module's film side and network (synchronously: a CPU module).
    pub fn of(model: &Neural) -> NeuralNet {
        let dim = model.item_embedding.weight.shape().dims::<2>()[1];
        let (gmf_dim, gmf_item) = match &model.gmf_item {
            Some(g) => (g.weight.shape().dims::<2>()[1], read_values(g.weight.val())),
            None => (0, Vec::new()),
        };
        let mut mean_user = column_means(&read_values(model.user_embedding.weight.val()), dim);
        if let Some(g) = &model.gmf_user {
            mean_user.extend(column_means(&read_values(g.weight.val()), gmf_dim));
        }
        mean_user.extend(column_means(&read_values(model.user_bias.weight.val()), 1));
        NeuralNet {
            mean_user,
            mean: model.mean,
            dim,
            gmf_dim,
            item_embedding: read_values(model.item_embedding.weight.val()),
            gmf_item,
            item_bias: read_values(model.item_bias.weight.val()),
            hidden: model.hidden.iter().map(Dense::of).collect(),
            output: Dense::of(&model.output),
            film_side: Cache::default(),
        }
    }

    pub fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    /// Each film's learned vectors, e_i ⊕ g_i (what the film map draws).
    pub fn film_vectors(&self) -> Vec<f32> {
        (0..self.n_items())
            .flat_map(|i| {
                let e = &self.item_embedding[i * self.dim..(i + 1) * self.dim];
                let g = &self.gmf_item[i * self.gmf_dim..(i + 1) * self.gmf_dim];
                e.iter().chain(g).copied()
            })
            .collect()
    }

    /// e_i·W₁(film half) + b₁ for every film: the first layer's film part, the same for
    /// everyone, worked out once.
    fn film_side(&self) -> &[f32] {
        self.film_side.0.get_or_init(|| {
            let Some(first) = self.hidden.first() else {
                return Vec::new();
            };
            let film_half = &first.weight[self.dim * first.outputs..];
            let mut out = Vec::with_capacity(self.n_items() * first.outputs);
            for e_i in self.item_embedding.chunks_exact(self.dim.max(1)) {
                let start = out.len();
                out.extend_from_slice(&first.bias);
                for (x, row) in e_i.iter().zip(film_half.chunks_exact(first.outputs)) {
                    for (o, w) in out[start..].iter_mut().zip(row) {
                        *o += x * w;
                    }
                }
            }
            out
        })
    }

    /// A person, x + the average user, with their part of the first layer, e_u·W₁(person half).
    fn person(&self, offset: &[f32]) -> Person {
        let x: Vec<f32> = offset
            .iter()
            .zip(&self.mean_user)
            .map(|(o, m)| o + m)
            .collect();
        let first = self.hidden.first().map_or_else(Vec::new, |layer| {
            let mut out = vec![0.0; layer.outputs];
            for (v, row) in x[..self.dim]
                .iter()
                .zip(layer.weight.chunks_exact(layer.outputs))
            {
                for (o, w) in out.iter_mut().zip(row) {
                    *o += v * w;
                }
            }
            out
        });
        Person { x, first }
    }

    /// The prediction for `item` and, when asked, its gradient with respect to the person's x.
    fn evaluate(&self, person: &Person, item: u32, gradient: Option<&mut [f64]>) -> f32 {
        let i = item as usize;
        let (e_u, rest) = person.x.split_at(self.dim);
        let (g_u, b_u) = rest.split_at(self.gmf_dim);
        let e_i = &self.item_embedding[i * self.dim..(i + 1) * self.dim];
        let g_i = &self.gmf_item[i * self.gmf_dim..(i + 1) * self.gmf_dim];
        // Forward, keeping each layer's output (ReLU'd) for the backward pass; the first layer
        // is the person's part plus the film's.
        let mut activations: Vec<Vec<f32>> = Vec::with_capacity(self.hidden.len() + 1);
        match self.hidden.first() {
            Some(first) => {
                let film = &self.film_side()[i * first.outputs..(i + 1) * first.outputs];
                activations.push(
                    person
                        .first
                        .iter()
                        .zip(film)
                        .map(|(p, f)| (p + f).max(0.0))
                        .collect(),
                );
            }
            None => activations.push(e_u.iter().chain(e_i).copied().collect()),
        }
        for layer in self.hidden.iter().skip(1) {
            let mut out = Vec::with_capacity(layer.outputs);
            layer.forward(activations.last().expect("the first layer"), &mut out);
            out.iter_mut().for_each(|v| *v = v.max(0.0));
            activations.push(out);
        }
        let top = activations.last().expect("a layer");
        let w = &self.output.weight;
        let mlp: f32 = top.iter().zip(w).map(|(h, w)| h * w).sum();
        let gmf: f32 = (0..self.gmf_dim)
            .map(|k| w[top.len() + k] * g_u[k] * g_i[k])
            .sum();
        let prediction = self.mean + b_u[0] + self.item_bias[i] + self.output.bias[0] + mlp + gmf;
        if let Some(gradient) = gradient {
            // Back through the ReLU layers to the input; only its person half is free, so the
            // first layer is taken back through its person rows alone.
            let mut delta: Vec<f32> = w[..top.len()].to_vec();
            for (k, (layer, output)) in self.hidden.iter().zip(&activations).enumerate().rev() {
                let through: Vec<f32> = delta
                    .iter()
                    .zip(output)
                    .map(|(d, &h)| if h > 0.0 { *d } else { 0.0 })
                    .collect();
                let rows = if k == 0 { self.dim } else { layer.inputs };
                delta = layer
                    .weight
                    .chunks_exact(layer.outputs)
                    .take(rows)
                    .map(|row| row.iter().zip(&through).map(|(w, d)| w * d).sum())
                    .collect();
            }
            for (g, d) in gradient.iter_mut().zip(&delta[..self.dim]) {
                *g = *d as f64;
            }
            for k in 0..self.gmf_dim {
                gradient[self.dim + k] = (w[top.len() + k] * g_i[k]) as f64;
            }
            gradient[self.dim + self.gmf_dim] = 1.0;
        }
        prediction
    }
}

/// A person as the network takes them.
struct Person {
    /// [e_u; g_u; b_u].
    x: Vec<f32>,
    /// e_u·W₁(person half), before the film's part and the bias.
    first: Vec<f32>,
}

impl Personal for NeuralNet {
    fn personal_dim(&self) -> usize {
        self.dim + self.gmf_dim + 1
    }

    fn linear(&self) -> bool {
        false
    }

    fn predict_with_gradient(&self, x: &[f32], item: u32, gradient: &mut [f64]) -> f32 {
        self.evaluate(&self.person(x), item, Some(gradient))
    }

    fn predict_all(&self, x: &[f32], out: &mut [f32]) {
        let person = self.person(x);
        for (item, slot) in out.iter_mut().enumerate() {
            *slot = self.evaluate(&person, item as u32, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Int, Tensor, TensorData};

    use super::*;
    use crate::models::NeuralConfig;
    use crate::recommend::{FoldIn, FoldInRidge};

    fn module(config: &NeuralConfig) -> Neural {
        let seen = vec![true; 6];
        let mut model = Neural::new(config, 3.5, &seen[..4], &seen, &Device::flex());
        // Larger embeddings than the init's, so the ReLUs switch and the gradient has curvature.
        model.user_embedding.weight = model.user_embedding.weight.map(|w| w.mul_scalar(20.0));
        model.item_embedding.weight = model.item_embedding.weight.map(|w| w.mul_scalar(20.0));
        model
    }

    /// User `user`'s x: their offset from the average user.
    fn person_of(model: &Neural, user: usize) -> Vec<f32> {
        let net = NeuralNet::of(model);
        let row = |t: &burn::nn::Embedding| {
            let d = t.weight.shape().dims::<2>()[1];
            read_values(t.weight.val())[user * d..(user + 1) * d].to_vec()
        };
        let mut x = row(&model.user_embedding);
        if let Some(g) = &model.gmf_user {
            x.extend(row(g));
        }
        x.extend(row(&model.user_bias));
        x.iter().zip(&net.mean_user).map(|(x, m)| x - m).collect()
    }

    #[test]
    fn the_plain_network_predicts_what_the_module_predicts() {
        for config in [
            NeuralConfig::ncf()
                .with_dim(4)
                .with_gmf_dim(3)
                .with_layers(vec![5, 3]),
            NeuralConfig::deep().with_dim(4).with_layers(vec![6]),
        ] {
            let model = module(&config);
            let net = NeuralNet::of(&model);
            let device = Device::flex();
            let users = Tensor::<1, Int>::from_data(TensorData::new(vec![2i64; 6], [6]), &device);
            let items = Tensor::<1, Int>::from_data(
                TensorData::new((0..6i64).collect::<Vec<_>>(), [6]),
                &device,
            );
            let expected = read_values(model.forward(users, items));
            let mut got = vec![0.0; 6];
            net.predict_all(&person_of(&model, 2), &mut got);
            for (g, e) in got.iter().zip(&expected) {
                assert!((g - e).abs() < 1e-4, "{got:?} vs {expected:?}");
            }
        }
    }

    #[test]
    fn the_gradient_matches_finite_differences() {
        let config = NeuralConfig::ncf()
            .with_dim(4)
            .with_gmf_dim(3)
            .with_layers(vec![5, 3]);
        let model = module(&config);
        let net = NeuralNet::of(&model);
        let x = person_of(&model, 1);
        for item in 0..6u32 {
            let mut gradient = vec![0.0; net.personal_dim()];
            net.predict_with_gradient(&x, item, &mut gradient);
            for k in 0..x.len() {
                let h = 1e-2f32;
                let (mut up, mut down) = (x.clone(), x.clone());
                up[k] += h;
                down[k] -= h;
                let mut scratch = vec![0.0; net.personal_dim()];
                let numeric = (net.predict_with_gradient(&up, item, &mut scratch)
                    - net.predict_with_gradient(&down, item, &mut scratch))
                    as f64
                    / (2.0 * h as f64);
                assert!(
                    (numeric - gradient[k]).abs() < 2e-3,
                    "item {item}, x[{k}]: {numeric} vs {}",
                    gradient[k]
                );
            }
        }
    }

    #[test]
    fn folding_in_a_persons_own_ratings_recovers_their_predictions() {
        // Ratings the network itself predicts for user 0: a weakly regularised fold-in should find
        // someone who predicts the same, on the rated films and on the rest.
        let config = NeuralConfig::ncf()
            .with_dim(3)
            .with_gmf_dim(2)
            .with_layers(vec![4]);
        let model = module(&config);
        let net = NeuralNet::of(&model);
        let truth = person_of(&model, 0);
        let mut expected = vec![0.0; 6];
        net.predict_all(&truth, &mut expected);
        let ratings: Vec<(u32, f32)> = (0..6u32).map(|i| (i, expected[i as usize])).collect();
        let weak = FoldInRidge {
            factors_floor: 1e-4,
            bias_floor: 1e-4,
            per_rating: 0.0,
        };
        let fold = FoldIn::solve(&net, &ratings, weak);
        let mut got = vec![0.0; 6];
        fold.predict_all(&net, &mut got);
        let zero = vec![0.0; net.personal_dim()];
        let mut start = vec![0.0; 6];
        net.predict_all(&zero, &mut start);
        let error = |p: &[f32]| {
            p.iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f32>()
        };
        assert!(
            error(&got) < 1e-3 * error(&start).max(1e-6) + 1e-5,
            "{got:?} vs {expected:?}"
        );
        // The attributions add up to the first-order personal change at the solution.
        let parts: f32 = fold.attributions(&net, 3).iter().map(|p| p.1).sum();
        let mut a = vec![0.0; net.personal_dim()];
        net.predict_with_gradient(&fold_x(&fold), 3, &mut a);
        let first_order: f64 = a.iter().zip(fold_x(&fold)).map(|(a, x)| a * x as f64).sum();
        assert!(
            (parts as f64 - first_order).abs() < 1e-3,
            "{parts} vs {first_order}"
        );
    }

    fn fold_x(fold: &FoldIn) -> Vec<f32> {
        let mut x = fold.vector.clone();
        x.push(fold.bias);
        x
    }
}
